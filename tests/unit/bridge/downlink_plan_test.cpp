#include "ranbridge/bridge/downlink_plan.hpp"

#include <gtest/gtest.h>

using namespace ranbridge;
using namespace ranbridge::bridge;
using ops::DownlinkClass;
using ops::DownlinkResult;

namespace {

constexpr std::int64_t kNow = 1'764'050'000'000'000;  // Unix µs
const lorawan::DevEui kDev{0x0102030405060708};
const lorawan::DevAddr kAddr{0x26011bda};
const lorawan::DevAddr kGroup{0x2600ffff};

std::string data_down(lorawan::DevAddr a) {
  // MHDR unconfirmed data down, DevAddr little-endian, FCtrl, FCnt, MIC.
  std::string p{'\x60'};
  for (int i = 0; i < 4; ++i) p.push_back(static_cast<char>(a.value >> (8 * i)));
  p += std::string("\x00\x01\x00\xaa\xbb\xcc\xdd", 7);
  return p;
}

std::string context_bytes(std::uint8_t region, ContextFrameKind kind = ContextFrameKind::Data) {
  auto c = encode_context(UplinkContext{region, kind, kDev, 42, kNow - 200'000});
  return std::string(c.begin(), c.end());
}

gw::DownlinkFrameItem item(const std::string& phy) {
  gw::DownlinkFrameItem it;
  it.set_phy_payload(phy);
  auto* tx = it.mutable_tx_info();
  tx->set_frequency(868100000);
  tx->mutable_modulation()->mutable_lora()->set_spreading_factor(9);
  tx->mutable_modulation()->mutable_lora()->set_bandwidth(125000);
  return it;
}

gw::DownlinkFrameItem delay_item(const std::string& phy, int seconds, std::string ctx = {}) {
  auto it = item(phy);
  it.mutable_tx_info()->mutable_timing()->mutable_delay()->mutable_delay()->set_seconds(seconds);
  it.mutable_tx_info()->set_context(ctx);
  return it;
}

gw::DownlinkFrameItem immediately_item(const std::string& phy) {
  auto it = item(phy);
  it.mutable_tx_info()->mutable_timing()->mutable_immediately();
  return it;
}

gw::DownlinkFrameItem gps_item(std::int64_t unix_us) {
  auto it = item(data_down(kAddr));
  const std::int64_t gps_us = ranbridge::ran::unix_to_gps_us(unix_us);
  auto* d =
      it.mutable_tx_info()->mutable_timing()->mutable_gps_epoch()->mutable_time_since_gps_epoch();
  d->set_seconds(gps_us / 1'000'000);
  d->set_nanos(static_cast<std::int32_t>(gps_us % 1'000'000 * 1000));
  return it;
}

gw::DownlinkFrame frame(std::initializer_list<gw::DownlinkFrameItem> items) {
  gw::DownlinkFrame f;
  f.set_downlink_id(77);
  for (const auto& i : items) *f.add_items() = i;
  return f;
}

TargetLookups lookups() {
  TargetLookups l;
  l.region_count = 3;
  l.command_region = 2;
  l.is_multicast_group = [](lorawan::DevAddr a) { return a == kGroup; };
  l.dev_eui_of_addr = [](lorawan::DevAddr a) -> std::optional<lorawan::DevEui> {
    if (a == kAddr) return kDev;
    return std::nullopt;
  };
  l.last_region = [](lorawan::DevEui) -> std::optional<std::uint8_t> { return std::nullopt; };
  return l;
}

const DownlinkFailure& failure_of(const TargetPlan& p) {
  return std::get<DownlinkFailure>(p);
}
const DownlinkFailure& failure_of(const ItemPlan& p) {
  return std::get<DownlinkFailure>(p);
}

}  // namespace

TEST(DownlinkTarget, ClassAReplyUsesTheContextsDeviceAndRegion) {
  auto l = lookups();
  l.last_region = [](lorawan::DevEui) -> std::optional<std::uint8_t> { return 0; };
  auto p = resolve_target(frame({delay_item(data_down(kAddr), 1, context_bytes(1))}), l);
  const auto& t = std::get<DownlinkTarget>(p);
  EXPECT_EQ(std::get<UnicastTarget>(t.who).dev_eui, kDev);
  EXPECT_FALSE(std::get<UnicastTarget>(t.who).join_accept);
  EXPECT_EQ(t.region_index, 1u);  // the uplink's region, not the last-heard one
  EXPECT_EQ(t.cls, DownlinkClass::A);
  ASSERT_TRUE(t.context);
  EXPECT_EQ(t.context->uplink_id, 42u);
}

TEST(DownlinkTarget, JoinAcceptNeedsTheJoinRequestsContext) {
  const std::string ja = std::string("\x20", 1) + std::string(16, '\x11');
  auto p = resolve_target(
      frame({delay_item(ja, 5, context_bytes(0, ContextFrameKind::JoinRequest))}), lookups());
  const auto& t = std::get<DownlinkTarget>(p);
  EXPECT_TRUE(std::get<UnicastTarget>(t.who).join_accept);
  EXPECT_EQ(std::get<UnicastTarget>(t.who).dev_eui, kDev);
  EXPECT_EQ(t.region_index, 0u);

  auto bad = resolve_target(frame({delay_item(ja, 5)}), lookups());
  EXPECT_EQ(failure_of(bad).status, gw::INTERNAL_ERROR);
  EXPECT_EQ(failure_of(bad).result, DownlinkResult::UnknownDevice);
}

TEST(DownlinkTarget, ClassCByDevAddrGoesWhereTheDeviceWasLastHeard) {
  auto l = lookups();
  l.last_region = [](lorawan::DevEui e) -> std::optional<std::uint8_t> {
    if (e == kDev) return 1;
    return std::nullopt;
  };
  auto p = resolve_target(frame({immediately_item(data_down(kAddr))}), l);
  const auto& t = std::get<DownlinkTarget>(p);
  EXPECT_EQ(std::get<UnicastTarget>(t.who).dev_eui, kDev);
  EXPECT_EQ(t.region_index, 1u);
  EXPECT_EQ(t.cls, DownlinkClass::C);
}

TEST(DownlinkTarget, ClassCFallsBackToTheConfiguredRegionOrFails) {
  auto l = lookups();
  auto none = resolve_target(frame({immediately_item(data_down(kAddr))}), l);
  EXPECT_EQ(failure_of(none).status, gw::INTERNAL_ERROR);
  EXPECT_NE(failure_of(none).reason.find("fallback_region"), std::string::npos);
  l.fallback_region = 0;
  auto p = resolve_target(frame({immediately_item(data_down(kAddr))}), l);
  EXPECT_EQ(std::get<DownlinkTarget>(p).region_index, 0u);
}

TEST(DownlinkTarget, MulticastGroupAddressGoesThroughTheCommandsRegion) {
  auto p = resolve_target(frame({immediately_item(data_down(kGroup))}), lookups());
  const auto& t = std::get<DownlinkTarget>(p);
  EXPECT_EQ(std::get<MulticastTarget>(t.who).addr, kGroup);
  EXPECT_EQ(t.region_index, 2u);
}

TEST(DownlinkTarget, UnknownDevAddrAndBadFramesAreClearErrors) {
  auto unknown =
      resolve_target(frame({immediately_item(data_down(lorawan::DevAddr{1}))}), lookups());
  EXPECT_EQ(failure_of(unknown).status, gw::INTERNAL_ERROR);
  EXPECT_EQ(failure_of(unknown).result, DownlinkResult::UnknownDevice);
  EXPECT_NE(failure_of(unknown).reason.find("00000001"), std::string::npos);

  EXPECT_EQ(failure_of(resolve_target(frame({}), lookups())).status, gw::INTERNAL_ERROR);
  auto no_timing = resolve_target(frame({item(data_down(kAddr))}), lookups());
  EXPECT_EQ(failure_of(no_timing).result, DownlinkResult::BadTiming);
  auto uplink = resolve_target(
      frame({immediately_item(std::string("\x40\x01\x02\x03\x04\x00", 6))}), lookups());
  EXPECT_EQ(failure_of(uplink).result, DownlinkResult::Unsupported);
  auto bad_region =
      resolve_target(frame({delay_item(data_down(kAddr), 1, context_bytes(9))}), lookups());
  EXPECT_EQ(failure_of(bad_region).result, DownlinkResult::UnknownDevice);
  // A context that is not ours is ignored: the DevAddr decides.
  auto foreign = resolve_target(frame({delay_item(data_down(kAddr), 1, "not-ours")}), lookups());
  EXPECT_EQ(failure_of(foreign).result, DownlinkResult::UnknownDevice);  // no region heard it
}

TEST(DownlinkItem, DelayBecomesRanDelayInSeconds) {
  auto ctx = std::get<UplinkContext>(decode_context(
      std::span(reinterpret_cast<const std::uint8_t*>(context_bytes(0).data()), kContextSize)));
  auto p = plan_item(delay_item(data_down(kAddr), 5), ctx, kNow, {});
  const auto& it = std::get<PlannedItem>(p);
  EXPECT_EQ(std::get<ran::Delay>(it.window.timing).seconds, 5u);
  EXPECT_EQ(it.window_end_unix_us, ctx.received_unix_us + 5'000'000);
  EXPECT_EQ(it.window.radio.frequency, 868100000u);
  EXPECT_EQ(std::get<ran::LoRa>(it.window.radio.modulation), (ran::LoRa{9, 125000}));
  EXPECT_FALSE(it.power_dropped);
  EXPECT_EQ(std::get<ran::Delay>(
                std::get<PlannedItem>(plan_item(delay_item(data_down(kAddr), 15), {}, kNow, {}))
                    .window.timing)
                .seconds,
            15u);
}

TEST(DownlinkItem, DelayOutsideOneToFifteenIsTooEarlyOrTooLate) {
  auto zero = plan_item(delay_item(data_down(kAddr), 0), {}, kNow, {});
  EXPECT_EQ(failure_of(zero).status, gw::TOO_EARLY);
  EXPECT_EQ(failure_of(zero).result, DownlinkResult::BadTiming);
  auto far = plan_item(delay_item(data_down(kAddr), 16), {}, kNow, {});
  EXPECT_EQ(failure_of(far).status, gw::TOO_LATE);
}

TEST(DownlinkItem, GpsEpochBecomesTmmsOfThePingSlotInGpsMilliseconds) {
  // kNow is Unix 1764050000 s = GPS 1764050000 - 315964800 + 18 = 1448085218 s.
  auto p = plan_item(gps_item(kNow + 2'500'000), {}, kNow, {});
  const auto& it = std::get<PlannedItem>(p);
  EXPECT_EQ(std::get<ran::Tmms>(it.window.timing).gps_ms,
            (std::vector<std::uint64_t>{1'448'085'220'500}));
  EXPECT_EQ(it.window_end_unix_us, kNow + 2'500'000);
  // Sub-millisecond parts are dropped, as Everynet's bridge does (nanos // 1e6).
  EXPECT_EQ(std::get<ran::Tmms>(
                std::get<PlannedItem>(plan_item(gps_item(kNow + 128'000'999), {}, kNow, {}))
                    .window.timing)
                .gps_ms,
            (std::vector<std::uint64_t>{1'448'085'346'000}));
  EXPECT_TRUE(std::holds_alternative<PlannedItem>(
      plan_item(gps_item(kNow + kMaxClassBAheadSeconds * 1'000'000), {}, kNow, {})));
  auto far = plan_item(gps_item(kNow + kMaxClassBAheadSeconds * 1'000'000 + 1), {}, kNow, {});
  EXPECT_EQ(failure_of(far).status, gw::TOO_EARLY);
  EXPECT_EQ(failure_of(far).result, DownlinkResult::BadTiming);
  EXPECT_EQ(failure_of(plan_item(gps_item(kNow - 1), {}, kNow, {})).status, gw::TOO_LATE);
  EXPECT_EQ(failure_of(plan_item(gps_item(kNow), {}, kNow, {})).status, gw::TOO_LATE);
}

TEST(DownlinkItem, ImmediatelyBecomesDeadline) {
  auto p = plan_item(immediately_item(data_down(kAddr)), {}, kNow, {});
  const auto& it = std::get<PlannedItem>(p);
  EXPECT_EQ(std::get<ran::Deadline>(it.window.timing).unix_seconds, 1u);  // Everynet's bridge
  EXPECT_EQ(it.window_end_unix_us, kNow + 30'000'000);

  ItemPlanOptions abs;
  abs.deadline_policy = ops::DeadlinePolicy::Absolute;
  abs.class_c_deadline = std::chrono::seconds(60);
  auto a = std::get<PlannedItem>(plan_item(immediately_item(data_down(kAddr)), {}, kNow, abs));
  EXPECT_EQ(std::get<ran::Deadline>(a.window.timing).unix_seconds,
            static_cast<std::uint64_t>(kNow / 1'000'000 + 60));
}

TEST(DownlinkItem, RadioIsCheckedAndPowerDropped) {
  auto it = immediately_item(data_down(kAddr));
  it.mutable_tx_info()->set_power(14);
  EXPECT_TRUE(std::get<PlannedItem>(plan_item(it, {}, kNow, {})).power_dropped);

  auto zero_freq = it;
  zero_freq.mutable_tx_info()->set_frequency(0);
  EXPECT_EQ(failure_of(plan_item(zero_freq, {}, kNow, {})).status, gw::TX_FREQ);

  auto sf13 = it;
  sf13.mutable_tx_info()->mutable_modulation()->mutable_lora()->set_spreading_factor(13);
  EXPECT_EQ(failure_of(plan_item(sf13, {}, kNow, {})).status, gw::TX_FREQ);

  auto fhss = it;
  fhss.mutable_tx_info()->mutable_modulation()->mutable_lr_fhss()->set_operating_channel_width(1);
  EXPECT_EQ(failure_of(plan_item(fhss, {}, kNow, {})).result, DownlinkResult::Unsupported);

  auto fsk = it;
  fsk.mutable_tx_info()->mutable_modulation()->mutable_fsk()->set_datarate(50000);
  fsk.mutable_tx_info()->mutable_modulation()->mutable_fsk()->set_frequency_deviation(25000);
  auto f = std::get<PlannedItem>(plan_item(fsk, {}, kNow, {}));
  EXPECT_EQ(std::get<ran::Fsk>(f.window.radio.modulation), (ran::Fsk{25000, 50000}));
}

TEST(DownlinkRequest, UnicastCarriesTargetDevAddrMulticastTheGroup) {
  PlannedItem it;
  it.window.radio.frequency = 869525000;
  it.window.timing = ran::Delay{5};
  DownlinkTarget t;
  t.who = UnicastTarget{kDev, true};
  auto r = make_request(t, 12, it, {0x20, 1}, kAddr);
  const auto& d = std::get<ran::Downstream>(r);
  EXPECT_EQ(d.transaction_id, 12u);
  EXPECT_EQ(d.dev_eui, kDev);
  EXPECT_EQ(d.target_dev_addr, kAddr);
  EXPECT_EQ(d.tx_window, it.window);
  EXPECT_EQ(d.phy_payload, (std::vector<std::uint8_t>{0x20, 1}));

  t.who = MulticastTarget{kGroup};
  auto m = std::get<ran::MulticastDownstream>(make_request(t, 13, it, {0x60}, std::nullopt));
  EXPECT_EQ(m.addr, kGroup);
  EXPECT_EQ(m.transaction_id, 13u);
}

TEST(DownlinkResults, EverySixRanCodeHasItsDocumentedStatus) {
  EXPECT_EQ(tx_ack_status(ran::ResultCode::Success), gw::OK);
  EXPECT_EQ(tx_ack_status(ran::ResultCode::TooLate), gw::TOO_LATE);
  EXPECT_EQ(tx_ack_status(ran::ResultCode::WindowNotFound), gw::TOO_LATE);
  EXPECT_EQ(tx_ack_status(ran::ResultCode::GatewayNotFound), gw::INTERNAL_ERROR);
  EXPECT_EQ(tx_ack_status(ran::ResultCode::NoAck), gw::INTERNAL_ERROR);
  EXPECT_EQ(tx_ack_status(ran::ResultCode::GatewayError), gw::INTERNAL_ERROR);
  EXPECT_TRUE(worth_next_item(ran::ResultCode::TooLate));
  EXPECT_TRUE(worth_next_item(ran::ResultCode::WindowNotFound));
  EXPECT_FALSE(worth_next_item(ran::ResultCode::NoAck));
  EXPECT_FALSE(worth_next_item(ran::ResultCode::Success));
  EXPECT_EQ(downlink_result(ran::ResultCode::GatewayNotFound), DownlinkResult::GatewayNotFound);
}

TEST(DownlinkResults, TxAckHasOneStatusPerItem) {
  auto s = statuses_with(3, 1, gw::TOO_LATE);
  EXPECT_EQ(s, (std::vector<gw::TxAckStatus>{gw::IGNORED, gw::TOO_LATE, gw::IGNORED}));
  auto ack = make_tx_ack("0000000000000001", 77, s);
  EXPECT_EQ(ack.gateway_id(), "0000000000000001");
  EXPECT_EQ(ack.downlink_id(), 77u);
  ASSERT_EQ(ack.items_size(), 3);
  EXPECT_EQ(ack.items(1).status(), gw::TOO_LATE);
  EXPECT_EQ(ack.items(2).status(), gw::IGNORED);
}
