// The MQTT broker restarted while uplinks keep coming: every uplink the bridge acked (the
// emulator counts them) must reach the subscriber. Duplicates are allowed (at-least-once), so
// distinct PHYPayloads are counted. The broker persists the subscriber's session so that what
// it queued for the subscriber survives the restart too.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bt = ranbridge::bridge_test;
using namespace std::chrono_literals;

TEST(BridgeBrokerRestart, EveryAckedUplinkPublished) {
  bt::t::TempDir dir;
  bt::PersistentBroker broker;
  bt::Subscriber sub(broker.port(), "uplink-test-sub");
  ASSERT_TRUE(sub.wait_subscribed());
  auto exported = dir / "generated.json";
  bt::Emulator emu({"--devices-generate", "50", "--devices-export", exported.string(), "--rate",
                    "200", "--seed", "9"});
  bt::BridgeSpec spec;
  spec.regions.push_back({"eu", emu.base_url(), "00000000000e0001", "eu868", 2, ""});
  spec.mqtt_url = broker.url();
  spec.devices_files = {exported};
  bt::Bridge bridge(spec);
  ASSERT_TRUE(bridge.wait_ready()) << bridge.process().output();

  auto acked_at_least = [&](std::int64_t n) {
    return bt::eventually([&] { return emu.upstream("acked") >= n; });
  };
  ASSERT_TRUE(acked_at_least(200)) << boost::json::serialize(emu.stats());
  broker.stop();
  // Uplinks keep being acked while the broker is away: the bridge queues them.
  auto during = emu.upstream("acked");
  ASSERT_TRUE(acked_at_least(during + 300)) << boost::json::serialize(emu.stats());
  EXPECT_FALSE(bridge.wait_ready(0ms)) << "ready although MQTT is down";
  broker.start();
  ASSERT_TRUE(bridge.wait_ready()) << bridge.process().output();
  ASSERT_TRUE(acked_at_least(emu.upstream("acked") + 200));

  auto r = bt::http("POST", emu.port(), "/emulator/traffic", R"({"running": false})");
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(bt::eventually([&] { return emu.upstream("pending") == 0; }));
  const auto acked = emu.upstream("acked");
  EXPECT_EQ(emu.upstream("unanswered"), 0);
  EXPECT_EQ(emu.upstream("wrong_ack"), 0);
  const auto topic = bt::up_topic("eu868", "00000000000e0001");
  std::size_t unique = 0;
  bt::eventually([&] { return (unique = sub.unique_phy(topic).size()) >= std::size_t(acked); },
                 40s);
  EXPECT_EQ(unique, static_cast<std::size_t>(acked))
      << "published " << bridge.metric("ranbridge_uplinks_published_total").value_or(-1)
      << ", queue " << bridge.metric("ranbridge_mqtt_queue_depth").value_or(-1) << ", dropped "
      << bridge.metric(R"(ranbridge_uplinks_dropped_total{reason="queue_full"})").value_or(-1);
}
