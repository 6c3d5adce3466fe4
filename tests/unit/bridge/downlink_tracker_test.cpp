#include "ranbridge/bridge/downlink_tracker.hpp"

#include <gtest/gtest.h>

using namespace ranbridge;
using namespace ranbridge::bridge;
using namespace std::chrono_literals;
using Clock = DownlinkTracker::Clock;

namespace {
PendingDownlink entry(std::uint32_t downlink_id, Clock::time_point expires) {
  PendingDownlink e;
  e.downlink_id = downlink_id;
  e.statuses = {gw::IGNORED, gw::IGNORED};
  e.expires = expires;
  return e;
}
}  // namespace

TEST(DownlinkTracker, AckThenResultTakesTheEntry) {
  DownlinkTracker t(10);
  const auto now = Clock::now();
  ASSERT_TRUE(t.add(7, entry(100, now + 5s)));
  EXPECT_TRUE(t.mark_scheduled(7, 9));
  EXPECT_FALSE(t.mark_scheduled(8, 9));  // unknown transaction
  auto e = t.take(7);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->downlink_id, 100u);
  EXPECT_TRUE(e->scheduled);
  EXPECT_EQ(e->mailbox_id, 9u);
  EXPECT_FALSE(t.take(7));  // a second result for it is unknown
  EXPECT_EQ(t.size(), 0u);
}

TEST(DownlinkTracker, RefusesBeyondMaxPendingAndDuplicates) {
  DownlinkTracker t(2);
  const auto now = Clock::now();
  EXPECT_TRUE(t.add(1, entry(1, now + 1s)));
  EXPECT_FALSE(t.add(1, entry(9, now + 1s)));  // same tx
  EXPECT_TRUE(t.add(2, entry(2, now + 1s)));
  EXPECT_FALSE(t.add(3, entry(3, now + 1s)));  // full
  EXPECT_EQ(t.size(), 2u);
  t.take(1);
  EXPECT_TRUE(t.add(3, entry(3, now + 1s)));  // room again
}

TEST(DownlinkTracker, ExpiresOnlyWhatIsPastItsDeadlineOldestFirst) {
  DownlinkTracker t(10);
  const auto now = Clock::now();
  t.add(1, entry(1, now + 3s));
  t.add(2, entry(2, now + 1s));
  t.add(3, entry(3, now + 10s));
  EXPECT_EQ(t.next_expiry(), now + 1s);
  EXPECT_TRUE(t.take_expired(now).empty());
  auto gone = t.take_expired(now + 5s);
  ASSERT_EQ(gone.size(), 2u);
  EXPECT_EQ(gone[0].first, 2u);
  EXPECT_EQ(gone[1].first, 1u);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_FALSE(t.take(2));  // expired entries cannot be taken by a late result
  auto rest = t.take_all();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].first, 3u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_FALSE(t.next_expiry());
}
