#include "ranbridge/bridge/uplink_pipeline.hpp"

#include <chrono>
#include <random>

#include "ranbridge/bridge/uplink_frame.hpp"
#include "ranbridge/ops/logging.hpp"

namespace ranbridge::bridge {
namespace {

std::uint32_t random_uplink_id() {
  thread_local std::mt19937 rng{std::random_device{}()};
  return static_cast<std::uint32_t>(rng());
}

std::int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ContextFrameKind context_kind(mic::FrameKind k) {
  switch (k) {
    case mic::FrameKind::JoinRequest:
      return ContextFrameKind::JoinRequest;
    case mic::FrameKind::RejoinRequest:
      return ContextFrameKind::RejoinRequest;
    default:
      return ContextFrameKind::Data;
  }
}

}  // namespace

UplinkPipeline::UplinkPipeline(const mic::Solver& solver, DedupCache& dedup, ops::Metrics* metrics,
                               Options options, Publish publish)
    : solver_(solver),
      dedup_(dedup),
      metrics_(metrics),
      options_(options),
      publish_(std::move(publish)) {}

ran::UpstreamAnswer UplinkPipeline::handle(const RegionInfo& region,
                                           const ran::Upstream& up) noexcept {
  try {
    return handle_impl(region, up);
  } catch (const std::exception& e) {
    ++counters_.internal_errors;
    ++counters_.reject_other;
    if (region.metrics) region.metrics->upstreams_reject_other.Increment();
    ops::log_event(spdlog::level::err, "upstream internal error",
                   {{"region", region.name}, {"tx", up.transaction_id}, {"error", e.what()}});
    return ran::UpstreamReject{up.transaction_id, ran::RejectCode::Other,
                               std::string("internal error")};
  }
}

ran::UpstreamAnswer UplinkPipeline::handle_impl(const RegionInfo& region, const ran::Upstream& up) {
  const auto received_us = unix_now_us();
  if (region.stats) region.stats->upstream_received();

  mic::Uplink in;
  in.dev_euis = up.dev_euis;
  in.phy_payload_no_mic = up.phy_payload_no_mic;
  in.challenge = up.mic_challenge;
  in.radio = to_uplink_radio(up.radio);
  in.region = region.channel_plan;
  in.byte_order = region.byte_order;

  const auto t0 = std::chrono::steady_clock::now();
  auto outcome = solver_.solve(in);
  if (region.metrics)
    region.metrics->solve_seconds.Observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  if (const auto* rej = std::get_if<mic::Reject>(&outcome)) {
    const bool mic_failed = rej->code == mic::RejectCode::MICFailed;
    ++(mic_failed ? counters_.reject_mic : counters_.reject_other);
    if (region.metrics)
      (mic_failed ? region.metrics->upstreams_reject_mic : region.metrics->upstreams_reject_other)
          .Increment();
    ops::log_event(spdlog::level::debug, "upstream rejected",
                   {{"region", region.name},
                    {"tx", up.transaction_id},
                    {"code", mic::to_string(rej->code)},
                    {"reason", mic::to_string(rej->reason)}});
    return ran::UpstreamReject{
        up.transaction_id, mic_failed ? ran::RejectCode::MicFailed : ran::RejectCode::Other,
        rej->message.empty() ? std::nullopt : std::optional<std::string>(rej->message)};
  }

  const auto& ack = std::get<mic::Ack>(outcome);
  ++counters_.acked;
  if (region.metrics) region.metrics->upstreams_ack.Increment();
  if (region.stats) region.stats->upstream_acked();
  ran::UpstreamAck answer{up.transaction_id, ack.dev_eui, ack.mic};
  if (options_.last_heard) options_.last_heard->note(ack.dev_eui, region.index);

  if (up.outdated) {
    ++counters_.outdated;
    if (metrics_) metrics_->outdated_uplinks().Increment();
    if (options_.drop_outdated) {
      ++counters_.outdated_dropped;
      if (metrics_) metrics_->uplinks_dropped(ops::UplinkDropReason::Outdated).Increment();
      return answer;
    }
  }
  auto phy = full_phy_payload(up.phy_payload_no_mic, on_air_mic(ack.mic, region.byte_order));
  if (!dedup_.first_seen(phy, DedupCache::Clock::now())) {
    ++counters_.duplicates;
    if (metrics_) metrics_->uplink_duplicates().Increment();
    return answer;
  }
  UplinkMeta meta;
  meta.gateway_id = region.gateway_id;
  meta.context = UplinkContext{region.index, context_kind(ack.kind), ack.dev_eui,
                               random_uplink_id(), received_us};
  auto frame = make_uplink_frame(up, phy, meta);
  std::string payload;
  try {
    payload = lns::marshal(frame, options_.marshaler);
  } catch (const std::exception& e) {
    // The device's uplink is still acked: RAN must not resend it elsewhere.
    if (metrics_) metrics_->uplinks_dropped(ops::UplinkDropReason::EncodeError).Increment();
    ops::log_event(spdlog::level::err, "uplink encode failed",
                   {{"region", region.name}, {"error", e.what()}});
    return answer;
  }
  ++counters_.published;
  publish_(lns::event_topic(region.topic_prefix, region.gateway_id, lns::Event::up),
           std::move(payload));
  ops::log_event(spdlog::level::debug, "uplink",
                 {{"region", region.name},
                  {"dev_eui", ack.dev_eui.to_hex()},
                  {"kind", mic::to_string(ack.kind)},
                  {"fcnt", ack.fcnt},
                  {"outdated", up.outdated}});
  return answer;
}

}  // namespace ranbridge::bridge
