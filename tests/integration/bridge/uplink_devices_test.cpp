// Uplinks of particular devices, end to end: FCnt past 65535, three devices sharing one
// DevAddr, LoRaWAN 1.1 MICs with the explicit per-region `band`. The emulator sends only on
// demand (POST /emulator/uplink), so every count is exact.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "harness.hpp"

namespace bt = ranbridge::bridge_test;
using namespace std::chrono_literals;

namespace {

const std::string kTopic = bt::up_topic("eu868", "00000000000e0001");

// Injects one uplink of `dev_eui`, retrying while the device is not routed yet (409: the
// bridge's routing sync has not inserted it).
void inject(bt::Emulator& emu, const std::string& dev_eui) {
  bt::HttpResult r;
  ASSERT_TRUE(bt::eventually([&] { return (r = emu.inject(dev_eui)).status == 200; }, 30s))
      << dev_eui << ": " << r.status << " " << r.body;
}

struct Fixture {
  bt::t::TempDir dir;
  bt::t::Mosquitto broker;
  std::optional<bt::Subscriber> sub;
  std::optional<bt::Emulator> emu;
  std::optional<bt::Bridge> bridge;

  void start(const std::filesystem::path& devices, std::string region_extra = "",
             std::string prefix = "eu868") {
    sub.emplace(broker.port());
    ASSERT_TRUE(sub->wait_subscribed());
    emu.emplace(
        std::vector<std::string>{"--devices", devices.string(), "--no-autostart", "--seed", "11"});
    bt::BridgeSpec spec;
    spec.regions.push_back({"eu", emu->base_url(), "00000000000e0001", prefix, 2, region_extra});
    spec.mqtt_url = broker.url();
    spec.devices_files = {devices};
    bridge.emplace(spec);
    ASSERT_TRUE(bridge->wait_ready()) << bridge->process().output();
  }
  // Waits until the emulator got `n` answers, then until `n` uplinks reached the subscriber.
  void wait_answered(std::int64_t n, const std::string& topic = kTopic) {
    ASSERT_TRUE(bt::eventually([&] {
      return emu->upstream("acked") + emu->upstream("rejected") + emu->upstream("wrong_ack") >= n;
    })) << boost::json::serialize(emu->stats());
    if (!topic.empty())
      bt::eventually([&] { return sub->payloads(topic).size() >= static_cast<std::size_t>(n); },
                     10s);
  }
};

}  // namespace

TEST(BridgeUplink, FCntContinuesPast65535) {
  Fixture s;
  auto devices = s.dir.write("devices.yaml", R"(devices:
  - dev_eui: "00000000000000ab"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26aa0001"
      nwk_s_key: "00112233445566778899aabbccddeeff"
      app_s_key: "ffeeddccbbaa99887766554433221100"
    fcnt_up: 65530
)");
  ASSERT_NO_FATAL_FAILURE(s.start(devices));
  constexpr int kFrames = 12;  // 65530 .. 65541: crosses the 16-bit boundary
  for (int i = 0; i < kFrames; ++i) ASSERT_NO_FATAL_FAILURE(inject(*s.emu, "00000000000000ab"));
  ASSERT_NO_FATAL_FAILURE(s.wait_answered(kFrames));
  EXPECT_EQ(s.emu->upstream("acked"), kFrames) << boost::json::serialize(s.emu->stats());
  EXPECT_EQ(s.emu->upstream("rejected"), 0);
  EXPECT_EQ(s.emu->upstream("wrong_ack"), 0);

  auto ups = s.sub->uplinks(kTopic);
  ASSERT_EQ(ups.size(), static_cast<std::size_t>(kFrames)) << s.sub->process().output();
  std::vector<std::uint16_t> fcnts;
  for (const auto& f : ups) {
    EXPECT_EQ(bt::context_dev_eui(f), "00000000000000ab");
    fcnts.push_back(bt::phy_fcnt(f.phy_payload()));
  }
  std::sort(fcnts.begin(), fcnts.end());
  // On air: 0..5 after the wrap, 65530..65535 before it.
  std::vector<std::uint16_t> want{0, 1, 2, 3, 4, 5, 65530, 65531, 65532, 65533, 65534, 65535};
  EXPECT_EQ(fcnts, want);
}

TEST(BridgeUplink, SharedDevAddrAckedWithOwnDevEui) {
  Fixture s;
  ASSERT_NO_FATAL_FAILURE(s.start(bt::t::source_path("config/devices.yaml")));
  const std::vector<std::string> devs{"a84041000181c0a1", "a84041000181c0a2", "a84041000181c0a3"};
  constexpr int kRounds = 3;
  for (int i = 0; i < kRounds; ++i)
    for (const auto& d : devs) ASSERT_NO_FATAL_FAILURE(inject(*s.emu, d));
  const auto n = static_cast<std::int64_t>(devs.size() * kRounds);
  ASSERT_NO_FATAL_FAILURE(s.wait_answered(n));
  // The emulator checks DevEUI *and* MIC of every ack: a frame credited to a sibling sharing
  // the DevAddr would be a wrong_ack.
  EXPECT_EQ(s.emu->upstream("acked"), n) << boost::json::serialize(s.emu->stats());
  EXPECT_EQ(s.emu->upstream("wrong_ack"), 0);
  std::map<std::string, int> per_device;
  for (const auto& f : s.sub->uplinks(kTopic)) {
    ASSERT_GE(f.phy_payload().size(), 5u);
    EXPECT_EQ(f.phy_payload().substr(1, 4), std::string("\xff\x1b\x01\x26", 4));  // 26011bff LE
    ++per_device[bt::context_dev_eui(f)];
  }
  for (const auto& d : devs) EXPECT_EQ(per_device[d], kRounds) << d;
}

namespace {
const char* kAbp11 = R"(devices:
  - dev_eui: "c4e57f9442a5f060"
    lorawan_version: "1.1"
    abp:
      dev_addr: "26011b02"
      f_nwk_s_int_key: "3e60de1f6d19effcbcd00bf9a07c2441"
      s_nwk_s_int_key: "74457cf1c0fca6dfa981d69ce09551f4"
      nwk_s_enc_key: "00867d3a624928559924a133dd36d22e"
      app_s_key: "425f47688e864af8f77c4dcb1a44f33b"
)";
}  // namespace

// A topic prefix that names no band: the explicit `band` gives the 1.1 channel plan.
TEST(BridgeUplink, ExplicitBandEnables11Mic) {
  Fixture s;
  auto devices = s.dir.write("devices.yaml", kAbp11);
  ASSERT_NO_FATAL_FAILURE(s.start(devices, "    band: EU868\n", "site-a"));
  const auto topic = bt::up_topic("site-a", "00000000000e0001");
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(inject(*s.emu, "c4e57f9442a5f060"));
  ASSERT_NO_FATAL_FAILURE(s.wait_answered(3, topic));
  EXPECT_EQ(s.emu->upstream("acked"), 3) << boost::json::serialize(s.emu->stats());
  EXPECT_EQ(s.sub->uplinks(topic).size(), 3u);
}

// Without `band` and without a guessable prefix, 1.1 data uplinks cannot be solved: Reject
// Other (NoChannelPlan), never a wrong ack.
TEST(BridgeUplink, NoBandRejects11DataUplinks) {
  Fixture s;
  auto devices = s.dir.write("devices.yaml", kAbp11);
  ASSERT_NO_FATAL_FAILURE(s.start(devices, "", "site-a"));
  for (int i = 0; i < 2; ++i) ASSERT_NO_FATAL_FAILURE(inject(*s.emu, "c4e57f9442a5f060"));
  ASSERT_NO_FATAL_FAILURE(s.wait_answered(2, ""));
  EXPECT_EQ(s.emu->rejected("Other"), 2) << boost::json::serialize(s.emu->stats());
  EXPECT_EQ(s.emu->upstream("acked"), 0);
}
