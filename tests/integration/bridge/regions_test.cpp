// Two RAN regions at once: two emulators, two gateway ids and topic prefixes. Each region's
// routing table gets only its own devices, and each uplink is published under its own prefix.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bt = ranbridge::bridge_test;
using namespace std::chrono_literals;

TEST(BridgeRegions, EachUplinkUnderItsOwnPrefix) {
  bt::t::TempDir dir;
  bt::t::Mosquitto broker;
  auto devices = dir.write("devices.yaml", R"(devices:
  - dev_eui: "00000000000e0e01"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26cc0001"
      nwk_s_key: "00112233445566778899aabbccddeeff"
    regions: [eu]
  - dev_eui: "00000000000b0b01"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26cc0002"
      nwk_s_key: "ffeeddccbbaa99887766554433221100"
    regions: [br]
  - dev_eui: "0000000000ab0001"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26cc0003"
      nwk_s_key: "0123456789abcdef0123456789abcdef"
)");
  bt::Subscriber sub(broker.port());
  ASSERT_TRUE(sub.wait_subscribed());
  bt::Emulator eu({"--devices", devices.string(), "--no-autostart", "--seed", "1"});
  bt::Emulator br(
      {"--devices", devices.string(), "--no-autostart", "--seed", "2", "--region", "AU915"});
  bt::BridgeSpec spec;
  spec.regions.push_back({"eu", eu.base_url(), "00000000000e0001", "eu868", 1, ""});
  spec.regions.push_back({"br", br.base_url(), "00000000000e0002", "au915_1", 1, ""});
  spec.mqtt_url = broker.url();
  spec.devices_files = {devices};
  bt::Bridge bridge(spec);
  ASSERT_TRUE(bridge.wait_ready()) << bridge.process().output();

  // Routing sync per region: the region-bound device only there, the unbound one in both.
  auto euis = [](bt::Emulator& e) {
    std::set<std::string> out;
    for (const auto& d : e.select_devices()) out.insert(std::string(d.at("DevEUI").as_string()));
    return out;
  };
  ASSERT_TRUE(bt::eventually([&] { return euis(eu).size() == 2 && euis(br).size() == 2; }))
      << bridge.process().output();
  EXPECT_EQ(euis(eu), (std::set<std::string>{"00000000000e0e01", "0000000000ab0001"}));
  EXPECT_EQ(euis(br), (std::set<std::string>{"00000000000b0b01", "0000000000ab0001"}));
  // A device not routed to a region cannot send there.
  EXPECT_EQ(eu.inject("00000000000b0b01").status, 409);

  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(eu.inject("00000000000e0e01").status, 200);
    EXPECT_EQ(br.inject("00000000000b0b01").status, 200);
  }
  // The unbound device's counter is shared by both regions: one frame in each.
  EXPECT_EQ(eu.inject("0000000000ab0001").status, 200);
  ASSERT_TRUE(bt::eventually([&] {
    return eu.upstream("acked") == 3 && br.upstream("acked") == 2;
  })) << boost::json::serialize(eu.stats())
      << "\n"
      << boost::json::serialize(br.stats());

  const auto eu_topic = bt::up_topic("eu868", "00000000000e0001");
  const auto br_topic = bt::up_topic("au915_1", "00000000000e0002");
  ASSERT_TRUE(bt::eventually([&] {
    return sub.payloads(eu_topic).size() == 3 && sub.payloads(br_topic).size() == 2;
  })) << sub.process().output();
  for (const auto& f : sub.uplinks(eu_topic)) {
    EXPECT_EQ(f.rx_info().gateway_id(), "00000000000e0001");
    EXPECT_EQ(f.rx_info().context()[1], 0) << "region index";
    EXPECT_NE(bt::context_dev_eui(f), "00000000000b0b01");
  }
  for (const auto& f : sub.uplinks(br_topic)) {
    EXPECT_EQ(f.rx_info().gateway_id(), "00000000000e0002");
    EXPECT_EQ(f.rx_info().context()[1], 1) << "region index";
    EXPECT_EQ(bt::context_dev_eui(f), "00000000000b0b01");
    EXPECT_LT(f.tx_info().frequency(), 930000000u);  // AU915 uplink channels
    EXPECT_GT(f.tx_info().frequency(), 914000000u);
  }
  EXPECT_EQ(bridge.metric(R"(ranbridge_upstreams_total{region="eu",result="ack"})"), 3.0);
  EXPECT_EQ(bridge.metric(R"(ranbridge_upstreams_total{region="br",result="ack"})"), 2.0);
}
