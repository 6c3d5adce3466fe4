#include "ranbridge/ops/metrics.hpp"

#include <prometheus/text_serializer.h>

namespace ranbridge::ops {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// Solve and answer latencies: 50 us .. 2.5 s (the answer budget is 1 s; the p99 target 2 ms).
Histogram::BucketBoundaries latency_buckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,     2.5};
}
// Downlink result latency: RAN answers after the TX window, which can be seconds away
// (class A RX2, class B slots, class C deadlines up to 512 s).
Histogram::BucketBoundaries result_buckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600};
}

std::string label(std::string_view v) {
  return std::string(v);
}

}  // namespace

std::string_view to_string(UpstreamResult r) {
  switch (r) {
    case UpstreamResult::Ack:
      return "ack";
    case UpstreamResult::RejectMic:
      return "reject_mic";
    case UpstreamResult::RejectOther:
      return "reject_other";
  }
  return "unknown";
}
std::string_view to_string(WsKind k) {
  return k == WsKind::Upstream ? "upstream" : "downstream";
}
std::string_view to_string(UplinkDropReason r) {
  switch (r) {
    case UplinkDropReason::QueueFull:
      return "queue_full";
    case UplinkDropReason::Outdated:
      return "outdated";
    case UplinkDropReason::Shutdown:
      return "shutdown";
    case UplinkDropReason::EncodeError:
      return "encode_error";
  }
  return "unknown";
}
std::string_view to_string(SyncKind k) {
  switch (k) {
    case SyncKind::Insert:
      return "insert";
    case SyncKind::Update:
      return "update";
    case SyncKind::Remove:
      return "remove";
    case SyncKind::MulticastInsert:
      return "multicast_insert";
    case SyncKind::MulticastUpdate:
      return "multicast_update";
    case SyncKind::MulticastRemove:
      return "multicast_remove";
  }
  return "unknown";
}
std::string_view to_string(SyncResult r) {
  return r == SyncResult::Ok ? "ok" : "error";
}
std::string_view to_string(SessionState s) {
  return s == SessionState::Active ? "active" : "pending";
}
std::string_view to_string(DownlinkClass c) {
  switch (c) {
    case DownlinkClass::A:
      return "a";
    case DownlinkClass::B:
      return "b";
    case DownlinkClass::C:
      return "c";
  }
  return "unknown";
}
std::string_view to_string(DownlinkResult r) {
  switch (r) {
    case DownlinkResult::Success:
      return "success";
    case DownlinkResult::WindowNotFound:
      return "window_not_found";
    case DownlinkResult::GatewayNotFound:
      return "gateway_not_found";
    case DownlinkResult::TooLate:
      return "too_late";
    case DownlinkResult::NoAck:
      return "no_ack";
    case DownlinkResult::GatewayError:
      return "gateway_error";
    case DownlinkResult::Timeout:
      return "timeout";
    case DownlinkResult::UnknownDevice:
      return "unknown_device";
    case DownlinkResult::NoSocket:
      return "no_socket";
    case DownlinkResult::BadTiming:
      return "bad_timing";
    case DownlinkResult::Unsupported:
      return "unsupported";
    case DownlinkResult::Rejected:
      return "rejected";
    case DownlinkResult::QueueFull:
      return "queue_full";
  }
  return "unknown";
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      upstreams_family_(BuildCounter()
                            .Name("ranbridge_upstreams_total")
                            .Help("Upstream MIC challenges answered, by region and outcome")
                            .Register(*registry_)),
      solve_family_(BuildHistogram()
                        .Name("ranbridge_solve_seconds")
                        .Help("Time to solve one MIC challenge")
                        .Register(*registry_)),
      answer_family_(BuildHistogram()
                         .Name("ranbridge_answer_seconds")
                         .Help("Time from receiving an Upstream to sending its ack or reject")
                         .Register(*registry_)),
      ws_connections_family_(BuildGauge()
                                 .Name("ranbridge_ws_connections")
                                 .Help("Open RAN websockets by region and kind")
                                 .Register(*registry_)),
      ws_reconnects_family_(BuildCounter()
                                .Name("ranbridge_ws_reconnects_total")
                                .Help("RAN websocket reconnect attempts by region and kind")
                                .Register(*registry_)),
      mqtt_connected_family_(BuildGauge()
                                 .Name("ranbridge_mqtt_connected")
                                 .Help("1 while the MQTT client is connected to the broker")
                                 .Register(*registry_)),
      mqtt_queue_family_(BuildGauge()
                             .Name("ranbridge_mqtt_queue_depth")
                             .Help("Accepted uplinks waiting to be published")
                             .Register(*registry_)),
      published_family_(BuildCounter()
                            .Name("ranbridge_uplinks_published_total")
                            .Help("Uplinks published to MQTT")
                            .Register(*registry_)),
      dropped_family_(BuildCounter()
                          .Name("ranbridge_uplinks_dropped_total")
                          .Help("Accepted uplinks not published, by reason")
                          .Register(*registry_)),
      duplicates_family_(BuildCounter()
                             .Name("ranbridge_uplink_duplicates_total")
                             .Help("Extra receptions of an uplink already published")
                             .Register(*registry_)),
      outdated_family_(BuildCounter()
                           .Name("ranbridge_outdated_uplinks_total")
                           .Help("Uplinks RAN flagged as Outdated")
                           .Register(*registry_)),
      sync_family_(BuildCounter()
                       .Name("ranbridge_sync_actions_total")
                       .Help("Routing-table sync actions by region, kind and result")
                       .Register(*registry_)),
      registry_family_(BuildGauge()
                           .Name("ranbridge_registry_devices")
                           .Help("Devices in the device registry")
                           .Register(*registry_)),
      sessions_family_(BuildGauge()
                           .Name("ranbridge_sessions")
                           .Help("Device sessions by state")
                           .Register(*registry_)),
      downlinks_family_(BuildCounter()
                            .Name("ranbridge_downlinks_total")
                            .Help("Downlinks by region, device class and result")
                            .Register(*registry_)),
      pending_family_(BuildGauge()
                          .Name("ranbridge_downlink_pending")
                          .Help("Downlink transactions awaiting a result")
                          .Register(*registry_)),
      result_family_(BuildHistogram()
                         .Name("ranbridge_downlink_result_seconds")
                         .Help("Time from sending a Downstream to its DownstreamResult")
                         .Register(*registry_)),
      power_family_(BuildCounter()
                        .Name("ranbridge_downlink_power_dropped_total")
                        .Help("Downlinks whose requested TX power was not sent (RAN's TxWindow "
                              "has no power field)")
                        .Register(*registry_)),
      mqtt_connected_(mqtt_connected_family_.Add({})),
      mqtt_queue_depth_(mqtt_queue_family_.Add({})),
      uplinks_published_(published_family_.Add({})),
      uplink_duplicates_(duplicates_family_.Add({})),
      outdated_uplinks_(outdated_family_.Add({})),
      registry_devices_(registry_family_.Add({})),
      downlink_pending_(pending_family_.Add({})),
      downlink_result_seconds_(result_family_.Add({}, result_buckets())) {
  // Label values known in advance get their series now, so dashboards see zeros.
  for (auto r : {UplinkDropReason::QueueFull, UplinkDropReason::Outdated,
                 UplinkDropReason::Shutdown, UplinkDropReason::EncodeError})
    uplinks_dropped(r);
  sessions(SessionState::Active);
  sessions(SessionState::Pending);
}

Metrics::~Metrics() = default;

Metrics::Region& Metrics::region(std::string_view name) {
  std::lock_guard lock(regions_mutex_);
  auto it = regions_.find(name);
  if (it != regions_.end()) return *it->second;
  auto bundle = std::make_unique<Region>(Region{
      upstreams(name, UpstreamResult::Ack),
      upstreams(name, UpstreamResult::RejectMic),
      upstreams(name, UpstreamResult::RejectOther),
      solve_seconds(name),
      answer_seconds(name),
      ws_connections(name, WsKind::Upstream),
      ws_connections(name, WsKind::Downstream),
      ws_reconnects(name, WsKind::Upstream),
      ws_reconnects(name, WsKind::Downstream),
      downlink_power_dropped(name),
  });
  auto& ref = *bundle;
  regions_.emplace(std::string(name), std::move(bundle));
  return ref;
}

prometheus::Counter& Metrics::upstreams(std::string_view region, UpstreamResult result) {
  return upstreams_family_.Add({{"region", label(region)}, {"result", label(to_string(result))}});
}
prometheus::Histogram& Metrics::solve_seconds(std::string_view region) {
  return solve_family_.Add({{"region", label(region)}}, latency_buckets());
}
prometheus::Histogram& Metrics::answer_seconds(std::string_view region) {
  return answer_family_.Add({{"region", label(region)}}, latency_buckets());
}
prometheus::Gauge& Metrics::ws_connections(std::string_view region, WsKind kind) {
  return ws_connections_family_.Add({{"region", label(region)}, {"kind", label(to_string(kind))}});
}
prometheus::Counter& Metrics::ws_reconnects(std::string_view region, WsKind kind) {
  return ws_reconnects_family_.Add({{"region", label(region)}, {"kind", label(to_string(kind))}});
}
prometheus::Counter& Metrics::uplinks_dropped(UplinkDropReason reason) {
  return dropped_family_.Add({{"reason", label(to_string(reason))}});
}
prometheus::Counter& Metrics::sync_actions(std::string_view region, SyncKind kind,
                                           SyncResult result) {
  return sync_family_.Add({{"region", label(region)},
                           {"kind", label(to_string(kind))},
                           {"result", label(to_string(result))}});
}
prometheus::Gauge& Metrics::sessions(SessionState state) {
  return sessions_family_.Add({{"state", label(to_string(state))}});
}
prometheus::Counter& Metrics::downlinks(std::string_view region, DownlinkClass cls,
                                        DownlinkResult result) {
  return downlinks_family_.Add({{"region", label(region)},
                                {"class", label(to_string(cls))},
                                {"result", label(to_string(result))}});
}
prometheus::Counter& Metrics::downlink_power_dropped(std::string_view region) {
  return power_family_.Add({{"region", label(region)}});
}

std::string Metrics::serialize() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

}  // namespace ranbridge::ops
