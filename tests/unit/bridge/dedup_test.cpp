#include "ranbridge/bridge/dedup.hpp"

#include <gtest/gtest.h>

#include <vector>

using ranbridge::bridge::DedupCache;
using namespace std::chrono_literals;

namespace {
const DedupCache::Clock::time_point t0{};
std::vector<std::uint8_t> frame(std::uint8_t tag) {
  return {0x40, 0x01, 0x1b, 0x01, 0x26, tag};
}
}  // namespace

TEST(DedupCache, SecondReceptionWithinWindowIsDuplicate) {
  DedupCache cache(200ms, 100);
  EXPECT_TRUE(cache.first_seen(frame(1), t0));
  EXPECT_FALSE(cache.first_seen(frame(1), t0 + 50ms));
  EXPECT_FALSE(cache.first_seen(frame(1), t0 + 199ms));
  EXPECT_EQ(cache.duplicates(), 2u);
}

TEST(DedupCache, DifferentPayloadsAreIndependent) {
  DedupCache cache(200ms, 100);
  EXPECT_TRUE(cache.first_seen(frame(1), t0));
  EXPECT_TRUE(cache.first_seen(frame(2), t0));
  auto longer = frame(1);
  longer.push_back(0);
  EXPECT_TRUE(cache.first_seen(longer, t0));
  EXPECT_EQ(cache.duplicates(), 0u);
}

TEST(DedupCache, SamePayloadAfterWindowIsNewAgain) {
  DedupCache cache(200ms, 100);
  EXPECT_TRUE(cache.first_seen(frame(1), t0));
  EXPECT_TRUE(cache.first_seen(frame(1), t0 + 200ms));
  EXPECT_FALSE(cache.first_seen(frame(1), t0 + 250ms));
  // The re-inserted entry must survive the expiry of the first one.
  EXPECT_FALSE(cache.first_seen(frame(1), t0 + 399ms));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(DedupCache, ExpiredEntriesAreFreed) {
  DedupCache cache(200ms, 1000);
  for (std::uint8_t i = 0; i < 50; ++i) cache.first_seen(frame(i), t0);
  EXPECT_EQ(cache.size(), 50u);
  cache.first_seen(frame(200), t0 + 1s);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(DedupCache, MemoryIsBoundedByEvictingOldest) {
  DedupCache cache(10s, 3);
  for (std::uint8_t i = 0; i < 5; ++i) EXPECT_TRUE(cache.first_seen(frame(i), t0 + i * 1ms));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.evicted(), 2u);
  EXPECT_TRUE(cache.first_seen(frame(0), t0 + 10ms));   // evicted: seen as new
  EXPECT_FALSE(cache.first_seen(frame(4), t0 + 10ms));  // newest kept
}

TEST(DedupCache, ZeroCapacityIsRefused) {
  EXPECT_THROW(DedupCache(1s, 0), std::invalid_argument);
}
