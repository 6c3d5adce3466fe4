#pragma once
// Per-region counters behind the ChirpStack `event/stats` message (GatewayStats), sent every
// `mqtt.stats_interval`. Each report carries what happened since the previous one, so the
// counters are taken and reset atomically by take(). Lock-free: io threads bump them.

#include <atomic>
#include <cstdint>

namespace ranbridge::bridge {

struct StatsSnapshot {
  std::uint32_t rx_received = 0;     // upstreams received (every frame RAN delivered)
  std::uint32_t rx_received_ok = 0;  // upstreams acked (MIC solved: a valid frame of ours)
  std::uint32_t tx_received = 0;     // downlink commands received (issue 5)
  std::uint32_t tx_emitted = 0;      // downlinks RAN reported sent (issue 5)
  bool operator==(const StatsSnapshot&) const = default;
};

class RegionStats {
 public:
  void upstream_received() { rx_received_.fetch_add(1, std::memory_order_relaxed); }
  void upstream_acked() { rx_received_ok_.fetch_add(1, std::memory_order_relaxed); }
  void downlink_received() { tx_received_.fetch_add(1, std::memory_order_relaxed); }
  void downlink_emitted() { tx_emitted_.fetch_add(1, std::memory_order_relaxed); }

  // The counts since the previous take(), and zero them.
  StatsSnapshot take() {
    StatsSnapshot s;
    s.rx_received = static_cast<std::uint32_t>(rx_received_.exchange(0));
    s.rx_received_ok = static_cast<std::uint32_t>(rx_received_ok_.exchange(0));
    s.tx_received = static_cast<std::uint32_t>(tx_received_.exchange(0));
    s.tx_emitted = static_cast<std::uint32_t>(tx_emitted_.exchange(0));
    return s;
  }

 private:
  std::atomic<std::uint64_t> rx_received_{0}, rx_received_ok_{0}, tx_received_{0}, tx_emitted_{0};
};

}  // namespace ranbridge::bridge
