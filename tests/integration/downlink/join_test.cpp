// OTAA joins through the bridge: the test network server answers the join request with a join
// accept (root keys only on the bridge's side), the bridge sends it with TargetDevAddr, the
// emulator's device accepts it and continues from the new DevAddr, and the bridge acks those
// uplinks with session keys it derived itself. Also: kill -9 right after a join, and 1.1
// rejoins (types 0, 1, 2) answered the same way.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>

#include "downlink_stack.hpp"

namespace t = ranbridge::testing;
namespace json = boost::json;
namespace lw = ranbridge::lorawan;
using namespace std::chrono_literals;

namespace {

std::string phy_of(const json::object& downstream) {
  std::string out;
  for (const auto& b : downstream.at("message").at("PHYPayload").as_array())
    out.push_back(static_cast<char>(t::json_u64(b)));
  return out;
}

std::optional<json::object> emulator_device(t::DownlinkStack& s, lw::DevEui dev) {
  for (const auto& d : s.emulator_devices(0))
    if (d.at("DevEUI").as_string() == dev.to_hex()) return d.as_object();
  return std::nullopt;
}

void expect_clean_upstream(t::DownlinkStack& s) {
  EXPECT_EQ(s.counter(0, "upstream", "wrong_ack"), 0) << s.diagnostics();
  EXPECT_EQ(s.counter(0, "upstream", "rejected"), 0) << s.diagnostics();
  EXPECT_EQ(s.counter(0, "upstream", "unanswered"), 0) << s.diagnostics();
  EXPECT_EQ(s.counter(0, "joins", "accept_errors"), 0) << s.diagnostics();
}

void join_then_uplinks(lw::DevEui dev, t::StackOptions opt) {
  t::DownlinkStack s(opt);
  ASSERT_TRUE(s.start()) << s.why();

  // The device joins, then sends data from the new DevAddr; the network server verifies each
  // MIC with the keys it derived, and sees the uplinks only because the bridge acked them.
  auto session = s.ns().wait_session(dev, 3, 45s);
  ASSERT_TRUE(session) << "no verified uplink from the joined device\n" << s.diagnostics();
  auto joins = s.ns().joins();
  ASSERT_FALSE(joins.empty());
  const t::NsJoin* join = nullptr;
  for (const auto& j : joins)
    if (j.dev_eui == dev && j.dev_addr == session->dev_addr) join = &j;
  ASSERT_NE(join, nullptr) << "the session's DevAddr comes from none of the join accepts";

  // The join accept went out as a Downstream with TargetDevAddr and the join request's timing.
  auto downs = s.downstreams(0);
  const json::object* accept = nullptr;
  auto mine = t::downstreams_for(downs, dev.value);
  for (const auto& d : mine) {
    const auto* target = d.at("message").as_object().if_contains("TargetDevAddr");
    if (target && t::json_u64(*target) == join->dev_addr.value) accept = &d;
  }
  ASSERT_NE(accept, nullptr) << "no Downstream with TargetDevAddr " << join->dev_addr.to_hex()
                             << " in " << json::serialize(downs);
  const auto& window = accept->at("message").at("TxWindow").as_object();
  ASSERT_TRUE(window.contains("Delay")) << json::serialize(window);
  EXPECT_EQ(t::json_u64(window.at("Delay")), 5u);  // JOIN_ACCEPT_DELAY1
  EXPECT_FALSE(window.contains("TMMS"));
  EXPECT_FALSE(window.contains("Deadline"));
  EXPECT_EQ(phy_of(*accept).size(), 17u);  // MHDR | 12 bytes of fields | MIC, no CFList
  EXPECT_EQ(static_cast<std::uint8_t>(phy_of(*accept)[0]) >> 5, 1) << "MType JoinAccept";

  // The network server got one TxAck for the accept: RX1 OK, RX2 not tried.
  auto ack = s.ns().wait_ack(join->downlink_id, 15s);
  ASSERT_TRUE(ack) << s.diagnostics();
  ASSERT_EQ(ack->ack.items_size(), 2);
  EXPECT_EQ(ack->ack.items(0).status(), gw::OK);
  EXPECT_EQ(ack->ack.items(1).status(), gw::IGNORED);
  EXPECT_EQ(ack->topic, "eu868/gateway/00000000000e0001/event/ack");
  EXPECT_EQ(s.ns().ack_count(join->downlink_id), 1u);

  // The emulator's device accepted it and now lives at the new DevAddr.
  auto d = emulator_device(s, dev);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->at("joined").as_bool());
  EXPECT_EQ(std::string(d->at("DevAddr").as_string()), session->dev_addr.to_hex());
  EXPECT_GE(s.counter(0, "joins", "accepts"), 1);
  EXPECT_GE(session->uplinks_mic_ok, 3u);
  EXPECT_EQ(session->uplinks, session->uplinks_mic_ok) << "a published uplink failed our MIC";
  expect_clean_upstream(s);
}

// LoRaWAN 1.1 rejoins of the joined 1.1 device, one per entry of `types`: the bridge acks the
// rejoin request (MIC under SNwkSIntKey, type 1 JSIntKey), the network server answers with a
// rejoin's join accept (JSEncKey, MIC over the type and RJcount), the bridge verifies it and
// sends it with TargetDevAddr, the emulator's device takes the new session, and its uplinks
// from the new DevAddr are acked with session keys the bridge derived itself.
void rejoin_then_uplinks(const std::vector<int>& types) {
  const auto dev = t::devices::kOtaa11;
  t::DownlinkStack s;
  ASSERT_TRUE(s.start()) << s.why();
  ASSERT_TRUE(s.ns().wait_session(dev, 1, 45s)) << "the 1.1 device did not join\n"
                                                << s.diagnostics();
  // Only injected frames from now on, so that every count below is ours.
  ASSERT_EQ(s.set_traffic(0, false), 200);
  // Rejoins need a 1.1 OTAA device with a session and a type 0..2.
  EXPECT_EQ(s.inject_uplink(0, t::devices::kOtaa10, 0), 422);
  EXPECT_EQ(s.inject_uplink(0, t::devices::kAbp11, 0), 422);
  EXPECT_EQ(s.inject_uplink(0, dev, 3), 422);

  for (int type : types) {
    SCOPED_TRACE("rejoin type " + std::to_string(type));
    const auto old_addr = s.ns().session(dev)->dev_addr;
    const auto acked_before = s.counter(0, "upstream", "acked");
    const auto accepts_before = s.counter(0, "joins", "accepts");
    const auto joins_before = s.ns().joins().size();
    ASSERT_EQ(s.inject_uplink(0, dev, type), 200);

    // The network server sees the rejoin request only if the bridge acked it.
    std::optional<t::NsJoin> rejoin;
    for (auto until = std::chrono::steady_clock::now() + 15s;
         !rejoin && std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms)) {
      auto joins = s.ns().joins();
      if (joins.size() > joins_before && joins.back().join_req_type == type) rejoin = joins.back();
    }
    ASSERT_TRUE(rejoin) << "no rejoin request reached the network server\n" << s.diagnostics();
    EXPECT_NE(rejoin->dev_addr, old_addr);

    // The bridge verified the accept and sent it (RX1) with TargetDevAddr.
    auto ack = s.ns().wait_ack(rejoin->downlink_id, 15s);
    ASSERT_TRUE(ack) << s.diagnostics();
    ASSERT_EQ(ack->ack.items_size(), 2);
    EXPECT_EQ(ack->ack.items(0).status(), gw::OK) << s.diagnostics();
    EXPECT_EQ(ack->ack.items(1).status(), gw::IGNORED);
    bool with_target = false;
    for (const auto& d : t::downstreams_for(s.downstreams(0), dev.value)) {
      const auto* target = d.at("message").as_object().if_contains("TargetDevAddr");
      with_target |= target && t::json_u64(*target) == rejoin->dev_addr.value;
    }
    EXPECT_TRUE(with_target) << "no Downstream with TargetDevAddr " << rejoin->dev_addr.to_hex();

    // The device accepted it and now lives at the new DevAddr.
    EXPECT_EQ(s.counter(0, "joins", "accepts"), accepts_before + 1) << s.diagnostics();
    auto d = emulator_device(s, dev);
    ASSERT_TRUE(d);
    EXPECT_EQ(std::string(d->at("DevAddr").as_string()), rejoin->dev_addr.to_hex());

    // Its next uplinks come from the new DevAddr; the network server verifies them with its
    // own keys and sees them only because the bridge acked them.
    for (int i = 0; i < 3; ++i) ASSERT_EQ(s.inject_uplink(0, dev), 200);
    auto fresh = s.ns().wait_session(dev, 3, 15s);
    ASSERT_TRUE(fresh) << "uplinks from the new DevAddr were not published\n" << s.diagnostics();
    EXPECT_EQ(fresh->dev_addr, rejoin->dev_addr);
    EXPECT_EQ(fresh->uplinks, fresh->uplinks_mic_ok) << "a published uplink failed our MIC";
    // Rejoin request + 3 uplinks acked (the emulator counts answers as they arrive).
    for (int i = 0; i < 50 && s.counter(0, "upstream", "acked") < acked_before + 4; ++i)
      std::this_thread::sleep_for(100ms);
    EXPECT_GE(s.counter(0, "upstream", "acked"), acked_before + 4);
    expect_clean_upstream(s);
  }
}

}  // namespace

TEST(DownlinkJoin, Otaa103AcceptedAndNewSessionUplinksAcked) {
  join_then_uplinks(t::devices::kOtaa10, {});
}

TEST(DownlinkJoin, Otaa11OptNegAcceptedAndNewSessionUplinksAcked) {
  // Commands in binary protobuf this time (ChirpStack's default).
  t::StackOptions opt;
  opt.ns_marshaler = ranbridge::lns::Marshaler::protobuf;
  join_then_uplinks(t::devices::kOtaa11, opt);
}

// kill -9 right after the join accept went out, before the device's first uplink from the
// new DevAddr: the restarted bridge must still know the pending session.
TEST(DownlinkJoin, KillDashNineRightAfterJoinNextUplinkStillAcked) {
  const auto dev = t::devices::kOtaa10;
  t::StackOptions opt;
  opt.ns_answers_joins = false;
  t::DownlinkStack s(opt);
  ASSERT_TRUE(s.start()) << s.why();

  // Wait for the device's join request, then freeze the traffic so that nothing but our
  // injected frames is sent.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  bool join_request_seen = false;
  while (!join_request_seen && std::chrono::steady_clock::now() < deadline) {
    for (const auto& up : s.ns().uplinks())
      if (!up.phy_payload().empty() && (static_cast<std::uint8_t>(up.phy_payload()[0]) >> 5) == 0)
        join_request_seen = true;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(join_request_seen) << s.diagnostics();
  ASSERT_EQ(s.set_traffic(0, false), 200);
  s.ns().set_answer_joins(true);
  ASSERT_EQ(s.inject_uplink(0, dev), 200) << "injecting the join request";
  auto join = s.ns().wait_join(dev, 15s);
  ASSERT_TRUE(join) << s.diagnostics();
  auto ack = s.ns().wait_ack(join->downlink_id, 15s);
  ASSERT_TRUE(ack) << s.diagnostics();
  ASSERT_EQ(ack->ack.items(0).status(), gw::OK);
  auto d = emulator_device(s, dev);
  ASSERT_TRUE(d && d->at("joined").as_bool()) << "the emulator did not accept the join accept";

  // Right after: kill -9, restart on the same state directory.
  auto killed = s.stop_bridge(SIGKILL);
  ASSERT_TRUE(killed.has_value());
  EXPECT_EQ(*killed, 128 + SIGKILL);
  s.start_bridge();
  ASSERT_TRUE(s.wait_upstream_open(0, 30s)) << s.diagnostics();
  ASSERT_TRUE(s.wait_bridge_ready(30s)) << s.diagnostics();

  // The device's next uplink (from the new DevAddr) is acked: published and MIC-verified.
  const auto acked_before = s.counter(0, "upstream", "acked");
  std::optional<t::NsSession> session;
  for (int i = 0; i < 5 && !session; ++i) {
    ASSERT_EQ(s.inject_uplink(0, dev), 200);
    session = s.ns().wait_session(dev, 1, 5s);
  }
  ASSERT_TRUE(session) << "the restarted bridge did not publish the joined device's uplink\n"
                       << s.diagnostics();
  EXPECT_EQ(session->dev_addr, join->dev_addr);
  for (int i = 0; i < 50 && s.counter(0, "upstream", "acked") <= acked_before; ++i)
    std::this_thread::sleep_for(100ms);
  EXPECT_GT(s.counter(0, "upstream", "acked"), acked_before);
  expect_clean_upstream(s);
}

TEST(DownlinkJoin, Otaa11RejoinType0Then2NewSessionUplinksAcked) {
  rejoin_then_uplinks({0, 2});
}

TEST(DownlinkJoin, Otaa11RejoinType1NewSessionUplinksAcked) {
  rejoin_then_uplinks({1});
}
