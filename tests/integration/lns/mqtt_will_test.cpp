// The will (retained OFFLINE ConnState) is delivered when the client's process dies without a
// DISCONNECT (SIGKILL) and not when it stops cleanly.

#include <gtest/gtest.h>

#include <csignal>

#include "harness.hpp"
#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/lns/topics.hpp"
#include "slow_proxy.hpp"

namespace ranbridge::lns::it {
namespace {

const GatewayId kGateway{0x00000000000e0002};
const std::string kPrefix = "us915";

std::optional<gw::ConnState::State> state_of(const InboundMessage& m) {
  auto s = unmarshal_conn_state(m.payload);
  if (!s) return std::nullopt;
  return s->state();
}

bool received_state(const Inbox& inbox, gw::ConnState::State wanted) {
  for (const auto& m : inbox.messages())
    if (state_of(m) == wanted) return true;
  return false;
}

// What a subscriber arriving now sees retained on state/conn.
std::optional<gw::ConnState::State> retained_state(IoThread& io, const Broker& broker,
                                                   const std::string& who) {
  Inbox late;
  auto sub = subscriber(io, broker.url(), who, state_conn_topic(kPrefix, kGateway), late);
  if (!late.wait_for_size(1, 5s)) return std::nullopt;
  auto m = late.messages().front();
  EXPECT_TRUE(m.retained);
  return state_of(m);
}

std::unique_ptr<testing::Process> helper(const Broker& broker) {
  auto p = std::make_unique<testing::Process>(
      testing::bin_path("lns_mqtt_helper"),
      std::vector<std::string>{broker.url(), "helper-bridge", kGateway.to_hex(), kPrefix});
  EXPECT_TRUE(p->wait_for_output("connected", 30s)) << p->output();
  return p;
}

TEST(MqttClientWill, SigkillDeliversTheRetainedOfflineWill) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "watcher", state_conn_topic(kPrefix, kGateway), inbox);
  auto bridge = helper(broker);
  ASSERT_TRUE(eventually([&] { return received_state(inbox, gw::ConnState::ONLINE); }));
  EXPECT_FALSE(received_state(inbox, gw::ConnState::OFFLINE));

  bridge->signal(SIGKILL);
  bridge->wait();
  ASSERT_TRUE(eventually([&] { return received_state(inbox, gw::ConnState::OFFLINE); }))
      << broker.log();
  EXPECT_EQ(retained_state(io, broker, "late"), gw::ConnState::OFFLINE);
}

TEST(MqttClientWill, CleanStopDoesNotDeliverTheWill) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "watcher", "#", inbox);
  auto bridge = helper(broker);
  ASSERT_TRUE(eventually([&] { return received_state(inbox, gw::ConnState::ONLINE); }));

  bridge->signal(SIGTERM);
  ASSERT_EQ(bridge->wait(20s).value_or(-1), 0) << bridge->output();
  EXPECT_NE(bridge->output().find("stopped"), std::string::npos);
  // A marker published after the helper is gone: once it has arrived, a will would have too.
  MqttClient marker(io.executor(), client_options(broker.url(), "marker"));
  marker.start();
  marker.publish("marker", "after-stop");
  ASSERT_TRUE(eventually([&] { return inbox.messages().back().topic == "marker"; }));
  EXPECT_FALSE(received_state(inbox, gw::ConnState::OFFLINE)) << broker.log();
  EXPECT_EQ(retained_state(io, broker, "late"), gw::ConnState::ONLINE);
}

// stop() while the CONNACK is still on its way: the attempt the broker accepted must end
// with a DISCONNECT, or the broker publishes the will of a client that stopped cleanly.
TEST(MqttClientWill, StopDuringASlowConnectDoesNotDeliverTheWill) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "watcher", "#", inbox);
  SlowProxy proxy(broker.port(), 1500ms);
  auto opts = client_options("tcp://127.0.0.1:" + std::to_string(proxy.port()), "slow-bridge");
  opts.will = MqttMessage{state_conn_topic(kPrefix, kGateway), "will", true};
  {
    MqttClient bridge(io.executor(), opts);
    bridge.start();
    ASSERT_TRUE(eventually([&] { return proxy.upstream_bytes() > 0; }));  // CONNECT sent
    stop_client(io, bridge, 100ms);
  }
  ASSERT_TRUE(eventually([&] { return proxy.closed_clients() >= 1; }));  // its socket is gone
  MqttClient marker(io.executor(), client_options(broker.url(), "marker"));
  marker.start();
  marker.publish("marker", "after-stop");
  ASSERT_TRUE(eventually([&] {
    auto m = inbox.messages();
    return !m.empty() && m.back().topic == "marker";
  }));
  for (const auto& m : inbox.messages()) EXPECT_NE(m.payload, "will") << broker.log();
}

}  // namespace
}  // namespace ranbridge::lns::it
