#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <string>

#include "ranbridge/lns/gateway_codec.hpp"

using namespace ranbridge::lns;
using google::protobuf::util::MessageDifferencer;

namespace {

gw::UplinkFrame sample_uplink() {
  gw::UplinkFrame up;
  up.set_phy_payload(
      std::string("\x40\x04\x03\x02\x01\x80\x01\x00\x01\xa6\x94\x64\x26\x15\xd6\xc3\xb5\x82", 18));
  auto* tx = up.mutable_tx_info();
  tx->set_frequency(868100000);
  auto* lora = tx->mutable_modulation()->mutable_lora();
  lora->set_bandwidth(125000);
  lora->set_spreading_factor(7);
  lora->set_code_rate(gw::CR_4_5);
  auto* rx = up.mutable_rx_info();
  rx->set_gateway_id("00000000000e0001");
  rx->set_uplink_id(4000000000u);
  rx->mutable_gw_time()->set_seconds(1700000000);
  rx->mutable_gw_time()->set_nanos(500000000);
  rx->set_rssi(-57);
  rx->set_snr(9.5f);
  rx->set_context(std::string("\x01\x02\x00\xff", 4));
  rx->set_crc_status(gw::CRC_OK);
  rx->mutable_location()->set_latitude(-23.5);
  rx->mutable_location()->set_longitude(-46.625);
  rx->mutable_location()->set_source(common::GPS);
  (*rx->mutable_metadata())["region"] = "eu";
  return up;
}

gw::DownlinkFrame sample_downlink() {
  gw::DownlinkFrame d;
  d.set_downlink_id(123456);
  d.set_gateway_id("00000000000e0001");
  auto* rx1 = d.add_items();
  rx1->set_phy_payload(std::string("\x60\x04\x03\x02\x01\x00\x00\x00", 8));
  rx1->mutable_tx_info()->set_frequency(868100000);
  rx1->mutable_tx_info()->set_power(14);
  rx1->mutable_tx_info()->mutable_modulation()->mutable_lora()->set_spreading_factor(7);
  rx1->mutable_tx_info()->mutable_modulation()->mutable_lora()->set_polarization_inversion(true);
  rx1->mutable_tx_info()->mutable_timing()->mutable_delay()->mutable_delay()->set_seconds(1);
  rx1->mutable_tx_info()->mutable_timing()->mutable_delay()->mutable_delay()->set_nanos(500000000);
  rx1->mutable_tx_info()->set_context("ctx");
  auto* rx2 = d.add_items();
  rx2->set_phy_payload("x");
  rx2->mutable_tx_info()->set_frequency(869525000);
  rx2->mutable_tx_info()
      ->mutable_timing()
      ->mutable_gps_epoch()
      ->mutable_time_since_gps_epoch()
      ->set_seconds(1234567890);
  return d;
}

template <class M, class F>
void round_trip(const M& m, F decode) {
  for (auto marshaler : {Marshaler::protobuf, Marshaler::json}) {
    auto bytes = marshal(m, marshaler);
    EXPECT_EQ(detect_marshaler(bytes), marshaler);
    auto back = decode(bytes);
    ASSERT_TRUE(back.ok()) << to_string(marshaler) << ": " << back.error().reason;
    EXPECT_TRUE(MessageDifferencer::Equals(m, *back)) << to_string(marshaler) << "\n"
                                                      << m.DebugString() << "\n"
                                                      << back->DebugString();
  }
}

}  // namespace

TEST(GatewayCodec, UplinkFrameRoundTrips) {
  round_trip(sample_uplink(), unmarshal_uplink_frame);
}

TEST(GatewayCodec, DownlinkFrameRoundTrips) {
  round_trip(sample_downlink(), unmarshal_downlink_frame);
}

TEST(GatewayCodec, GatewayStatsRoundTrips) {
  gw::GatewayStats s;
  s.set_gateway_id("00000000000e0001");
  s.mutable_time()->set_seconds(1700000000);
  s.set_rx_packets_received(10);
  s.set_rx_packets_received_ok(9);
  s.set_tx_packets_received(3);
  s.set_tx_packets_emitted(2);
  (*s.mutable_tx_packets_per_status())["TOO_LATE"] = 1;
  (*s.mutable_metadata())["bridge"] = "ran-bridge";
  round_trip(s, unmarshal_gateway_stats);
}

TEST(GatewayCodec, TxAckRoundTrips) {
  gw::DownlinkTxAck a;
  a.set_gateway_id("00000000000e0001");
  a.set_downlink_id(77);
  a.add_items()->set_status(gw::TOO_LATE);
  a.add_items()->set_status(gw::OK);
  a.add_items()->set_status(gw::IGNORED);
  round_trip(a, unmarshal_downlink_tx_ack);
}

TEST(GatewayCodec, ConnStateRoundTrips) {
  gw::ConnState c;
  c.set_gateway_id("00000000000e0001");
  c.set_state(gw::ConnState::ONLINE);
  round_trip(c, unmarshal_conn_state);
  c.set_state(gw::ConnState::OFFLINE);
  round_trip(c, unmarshal_conn_state);
}

TEST(GatewayCodec, UplinkJsonUsesChirpStackNames) {
  auto json = marshal(sample_uplink(), Marshaler::json);
  for (const char* needle :
       {"\"phyPayload\":\"QAQDAgGAAQABppRkJhXWw7WC\"", "\"txInfo\":", "\"rxInfo\":",
        "\"gatewayId\":\"00000000000e0001\"", "\"uplinkId\":4000000000", "\"crcStatus\":\"CRC_OK\"",
        "\"frequency\":868100000", "\"spreadingFactor\":7", "\"codeRate\":\"CR_4_5\"",
        "\"bandwidth\":125000", "\"gwTime\":\"2023-11-14T22:13:20.500Z\"",
        "\"context\":\"AQIA/w==\"", "\"source\":\"GPS\"", "\"rssi\":-57", "\"snr\":9.5"})
    EXPECT_NE(json.find(needle), std::string::npos) << needle << " not in " << json;
  EXPECT_EQ(json.find("phy_payload"), std::string::npos);
}

TEST(GatewayCodec, DefaultsAreWrittenSoGatewayIdAndStateAlwaysAppear) {
  gw::ConnState c;
  auto json = marshal(c, Marshaler::json);
  EXPECT_NE(json.find("\"gatewayId\":\"\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"state\":\"OFFLINE\""), std::string::npos) << json;
}

TEST(GatewayCodec, DownlinkJsonAsChirpStackSendsIt) {
  // Hand-written the way ChirpStack v4 prints a class A downlink in JSON (camelCase,
  // Duration as "1s", unknown fields from newer versions, legacy fields).
  const std::string json = R"({
    "downlinkId": 2882400001, "gatewayId": "00000000000e0001", "downlinkIdLegacy": "",
    "items": [{"phyPayload": "YAQDAgEAAAA=", "txInfo": {"frequency": 868100000, "power": 14,
      "modulation": {"lora": {"bandwidth": 125000, "spreadingFactor": 7, "codeRate": "CR_4_5",
      "polarizationInversion": true}}, "timing": {"delay": {"delay": "1s"}},
      "context": "AQID", "someFutureField": {"x": 1}}},
      {"phyPayload": "YA==", "txInfo": {"frequency": 869525000,
      "timing": {"gpsEpoch": {"timeSinceGpsEpoch": "1234.500s"}}}},
      {"phyPayload": "YA==", "txInfo": {"timing": {"immediately": {}}}}]})";
  auto d = unmarshal_downlink_frame(json);
  ASSERT_TRUE(d.ok()) << d.error().reason;
  EXPECT_EQ(d->downlink_id(), 2882400001u);
  EXPECT_EQ(d->gateway_id(), "00000000000e0001");
  ASSERT_EQ(d->items_size(), 3);
  const auto& i0 = d->items(0);
  EXPECT_EQ(i0.phy_payload(), std::string("\x60\x04\x03\x02\x01\x00\x00\x00", 8));
  EXPECT_EQ(i0.tx_info().power(), 14);
  EXPECT_TRUE(i0.tx_info().modulation().lora().polarization_inversion());
  EXPECT_EQ(i0.tx_info().modulation().lora().code_rate(), gw::CR_4_5);
  EXPECT_EQ(i0.tx_info().timing().delay().delay().seconds(), 1);
  EXPECT_EQ(i0.tx_info().context(), "\x01\x02\x03");
  EXPECT_EQ(d->items(1).tx_info().timing().gps_epoch().time_since_gps_epoch().seconds(), 1234);
  EXPECT_EQ(d->items(1).tx_info().timing().gps_epoch().time_since_gps_epoch().nanos(), 500000000);
  EXPECT_TRUE(d->items(2).tx_info().timing().has_immediately());
}

TEST(GatewayCodec, DurationPrintsInSecondsForm) {
  auto json = marshal(sample_downlink(), Marshaler::json);
  EXPECT_NE(json.find("\"delay\":\"1.500s\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"timeSinceGpsEpoch\":\"1234567890s\""), std::string::npos) << json;
}

TEST(GatewayCodec, LeadingWhitespaceJsonIsDetected) {
  auto json = "  \n\t" + marshal(sample_downlink(), Marshaler::json);
  EXPECT_EQ(detect_marshaler(json), Marshaler::json);
  EXPECT_TRUE(unmarshal_downlink_frame(json).ok());
}

TEST(GatewayCodec, BinaryStartingWithBraceStillDecodes) {
  // A 123-byte PHYPayload makes the binary UplinkFrame begin with 0x0a 0x7b ('{' second),
  // and a first field of length 123 at number 15 would begin with '{' itself: protect the
  // fallback with a frame whose first byte really is '{' through the length of phy_payload.
  gw::UplinkFrame up = sample_uplink();
  up.set_phy_payload(std::string(123, '\x40'));
  auto bytes = marshal(up, Marshaler::protobuf);
  ASSERT_EQ(bytes[1], '{');
  auto back = unmarshal_uplink_frame(bytes.substr(0));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_TRUE(MessageDifferencer::Equals(up, *back));
}

TEST(GatewayCodec, GarbageIsAnErrorNotAnException) {
  EXPECT_EQ(unmarshal_downlink_frame("").error().reason, "empty payload");
  auto bad_json = unmarshal_downlink_frame("{\"items\": [");
  ASSERT_FALSE(bad_json.ok());
  EXPECT_EQ(bad_json.error().reason.rfind("json:", 0), 0u) << bad_json.error().reason;
  auto wrong_type = unmarshal_downlink_frame(R"({"downlinkId": "not a number", "items": [{}]})");
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_NE(wrong_type.error().reason.find("json:"), std::string::npos);
  auto bad_enum = unmarshal_downlink_tx_ack(R"({"items": [{"status": {"x": 1}}]})");
  EXPECT_FALSE(bad_enum.ok());
  // An enum name from a newer ChirpStack is ignored like an unknown field (value left default).
  auto new_enum =
      unmarshal_downlink_tx_ack(R"({"gatewayId": "01", "items": [{"status": "NEW_ONE"}]})");
  ASSERT_TRUE(new_enum.ok()) << new_enum.error().reason;
  EXPECT_EQ(new_enum->gateway_id(), "01");
  auto bad_base64 = unmarshal_uplink_frame(R"({"phyPayload": "!!!"})");
  EXPECT_FALSE(bad_base64.ok());
  // Truncated binary: the length prefix promises more than there is.
  auto bytes = marshal(sample_downlink(), Marshaler::protobuf);
  auto truncated = unmarshal_downlink_frame(bytes.substr(0, bytes.size() / 2));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().reason.rfind("protobuf:", 0), 0u) << truncated.error().reason;
  // Bytes that parse as protobuf but only as unknown fields.
  auto unknown_only = unmarshal_conn_state(std::string("\x78\x01", 2));  // field 15 varint
  ASSERT_FALSE(unknown_only.ok());
  EXPECT_NE(unknown_only.error().reason.find("no field"), std::string::npos);
  auto text = unmarshal_downlink_frame("hello world");
  EXPECT_FALSE(text.ok());
}

TEST(GatewayCodec, DownlinkWithoutItemsIsRejected) {
  auto r = unmarshal_downlink_frame(R"({"downlinkId": 5, "gatewayId": "00000000000e0001"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().reason, "DownlinkFrame has no items");
}

TEST(GatewayCodec, UnknownJsonFieldsAreIgnoredButGatewayIdIsKept) {
  auto r =
      unmarshal_conn_state(R"({"gatewayId": "0102030405060708", "state": "ONLINE", "new": 1})");
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->gateway_id(), "0102030405060708");
  EXPECT_EQ(r->state(), gw::ConnState::ONLINE);
}

TEST(GatewayCodec, MarshalerNames) {
  EXPECT_EQ(parse_marshaler("json"), Marshaler::json);
  EXPECT_EQ(parse_marshaler("protobuf"), Marshaler::protobuf);
  EXPECT_FALSE(parse_marshaler("JSON"));
  EXPECT_FALSE(parse_marshaler(""));
  EXPECT_EQ(to_string(Marshaler::json), "json");
}
