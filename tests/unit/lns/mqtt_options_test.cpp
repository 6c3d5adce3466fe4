#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <sstream>

#include "ranbridge/lns/mqtt_client.hpp"

using namespace ranbridge::lns;

namespace {
MqttClientOptions good() {
  MqttClientOptions o;
  o.url = "tcp://127.0.0.1:1883";
  o.client_id = "ran-bridge";
  return o;
}

std::string error_of(const MqttClientOptions& o) {
  try {
    validate(o);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(MqttOptions, GoodOptionsPass) {
  EXPECT_EQ(error_of(good()), "");
  for (const char* url :
       {"ssl://h:8883", "ws://h:80/mqtt", "wss://h/mqtt", "mqtt://h", "mqtts://h"}) {
    auto o = good();
    o.url = url;
    EXPECT_EQ(error_of(o), "") << url;
  }
}

TEST(MqttOptions, BadOptionsNameTheProblem) {
  auto o = good();
  o.url = "http://h:1883";
  EXPECT_NE(error_of(o).find("scheme"), std::string::npos);
  o = good();
  o.url = "tcp://";
  EXPECT_NE(error_of(o).find("host missing"), std::string::npos);
  o = good();
  o.client_id = "";
  EXPECT_NE(error_of(o).find("client_id"), std::string::npos);
  o = good();
  o.qos = 2;
  EXPECT_NE(error_of(o).find("qos"), std::string::npos);
  o = good();
  o.queue_limit = 0;
  EXPECT_NE(error_of(o).find("queue_limit"), std::string::npos);
  o = good();
  o.max_inflight = 0;
  EXPECT_NE(error_of(o).find("max_inflight"), std::string::npos);
  o = good();
  o.will = MqttMessage{"a/+/b", "x", true};
  EXPECT_NE(error_of(o).find("will topic"), std::string::npos);
  o = good();
  o.password = Password("secret");
  EXPECT_NE(error_of(o).find("username"), std::string::npos);
  o = good();
  o.reconnect_min = std::chrono::milliseconds(0);
  EXPECT_NE(error_of(o).find("reconnect"), std::string::npos);
}

TEST(MqttOptions, PasswordNeverPrints) {
  Password p("hunter2");
  std::ostringstream os;
  os << p;
  EXPECT_EQ(os.str(), "***");
  EXPECT_EQ(p.reveal(), "hunter2");
}

TEST(MqttOptions, ConstructorValidatesAndInvalidInputsAreCountedOrRefused) {
  boost::asio::io_context io;
  auto o = good();
  o.qos = 5;
  EXPECT_THROW(MqttClient(io.get_executor(), o), std::invalid_argument);
  MqttClient c(io.get_executor(), good());
  c.publish("a/#", "x");
  EXPECT_EQ(c.stats().dropped_invalid, 1u);
  EXPECT_THROW(c.subscribe("a/#/b", 1, [](const InboundMessage&) {}), std::invalid_argument);
  EXPECT_THROW(c.subscribe("a/b", 2, [](const InboundMessage&) {}), std::invalid_argument);
  EXPECT_THROW(c.add_birth("a/+", "x"), std::invalid_argument);
  // Not started: a valid publish waits in the queue.
  c.publish("a/b", "x");
  io.poll();
  EXPECT_EQ(c.stats().queue_depth, 1u);
  EXPECT_FALSE(c.connected());
}

TEST(MqttOptions, QueueLimitDropsOldestWhileDisconnected) {
  boost::asio::io_context io;
  auto o = good();
  o.queue_limit = 3;
  MqttClient c(io.get_executor(), o);
  for (int i = 0; i < 5; ++i) c.publish("a/b", std::to_string(i));
  io.poll();
  auto s = c.stats();
  EXPECT_EQ(s.queue_depth, 3u);
  EXPECT_EQ(s.dropped_queue_full, 2u);
}
