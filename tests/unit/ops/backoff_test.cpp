#include "ranbridge/ops/backoff.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

namespace ranbridge::ops {
namespace {

using namespace std::chrono_literals;
using Ms = Backoff::Millis;

Backoff::Uniform constant(double u) {
  return [u] { return u; };
}

TEST(Backoff, DoublesFromHalfASecondToThirtySeconds) {
  Backoff b(Backoff::Options{}, constant(0.5));  // u = 0.5: no jitter
  Backoff::Clock::time_point t{};
  std::vector<long> delays;
  for (int i = 0; i < 10; ++i) delays.push_back(b.next_delay(t).count());
  EXPECT_EQ(delays,
            (std::vector<long>{500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000}));
  EXPECT_EQ(b.attempts(), 10u);
}

TEST(Backoff, JitterStaysWithinBoundsAndUnderMax) {
  Backoff low(Backoff::Options{}, constant(0.0));
  Backoff high(Backoff::Options{}, constant(0.999999));
  Backoff::Clock::time_point t{};
  EXPECT_EQ(low.next_delay(t), Ms(400));   // 500 * 0.8
  EXPECT_EQ(high.next_delay(t), Ms(600));  // 500 * 1.2
  for (int i = 0; i < 20; ++i) {
    EXPECT_LE(high.next_delay(t), Ms(30000));
    EXPECT_GE(low.next_delay(t), Ms(400));
  }
  EXPECT_EQ(low.next_delay(t), Ms(24000));  // capped base 30 s, -20 %
}

TEST(Backoff, DefaultRandomJitterIsSpread) {
  Backoff b;
  Backoff::Clock::time_point t{};
  auto first = b.next_delay(t);
  EXPECT_GE(first, Ms(400));
  EXPECT_LE(first, Ms(600));
}

TEST(Backoff, StableConnectionResetsSchedule) {
  Backoff b(Backoff::Options{}, constant(0.5));
  Backoff::Clock::time_point t{};
  for (int i = 0; i < 5; ++i) b.next_delay(t);
  EXPECT_EQ(b.next_delay(t), Ms(16000));
  // Up for 59 s: not stable, the schedule continues.
  b.connected(t);
  t += 59s;
  EXPECT_EQ(b.next_delay(t), Ms(30000));
  // Up for a full minute: back to the start.
  b.connected(t);
  t += 60s;
  EXPECT_EQ(b.next_delay(t), Ms(500));
  EXPECT_EQ(b.next_delay(t), Ms(1000));
}

TEST(Backoff, FailureWithoutConnectDoesNotReset) {
  Backoff b(Backoff::Options{}, constant(0.5));
  Backoff::Clock::time_point t{};
  b.next_delay(t);
  t += 10min;  // long gap, but never connected
  EXPECT_EQ(b.next_delay(t), Ms(1000));
  b.reset();
  EXPECT_EQ(b.next_delay(t), Ms(500));
}

TEST(Backoff, RejectsBadOptions) {
  Backoff::Options o;
  o.multiplier = 1.0;
  EXPECT_THROW(Backoff(o, constant(0.5)), std::invalid_argument);
  o = {};
  o.max = Ms(100);
  EXPECT_THROW(Backoff(o, constant(0.5)), std::invalid_argument);
  o = {};
  o.jitter = 1.5;
  EXPECT_THROW(Backoff(o, constant(0.5)), std::invalid_argument);
}

}  // namespace
}  // namespace ranbridge::ops
