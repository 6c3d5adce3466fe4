#pragma once
// One upstream in, one answer out: solve the MIC challenge (mic::Solver), decide Ack or
// Reject, and hand an accepted uplink to `publish` as a ChirpStack UplinkFrame on
// `{topic_prefix}/gateway/{gateway_id}/event/up`. Synchronous and cheap (a few AES blocks),
// so it runs inline on the socket's strand; the caller sends the answer first, then
// publish() only enqueues (the MQTT client never blocks).
//
// handle() never throws: any internal failure becomes Reject Other, so that every upstream
// is answered exactly once.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ranbridge/bridge/dedup.hpp"
#include "ranbridge/bridge/last_heard.hpp"
#include "ranbridge/bridge/stats.hpp"
#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/lns/topics.hpp"
#include "ranbridge/lorawan/region.hpp"
#include "ranbridge/mic/solver.hpp"
#include "ranbridge/ops/metrics.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::bridge {

struct RegionInfo {
  std::string name;
  std::uint8_t index = 0;  // in the config's region list (goes into the uplink context)
  lns::GatewayId gateway_id;
  std::string topic_prefix;
  mic::MicByteOrder byte_order = mic::MicByteOrder::Big;
  std::optional<lorawan::Region> channel_plan;  // for 1.1 MICs (TxDr/TxCh)
  ops::Metrics::Region* metrics = nullptr;      // may be null (tests)
  RegionStats* stats = nullptr;                 // may be null (tests)
};

struct PipelineCounters {
  std::atomic<std::uint64_t> acked{0}, reject_mic{0}, reject_other{0}, published{0}, duplicates{0},
      outdated{0}, outdated_dropped{0}, internal_errors{0};
};

class UplinkPipeline {
 public:
  using Publish = std::function<void(std::string topic, std::string payload)>;
  struct Options {
    lns::Marshaler marshaler = lns::Marshaler::protobuf;
    bool drop_outdated = false;
    LastHeard* last_heard = nullptr;  // noted on every acked uplink (class B/C region choice)
  };

  UplinkPipeline(const mic::Solver& solver, DedupCache& dedup, ops::Metrics* metrics,
                 Options options, Publish publish);

  // The answer to send on the socket the upstream came from. Publishes accepted uplinks.
  ran::UpstreamAnswer handle(const RegionInfo& region, const ran::Upstream& up) noexcept;

  const PipelineCounters& counters() const { return counters_; }

 private:
  ran::UpstreamAnswer handle_impl(const RegionInfo& region, const ran::Upstream& up);
  const mic::Solver& solver_;
  DedupCache& dedup_;
  ops::Metrics* metrics_;
  Options options_;
  Publish publish_;
  PipelineCounters counters_;
};

}  // namespace ranbridge::bridge
