#include "ranbridge/bridge/stats.hpp"

#include <gtest/gtest.h>

using ranbridge::bridge::RegionStats;
using ranbridge::bridge::StatsSnapshot;

TEST(RegionStats, TakeReturnsCountsSinceLastTakeAndResets) {
  RegionStats s;
  for (int i = 0; i < 5; ++i) s.upstream_received();
  for (int i = 0; i < 3; ++i) s.upstream_acked();
  s.downlink_received();
  EXPECT_EQ(s.take(), (StatsSnapshot{5, 3, 1, 0}));
  EXPECT_EQ(s.take(), (StatsSnapshot{}));
}
