// MqttClient against a real mosquitto: delivery, ordering, the at-least-once rule across a
// broker restart, the bounded queue, resubscription, births, stop() and bad topics.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "harness.hpp"
#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/lns/topics.hpp"

namespace ranbridge::lns::it {
namespace {

const GatewayId kGateway{0x00000000000e0001};
const std::string kPrefix = "eu868";

std::string up_topic() {
  return event_topic(kPrefix, kGateway, Event::up);
}

gw::UplinkFrame uplink(std::uint32_t id) {
  gw::UplinkFrame up;
  up.set_phy_payload(std::string("\x40\x04\x03\x02\x01\x80\x01\x00\x01\xa6\x94\x64\x26", 13));
  up.mutable_tx_info()->set_frequency(868100000);
  up.mutable_tx_info()->mutable_modulation()->mutable_lora()->set_spreading_factor(7);
  up.mutable_rx_info()->set_gateway_id(kGateway.to_hex());
  up.mutable_rx_info()->set_uplink_id(id);
  up.mutable_rx_info()->set_crc_status(gw::CRC_OK);
  return up;
}

gw::ConnState conn_state(gw::ConnState::State state) {
  gw::ConnState s;
  s.set_gateway_id(kGateway.to_hex());
  s.set_state(state);
  return s;
}

// The at-least-once rule for a numbered stream 0..n-1: every number arrives; the first
// arrivals are in order; a number arrives again only after `first_after_reconnect` (the
// index in the stream of the first message received after the reconnect), never before.
void expect_at_least_once_in_order(const std::vector<long>& got, long n,
                                   std::size_t first_after_reconnect) {
  long next = 0;
  std::size_t duplicates = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (got[i] == next) {
      ++next;
    } else {
      ASSERT_LT(got[i], next) << "gap or reordering at index " << i << ": expected " << next
                              << ", got " << got[i];
      ASSERT_GE(i, first_after_reconnect)
          << "duplicate " << got[i] << " at index " << i << " before any reconnect";
      ++duplicates;
    }
  }
  EXPECT_EQ(next, n) << "messages lost";
  ::testing::Test::RecordProperty("duplicates", static_cast<int>(duplicates));
}

TEST(MqttClientBroker, Qos1PublishReachesSubscriberInOrderWithoutDuplicates) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "sub-order", "#", inbox);

  MqttClient pub(io.executor(), client_options(broker.url(), "pub-order"));
  pub.start();
  constexpr long kCount = 2000;
  for (long i = 0; i < kCount; ++i) pub.publish("numbers", std::to_string(i));

  ASSERT_TRUE(inbox.wait_for_size(kCount)) << inbox.size() << " of " << kCount;
  // No reconnect happened: exactly once, in order.
  expect_at_least_once_in_order(inbox.numbers(), kCount, /*first_after_reconnect=*/SIZE_MAX);
  EXPECT_EQ(inbox.numbers().size(), static_cast<std::size_t>(kCount));
  for (const auto& m : inbox.messages()) EXPECT_EQ(m.qos, 1);
  EXPECT_TRUE(eventually([&] { return pub.stats().published == kCount; }));
  auto s = pub.stats();
  EXPECT_EQ(s.connects, 1u);
  EXPECT_EQ(s.reconnects, 0u);
  EXPECT_EQ(s.queue_depth, 0u);
  EXPECT_EQ(s.inflight, 0u);
}

TEST(MqttClientBroker, JsonAndProtobufPayloadsDecodeAtTheSubscriber) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "sub-codec", kPrefix + "/gateway/+/event/+", inbox);

  MqttClient pub(io.executor(), client_options(broker.url(), "pub-codec"));
  pub.start();
  pub.publish(up_topic(), marshal(uplink(1), Marshaler::protobuf));
  pub.publish(up_topic(), marshal(uplink(2), Marshaler::json));
  ASSERT_TRUE(inbox.wait_for_size(2));

  auto got = inbox.messages();
  EXPECT_EQ(got[0].topic, up_topic());
  EXPECT_EQ(detect_marshaler(got[0].payload), Marshaler::protobuf);
  EXPECT_EQ(detect_marshaler(got[1].payload), Marshaler::json);
  EXPECT_NE(got[1].payload.find("\"gatewayId\""), std::string::npos);  // ChirpStack's JSON test
  for (std::uint32_t i = 0; i < 2; ++i) {
    auto up = unmarshal_uplink_frame(got[i].payload);
    ASSERT_TRUE(up) << up.error().reason;
    EXPECT_EQ(up->rx_info().uplink_id(), i + 1);
    EXPECT_EQ(up->rx_info().gateway_id(), kGateway.to_hex());
    EXPECT_EQ(up->phy_payload(), uplink(0).phy_payload());
  }
}

TEST(MqttClientBroker, BrokerDownAtStartConnectsLaterAndPublishesWhatWasQueued) {
  Broker broker;  // persistent: the subscriber's session outlives the outage
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "sub-late", "numbers", inbox);
  broker.stop();

  MqttClient pub(io.executor(), client_options(broker.url(), "pub-late"));
  pub.start();
  for (long i = 0; i < 50; ++i) pub.publish("numbers", std::to_string(i));
  ASSERT_TRUE(eventually([&] { return pub.stats().connect_failures >= 2; }));
  EXPECT_FALSE(pub.connected());
  EXPECT_EQ(pub.stats().queue_depth, 50u);

  broker.start();
  ASSERT_TRUE(inbox.wait_for_size(50)) << inbox.size();
  expect_at_least_once_in_order(inbox.numbers(), 50, SIZE_MAX);
  EXPECT_TRUE(eventually([&] { return pub.stats().published == 50; }));
  EXPECT_EQ(pub.stats().connects, 1u);
}

TEST(MqttClientBroker, BrokerRestartWhilePublishingLosesNothingAndKeepsOrder) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "sub-restart", "numbers", inbox);

  auto opts = client_options(broker.url(), "pub-restart");
  opts.max_inflight = 50;  // a window that is really in flight when the broker goes away
  MqttClient pub(io.executor(), opts);
  pub.start();
  ASSERT_TRUE(eventually([&] { return pub.connected(); }));

  constexpr long kCount = 6000;
  std::atomic<long> sent{0};
  std::thread producer([&] {
    for (long i = 0; i < kCount; ++i) {
      pub.publish("numbers", std::to_string(i));
      sent = i + 1;
      if (i % 10 == 9) std::this_thread::sleep_for(2ms);  // a stream, not one burst
    }
  });
  ASSERT_TRUE(eventually([&] { return inbox.size() >= kCount / 4; }));
  broker.stop();
  std::size_t received_before_restart = inbox.size();
  // Keep the broker away until the client has noticed and queued more of the stream.
  ASSERT_TRUE(eventually([&] {
    auto s = pub.stats();
    return s.connection_losses >= 1 && s.queue_depth >= 100;
  }));
  broker.start();
  producer.join();

  ASSERT_TRUE(eventually(
      [&] {
        auto n = inbox.numbers();
        return std::set<long>(n.begin(), n.end()).size() == kCount;
      },
      40s))
      << "received " << inbox.size();
  expect_at_least_once_in_order(inbox.numbers(), kCount, received_before_restart);
  EXPECT_GE(pub.stats().reconnects, 1u);
  EXPECT_EQ(pub.stats().dropped_queue_full, 0u);
  EXPECT_TRUE(eventually([&] { return pub.stats().published >= kCount; }));
}

TEST(MqttClientBroker, QueueOverflowWhileBrokerAwayDropsOldestFirstAndCounts) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "sub-overflow", "numbers", inbox);
  broker.stop();

  auto opts = client_options(broker.url(), "pub-overflow");
  opts.queue_limit = 10;
  MqttClient pub(io.executor(), opts);
  pub.start();
  for (long i = 0; i < 25; ++i) pub.publish("numbers", std::to_string(i));
  ASSERT_TRUE(eventually([&] { return pub.stats().dropped_queue_full == 15; }));
  EXPECT_EQ(pub.stats().queue_depth, 10u);

  broker.start();
  ASSERT_TRUE(inbox.wait_for_size(10));
  EXPECT_TRUE(eventually([&] { return pub.stats().published == 10; }));
  std::vector<long> expected;
  for (long i = 15; i < 25; ++i) expected.push_back(i);
  EXPECT_EQ(inbox.numbers(), expected);
  EXPECT_EQ(pub.stats().dropped_queue_full, 15u);
}

// The bridge's downlink path: command/down reaches the subscription again after a restart.
void expect_subscription_renewed(bool persistent_broker) {
  Broker broker(BrokerOptions{.persistence = persistent_broker, .tls = {}});
  IoThread io;
  Inbox commands;
  auto opts = client_options(broker.url(), "bridge-fixed-id");
  opts.clean_session = false;
  MqttClient bridge(io.executor(), opts);
  bridge.subscribe(command_filter(kPrefix, kGateway), 1, commands.handler());
  bridge.start();
  ASSERT_TRUE(eventually([&] { return bridge.stats().subscribed; }));

  broker.stop();
  ASSERT_TRUE(eventually([&] { return !bridge.connected(); }));
  broker.start();
  ASSERT_TRUE(eventually([&] {
    auto s = bridge.stats();
    return s.reconnects >= 1 && s.subscribed;
  }));

  gw::DownlinkFrame down;
  down.set_downlink_id(77);
  down.set_gateway_id(kGateway.to_hex());
  down.add_items()->set_phy_payload("\x60\x01");
  MqttClient lns(io.executor(), client_options(broker.url(), "lns"));
  lns.start();
  lns.publish(command_topic(kPrefix, kGateway, "down"), marshal(down, Marshaler::protobuf));
  lns.publish(command_topic(kPrefix, kGateway, "down"), marshal(down, Marshaler::json));
  ASSERT_TRUE(commands.wait_for_size(2)) << commands.size();
  for (const auto& m : commands.messages()) {
    EXPECT_EQ(m.topic, command_topic(kPrefix, kGateway, "down"));
    auto frame = unmarshal_downlink_frame(m.payload);
    ASSERT_TRUE(frame) << frame.error().reason;
    EXPECT_EQ(frame->downlink_id(), 77u);
  }
}

TEST(MqttClientBroker, SubscriptionRenewedAfterRestartOfPersistentBroker) {
  expect_subscription_renewed(true);
}

TEST(MqttClientBroker, SubscriptionRenewedAfterRestartOfBrokerThatForgotTheSession) {
  expect_subscription_renewed(false);
}

TEST(MqttClientBroker, BirthsPublishedRetainedOnEveryConnect) {
  Broker broker(
      BrokerOptions{.persistence = false, .tls = {}});  // a restart forgets retained messages
  IoThread io;
  auto topic = state_conn_topic(kPrefix, kGateway);
  MqttClient bridge(io.executor(), client_options(broker.url(), "bridge-births"));
  bridge.add_birth(topic, marshal(conn_state(gw::ConnState::ONLINE), Marshaler::json));
  bridge.start();

  auto expect_retained_online = [&](const std::string& who) {
    Inbox late;  // subscribes after the birth: sees it only because it is retained
    auto sub = subscriber(io, broker.url(), who, topic, late);
    ASSERT_TRUE(late.wait_for_size(1));
    auto m = late.messages().front();
    EXPECT_TRUE(m.retained);
    auto state = unmarshal_conn_state(m.payload);
    ASSERT_TRUE(state) << state.error().reason;
    EXPECT_EQ(state->state(), gw::ConnState::ONLINE);
    EXPECT_EQ(state->gateway_id(), kGateway.to_hex());
  };
  // Births go out before the queue on the same connection: once a marker published after
  // them is acknowledged, the broker holds the birth.
  auto birth_stored = [&](std::uint64_t markers) {
    bridge.publish("marker", "m");
    return eventually([&] { return bridge.stats().published == markers; });
  };
  ASSERT_TRUE(birth_stored(1));
  expect_retained_online("late-1");

  broker.stop();
  ASSERT_TRUE(eventually([&] { return !bridge.connected(); }));
  broker.start();
  ASSERT_TRUE(eventually([&] { return bridge.stats().reconnects >= 1; }));
  ASSERT_TRUE(birth_stored(2));
  expect_retained_online("late-2");
}

TEST(MqttClientBroker, StopFlushesQueuePublishesOfflineAndRefusesLaterPublishes) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "sub-stop", "#", inbox);
  auto topic = state_conn_topic(kPrefix, kGateway);

  MqttClient pub(io.executor(), client_options(broker.url(), "pub-stop"));
  pub.add_offline(topic, marshal(conn_state(gw::ConnState::OFFLINE), Marshaler::protobuf));
  pub.start();
  ASSERT_TRUE(eventually([&] { return pub.connected(); }));
  constexpr long kCount = 3000;
  for (long i = 0; i < kCount; ++i) pub.publish("numbers", std::to_string(i));
  stop_client(io, pub, 30s);

  auto s = pub.stats();
  EXPECT_EQ(s.published, static_cast<std::uint64_t>(kCount));
  EXPECT_EQ(s.dropped_stopped, 0u);
  EXPECT_FALSE(s.connected);
  ASSERT_TRUE(inbox.wait_for_size(kCount + 1));
  auto last = inbox.messages().back();  // the offline message comes after the flush
  EXPECT_EQ(last.topic, topic);
  auto state = unmarshal_conn_state(last.payload);
  ASSERT_TRUE(state) << state.error().reason;
  EXPECT_EQ(state->state(), gw::ConnState::OFFLINE);

  pub.publish("numbers", "late");
  EXPECT_TRUE(eventually([&] { return pub.stats().dropped_stopped == 1; }));  // on the strand
}

TEST(MqttClientBroker, StopWithBrokerAwayReturnsAfterItsBoundAndCountsTheUnsent) {
  Broker broker(BrokerOptions{}, /*start_now=*/false);
  IoThread io;
  MqttClient pub(io.executor(), client_options(broker.url(), "pub-stop-away"));
  pub.start();
  for (long i = 0; i < 7; ++i) pub.publish("numbers", std::to_string(i));
  ASSERT_TRUE(eventually([&] { return pub.stats().connect_failures >= 1; }));

  auto started = std::chrono::steady_clock::now();
  stop_client(io, pub, 300ms);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);  // it did wait for the broker
  auto s = pub.stats();
  EXPECT_EQ(s.dropped_stopped, 7u);
  EXPECT_EQ(s.published, 0u);
  EXPECT_EQ(s.queue_depth, 0u);
}

TEST(MqttClientBroker, BadTopicRefusedAndCountedGoodOnesStillFlow) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "sub-bad", "#", inbox);
  MqttClient pub(io.executor(), client_options(broker.url(), "pub-bad"));
  pub.start();

  pub.publish("", "empty");
  pub.publish("eu868/gateway/+/event/up", "wildcard");
  pub.publish("eu868/#", "wildcard");
  pub.publish(std::string("nul\0topic", 9), "nul");
  pub.publish("numbers", "1");
  EXPECT_EQ(pub.stats().dropped_invalid, 4u);
  ASSERT_TRUE(inbox.wait_for_size(1));
  EXPECT_TRUE(eventually([&] { return pub.stats().published == 1; }));
  EXPECT_EQ(inbox.messages().front().topic, "numbers");

  EXPECT_THROW(pub.subscribe("a/#/b", 1, [](const InboundMessage&) {}), std::invalid_argument);
  EXPECT_THROW(pub.subscribe("a/b", 2, [](const InboundMessage&) {}), std::invalid_argument);
  EXPECT_THROW(pub.add_birth("a/+", "x"), std::invalid_argument);
  EXPECT_THROW(pub.add_offline("", "x"), std::invalid_argument);
  // Nothing else arrived: the refused messages never reached the broker.
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(inbox.size(), 1u);
}

TEST(MqttClientBroker, QosZeroPublishesArriveToo) {
  Broker broker;
  IoThread io;
  Inbox inbox;
  auto sub = subscriber(io, broker.url(), "sub-q0", "numbers", inbox);
  auto opts = client_options(broker.url(), "pub-q0");
  opts.qos = 0;
  MqttClient pub(io.executor(), opts);
  pub.start();
  for (long i = 0; i < 100; ++i) pub.publish("numbers", std::to_string(i));
  ASSERT_TRUE(inbox.wait_for_size(100));
  expect_at_least_once_in_order(inbox.numbers(), 100, SIZE_MAX);
  EXPECT_EQ(inbox.messages().front().qos, 0);
  EXPECT_TRUE(eventually([&] { return pub.stats().published == 100; }));
}

}  // namespace
}  // namespace ranbridge::lns::it
