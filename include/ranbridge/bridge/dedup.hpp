#pragma once
// Deduplication of uplinks: the same PHYPayload (with MIC) may reach the bridge several
// times within a short window, through several sockets of a region or several regions.
// Each reception is answered, but only the first is published; the others are counted.
//
// Bounded memory: entries older than the window are dropped as time moves on, and when
// `max_entries` are live the oldest is evicted early (it may then be published twice,
// which the network server's own deduplication absorbs; losing one is worse).

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>

namespace ranbridge::bridge {

class DedupCache {
 public:
  using Clock = std::chrono::steady_clock;

  DedupCache(Clock::duration window, std::size_t max_entries);

  // True the first time a payload is seen within the window (publish it), false for a
  // repeat (count it). Thread-safe.
  bool first_seen(std::span<const std::uint8_t> phy_payload, Clock::time_point now);

  std::size_t size() const;
  std::uint64_t duplicates() const;
  std::uint64_t evicted() const;  // entries dropped early because the cache was full

 private:
  void expire(Clock::time_point now);

  Clock::duration window_;
  std::size_t max_entries_;
  mutable std::mutex mutex_;
  // Key: the payload bytes themselves (a hash alone could merge two different frames).
  std::unordered_map<std::string, Clock::time_point> seen_;
  std::deque<std::pair<Clock::time_point, std::string>> order_;  // insertion order
  std::uint64_t duplicates_ = 0;
  std::uint64_t evicted_ = 0;
};

}  // namespace ranbridge::bridge
