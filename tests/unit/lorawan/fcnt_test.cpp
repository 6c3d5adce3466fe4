#include <gtest/gtest.h>

#include "ranbridge/lorawan/fcnt.hpp"

using namespace ranbridge::lorawan;

TEST(Fcnt, FirstFrameOfANewDeviceTakesTheSixteenBits) {
  auto r = reconstruct_fcnt(std::nullopt, 7);
  EXPECT_EQ(r.status, FcntStatus::New);
  EXPECT_EQ(r.fcnt, 7u);
}

TEST(Fcnt, RolloverFromFfffToTenThousand) {
  auto r = reconstruct_fcnt(0xFFFF, 0x0000);
  EXPECT_EQ(r.status, FcntStatus::New);
  EXPECT_EQ(r.fcnt, 0x10000u);
  r = reconstruct_fcnt(0x1FFFE, 0x0003);
  EXPECT_EQ(r.status, FcntStatus::New);
  EXPECT_EQ(r.fcnt, 0x20003u);
}

TEST(Fcnt, GapUpToTheMaximumIsAcceptedOneMoreIsNot) {
  EXPECT_EQ(reconstruct_fcnt(100, 100 + 16384).status, FcntStatus::New);
  EXPECT_EQ(reconstruct_fcnt(100, 100 + 16385).status, FcntStatus::GapTooLarge);
  // Across a rollover as well.
  auto r = reconstruct_fcnt(0xF000, static_cast<std::uint16_t>(0xF000 + 16384));
  EXPECT_EQ(r.status, FcntStatus::New);
  EXPECT_EQ(r.fcnt, 0xF000u + 16384u);
}

TEST(Fcnt, ConfigurableGap) {
  FcntPolicy p;
  p.max_gap = 10;
  EXPECT_EQ(reconstruct_fcnt(5, 15, p).status, FcntStatus::New);
  EXPECT_EQ(reconstruct_fcnt(5, 16, p).status, FcntStatus::GapTooLarge);
  p.max_gap = 0xFFFFFFFF;  // no bound: any forward value
  EXPECT_EQ(reconstruct_fcnt(5, 4, p).fcnt, 0x10004u);
}

TEST(Fcnt, ReplaysAndRetransmissions) {
  EXPECT_EQ(reconstruct_fcnt(6, 6).status, FcntStatus::Replay);
  EXPECT_EQ(reconstruct_fcnt(6, 5).status, FcntStatus::Replay);
  EXPECT_EQ(reconstruct_fcnt(6, 5).fcnt, 5u);
  EXPECT_EQ(reconstruct_fcnt(0x10001, 0xFFFF).status, FcntStatus::Replay);
  EXPECT_EQ(reconstruct_fcnt(0x10001, 0xFFFF).fcnt, 0xFFFFu);
  FcntPolicy p;
  p.allow_retransmission = true;
  auto r = reconstruct_fcnt(0x12345, 0x2345, p);
  EXPECT_EQ(r.status, FcntStatus::Retransmission);
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(r.fcnt, 0x12345u);
  EXPECT_FALSE(reconstruct_fcnt(6, 6).accepted());
}

TEST(Fcnt, FarBehindAndFarAheadAreGapTooLarge) {
  // 30000 behind (older than max_gap) reads as a jump of 35536 forward: too large either way.
  EXPECT_EQ(reconstruct_fcnt(40000, 10000).status, FcntStatus::GapTooLarge);
}

TEST(Fcnt, CounterExhaustion) {
  EXPECT_EQ(reconstruct_fcnt(0xFFFFFFFE, 0xFFFF).status, FcntStatus::New);
  EXPECT_EQ(reconstruct_fcnt(0xFFFFFFFE, 0xFFFF).fcnt, 0xFFFFFFFFu);
  EXPECT_EQ(reconstruct_fcnt(0xFFFFFFFE, 0x0000).status, FcntStatus::Exhausted);
  EXPECT_EQ(reconstruct_fcnt(0xFFFFFFFF, 0x0001).status, FcntStatus::Exhausted);
}

TEST(Fcnt, NextRolloverCandidate) {
  EXPECT_EQ(next_rollover(0x5C30), 0x15C30u);
  EXPECT_EQ(next_rollover(0xFFFEFFFF), 0xFFFFFFFFu);
  EXPECT_FALSE(next_rollover(0xFFFF0000));
}

TEST(Fcnt, FirstFrameWithAConfiguredStart) {
  auto r = first_fcnt(0x20000, 5);
  EXPECT_EQ(r.status, FcntStatus::New);
  EXPECT_EQ(r.fcnt, 0x20005u);
  EXPECT_EQ(first_fcnt(0x20005, 5).fcnt, 0x20005u);  // the start value itself is fine
  EXPECT_EQ(first_fcnt(0x20006, 5).status, FcntStatus::GapTooLarge);
}

TEST(Fcnt, StatusNames) {
  EXPECT_EQ(to_string(FcntStatus::GapTooLarge), "gap_too_large");
  EXPECT_EQ(to_string(FcntStatus::Replay), "replay");
}
