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

#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge_test/support.hpp"

namespace t = ranbridge::testing;
using namespace std::chrono_literals;

namespace {

// GET http://127.0.0.1:port/path through curl (present wherever the tests run: setup installs it).
std::string http_get(int port, const std::string& path) {
  auto r =
      t::run("/usr/bin/curl", {"-s", "-m", "5", "http://127.0.0.1:" + std::to_string(port) + path});
  return r.output;
}
int http_status(int port, const std::string& path) {
  auto r = t::run("/usr/bin/curl", {"-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "5",
                                    "http://127.0.0.1:" + std::to_string(port) + path});
  return std::atoi(r.output.c_str());
}

struct Stack {
  t::TempDir dir;
  t::Mosquitto broker;
  int emu_port = t::free_port();
  int http_port = t::free_port();
  std::optional<t::Process> emulator;
  std::optional<t::Process> sub;
  std::optional<t::Process> bridge;

  std::filesystem::path bridge_config(const std::string& extra_region = "") {
    std::ostringstream y;
    y << "regions:\n"
      << "  - name: eu\n"
      << "    url: http://127.0.0.1:" << emu_port << "/api/v1\n"
      << "    token: test-token\n"
      << "    upstream_connections: 2\n"
      << "    gateway_id: \"00000000000e0001\"\n"
      << "    topic_prefix: eu868\n"
      << extra_region << "mqtt:\n"
      << "  url: " << broker.url() << "\n"
      << "  client_id: ran-bridge-test\n"
      << "  marshaler: json\n"
      << "  stats_interval: 2s\n"
      << "devices:\n"
      << "  files: [" << t::source_path("config/devices.yaml").string() << "]\n"
      << "routing_sync:\n"
      << "  interval: 300s\n"
      << "state_dir: " << dir.path().string() << "\n"
      << "http:\n"
      << "  listen: \"127.0.0.1:" << http_port << "\"\n";
    return dir.write("bridge.yaml", y.str());
  }

  void start_emulator(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--listen",
                                  "127.0.0.1:" + std::to_string(emu_port),
                                  "--token",
                                  "test-token",
                                  "--devices",
                                  t::source_path("config/devices.yaml").string(),
                                  "--uplink-interval",
                                  "1",
                                  "--seed",
                                  "7"};
    args.insert(args.end(), extra.begin(), extra.end());
    emulator.emplace(t::bin_path("ran-emulator"), args);
    ASSERT_TRUE(emulator->wait_for_output("listening on", 15s)) << emulator->output();
  }
  void start_subscriber() {
    sub.emplace("/usr/bin/mosquitto_sub",
                std::vector<std::string>{"-h", "127.0.0.1", "-p", std::to_string(broker.port()),
                                         "-t", "#", "-v", "-q", "1"});
    std::this_thread::sleep_for(300ms);
  }
  void start_bridge() {
    bridge.emplace(t::bin_path("ran-bridge"),
                   std::vector<std::string>{"--config", bridge_config().string()});
  }
  boost::json::value emulator_stats() {
    return boost::json::parse(http_get(emu_port, "/emulator/stats"));
  }
};

// Every "topic payload" line mosquitto_sub printed for topics ending in `suffix`.
std::vector<std::string> payloads(const std::string& output, const std::string& topic) {
  std::vector<std::string> out;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(topic + " ", 0) == 0) out.push_back(line.substr(topic.size() + 1));
  return out;
}

}  // namespace

TEST(BridgeE2E, UplinksAckedAndPublished) {
  Stack s;
  s.start_emulator();
  s.start_subscriber();
  s.start_bridge();
  // The bridge syncs the routing table (the emulator starts empty), then devices send.
  std::int64_t acked = 0;
  for (int i = 0; i < 100 && acked < 12; ++i) {
    std::this_thread::sleep_for(200ms);
    acked = s.emulator_stats().at("upstream").at("acked").to_number<std::int64_t>();
  }
  auto stats = s.emulator_stats();
  EXPECT_GE(acked, 12) << boost::json::serialize(stats) << "\n" << s.bridge->output();
  EXPECT_EQ(stats.at("upstream").at("wrong_ack").to_number<std::int64_t>(), 0);
  EXPECT_GT(stats.at("upstream").at("join_requests_sent").to_number<std::int64_t>(), 0);
  EXPECT_GT(stats.at("devices").at("routing_table").to_number<std::int64_t>(), 0);

  std::this_thread::sleep_for(500ms);
  auto ups = payloads(s.sub->output(), "eu868/gateway/00000000000e0001/event/up");
  ASSERT_FALSE(ups.empty()) << s.sub->output();
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
  auto conn = payloads(s.sub->output(), "eu868/gateway/00000000000e0001/state/conn");
  ASSERT_FALSE(conn.empty());
  auto cs = ranbridge::lns::unmarshal_conn_state(conn.front());
  ASSERT_TRUE(cs.ok());
  EXPECT_EQ(cs->state(), gw::ConnState::ONLINE);

  // Status server.
  EXPECT_EQ(http_status(s.http_port, "/health/live"), 200);
  EXPECT_EQ(http_status(s.http_port, "/health/ready"), 200)
      << http_get(s.http_port, "/health/ready");
  auto metrics = http_get(s.http_port, "/metrics");
  EXPECT_NE(metrics.find("ranbridge_"), std::string::npos);

  // Graceful stop: exit 0, OFFLINE published, sessions snapshot written.
  s.bridge->signal(SIGTERM);
  auto code = s.bridge->wait(15s);
  ASSERT_TRUE(code.has_value()) << s.bridge->output();
  EXPECT_EQ(*code, 0) << s.bridge->output();
  EXPECT_TRUE(std::filesystem::exists(s.dir / "sessions.snapshot"));
  std::this_thread::sleep_for(300ms);
  conn = payloads(s.sub->output(), "eu868/gateway/00000000000e0001/state/conn");
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
