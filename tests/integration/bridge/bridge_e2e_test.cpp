// End to end with real processes on loopback: mosquitto, ran-emulator (simulating the sample
// devices of config/devices.yaml), ran-bridge, and mosquitto_sub as the MQTT test subscriber
// (JSON marshaler, decoded with the lns codec).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "ranbridge/lns/gateway_codec.hpp"

namespace t = ranbridge::testing;
namespace bt = ranbridge::bridge_test;
using namespace std::chrono_literals;
using bt::http_get;
using bt::http_status;

namespace {

struct Stack {
  t::Mosquitto broker;
  std::optional<bt::Emulator> emulator;
  std::optional<bt::Subscriber> sub;
  std::optional<bt::Bridge> bridge;

  void start_emulator() {
    emulator.emplace(std::vector<std::string>{"--devices",
                                              t::source_path("config/devices.yaml").string(),
                                              "--uplink-interval", "1", "--seed", "7"});
  }
  void start_subscriber() {
    sub.emplace(broker.port());
    ASSERT_TRUE(sub->wait_subscribed());
  }
  void start_bridge() {
    bt::BridgeSpec spec;
    spec.regions.push_back({"eu", emulator->base_url(), "00000000000e0001", "eu868", 2, ""});
    spec.mqtt_url = broker.url();
    spec.devices_files = {t::source_path("config/devices.yaml")};
    bridge.emplace(spec);
  }
  boost::json::object emulator_stats() { return emulator->stats(); }
};

}  // namespace

TEST(BridgeE2E, UplinksAckedAndPublished) {
  Stack s;
  s.start_emulator();
  ASSERT_NO_FATAL_FAILURE(s.start_subscriber());
  s.start_bridge();
  // The bridge syncs the routing table (the emulator starts empty), then devices send.
  std::int64_t acked = 0;
  for (int i = 0; i < 100 && acked < 12; ++i) {
    std::this_thread::sleep_for(200ms);
    acked = s.emulator_stats().at("upstream").at("acked").to_number<std::int64_t>();
  }
  auto stats = s.emulator_stats();
  EXPECT_GE(acked, 12) << boost::json::serialize(stats) << "\n" << s.bridge->process().output();
  EXPECT_EQ(stats.at("upstream").at("wrong_ack").to_number<std::int64_t>(), 0);
  EXPECT_GT(stats.at("upstream").at("join_requests_sent").to_number<std::int64_t>(), 0);
  EXPECT_GT(stats.at("devices").at("routing_table").to_number<std::int64_t>(), 0);

  std::this_thread::sleep_for(500ms);
  auto ups = s.sub->payloads("eu868/gateway/00000000000e0001/event/up");
  ASSERT_FALSE(ups.empty()) << s.sub->process().output();
  bool join_seen = false, data_seen = false;
  for (const auto& p : ups) {
    auto f = ranbridge::lns::unmarshal_uplink_frame(p);
    ASSERT_TRUE(f.ok()) << f.error().reason << ": " << p;
    const auto& phy = f->phy_payload();
    ASSERT_GE(phy.size(), 12u);
    auto mtype = static_cast<std::uint8_t>(phy[0]) >> 5;
    if (mtype == 0) {
      join_seen = true;
      EXPECT_EQ(phy.size(), 23u);  // MHDR + JoinEUI + DevEUI + DevNonce + MIC
    }
    if (mtype == 2 || mtype == 4) data_seen = true;
    EXPECT_EQ(f->rx_info().gateway_id(), "00000000000e0001");
    EXPECT_EQ(f->rx_info().crc_status(), gw::CRC_OK);
    EXPECT_EQ(f->rx_info().context().size(), 23u);
    EXPECT_GT(f->tx_info().frequency(), 800000000u);
    EXPECT_TRUE(f->tx_info().modulation().has_lora());
    EXPECT_EQ(f->tx_info().modulation().lora().code_rate(), gw::CR_4_5);
  }
  EXPECT_TRUE(join_seen) << "no join request published";
  EXPECT_TRUE(data_seen) << "no data uplink published";
  // Retained ONLINE state.
  auto conn = s.sub->payloads("eu868/gateway/00000000000e0001/state/conn");
  ASSERT_FALSE(conn.empty());
  auto cs = ranbridge::lns::unmarshal_conn_state(conn.front());
  ASSERT_TRUE(cs.ok());
  EXPECT_EQ(cs->state(), gw::ConnState::ONLINE);

  // event/stats (every 2 s here) carries the real counters: received >= accepted > 0.
  bool stats_seen = false;
  for (int i = 0; i < 50 && !stats_seen; ++i) {
    for (const auto& p : s.sub->payloads("eu868/gateway/00000000000e0001/event/stats")) {
      auto g = ranbridge::lns::unmarshal_gateway_stats(p);
      ASSERT_TRUE(g.ok()) << g.error().reason << ": " << p;
      EXPECT_EQ(g->gateway_id(), "00000000000e0001");
      EXPECT_GE(g->rx_packets_received(), g->rx_packets_received_ok());
      if (g->rx_packets_received_ok() > 0) stats_seen = true;
    }
    if (!stats_seen) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(stats_seen) << "no event/stats with accepted uplinks";

  // Status server.
  EXPECT_EQ(http_status(s.bridge->http_port(), "/health/live"), 200);
  EXPECT_EQ(http_status(s.bridge->http_port(), "/health/ready"), 200)
      << http_get(s.bridge->http_port(), "/health/ready");
  auto metrics = http_get(s.bridge->http_port(), "/metrics");
  EXPECT_NE(metrics.find("ranbridge_"), std::string::npos);

  // Graceful stop: exit 0, OFFLINE published, sessions snapshot written.
  s.bridge->process().signal(SIGTERM);
  auto code = s.bridge->process().wait(15s);
  ASSERT_TRUE(code.has_value()) << s.bridge->process().output();
  EXPECT_EQ(*code, 0) << s.bridge->process().output();
  EXPECT_TRUE(std::filesystem::exists(s.bridge->state_dir() / "sessions.snapshot"));
  std::this_thread::sleep_for(300ms);
  conn = s.sub->payloads("eu868/gateway/00000000000e0001/state/conn");
  ASSERT_FALSE(conn.empty());
  auto last = ranbridge::lns::unmarshal_conn_state(conn.back());
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->state(), gw::ConnState::OFFLINE);
  EXPECT_EQ(s.emulator_stats().at("upstream").at("unanswered").to_number<std::int64_t>(), 0);
}

TEST(BridgeE2E, CheckConfigReportsFileAndLine) {
  t::TempDir dir;
  auto bad = dir.write("bad.yaml", "regions:\n  - name: eu\n    url: 42\nmqtt: {qos: 7}\n");
  auto r = t::run(t::bin_path("ran-bridge"), {"--check-config", bad.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("bad.yaml:"), std::string::npos) << r.output;
  auto missing =
      t::run(t::bin_path("ran-bridge"), {"--check-config", (dir / "nope.yaml").string()});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  auto usage = t::run(t::bin_path("ran-bridge"), {"--bogus"});
  EXPECT_EQ(usage.exit_code, 2);
  auto help = t::run(t::bin_path("ran-bridge"), {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--check-config"), std::string::npos);
  auto version = t::run(t::bin_path("ran-bridge"), {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.output.find("ran-bridge "), std::string::npos);
}
