#include <gtest/gtest.h>

#include "ranbridge/lorawan/region.hpp"

using namespace ranbridge::lorawan;
using Cands = std::vector<TxCandidate>;

namespace {
UplinkRadio lora(std::uint64_t f, std::uint8_t sf, std::uint32_t bw) {
  return UplinkRadio{f, Modulation::LoRa, sf, bw, 0};
}
}  // namespace

TEST(Region, Names) {
  EXPECT_EQ(region_from_string("eu868"), Region::EU868);
  EXPECT_EQ(region_from_string("AS923"), Region::AS923_1);
  EXPECT_EQ(region_from_string("as923_3"), Region::AS923_3);
  EXPECT_EQ(region_from_string("AS923-4"), Region::AS923_4);
  EXPECT_FALSE(region_from_string("EU433"));
  EXPECT_FALSE(region_from_string(""));
  for (auto r : {Region::EU868, Region::US915, Region::AU915, Region::AS923_1, Region::AS923_2,
                 Region::AS923_3, Region::AS923_4, Region::IN865, Region::KR920})
    EXPECT_EQ(region_from_string(to_string(r)), r);
}

TEST(Region, DataRateTables) {
  EXPECT_EQ(data_rates(Region::EU868)[0].spreading_factor, 12);
  EXPECT_EQ(data_rates(Region::EU868)[6].bandwidth_hz, 250000u);
  EXPECT_EQ(data_rates(Region::EU868)[7].modulation, Modulation::Fsk);
  EXPECT_EQ(data_rates(Region::US915)[0].spreading_factor, 10);
  EXPECT_EQ(data_rates(Region::US915)[4].bandwidth_hz, 500000u);
  EXPECT_FALSE(data_rates(Region::US915)[12].uplink);  // SF8/500 downlink-only twin of DR4
  EXPECT_EQ(data_rates(Region::AU915)[6].spreading_factor, 8);
  EXPECT_EQ(data_rates(Region::KR920).size(), 6u);
  EXPECT_FALSE(data_rates(Region::IN865)[6].uplink);  // RFU
}

TEST(Region, UplinkDataRateIsUniquePerModulation) {
  EXPECT_EQ(uplink_data_rates(Region::US915, lora(903000000, 8, 500000)),
            std::vector<std::uint8_t>{4});
  EXPECT_EQ(uplink_data_rates(Region::EU868, lora(868100000, 7, 250000)),
            std::vector<std::uint8_t>{6});
  EXPECT_EQ(uplink_data_rates(Region::EU868, UplinkRadio{868800000, Modulation::Fsk, 0, 0, 50000}),
            std::vector<std::uint8_t>{7});
  EXPECT_TRUE(uplink_data_rates(Region::US915, lora(902300000, 12, 125000)).empty());
  EXPECT_TRUE(uplink_data_rates(Region::KR920, lora(922100000, 7, 250000)).empty());
}

TEST(Region, Eu868DefaultChannelsAreExact) {
  EXPECT_EQ(uplink_tx_candidates(Region::EU868, lora(868100000, 12, 125000)), (Cands{{0, 0}}));
  EXPECT_EQ(uplink_tx_candidates(Region::EU868, lora(868300000, 7, 250000)), (Cands{{6, 1}}));
  EXPECT_EQ(uplink_tx_candidates(Region::EU868, lora(868500000, 7, 125000)), (Cands{{5, 2}}));
  // A frequency from a float MHz value, a few Hz off.
  EXPECT_EQ(uplink_tx_candidates(Region::EU868, lora(868099998, 9, 125000)), (Cands{{3, 0}}));
}

TEST(Region, Eu868ExtraChannelIsAmbiguousUnlessKnown) {
  auto c = uplink_tx_candidates(Region::EU868, lora(867100000, 10, 125000));
  ASSERT_EQ(c.size(), 13u);  // indices 3..15
  EXPECT_EQ(c.front(), (TxCandidate{2, 3}));
  EXPECT_EQ(c.back(), (TxCandidate{2, 15}));
  const std::uint64_t cflist[] = {867100000, 867300000, 867500000, 867700000, 867900000};
  EXPECT_EQ(uplink_tx_candidates(Region::EU868, lora(867500000, 10, 125000), cflist),
            (Cands{{2, 5}}));
  // Not in the device's list: back to every non-default index.
  EXPECT_EQ(uplink_tx_candidates(Region::EU868, lora(869000000, 10, 125000), cflist).size(), 13u);
}

TEST(Region, OutOfBandOrWrongModulationGivesNothing) {
  EXPECT_TRUE(uplink_tx_candidates(Region::EU868, lora(915000000, 7, 125000)).empty());
  EXPECT_TRUE(uplink_tx_candidates(Region::EU868, lora(868100000, 6, 125000)).empty());
  EXPECT_TRUE(uplink_tx_candidates(Region::US915, lora(902400000, 7, 125000)).empty());
  EXPECT_TRUE(uplink_tx_candidates(Region::US915, lora(902300000, 8, 500000)).empty());
  EXPECT_TRUE(uplink_tx_candidates(Region::US915, lora(800000000, 7, 125000)).empty());
  EXPECT_TRUE(
      uplink_tx_candidates(Region::US915, UplinkRadio{902300000, Modulation::LrFhss, 0, 0, 0})
          .empty());
}

TEST(Region, Us915FixedGrid) {
  EXPECT_EQ(uplink_tx_candidates(Region::US915, lora(902300000, 10, 125000)), (Cands{{0, 0}}));
  EXPECT_EQ(uplink_tx_candidates(Region::US915, lora(904100000, 7, 125000)), (Cands{{3, 9}}));
  EXPECT_EQ(uplink_tx_candidates(Region::US915, lora(914900000, 9, 125000)), (Cands{{1, 63}}));
  EXPECT_EQ(uplink_tx_candidates(Region::US915, lora(903000000, 8, 500000)), (Cands{{4, 64}}));
  EXPECT_EQ(uplink_tx_candidates(Region::US915, lora(914200000, 8, 500000)), (Cands{{4, 71}}));
  EXPECT_EQ(max_channel_index(Region::US915), 71);
}

TEST(Region, Au915FixedGrid) {
  EXPECT_EQ(uplink_tx_candidates(Region::AU915, lora(915200000, 12, 125000)), (Cands{{0, 0}}));
  EXPECT_EQ(uplink_tx_candidates(Region::AU915, lora(916800000, 7, 125000)), (Cands{{5, 8}}));
  EXPECT_EQ(uplink_tx_candidates(Region::AU915, lora(915900000, 8, 500000)), (Cands{{6, 64}}));
}

TEST(Region, As923VariantsIn865Kr920) {
  EXPECT_EQ(uplink_tx_candidates(Region::AS923_1, lora(923200000, 10, 125000)), (Cands{{2, 0}}));
  EXPECT_EQ(uplink_tx_candidates(Region::AS923_2, lora(921600000, 10, 125000)), (Cands{{2, 1}}));
  EXPECT_EQ(uplink_tx_candidates(Region::AS923_3, lora(916600000, 7, 125000)), (Cands{{5, 0}}));
  EXPECT_EQ(uplink_tx_candidates(Region::AS923_4, lora(917500000, 7, 250000)), (Cands{{6, 1}}));
  EXPECT_EQ(uplink_tx_candidates(Region::AS923_1, lora(923600000, 10, 125000)).size(), 14u);
  EXPECT_EQ(uplink_tx_candidates(Region::IN865, lora(865062500, 12, 125000)), (Cands{{0, 0}}));
  EXPECT_EQ(uplink_tx_candidates(Region::IN865, lora(865985000, 12, 125000)), (Cands{{0, 2}}));
  EXPECT_EQ(uplink_tx_candidates(Region::KR920, lora(922500000, 7, 125000)), (Cands{{5, 2}}));
  EXPECT_EQ(default_channels(Region::KR920).size(), 3u);
  EXPECT_TRUE(default_channels(Region::US915).empty());
}
