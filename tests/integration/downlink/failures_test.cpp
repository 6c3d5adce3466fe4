// Downlinks the bridge cannot send still get exactly one TxAck saying why, and nothing reaches
// RAN: unknown device (by DevAddr and by context), Delay outside 1..15 s, the downstream
// socket down until the window passed. Bad command payloads are dropped without harm.
#include <gtest/gtest.h>

#include <thread>

#include "downlink_stack.hpp"
#include "ranbridge/bridge/uplink_context.hpp"

namespace t = ranbridge::testing;
namespace json = boost::json;
namespace lw = ranbridge::lorawan;
using namespace std::chrono_literals;

namespace {

const auto kDev = t::devices::kAbp10;

std::vector<gw::TxAckStatus> statuses(const t::NsAck& a) {
  std::vector<gw::TxAckStatus> out;
  for (const auto& i : a.ack.items()) out.push_back(i.status());
  return out;
}

t::StackOptions quiet_options() {
  t::StackOptions opt;
  opt.ns_answers_joins = false;
  return opt;
}

// Sends `frame`, waits for its TxAck and checks the statuses and that RAN got nothing.
void expect_refused(t::DownlinkStack& s, gw::DownlinkFrame frame,
                    const std::vector<gw::TxAckStatus>& expected) {
  auto received_before = s.counter(0, "downstream", "received");
  auto id = s.ns().send(std::move(frame));
  auto ack = s.ns().wait_ack(id, 20s);
  ASSERT_TRUE(ack) << "no TxAck for a downlink the bridge cannot send\n" << s.diagnostics();
  EXPECT_EQ(statuses(*ack), expected);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(s.ns().ack_count(id), 1u);
  EXPECT_EQ(s.counter(0, "downstream", "received"), received_before) << "it reached RAN anyway";
}

}  // namespace

TEST(DownlinkFailures, UnknownDeviceGetsInternalErrorAndNothingIsSent) {
  t::DownlinkStack s(quiet_options());
  ASSERT_TRUE(s.start()) << s.why();

  // Class C to a DevAddr no session or group has: item 0 INTERNAL_ERROR, the rest IGNORED.
  auto by_addr = s.ns().raw_class_c(lw::DevAddr{0x01020304});
  auto rx1 = by_addr.items(0);
  *by_addr.add_items() = rx1;  // an RX2 alternative that must stay IGNORED
  expect_refused(s, by_addr, {gw::INTERNAL_ERROR, gw::IGNORED});

  // Class A whose context names a DevEUI the bridge does not serve.
  ranbridge::bridge::UplinkContext ctx;
  ctx.region_index = 0;
  ctx.kind = ranbridge::bridge::ContextFrameKind::Data;
  ctx.dev_eui = lw::DevEui{0x1122334455667788};
  ctx.uplink_id = 42;
  ctx.received_unix_us = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto bytes = ranbridge::bridge::encode_context(ctx);
  auto by_ctx = s.ns().raw_class_c(lw::DevAddr{0x01020305});
  auto* tx = by_ctx.mutable_items(0)->mutable_tx_info();
  tx->mutable_timing()->mutable_delay()->mutable_delay()->set_seconds(5);
  tx->set_context(std::string(bytes.begin(), bytes.end()));
  expect_refused(s, by_ctx, {gw::INTERNAL_ERROR});
}

TEST(DownlinkFailures, DelayOutsideOneToFifteenSecondsIsRefused) {
  t::DownlinkStack s(quiet_options());
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(kDev);
  ASSERT_TRUE(s.ns().wait_session(kDev, 1, 30s)) << s.diagnostics();
  // 0 s: before any RX window can open; 16 s: beyond what RAN schedules (docs/bridge.md).
  expect_refused(s, s.ns().class_a_reply(kDev, 0, false), {gw::TOO_EARLY});
  expect_refused(s, s.ns().class_a_reply(kDev, 16, false), {gw::TOO_LATE});
  // In range, the same path works.
  auto id = s.ns().send(s.ns().class_a_reply(kDev, 15, false));
  auto ack = s.ns().wait_ack(id, 15s);
  ASSERT_TRUE(ack) << s.diagnostics();
  EXPECT_EQ(statuses(*ack), std::vector<gw::TxAckStatus>{gw::OK});
}

TEST(DownlinkFailures, DownstreamSocketDownGivesTooLateAfterTheWindow) {
  t::DownlinkStack s(quiet_options());
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(kDev);

  // RAN closes the downstream socket and refuses new ones; upstream keeps working.
  ASSERT_EQ(s.accept_downstream(0, false), 200);
  for (int i = 0; i < 100 && s.counter(0, "sockets", "downstream_open") != 0; ++i)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(s.counter(0, "sockets", "downstream_open"), 0);

  s.ns().reply_to_next(1);
  auto reply = s.ns().wait_class_a_reply(1, 20s);
  ASSERT_TRUE(reply) << s.diagnostics();
  auto ack = s.ns().wait_ack(reply->downlink_id(), 30s);
  ASSERT_TRUE(ack) << "no TxAck while the downstream socket was down\n" << s.diagnostics();
  ASSERT_EQ(ack->ack.items_size(), 2);
  EXPECT_EQ(ack->ack.items(0).status(), gw::TOO_LATE)
      << gw::TxAckStatus_Name(ack->ack.items(0).status());
  EXPECT_NE(ack->ack.items(1).status(), gw::OK);
  EXPECT_EQ(s.counter(0, "downstream", "received"), 0);

  // RAN takes downstream sockets again: the bridge reconnects and downlinks flow.
  ASSERT_EQ(s.accept_downstream(0, true), 200);
  ASSERT_TRUE(s.wait_downstream_open(0, 40s)) << s.diagnostics();
  auto id = s.ns().send(s.ns().class_c(kDev));
  auto ok = s.ns().wait_ack(id, 15s);
  ASSERT_TRUE(ok) << s.diagnostics();
  EXPECT_EQ(statuses(*ok), std::vector<gw::TxAckStatus>{gw::OK});
  EXPECT_EQ(s.ns().ack_count(reply->downlink_id()), 1u);
}

TEST(DownlinkFailures, BadCommandPayloadsAreDroppedAndTheBridgeKeepsWorking) {
  t::DownlinkStack s(quiet_options());
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(kDev);
  ASSERT_TRUE(s.ns().wait_session(kDev, 1, 30s)) << s.diagnostics();

  s.ns().send_raw("this is not a DownlinkFrame");
  s.ns().send_raw(R"({"downlinkId": 7, "gatewayId": "00000000000e0001"})");  // no items
  s.ns().send_raw(R"({"downlinkId": 8, "items": [{"phyPayload": "!!notbase64"}]})");
  s.ns().send_raw(std::string("\x1a\x05\xff\xff\xff", 5));  // truncated protobuf

  auto id = s.ns().send(s.ns().class_c(kDev));
  auto ack = s.ns().wait_ack(id, 15s);
  ASSERT_TRUE(ack) << s.diagnostics();
  EXPECT_EQ(statuses(*ack), std::vector<gw::TxAckStatus>{gw::OK});
  EXPECT_TRUE(s.bridge().running());
  EXPECT_EQ(s.counter(0, "downstream", "received"), 1);
  EXPECT_EQ(s.counter(0, "downstream", "malformed_frames"), 0);
}
