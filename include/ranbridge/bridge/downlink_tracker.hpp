#pragma once
// Downlinks sent to RAN and waiting for their DownstreamResult (issue 5 §2), keyed by
// transaction id, with real expiry: every entry has a deadline (its TX window + the result
// timeout margin) and take_expired() hands back the ones past it, so the map never grows
// without bound; add() refuses beyond `max_pending` (the caller answers QUEUE_FULL).
// Thread-safe (a mutex around a hash map and an ordered expiry index).
//
// The entry carries what the result needs: the frame's downlink id, per-item statuses so far,
// which item is in flight, region, class, the payload `Job` for an RX2 retry.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/ops/metrics.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::bridge {

struct DownlinkJob;  // opaque to the tracker (the downlink path's frame + target)

struct PendingDownlink {
  using Clock = std::chrono::steady_clock;
  std::uint32_t downlink_id = 0;
  std::size_t region_index = 0;
  ops::DownlinkClass cls = ops::DownlinkClass::A;
  std::size_t item = 0;                   // the item in flight
  std::vector<gw::TxAckStatus> statuses;  // one per frame item (IGNORED until decided)
  Clock::time_point sent;                 // for the result latency
  Clock::time_point expires;              // window end + result_timeout_margin
  bool scheduled = false;                 // DownstreamAck seen
  std::uint64_t mailbox_id = 0;
  std::shared_ptr<DownlinkJob> job;
};

class DownlinkTracker {
 public:
  using Clock = PendingDownlink::Clock;
  explicit DownlinkTracker(std::size_t max_pending) : max_pending_(max_pending) {}

  // False (and nothing stored) when full or when `tx` is already tracked.
  bool add(ran::TransactionId tx, PendingDownlink entry);
  // DownstreamAck: marks the entry scheduled; false when `tx` is unknown (late or foreign).
  bool mark_scheduled(ran::TransactionId tx, std::uint64_t mailbox_id);
  // DownstreamResult: removes and returns the entry; nullopt when unknown (already expired).
  std::optional<PendingDownlink> take(ran::TransactionId tx);
  // Removes and returns every entry whose deadline is before `now`, oldest first.
  std::vector<std::pair<ran::TransactionId, PendingDownlink>> take_expired(Clock::time_point now);
  // Removes and returns everything (shutdown).
  std::vector<std::pair<ran::TransactionId, PendingDownlink>> take_all();
  // The earliest deadline, if any (so the caller can sleep until then).
  std::optional<Clock::time_point> next_expiry() const;

  std::size_t size() const;
  std::size_t max_pending() const { return max_pending_; }

 private:
  const std::size_t max_pending_;
  mutable std::mutex mutex_;
  std::unordered_map<ran::TransactionId, PendingDownlink> entries_;
  std::set<std::pair<Clock::time_point, ran::TransactionId>> by_expiry_;
};

}  // namespace ranbridge::bridge
