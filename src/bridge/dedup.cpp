#include "ranbridge/bridge/dedup.hpp"

#include <stdexcept>

namespace ranbridge::bridge {

DedupCache::DedupCache(Clock::duration window, std::size_t max_entries)
    : window_(window), max_entries_(max_entries) {
  if (max_entries_ == 0) throw std::invalid_argument("DedupCache: max_entries must be > 0");
}

void DedupCache::expire(Clock::time_point now) {
  while (!order_.empty() && now - order_.front().first >= window_) {
    auto it = seen_.find(order_.front().second);
    // A key re-seen after expiry was re-inserted with a newer time: only erase our own.
    if (it != seen_.end() && it->second == order_.front().first) seen_.erase(it);
    order_.pop_front();
  }
}

bool DedupCache::first_seen(std::span<const std::uint8_t> phy_payload, Clock::time_point now) {
  std::string key(reinterpret_cast<const char*>(phy_payload.data()), phy_payload.size());
  std::lock_guard lock(mutex_);
  expire(now);
  auto it = seen_.find(key);
  if (it != seen_.end()) {
    ++duplicates_;
    return false;
  }
  while (seen_.size() >= max_entries_ && !order_.empty()) {
    auto old = seen_.find(order_.front().second);
    if (old != seen_.end() && old->second == order_.front().first) {
      seen_.erase(old);
      ++evicted_;
    }
    order_.pop_front();
  }
  seen_.emplace(key, now);
  order_.emplace_back(now, std::move(key));
  return true;
}

std::size_t DedupCache::size() const {
  std::lock_guard lock(mutex_);
  return seen_.size();
}
std::uint64_t DedupCache::duplicates() const {
  std::lock_guard lock(mutex_);
  return duplicates_;
}
std::uint64_t DedupCache::evicted() const {
  std::lock_guard lock(mutex_);
  return evicted_;
}

}  // namespace ranbridge::bridge
