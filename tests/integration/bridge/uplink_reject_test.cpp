// What the bridge refuses, end to end: a device whose key differs (MICFailed), a device it
// does not know (Reject Other), and malformed frames (Reject Other when a TransactionID is
// readable, the socket kept either way).
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bt = ranbridge::bridge_test;
using namespace std::chrono_literals;

namespace {

// The bridge's keys: device ...01 only.
const char* kBridgeDevices = R"(devices:
  - dev_eui: "00aa000000000001"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26bb0001"
      nwk_s_key: "00112233445566778899aabbccddeeff"
)";
// The emulator's: device ...01 with another NwkSKey, and device ...02 the bridge lacks.
const char* kEmulatorDevices = R"(devices:
  - dev_eui: "00aa000000000001"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26bb0001"
      nwk_s_key: "0f0e0d0c0b0a09080706050403020100"
  - dev_eui: "00aa000000000002"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26bb0002"
      nwk_s_key: "8899aabbccddeeff0011223344556677"
)";

struct Fixture {
  bt::t::TempDir dir;
  bt::t::Mosquitto broker;
  std::optional<bt::Emulator> emu;
  std::optional<bt::Bridge> bridge;

  void start(std::vector<std::string> emu_args, const std::filesystem::path& bridge_devices) {
    emu_args.insert(emu_args.end(), {"--no-autostart", "--seed", "3"});
    emu.emplace(emu_args);
    bt::BridgeSpec spec;
    spec.regions.push_back({"eu", emu->base_url(), "00000000000e0001", "eu868", 2, ""});
    spec.mqtt_url = broker.url();
    spec.devices_files = {bridge_devices};
    bridge.emplace(spec);
    ASSERT_TRUE(bridge->wait_ready()) << bridge->process().output();
    // Both sockets up at the emulator (ready needs only one).
    ASSERT_TRUE(bt::eventually([&] { return upstream_open() == 2; }));
  }
  std::int64_t upstream_open() {
    auto s = emu->stats();
    auto* so = s.if_contains("sockets");
    return so ? so->at("upstream_open").to_number<std::int64_t>() : 0;
  }
  std::int64_t answered() {
    return emu->upstream("acked") + emu->upstream("rejected") + emu->upstream("wrong_ack");
  }
  void inject(const std::string& dev_eui) {
    bt::HttpResult r;
    ASSERT_TRUE(bt::eventually([&] { return (r = emu->inject(dev_eui)).status == 200; }))
        << dev_eui << ": " << r.status << " " << r.body;
  }
};

}  // namespace

TEST(BridgeReject, WrongKeyIsMicFailedUnknownDeviceIsOther) {
  Fixture s;
  auto bridge_devices = s.dir.write("bridge-devices.yaml", kBridgeDevices);
  auto emu_devices = s.dir.write("emu-devices.yaml", kEmulatorDevices);
  // --subscribe-devices: the unknown device is routed to the bridge anyway (as RAN would for
  // a stale routing entry).
  ASSERT_NO_FATAL_FAILURE(
      s.start({"--devices", emu_devices.string(), "--subscribe-devices"}, bridge_devices));
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(s.inject("00aa000000000001"));
  for (int i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(s.inject("00aa000000000002"));
  ASSERT_TRUE(bt::eventually([&] { return s.answered() >= 5; }))
      << boost::json::serialize(s.emu->stats());
  EXPECT_EQ(s.emu->rejected("MICFailed"), 3) << boost::json::serialize(s.emu->stats());
  EXPECT_EQ(s.emu->rejected("Other"), 2);
  EXPECT_EQ(s.emu->upstream("acked"), 0);
  EXPECT_EQ(s.emu->upstream("wrong_ack"), 0);
  EXPECT_EQ(s.emu->upstream("unanswered"), 0);
  EXPECT_EQ(s.bridge->metric(R"(ranbridge_upstreams_total{region="eu",result="reject_mic"})"), 3.0);
  EXPECT_EQ(s.bridge->metric(R"(ranbridge_upstreams_total{region="eu",result="reject_other"})"),
            2.0);
  EXPECT_EQ(s.bridge->metric("ranbridge_uplinks_published_total"), 0.0);
}

TEST(BridgeReject, MalformedFramesAnsweredSocketKept) {
  Fixture s;
  auto devices = s.dir.write("devices.yaml", kBridgeDevices);
  ASSERT_NO_FATAL_FAILURE(s.start({"--devices", devices.string()}, devices));
  auto raw = [&](const std::string& body, bool binary = false) {
    auto r = bt::http("POST", s.emu->port(),
                      std::string("/emulator/send-raw") + (binary ? "?binary=1" : ""), body);
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = boost::json::parse(r.body);
    return v.at("sent").to_number<std::int64_t>();
  };
  // No TransactionID readable: counted by the bridge, nothing to answer.
  raw("this is not json");
  raw("\x01\x02\x03garbage", true);
  raw("[1,2,3]");
  // TransactionID readable, fields bad: Reject Other with that id (the emulator never sent
  // it, so it counts the answer as unknown_tx).
  std::int64_t with_tx = 0;
  with_tx += raw(R"({"ProtocolVersion":1,"TransactionID":9001,"DevEUIs":"nope"})");
  with_tx += raw(
      R"({"ProtocolVersion":1,"TransactionID":9002,"DevEUIs":[1],)"
      R"("Radio":{"Frequency":868100000,"LoRa":{"Spreading":7,"Bandwidth":125000},"RSSI":-50,"SNR":5},)"
      R"("PHYPayloadNoMIC":[64],"MICChallenge":[1,2]})");
  with_tx += raw(
      R"({"ProtocolVersion":1,"TransactionID":9003,"DevEUIs":[1],)"
      R"("Radio":{"Frequency":868100000,"LoRa":{"Spreading":99,"Bandwidth":125000},"RSSI":-50,"SNR":5},)"
      R"("PHYPayloadNoMIC":[64,1,0,187,38,0,1,0,1],"MICChallenge":[1,2]})");
  ASSERT_EQ(with_tx, 6);  // 3 frames x 2 sockets
  ASSERT_TRUE(bt::eventually([&] { return s.emu->upstream("unknown_tx") >= with_tx; }))
      << boost::json::serialize(s.emu->stats()) << "\n"
      << s.bridge->process().output();
  EXPECT_EQ(s.emu->upstream("unknown_tx"), with_tx);
  // The sockets stayed: no reconnect on either side, and a real uplink still goes through.
  EXPECT_EQ(s.upstream_open(), 2);
  EXPECT_EQ(
      s.bridge->metric(R"(ranbridge_ws_reconnects_total{kind="upstream",region="eu"})").value_or(0),
      0.0);
  auto stats = s.emu->stats();
  for (const auto& sock : stats.at("sockets").at("upstream").as_array())
    EXPECT_TRUE(sock.at("open").as_bool()) << boost::json::serialize(sock);
  EXPECT_EQ(stats.at("sockets").at("upstream").as_array().size(), 2u);
  ASSERT_NO_FATAL_FAILURE(s.inject("00aa000000000001"));
  ASSERT_TRUE(bt::eventually([&] { return s.emu->upstream("acked") == 1; }))
      << boost::json::serialize(s.emu->stats());
  EXPECT_TRUE(s.bridge->process().running());
}
