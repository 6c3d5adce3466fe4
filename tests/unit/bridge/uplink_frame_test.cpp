#include "ranbridge/bridge/uplink_frame.hpp"

#include <gtest/gtest.h>

using namespace ranbridge;
using namespace ranbridge::bridge;

namespace {

ran::Upstream lora_upstream() {
  ran::Upstream up;
  up.transaction_id = 7;
  up.dev_euis = {lorawan::DevEui{0x1}};
  up.radio.frequency = 868100000;
  up.radio.modulation = ran::LoRa{9, 125000};
  up.radio.rssi = -97.6;
  up.radio.snr = 7.25;
  up.phy_payload_no_mic = {0x40, 0x01, 0x1b, 0x01, 0x26, 0x00, 0x01, 0x00};
  up.mic_challenge = {1, 2};
  up.gps = ran::Gps{-23.5, -46.6, 760.0};
  return up;
}

UplinkMeta meta() {
  UplinkMeta m;
  m.gateway_id = lns::GatewayId{0x00000000000e0001};
  m.context =
      UplinkContext{2, ContextFrameKind::Data, lorawan::DevEui{0x1}, 0x11223344, 1764050000123456};
  return m;
}

}  // namespace

TEST(UplinkFrame, OnAirMicFollowsByteOrder) {
  EXPECT_EQ(on_air_mic(0x11223344, mic::MicByteOrder::Big), (lorawan::Mic{0x11, 0x22, 0x33, 0x44}));
  EXPECT_EQ(on_air_mic(0x11223344, mic::MicByteOrder::Little),
            (lorawan::Mic{0x44, 0x33, 0x22, 0x11}));
}

TEST(UplinkFrame, FullPhyPayloadAppendsMic) {
  std::vector<std::uint8_t> no_mic{1, 2, 3};
  EXPECT_EQ(full_phy_payload(no_mic, {9, 8, 7, 6}),
            (std::vector<std::uint8_t>{1, 2, 3, 9, 8, 7, 6}));
}

TEST(UplinkFrame, LoraFieldsMapped) {
  auto up = lora_upstream();
  auto phy = full_phy_payload(up.phy_payload_no_mic, {1, 2, 3, 4});
  auto f = make_uplink_frame(up, phy, meta());
  EXPECT_EQ(f.phy_payload(), std::string(phy.begin(), phy.end()));
  EXPECT_EQ(f.tx_info().frequency(), 868100000u);
  ASSERT_TRUE(f.tx_info().modulation().has_lora());
  EXPECT_EQ(f.tx_info().modulation().lora().spreading_factor(), 9u);
  EXPECT_EQ(f.tx_info().modulation().lora().bandwidth(), 125000u);
  EXPECT_EQ(f.tx_info().modulation().lora().code_rate(), gw::CR_4_5);
  EXPECT_FALSE(f.tx_info().modulation().lora().polarization_inversion());
  const auto& rx = f.rx_info();
  EXPECT_EQ(rx.gateway_id(), "00000000000e0001");
  EXPECT_EQ(rx.uplink_id(), 0x11223344u);
  EXPECT_EQ(rx.rssi(), -98);
  EXPECT_FLOAT_EQ(rx.snr(), 7.25f);
  EXPECT_EQ(rx.crc_status(), gw::CRC_OK);
  EXPECT_DOUBLE_EQ(rx.location().latitude(), -23.5);
  EXPECT_DOUBLE_EQ(rx.location().longitude(), -46.6);
  EXPECT_DOUBLE_EQ(rx.location().altitude(), 760.0);
  EXPECT_EQ(rx.location().source(), common::GPS);
  EXPECT_EQ(rx.ns_time().seconds(), 1764050000);
  EXPECT_EQ(rx.ns_time().nanos(), 123456000);
  EXPECT_EQ(rx.gw_time().seconds(), 1764050000);
  auto ctx = decode_context(
      std::span(reinterpret_cast<const std::uint8_t*>(rx.context().data()), rx.context().size()));
  ASSERT_TRUE(std::holds_alternative<UplinkContext>(ctx));
  EXPECT_EQ(std::get<UplinkContext>(ctx), meta().context);
}

TEST(UplinkFrame, NoGpsNoSignalLeavesFieldsUnset) {
  auto up = lora_upstream();
  up.gps.reset();
  up.radio.rssi.reset();
  up.radio.snr.reset();
  auto f = make_uplink_frame(up, up.phy_payload_no_mic, meta());
  EXPECT_FALSE(f.rx_info().has_location());
  EXPECT_EQ(f.rx_info().rssi(), 0);
}

TEST(UplinkFrame, FskAndFhssMapped) {
  auto up = lora_upstream();
  up.radio.modulation = ran::Fsk{25000, 50000};
  auto f = make_uplink_frame(up, up.phy_payload_no_mic, meta());
  ASSERT_TRUE(f.tx_info().modulation().has_fsk());
  EXPECT_EQ(f.tx_info().modulation().fsk().datarate(), 50000u);
  EXPECT_EQ(f.tx_info().modulation().fsk().frequency_deviation(), 25000u);
  up.radio.modulation = ran::Fhss{137000, "1/3"};
  f = make_uplink_frame(up, up.phy_payload_no_mic, meta());
  ASSERT_TRUE(f.tx_info().modulation().has_lr_fhss());
  EXPECT_EQ(f.tx_info().modulation().lr_fhss().operating_channel_width(), 137000u);
  EXPECT_EQ(f.tx_info().modulation().lr_fhss().code_rate(), gw::CR_2_6);
  up.radio.modulation = ran::Fhss{137000, "garbage"};
  f = make_uplink_frame(up, up.phy_payload_no_mic, meta());
  EXPECT_EQ(f.tx_info().modulation().lr_fhss().code_rate(), gw::CR_UNDEFINED);
}

TEST(UplinkFrame, RadioForSolver) {
  auto r = to_uplink_radio(lora_upstream().radio);
  EXPECT_EQ(r.frequency_hz, 868100000u);
  EXPECT_EQ(r.modulation, lorawan::Modulation::LoRa);
  EXPECT_EQ(r.spreading_factor, 9);
  EXPECT_EQ(r.bandwidth_hz, 125000u);
}
