// /health/live, /health/ready and /metrics of a running bridge: not ready (503, JSON naming
// what is missing) while neither MQTT nor RAN is reachable, ready once both are, and the
// metric families present with sane values after some traffic.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bt = ranbridge::bridge_test;
using namespace std::chrono_literals;

TEST(BridgeStatus, ReadinessAndMetrics) {
  // Ports chosen now, nothing listening on them yet.
  const int mqtt_port = bt::t::free_port();
  const int ran_port = bt::t::free_port();
  bt::BridgeSpec spec;
  spec.regions.push_back({"eu", "http://127.0.0.1:" + std::to_string(ran_port) + "/api/v1",
                          "00000000000e0001", "eu868", 2, ""});
  spec.mqtt_url = "tcp://127.0.0.1:" + std::to_string(mqtt_port);
  spec.devices_files = {bt::t::source_path("config/devices.yaml")};
  bt::Bridge bridge(spec);

  ASSERT_TRUE(bt::eventually([&] {
    return bt::http_status(bridge.http_port(), "/health/live") == 200;
  })) << bridge.process().output();
  auto ready = bt::http("GET", bridge.http_port(), "/health/ready");
  EXPECT_EQ(ready.status, 503) << ready.body;
  auto body = boost::json::parse(ready.body).as_object();
  EXPECT_FALSE(body.at("ready").as_bool());
  auto missing = boost::json::serialize(body.at("missing"));
  EXPECT_NE(missing.find("mqtt"), std::string::npos) << missing;
  EXPECT_NE(missing.find("region eu"), std::string::npos) << missing;

  // MQTT first: still not ready, only the region is missing.
  bt::t::Mosquitto broker(mqtt_port);
  ASSERT_TRUE(bt::eventually([&] {
    auto r = bt::http("GET", bridge.http_port(), "/health/ready");
    return r.body.find("mqtt") == std::string::npos && r.status == 503;
  })) << bt::http_get(bridge.http_port(), "/health/ready");
  EXPECT_NE(bt::http_get(bridge.http_port(), "/health/ready").find("region eu"), std::string::npos);

  // Then RAN: ready.
  bt::Emulator emu({"--devices", bt::t::source_path("config/devices.yaml").string(),
                    "--uplink-interval", "1", "--seed", "4"},
                   ran_port);
  ASSERT_TRUE(bridge.wait_ready(40s))
      << bt::http_get(bridge.http_port(), "/health/ready") << bridge.process().output();
  EXPECT_EQ(bt::http_get(bridge.http_port(), "/health/ready"), "{\"ready\":true}\n");

  ASSERT_TRUE(bt::eventually([&] { return emu.upstream("acked") >= 10; }))
      << boost::json::serialize(emu.stats());
  // Metrics are mirrored about once a second: poll for the published counter.
  ASSERT_TRUE(bt::eventually([&] {
    return bridge.metric("ranbridge_uplinks_published_total").value_or(0) >= 10;
  })) << bridge.metrics();
  auto m = bridge.metrics();
  auto v = [&](const std::string& s) { return bt::prometheus_value(m, s); };
  EXPECT_GE(v(R"(ranbridge_upstreams_total{region="eu",result="ack"})").value_or(0), 10);
  EXPECT_EQ(v(R"(ranbridge_upstreams_total{region="eu",result="reject_mic"})"), 0.0);
  EXPECT_EQ(v("ranbridge_mqtt_connected"), 1.0);
  EXPECT_EQ(v(R"(ranbridge_ws_connections{kind="upstream",region="eu"})"), 2.0);
  EXPECT_EQ(v("ranbridge_registry_devices"), 7.0);
  EXPECT_GE(v(R"(ranbridge_answer_seconds_count{region="eu"})").value_or(0), 10);
  EXPECT_GE(v(R"(ranbridge_solve_seconds_count{region="eu"})").value_or(0), 10);
  EXPECT_GT(v(R"(ranbridge_answer_seconds_sum{region="eu"})").value_or(0), 0);
  EXPECT_LT(v(R"(ranbridge_answer_seconds_sum{region="eu"})").value_or(1e9),
            v(R"(ranbridge_answer_seconds_count{region="eu"})").value_or(0) * 1.0)
      << "mean answer time above 1 s";
  EXPECT_GE(v(R"(ranbridge_sync_actions_total{kind="insert",region="eu",result="ok"})").value_or(0),
            7);
  // Sessions: the ABP devices have counters (active); both states are reported.
  ASSERT_TRUE(bt::eventually([&] {
    return bridge.metric(R"(ranbridge_sessions{state="active"})").value_or(0) >= 5;
  })) << bridge.metrics();
  EXPECT_TRUE(bridge.metric(R"(ranbridge_sessions{state="pending"})").has_value());
  EXPECT_EQ(v("ranbridge_mqtt_queue_depth").value_or(-1) >= 0, true);
  EXPECT_NE(m.find("# TYPE ranbridge_upstreams_total counter"), std::string::npos);
  EXPECT_NE(m.find("# TYPE ranbridge_answer_seconds histogram"), std::string::npos);
}
