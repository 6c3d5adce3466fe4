#include "ranbridge/ops/metrics.hpp"

#include <gtest/gtest.h>

namespace ranbridge::ops {
namespace {

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(Metrics, AllFamiliesAreDeclared) {
  Metrics m;
  m.region("eu");
  auto text = m.serialize();
  for (auto family :
       {"ranbridge_upstreams_total counter", "ranbridge_solve_seconds histogram",
        "ranbridge_answer_seconds histogram", "ranbridge_ws_connections gauge",
        "ranbridge_ws_reconnects_total counter", "ranbridge_mqtt_connected gauge",
        "ranbridge_mqtt_queue_depth gauge", "ranbridge_uplinks_published_total counter",
        "ranbridge_uplinks_dropped_total counter", "ranbridge_uplink_duplicates_total counter",
        "ranbridge_outdated_uplinks_total counter", "ranbridge_registry_devices gauge",
        "ranbridge_sessions gauge", "ranbridge_downlink_pending gauge",
        "ranbridge_downlink_result_seconds histogram",
        "ranbridge_downlink_power_dropped_total counter"})
    EXPECT_TRUE(contains(text, std::string("# TYPE ") + family)) << family << "\n" << text;
  // Per-region series exist at zero as soon as the region is named.
  EXPECT_TRUE(contains(text, "ranbridge_upstreams_total{region=\"eu\",result=\"reject_mic\"} 0"));
  EXPECT_TRUE(contains(text, "ranbridge_ws_connections{kind=\"downstream\",region=\"eu\"} 0"));
  EXPECT_TRUE(contains(text, "ranbridge_uplinks_dropped_total{reason=\"queue_full\"} 0"));
  EXPECT_TRUE(contains(text, "ranbridge_sessions{state=\"pending\"} 0"));
}

TEST(Metrics, TypedAccessorsShareSeriesWithRegionBundle) {
  Metrics m;
  auto& eu = m.region("eu");
  EXPECT_EQ(&m.region("eu"), &eu);  // stable
  eu.upstreams(UpstreamResult::Ack).Increment();
  m.upstreams("eu", UpstreamResult::Ack).Increment();
  EXPECT_EQ(eu.upstreams_ack.Value(), 2);
  m.ws_connections("eu", WsKind::Upstream).Set(4);
  EXPECT_EQ(eu.upstream_connections.Value(), 4);
  eu.solve_seconds.Observe(0.0001);
  m.sync_actions("eu", SyncKind::Insert, SyncResult::Error).Increment();
  m.downlinks("none", DownlinkClass::A, DownlinkResult::UnknownDevice).Increment();
  m.uplinks_dropped(UplinkDropReason::Outdated).Increment(2);
  m.sessions(SessionState::Active).Set(7);
  m.downlink_result_seconds().Observe(1.5);
  auto text = m.serialize();
  EXPECT_TRUE(contains(text, "ranbridge_upstreams_total{region=\"eu\",result=\"ack\"} 2"));
  EXPECT_TRUE(contains(text, "ranbridge_solve_seconds_count{region=\"eu\"} 1"));
  EXPECT_TRUE(contains(text, "ranbridge_solve_seconds_bucket{region=\"eu\",le=\"0.0001\"} 1"))
      << text;
  EXPECT_TRUE(contains(
      text, "ranbridge_sync_actions_total{kind=\"insert\",region=\"eu\",result=\"error\"} 1"));
  EXPECT_TRUE(contains(
      text, "ranbridge_downlinks_total{class=\"a\",region=\"none\",result=\"unknown_device\"} 1"));
  EXPECT_TRUE(contains(text, "ranbridge_uplinks_dropped_total{reason=\"outdated\"} 2"));
  EXPECT_TRUE(contains(text, "ranbridge_sessions{state=\"active\"} 7"));
  EXPECT_TRUE(contains(text, "ranbridge_downlink_result_seconds_count 1"));
}

TEST(Metrics, LabelNamesForEveryEnumValue) {
  EXPECT_EQ(to_string(UpstreamResult::RejectOther), "reject_other");
  EXPECT_EQ(to_string(DownlinkResult::WindowNotFound), "window_not_found");
  EXPECT_EQ(to_string(DownlinkResult::GatewayError), "gateway_error");
  EXPECT_EQ(to_string(SyncKind::MulticastRemove), "multicast_remove");
  EXPECT_EQ(to_string(DownlinkClass::C), "c");
  EXPECT_EQ(to_string(UplinkDropReason::EncodeError), "encode_error");
}

}  // namespace
}  // namespace ranbridge::ops
