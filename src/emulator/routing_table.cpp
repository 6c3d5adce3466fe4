#include "ranbridge/emulator/routing_table.hpp"

#include <algorithm>

namespace ranbridge::emulator {

void RoutingTable::index_add(DevAddr addr, DevEui dev_eui) {
  by_addr_[addr].insert(dev_eui);
}

void RoutingTable::index_remove(DevAddr addr, DevEui dev_eui) {
  auto it = by_addr_.find(addr);
  if (it == by_addr_.end()) return;
  it->second.erase(dev_eui);
  if (it->second.empty()) by_addr_.erase(it);
}

void RoutingTable::unindex(const Device& d) {
  if (d.active_dev_addr) index_remove(*d.active_dev_addr, d.dev_eui);
  if (d.target_dev_addr) index_remove(*d.target_dev_addr, d.dev_eui);
}

TableResult<Device> RoutingTable::insert(DevEui dev_eui, std::optional<JoinEui> join_eui,
                                         std::optional<DevAddr> dev_addr,
                                         std::optional<std::string> details,
                                         std::string created_at) {
  if (devices_.contains(dev_eui)) return {std::nullopt, TableError::kAlreadyExists};
  if (devices_.size() >= limit_) return {std::nullopt, TableError::kLimitExhausted};
  Device d{dev_eui, join_eui, dev_addr, std::nullopt, std::move(details), std::move(created_at)};
  if (dev_addr) index_add(*dev_addr, dev_eui);
  devices_.emplace(dev_eui, d);
  return {d, {}};
}

TableResult<Device> RoutingTable::update(DevEui dev_eui, JoinEui join_eui,
                                         std::optional<DevAddr> active,
                                         std::optional<DevAddr> target) {
  auto it = devices_.find(dev_eui);
  if (it == devices_.end()) return {std::nullopt, TableError::kNotFound};
  Device& d = it->second;
  if (d.join_eui && *d.join_eui != join_eui) return {std::nullopt, TableError::kNotFound};
  unindex(d);
  if (active) d.active_dev_addr = active;
  if (target) d.target_dev_addr = target;
  if (d.active_dev_addr) index_add(*d.active_dev_addr, dev_eui);
  if (d.target_dev_addr) index_add(*d.target_dev_addr, dev_eui);
  return {d, {}};
}

std::size_t RoutingTable::drop(std::span<const DevEui> dev_euis) {
  std::size_t n = 0;
  for (const auto& e : dev_euis) {
    auto it = devices_.find(e);
    if (it == devices_.end()) continue;
    unindex(it->second);
    devices_.erase(it);
    ++n;
  }
  return n;
}

std::size_t RoutingTable::drop_all() {
  std::size_t n = devices_.size();
  devices_.clear();
  by_addr_.clear();
  return n;
}

std::vector<Device> RoutingTable::select(std::span<const DevEui> filter, std::size_t offset,
                                         std::optional<std::size_t> limit) const {
  std::vector<Device> out;
  std::size_t skipped = 0;
  auto take = [&](const Device& d) {
    if (skipped < offset) {
      ++skipped;
      return true;
    }
    if (limit && out.size() >= *limit) return false;
    out.push_back(d);
    return true;
  };
  if (filter.empty()) {
    for (const auto& [_, d] : devices_)
      if (!take(d)) break;
    return out;
  }
  // Filtered: table order, each device once even when asked for twice.
  std::set<DevEui> wanted(filter.begin(), filter.end());
  for (const auto& e : wanted) {
    auto it = devices_.find(e);
    if (it != devices_.end() && !take(it->second)) break;
  }
  return out;
}

const Device* RoutingTable::find(DevEui dev_eui) const {
  auto it = devices_.find(dev_eui);
  return it == devices_.end() ? nullptr : &it->second;
}

std::vector<DevEui> RoutingTable::by_dev_addr(DevAddr addr) const {
  auto it = by_addr_.find(addr);
  if (it == by_addr_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

bool RoutingTable::set_target(DevEui dev_eui, DevAddr addr) {
  auto it = devices_.find(dev_eui);
  if (it == devices_.end()) return false;
  Device& d = it->second;
  unindex(d);
  d.target_dev_addr = addr;
  if (d.active_dev_addr) index_add(*d.active_dev_addr, dev_eui);
  index_add(addr, dev_eui);
  return true;
}

bool RoutingTable::on_uplink(DevEui dev_eui, DevAddr addr) {
  auto it = devices_.find(dev_eui);
  if (it == devices_.end()) return false;
  Device& d = it->second;
  if (!d.target_dev_addr || *d.target_dev_addr != addr) return false;
  unindex(d);
  d.active_dev_addr = addr;
  d.target_dev_addr.reset();
  index_add(addr, dev_eui);
  return true;
}

// ---- multicast groups ----

GroupResult<MulticastGroup> MulticastGroups::create(DevAddr addr, std::string name,
                                                    std::string created_at) {
  if (groups_.contains(addr)) return {std::nullopt, GroupError::kAlreadyExists};
  MulticastGroup g{addr, std::move(name), std::move(created_at), {}};
  groups_.emplace(addr, g);
  return {g, {}};
}

GroupResult<MulticastGroup> MulticastGroups::update(DevAddr addr, std::optional<std::string> name,
                                                    std::optional<DevAddr> new_addr) {
  auto it = groups_.find(addr);
  if (it == groups_.end()) return {std::nullopt, GroupError::kNotFound};
  if (new_addr && *new_addr != addr && groups_.contains(*new_addr))
    return {std::nullopt, GroupError::kAlreadyExists};
  MulticastGroup g = it->second;
  if (name) g.name = std::move(*name);
  if (new_addr) g.addr = *new_addr;
  groups_.erase(it);
  groups_.emplace(g.addr, g);
  return {g, {}};
}

std::vector<MulticastGroup> MulticastGroups::get(std::span<const DevAddr> addrs) const {
  std::vector<MulticastGroup> out;
  if (addrs.empty()) {
    for (const auto& [_, g] : groups_) out.push_back(g);
    return out;
  }
  std::set<DevAddr> wanted(addrs.begin(), addrs.end());
  for (const auto& a : wanted)
    if (auto it = groups_.find(a); it != groups_.end()) out.push_back(it->second);
  return out;
}

std::size_t MulticastGroups::remove(std::span<const DevAddr> addrs) {
  std::set<DevAddr> wanted(addrs.begin(), addrs.end());
  std::size_t n = 0;
  for (const auto& a : wanted) n += groups_.erase(a);
  return n;
}

GroupResult<bool> MulticastGroups::add_device(DevAddr addr, DevEui dev_eui,
                                              const RoutingTable& table) {
  auto it = groups_.find(addr);
  if (it == groups_.end()) return {std::nullopt, GroupError::kNotFound};
  if (!table.find(dev_eui)) return {std::nullopt, GroupError::kDeviceNotFound};
  auto& devs = it->second.devices;
  if (std::find(devs.begin(), devs.end(), dev_eui) != devs.end())
    return {std::nullopt, GroupError::kAlreadyContainsDevice};
  devs.push_back(dev_eui);
  return {true, {}};
}

bool MulticastGroups::remove_device(DevAddr addr, DevEui dev_eui) {
  auto it = groups_.find(addr);
  if (it == groups_.end()) return false;
  auto& devs = it->second.devices;
  auto pos = std::find(devs.begin(), devs.end(), dev_eui);
  if (pos == devs.end()) return false;
  devs.erase(pos);
  return true;
}

void MulticastGroups::forget_device(DevEui dev_eui) {
  for (auto& [_, g] : groups_) std::erase(g.devices, dev_eui);
}

const MulticastGroup* MulticastGroups::find(DevAddr addr) const {
  auto it = groups_.find(addr);
  return it == groups_.end() ? nullptr : &it->second;
}

}  // namespace ranbridge::emulator
