#pragma once
// Every metric family of ran-bridge, declared in one place (prometheus-cpp core), with
// typed accessors so callers never spell a label string. Names are ranbridge_*, base units
// (seconds), counters end in _total; label values come from small enums or the configured
// region names, so cardinality stays bounded. Catalogue: docs/ops.md.
//
// Accessors look the series up under prometheus-cpp's family mutex: cheap, but hot paths
// keep the returned reference (series live as long as the Metrics object), e.g. through
// region(name), which resolves every per-region series once.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ranbridge::ops {

enum class UpstreamResult { Ack, RejectMic, RejectOther };
enum class WsKind { Upstream, Downstream };
enum class UplinkDropReason { QueueFull, Outdated, Shutdown, EncodeError };
enum class SyncKind { Insert, Update, Remove, MulticastInsert, MulticastUpdate, MulticastRemove };
enum class SyncResult { Ok, Error };
enum class SessionState { Active, Pending };
enum class DownlinkClass { A, B, C };
// RAN's six DownstreamResult codes, then the outcomes decided by the bridge itself.
enum class DownlinkResult {
  Success,
  WindowNotFound,
  GatewayNotFound,
  TooLate,
  NoAck,
  GatewayError,
  Timeout,        // no result within the window + margin
  UnknownDevice,  // no session / context / multicast group for the frame
  NoSocket,       // the region's downstream socket stayed down past the window
  BadTiming,      // delay outside 1..15 s, unusable gps_epoch, ...
  Unsupported,    // modulation or field RAN cannot express
  Rejected,       // RAN refused the frame (TxAck error / protocol error)
  QueueFull,      // downlink.max_pending transactions already await a result
};

std::string_view to_string(UpstreamResult);
std::string_view to_string(WsKind);
std::string_view to_string(UplinkDropReason);
std::string_view to_string(SyncKind);
std::string_view to_string(SyncResult);
std::string_view to_string(SessionState);
std::string_view to_string(DownlinkClass);
std::string_view to_string(DownlinkResult);

// Prometheus text exposition format version served on /metrics.
inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

class Metrics {
 public:
  // The series of one region, resolved once.
  struct Region {
    prometheus::Counter& upstreams_ack;
    prometheus::Counter& upstreams_reject_mic;
    prometheus::Counter& upstreams_reject_other;
    prometheus::Histogram& solve_seconds;
    prometheus::Histogram& answer_seconds;
    prometheus::Gauge& upstream_connections;
    prometheus::Gauge& downstream_connections;
    prometheus::Counter& upstream_reconnects;
    prometheus::Counter& downstream_reconnects;
    prometheus::Counter& downlink_power_dropped;
    prometheus::Counter& upstreams(UpstreamResult r) {
      return r == UpstreamResult::Ack         ? upstreams_ack
             : r == UpstreamResult::RejectMic ? upstreams_reject_mic
                                              : upstreams_reject_other;
    }
  };

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The registry, for callers that want to add their own collectables.
  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

  // Per-region bundle; created on first use, stable reference afterwards. Call it for every
  // configured region at start so that /metrics shows zeros instead of missing series.
  Region& region(std::string_view name);

  // Uplink path (per region).
  prometheus::Counter& upstreams(std::string_view region, UpstreamResult result);
  prometheus::Histogram& solve_seconds(std::string_view region);
  prometheus::Histogram& answer_seconds(std::string_view region);
  prometheus::Gauge& ws_connections(std::string_view region, WsKind kind);
  prometheus::Counter& ws_reconnects(std::string_view region, WsKind kind);

  // MQTT side.
  prometheus::Gauge& mqtt_connected() { return mqtt_connected_; }
  prometheus::Gauge& mqtt_queue_depth() { return mqtt_queue_depth_; }
  prometheus::Counter& uplinks_published() { return uplinks_published_; }
  prometheus::Counter& uplinks_dropped(UplinkDropReason reason);
  prometheus::Counter& uplink_duplicates() { return uplink_duplicates_; }
  prometheus::Counter& outdated_uplinks() { return outdated_uplinks_; }

  // Routing sync, registry, sessions.
  prometheus::Counter& sync_actions(std::string_view region, SyncKind kind, SyncResult result);
  prometheus::Gauge& registry_devices() { return registry_devices_; }
  prometheus::Gauge& sessions(SessionState state);

  // Downlinks. `region` is "none" when the bridge could not pick one (unknown device).
  prometheus::Counter& downlinks(std::string_view region, DownlinkClass cls, DownlinkResult result);
  prometheus::Gauge& downlink_pending() { return downlink_pending_; }
  prometheus::Histogram& downlink_result_seconds() { return downlink_result_seconds_; }
  prometheus::Counter& downlink_power_dropped(std::string_view region);

  // The whole registry in the Prometheus text format (kPrometheusContentType).
  std::string serialize() const;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& upstreams_family_;
  prometheus::Family<prometheus::Histogram>& solve_family_;
  prometheus::Family<prometheus::Histogram>& answer_family_;
  prometheus::Family<prometheus::Gauge>& ws_connections_family_;
  prometheus::Family<prometheus::Counter>& ws_reconnects_family_;
  prometheus::Family<prometheus::Gauge>& mqtt_connected_family_;
  prometheus::Family<prometheus::Gauge>& mqtt_queue_family_;
  prometheus::Family<prometheus::Counter>& published_family_;
  prometheus::Family<prometheus::Counter>& dropped_family_;
  prometheus::Family<prometheus::Counter>& duplicates_family_;
  prometheus::Family<prometheus::Counter>& outdated_family_;
  prometheus::Family<prometheus::Counter>& sync_family_;
  prometheus::Family<prometheus::Gauge>& registry_family_;
  prometheus::Family<prometheus::Gauge>& sessions_family_;
  prometheus::Family<prometheus::Counter>& downlinks_family_;
  prometheus::Family<prometheus::Gauge>& pending_family_;
  prometheus::Family<prometheus::Histogram>& result_family_;
  prometheus::Family<prometheus::Counter>& power_family_;
  prometheus::Gauge& mqtt_connected_;
  prometheus::Gauge& mqtt_queue_depth_;
  prometheus::Counter& uplinks_published_;
  prometheus::Counter& uplink_duplicates_;
  prometheus::Counter& outdated_uplinks_;
  prometheus::Gauge& registry_devices_;
  prometheus::Gauge& downlink_pending_;
  prometheus::Histogram& downlink_result_seconds_;

  std::mutex regions_mutex_;
  std::map<std::string, std::unique_ptr<Region>, std::less<>> regions_;
};

}  // namespace ranbridge::ops
