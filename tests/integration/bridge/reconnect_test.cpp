// RAN closing the bridge's sockets: politely (close frame 1001) and abruptly (TCP close). The
// bridge reconnects every socket and no upstream is left unanswered.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bt = ranbridge::bridge_test;
using namespace std::chrono_literals;

namespace {

std::int64_t upstream_open(bt::Emulator& e) {
  auto s = e.stats();
  auto* so = s.if_contains("sockets");
  return so ? so->at("upstream_open").to_number<std::int64_t>() : 0;
}

void set_traffic(bt::Emulator& e, bool running) {
  auto r = bt::http("POST", e.port(), "/emulator/traffic",
                    std::string(R"({"running": )") + (running ? "true" : "false") + "}");
  ASSERT_EQ(r.status, 200) << r.body;
}

}  // namespace

TEST(BridgeReconnect, SocketsDroppedByRanAreReconnected) {
  bt::t::TempDir dir;
  bt::t::Mosquitto broker;
  auto exported = dir / "generated.json";
  bt::Emulator emu({"--devices-generate", "20", "--devices-export", exported.string(), "--rate",
                    "100", "--seed", "5", "--answer-timeout", "5"});
  bt::BridgeSpec spec;
  spec.regions.push_back({"eu", emu.base_url(), "00000000000e0001", "eu868", 3, ""});
  spec.mqtt_url = broker.url();
  spec.devices_files = {exported};
  bt::Bridge bridge(spec);
  ASSERT_TRUE(bridge.wait_ready()) << bridge.process().output();
  ASSERT_TRUE(bt::eventually([&] { return upstream_open(emu) == 3; }));

  std::int64_t acked = 0;
  auto grows = [&] {
    auto before = acked;
    return bt::eventually([&] { return (acked = emu.upstream("acked")) >= before + 30; });
  };
  ASSERT_TRUE(grows()) << boost::json::serialize(emu.stats()) << bridge.process().output();

  for (const std::string path : {"/emulator/drop-sockets", "/emulator/drop-sockets?abort=1"}) {
    SCOPED_TRACE(path);
    // Quiesce first: an Upstream already on a socket that RAN closes can never be answered
    // (RAN would route it again; the emulator counts it unanswered).
    ASSERT_NO_FATAL_FAILURE(set_traffic(emu, false));
    ASSERT_TRUE(bt::eventually([&] { return emu.upstream("pending") == 0; }));
    auto r = bt::http("POST", emu.port(), path);
    ASSERT_EQ(r.status, 200) << r.body;
    // 3 upstream sockets (plus the downstream ones when the bridge opens any).
    EXPECT_GE(boost::json::parse(r.body).at("closed").to_number<int>(), 3);
    ASSERT_TRUE(bt::eventually([&] { return upstream_open(emu) == 3; }, 30s))
        << boost::json::serialize(emu.stats()) << bridge.process().output();
    ASSERT_NO_FATAL_FAILURE(set_traffic(emu, true));
    ASSERT_TRUE(grows()) << boost::json::serialize(emu.stats());
  }
  ASSERT_NO_FATAL_FAILURE(set_traffic(emu, false));
  ASSERT_TRUE(bt::eventually([&] { return emu.upstream("pending") == 0; }));
  EXPECT_EQ(emu.upstream("unanswered"), 0) << boost::json::serialize(emu.stats());
  EXPECT_EQ(emu.upstream("wrong_ack"), 0);
  EXPECT_EQ(emu.upstream("rejected"), 0);
  EXPECT_GE(
      bridge.metric(R"(ranbridge_ws_reconnects_total{kind="upstream",region="eu"})").value_or(0),
      6.0)
      << bridge.metrics();
  EXPECT_EQ(bridge.metric(R"(ranbridge_ws_connections{kind="upstream",region="eu"})"), 3.0);
}
