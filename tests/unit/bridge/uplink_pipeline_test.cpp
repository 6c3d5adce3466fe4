// The uplink pipeline between the solver and MQTT: what is answered, what is published, what
// is counted. Frames and MICs come from the lorawan module (tests/unit/mic/frames.hpp).
#include "ranbridge/bridge/uplink_pipeline.hpp"

#include <gtest/gtest.h>

#include "../mic/frames.hpp"
#include "ranbridge/lns/gateway_codec.hpp"

namespace {

using namespace ranbridge;
using namespace mictest;

constexpr lw::DevAddr kAddr{0x26011234};
const lw::AesKey kKey = *lw::AesKey::from_hex("eff570746c7ee4d1390aa448afc41eed");

struct Published {
  std::string topic, payload;
};

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = mic::Registry::parse(
        "devices:\n  - dev_eui: \"0000000000000001\"\n    lorawan_version: \"1.0.3\"\n"
        "    abp: {dev_addr: \"26011234\", nwk_s_key: \"eff570746c7ee4d1390aa448afc41eed\"}\n",
        "d.yaml");
    ASSERT_TRUE(r.ok());
    registry.replace(r.registry);
    region.name = "eu";
    region.gateway_id = lns::GatewayId{0xe0001};
    region.topic_prefix = "eu868";
  }

  // A pipeline as the bridge builds it: same-FCnt frames acked again (several sockets).
  bridge::UplinkPipeline make(bool drop_outdated) {
    mic::SolverOptions so;
    so.fcnt.allow_retransmission = true;
    solver = std::make_unique<mic::Solver>(registry, store, so);
    bridge::UplinkPipeline::Options o;
    o.drop_outdated = drop_outdated;
    return bridge::UplinkPipeline(*solver, dedup, nullptr, o, [this](std::string t, std::string p) {
      published.push_back({std::move(t), std::move(p)});
    });
  }

  static ran::Upstream upstream(ran::TransactionId tx, std::uint16_t fcnt, bool outdated = false) {
    ran::Upstream up;
    up.transaction_id = tx;
    up.outdated = outdated;
    up.radio.frequency = 868100000;
    up.radio.modulation = ran::LoRa{7, 125000};
    up.phy_payload_no_mic = data_up(kAddr, fcnt);
    up.mic_challenge = challenge(mic10(kKey, kAddr, fcnt, up.phy_payload_no_mic), 64, tx);
    return up;
  }

  static ran::UpstreamAck acked(const ran::UpstreamAnswer& a) {
    EXPECT_TRUE(std::holds_alternative<ran::UpstreamAck>(a));
    return std::holds_alternative<ran::UpstreamAck>(a) ? std::get<ran::UpstreamAck>(a)
                                                       : ran::UpstreamAck{};
  }

  mic::RegistryHandle registry;
  mic::MemorySessionStore store;
  std::unique_ptr<mic::Solver> solver;
  bridge::DedupCache dedup{std::chrono::seconds(10), 1000};
  bridge::RegionInfo region;
  std::vector<Published> published;
};

TEST_F(PipelineTest, OneFrameThroughSeveralSocketsIsAckedEachTimeAndPublishedOnce) {
  auto p = make(false);
  // The same reception through three sockets: each its own transaction and challenge.
  for (ran::TransactionId tx : {11u, 12u, 13u}) {
    const auto a = acked(p.handle(region, upstream(tx, 7)));
    EXPECT_EQ(a.transaction_id, tx);
    EXPECT_EQ(a.dev_eui, lw::DevEui{1});
    EXPECT_EQ(a.mic, mic10(kKey, kAddr, 7, data_up(kAddr, 7)));
  }
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].topic, "eu868/gateway/00000000000e0001/event/up");
  auto frame = lns::unmarshal_uplink_frame(published[0].payload);
  ASSERT_TRUE(frame.ok()) << frame.error().reason;
  auto full = data_up(kAddr, 7);
  const auto mic = lw::data_uplink_mic_1_0(lw::Cmac(kKey), kAddr, 7, full);
  full.insert(full.end(), mic.begin(), mic.end());
  EXPECT_EQ(frame->phy_payload(), std::string(full.begin(), full.end()));
  EXPECT_EQ(p.counters().acked, 3u);
  EXPECT_EQ(p.counters().published, 1u);
  EXPECT_EQ(p.counters().duplicates, 2u);
  EXPECT_EQ(store.get(lw::DevEui{1})->abp_fcnt_up, 7u);

  // The next frame is new; an older one is a replay: Reject Other, nothing published.
  acked(p.handle(region, upstream(14, 8)));
  EXPECT_EQ(published.size(), 2u);
  auto replay = p.handle(region, upstream(15, 6));
  ASSERT_TRUE(std::holds_alternative<ran::UpstreamReject>(replay));
  EXPECT_EQ(std::get<ran::UpstreamReject>(replay).code, ran::RejectCode::Other);
  EXPECT_EQ(published.size(), 2u);
  EXPECT_EQ(p.counters().reject_other, 1u);
}

TEST_F(PipelineTest, OutdatedUplinksArePublishedAndCountedByDefault) {
  auto p = make(false);
  acked(p.handle(region, upstream(21, 1, /*outdated=*/true)));
  EXPECT_EQ(published.size(), 1u);
  EXPECT_EQ(p.counters().outdated, 1u);
  EXPECT_EQ(p.counters().outdated_dropped, 0u);
}

TEST_F(PipelineTest, OutdatedUplinksAreAckedButNotPublishedWhenDropped) {
  auto p = make(true);
  acked(p.handle(region, upstream(31, 1, /*outdated=*/true)));
  EXPECT_TRUE(published.empty());
  EXPECT_EQ(p.counters().outdated, 1u);
  EXPECT_EQ(p.counters().outdated_dropped, 1u);
  // A current uplink still goes out.
  acked(p.handle(region, upstream(32, 2)));
  EXPECT_EQ(published.size(), 1u);
}

TEST_F(PipelineTest, WrongMicIsMicFailedAndNothingIsPublished) {
  auto p = make(false);
  auto up = upstream(41, 1);
  up.mic_challenge = challenge(mic10(kKey, kAddr, 1, up.phy_payload_no_mic) ^ 1u);
  auto a = p.handle(region, up);
  ASSERT_TRUE(std::holds_alternative<ran::UpstreamReject>(a));
  EXPECT_EQ(std::get<ran::UpstreamReject>(a).code, ran::RejectCode::MicFailed);
  EXPECT_TRUE(published.empty());
  EXPECT_EQ(p.counters().reject_mic, 1u);
}

}  // namespace
