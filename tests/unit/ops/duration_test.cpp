#include "ranbridge/ops/duration.hpp"

#include <gtest/gtest.h>

namespace ranbridge::ops {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("300s"), Duration(300s));
  EXPECT_EQ(parse_duration("200ms"), Duration(200ms));
  EXPECT_EQ(parse_duration("5m"), Duration(5min));
  EXPECT_EQ(parse_duration("1.5s"), Duration(1500ms));
  EXPECT_EQ(parse_duration("2h"), Duration(2h));
  EXPECT_EQ(parse_duration("250us"), Duration(250us));
  EXPECT_EQ(parse_duration("0s"), Duration(0));
  EXPECT_EQ(parse_duration("0.25ms"), Duration(250us));
  EXPECT_EQ(parse_duration("1.500s"), Duration(1500ms));
}

TEST(Duration, RejectsBadInput) {
  for (auto bad : {"", "s", "30", "1.s", ".5s", "-1s", "+1s", "1 s", " 1s", "1sec", "1d", "1.5.0s",
                   "0x10s", "1e3ms", "1.0001us", "1.5us", "2401h", "99999999999999999s"})
    EXPECT_FALSE(parse_duration(bad)) << bad;
}

TEST(Duration, FormatsShortestExactUnit) {
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  EXPECT_EQ(format_duration(Duration(1500ms)), "1500ms");
  EXPECT_EQ(format_duration(Duration(300s)), "5m");
  EXPECT_EQ(format_duration(Duration(7200s)), "2h");
  EXPECT_EQ(format_duration(Duration(3us)), "3us");
  for (auto text : {"1500ms", "5m", "2h", "7us", "59s"})
    EXPECT_EQ(format_duration(*parse_duration(text)), text);
}

}  // namespace
}  // namespace ranbridge::ops
