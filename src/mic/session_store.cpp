#include "ranbridge/mic/session_store.hpp"

#include <algorithm>

namespace ranbridge::mic {

struct MemorySessionStore::Shard {
  mutable std::mutex mu;
  std::unordered_map<DevEui, DeviceSessions> devices;
};

struct MemorySessionStore::AddrShard {
  mutable std::mutex mu;
  std::unordered_map<DevAddr, std::vector<DevEui>> devices;
};

MemorySessionStore::MemorySessionStore()
    : shards_(std::make_unique<Shard[]>(kShards)),
      addr_shards_(std::make_unique<AddrShard[]>(kShards)) {}

MemorySessionStore::~MemorySessionStore() = default;

MemorySessionStore::Shard& MemorySessionStore::shard(DevEui e) const {
  return shards_[(e.value ^ (e.value >> 17) ^ (e.value >> 41)) % kShards];
}

MemorySessionStore::AddrShard& MemorySessionStore::addr_shard(DevAddr a) const {
  return addr_shards_[(a.value ^ (a.value >> 13)) % kShards];
}

void MemorySessionStore::index_add(DevAddr a, DevEui e) {
  auto& s = addr_shard(a);
  std::lock_guard lock(s.mu);
  auto& v = s.devices[a];
  if (std::find(v.begin(), v.end(), e) == v.end()) v.push_back(e);
}

void MemorySessionStore::index_remove(DevAddr a, DevEui e) {
  auto& s = addr_shard(a);
  std::lock_guard lock(s.mu);
  auto it = s.devices.find(a);
  if (it == s.devices.end()) return;
  std::erase(it->second, e);
  if (it->second.empty()) s.devices.erase(it);
}

namespace {

void addrs_of(const DeviceSessions* d, std::vector<DevAddr>& out) {
  out.clear();
  if (d == nullptr) return;
  if (d->active) out.push_back(d->active->dev_addr);
  if (d->pending && (!d->active || d->pending->dev_addr != d->active->dev_addr))
    out.push_back(d->pending->dev_addr);
}

}  // namespace

// Called with the device's shard locked (lock order: device shard, then address shard).
void MemorySessionStore::reindex(DevEui e, const DeviceSessions* before,
                                 const DeviceSessions* after) {
  std::vector<DevAddr> old_addrs, new_addrs;
  addrs_of(before, old_addrs);
  addrs_of(after, new_addrs);
  for (auto a : old_addrs)
    if (std::find(new_addrs.begin(), new_addrs.end(), a) == new_addrs.end()) index_remove(a, e);
  for (auto a : new_addrs)
    if (std::find(old_addrs.begin(), old_addrs.end(), a) == old_addrs.end()) index_add(a, e);
}

std::optional<DeviceSessions> MemorySessionStore::get(DevEui dev_eui) const {
  auto& s = shard(dev_eui);
  std::lock_guard lock(s.mu);
  auto it = s.devices.find(dev_eui);
  if (it == s.devices.end()) return std::nullopt;
  return it->second;
}

std::vector<DeviceSessions> MemorySessionStore::find_by_dev_addr(DevAddr dev_addr) const {
  std::vector<DevEui> euis;
  {
    auto& s = addr_shard(dev_addr);
    std::lock_guard lock(s.mu);
    auto it = s.devices.find(dev_addr);
    if (it != s.devices.end()) euis = it->second;
  }
  std::vector<DeviceSessions> out;
  out.reserve(euis.size());
  for (auto e : euis) {
    // The index may be a moment behind: keep only devices that still use the address.
    auto d = get(e);
    if (d && ((d->active && d->active->dev_addr == dev_addr) ||
              (d->pending && d->pending->dev_addr == dev_addr)))
      out.push_back(std::move(*d));
  }
  return out;
}

namespace {
// Why `fcnt` cannot advance a counter whose last accepted value is `last`, if it cannot.
std::optional<CommitResult> against(const std::optional<std::uint32_t>& last, std::uint32_t fcnt) {
  if (!last || fcnt > *last) return std::nullopt;
  return fcnt == *last ? CommitResult::Retransmission : CommitResult::Stale;
}
}  // namespace

CommitResult MemorySessionStore::commit_uplink(DevEui dev_eui, SessionSlot slot, DevAddr dev_addr,
                                               std::uint32_t fcnt) {
  auto& s = shard(dev_eui);
  std::lock_guard lock(s.mu);
  if (slot == SessionSlot::Abp) {
    auto& d = s.devices[dev_eui];
    d.dev_eui = dev_eui;
    if (auto r = against(d.abp_fcnt_up, fcnt)) return *r;
    d.abp_fcnt_up = fcnt;
    return CommitResult::Committed;
  }
  auto it = s.devices.find(dev_eui);
  if (it == s.devices.end()) return CommitResult::Gone;
  DeviceSessions& d = it->second;
  if (slot == SessionSlot::Active) {
    if (!d.active || d.active->dev_addr != dev_addr) return CommitResult::Gone;
    if (auto r = against(d.active->fcnt_up, fcnt)) return *r;
    d.active->fcnt_up = fcnt;
    return CommitResult::Committed;
  }
  if (!d.pending || d.pending->dev_addr != dev_addr) return CommitResult::Gone;
  if (auto r = against(d.pending->fcnt_up, fcnt)) return *r;
  const DeviceSessions before = d;
  d.active = std::move(d.pending);
  d.pending.reset();
  d.active->fcnt_up = fcnt;
  reindex(dev_eui, &before, &d);
  return CommitResult::Committed;
}

void MemorySessionStore::put_pending(DevEui dev_eui, Session session) {
  auto& s = shard(dev_eui);
  std::lock_guard lock(s.mu);
  auto& d = s.devices[dev_eui];
  d.dev_eui = dev_eui;
  const DeviceSessions before = d;
  d.pending = std::move(session);
  reindex(dev_eui, &before, &d);
}

void MemorySessionStore::put_active(DevEui dev_eui, Session session) {
  auto& s = shard(dev_eui);
  std::lock_guard lock(s.mu);
  auto& d = s.devices[dev_eui];
  d.dev_eui = dev_eui;
  const DeviceSessions before = d;
  d.active = std::move(session);
  reindex(dev_eui, &before, &d);
}

void MemorySessionStore::record_join_request(DevEui dev_eui, JoinRequestSeen join) {
  auto& s = shard(dev_eui);
  std::lock_guard lock(s.mu);
  auto& d = s.devices[dev_eui];
  d.dev_eui = dev_eui;
  std::erase(d.recent_joins, join);
  d.recent_joins.push_back(join);
  if (d.recent_joins.size() > kMaxRecentJoins) d.recent_joins.erase(d.recent_joins.begin());
}

void MemorySessionStore::note_confirmed_downlink(DevEui dev_eui, DevAddr dev_addr,
                                                 std::uint16_t fcnt) {
  auto& s = shard(dev_eui);
  std::lock_guard lock(s.mu);
  auto it = s.devices.find(dev_eui);
  if (it == s.devices.end()) return;
  for (auto* sess : {&it->second.active, &it->second.pending})
    if (*sess && (*sess)->dev_addr == dev_addr) (*sess)->conf_fcnt_down = fcnt;
}

void MemorySessionStore::erase(DevEui dev_eui) {
  auto& s = shard(dev_eui);
  std::lock_guard lock(s.mu);
  auto it = s.devices.find(dev_eui);
  if (it == s.devices.end()) return;
  reindex(dev_eui, &it->second, nullptr);
  s.devices.erase(it);
}

std::size_t MemorySessionStore::size() const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    n += shards_[i].devices.size();
  }
  return n;
}

MemorySessionStore::StateCounts MemorySessionStore::state_counts() const {
  StateCounts c;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    for (const auto& [eui, d] : shards_[i].devices) {
      if (d.active || d.abp_fcnt_up) ++c.active;
      if (d.pending) ++c.pending;
    }
  }
  return c;
}

void MemorySessionStore::replace_all(std::vector<DeviceSessions> devices) {
  for (const auto& d : all()) erase(d.dev_eui);
  for (auto& d : devices) {
    auto& s = shard(d.dev_eui);
    std::lock_guard lock(s.mu);
    auto& slot = s.devices[d.dev_eui];
    reindex(d.dev_eui, &slot, &d);
    slot = std::move(d);
  }
}

std::vector<DeviceSessions> MemorySessionStore::all() const {
  std::vector<DeviceSessions> out;
  for (std::size_t i = 0; i < kShards; ++i) {
    std::lock_guard lock(shards_[i].mu);
    for (const auto& [e, d] : shards_[i].devices) out.push_back(d);
  }
  return out;
}

}  // namespace ranbridge::mic
