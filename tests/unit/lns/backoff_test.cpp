#include <gtest/gtest.h>

#include <stdexcept>

#include "ranbridge/lns/backoff.hpp"

using namespace ranbridge::lns;
using namespace std::chrono_literals;

TEST(Backoff, DoublesUpToTheMaximumWithoutJitterAtMidpoint) {
  Backoff b(500ms, 30s, [] { return 0.5; });  // jitter factor exactly 1.0
  EXPECT_EQ(b.next(), 500ms);
  EXPECT_EQ(b.next(), 1000ms);
  EXPECT_EQ(b.next(), 2000ms);
  EXPECT_EQ(b.next(), 4000ms);
  EXPECT_EQ(b.next(), 8000ms);
  EXPECT_EQ(b.next(), 16000ms);
  EXPECT_EQ(b.next(), 30000ms);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(b.next(), 30000ms);  // no overflow, stays capped
  b.reset();
  EXPECT_EQ(b.next(), 500ms);
}

TEST(Backoff, JitterStaysWithinTwentyPercentAndBounds) {
  Backoff low(500ms, 30s, [] { return 0.0; });
  EXPECT_EQ(low.next(), 500ms);  // 0.8 * 500 clamped up to min
  EXPECT_EQ(low.next(), 800ms);
  Backoff high(500ms, 30s, [] { return 0.999999; });
  EXPECT_EQ(high.next().count(), 599);
  for (int i = 0; i < 10; ++i) high.next();
  EXPECT_EQ(high.next(), 30000ms);  // 1.2 * 30 s clamped down to max
}

TEST(Backoff, RejectsBadBounds) {
  EXPECT_THROW(Backoff(0ms, 1s, [] { return 0.5; }), std::invalid_argument);
  EXPECT_THROW(Backoff(2s, 1s, [] { return 0.5; }), std::invalid_argument);
}
