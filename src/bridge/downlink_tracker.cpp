#include "ranbridge/bridge/downlink_tracker.hpp"

namespace ranbridge::bridge {

bool DownlinkTracker::add(ran::TransactionId tx, PendingDownlink entry) {
  std::lock_guard lock(mutex_);
  if (entries_.size() >= max_pending_ || entries_.count(tx)) return false;
  by_expiry_.emplace(entry.expires, tx);
  entries_.emplace(tx, std::move(entry));
  return true;
}

bool DownlinkTracker::mark_scheduled(ran::TransactionId tx, std::uint64_t mailbox_id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(tx);
  if (it == entries_.end()) return false;
  it->second.scheduled = true;
  it->second.mailbox_id = mailbox_id;
  return true;
}

std::optional<PendingDownlink> DownlinkTracker::take(ran::TransactionId tx) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(tx);
  if (it == entries_.end()) return std::nullopt;
  PendingDownlink e = std::move(it->second);
  by_expiry_.erase({e.expires, tx});
  entries_.erase(it);
  return e;
}

std::vector<std::pair<ran::TransactionId, PendingDownlink>> DownlinkTracker::take_expired(
    Clock::time_point now) {
  std::vector<std::pair<ran::TransactionId, PendingDownlink>> out;
  std::lock_guard lock(mutex_);
  while (!by_expiry_.empty() && by_expiry_.begin()->first < now) {
    const auto tx = by_expiry_.begin()->second;
    by_expiry_.erase(by_expiry_.begin());
    auto it = entries_.find(tx);
    out.emplace_back(tx, std::move(it->second));
    entries_.erase(it);
  }
  return out;
}

std::vector<std::pair<ran::TransactionId, PendingDownlink>> DownlinkTracker::take_all() {
  std::vector<std::pair<ran::TransactionId, PendingDownlink>> out;
  std::lock_guard lock(mutex_);
  for (const auto& [when, tx] : by_expiry_) {
    auto it = entries_.find(tx);
    out.emplace_back(tx, std::move(it->second));
  }
  entries_.clear();
  by_expiry_.clear();
  return out;
}

std::optional<DownlinkTracker::Clock::time_point> DownlinkTracker::next_expiry() const {
  std::lock_guard lock(mutex_);
  if (by_expiry_.empty()) return std::nullopt;
  return by_expiry_.begin()->first;
}

std::size_t DownlinkTracker::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace ranbridge::bridge
