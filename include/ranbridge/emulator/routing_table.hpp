#pragma once
// The emulator's routing table (RAN "device subscriptions") and multicast groups: pure state,
// no I/O, no locking (the owner serialises access). Semantics follow the RAN Routing API v1
// contract: DevEUI unique, one DevAddr may belong to many DevEUIs, TargetDevAddr becomes the
// ActiveDevAddr when the first uplink from it arrives.

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::emulator {

using lorawan::DevAddr;
using lorawan::DevEui;
using lorawan::JoinEui;

struct Device {
  DevEui dev_eui;
  std::optional<JoinEui> join_eui;
  std::optional<DevAddr> active_dev_addr;
  std::optional<DevAddr> target_dev_addr;
  std::optional<std::string> details;
  std::string created_at;  // ISO-8601 without zone, microseconds
  bool operator==(const Device&) const = default;
};

// Why a table operation failed; maps 1:1 onto the API's error codes.
enum class TableError {
  kAlreadyExists,   // Device.AlreadyExists
  kNotFound,        // Device.NotFound
  kLimitExhausted,  // Device.LimitExhausted
};

template <class T>
struct TableResult {
  std::optional<T> value;
  TableError error{};
  bool ok() const { return value.has_value(); }
};

class RoutingTable {
 public:
  explicit RoutingTable(std::size_t device_limit = 1'000'000) : limit_(device_limit) {}

  // OTAA (join_eui) and/or ABP (dev_addr stored as ActiveDevAddr).
  TableResult<Device> insert(DevEui dev_eui, std::optional<JoinEui> join_eui,
                             std::optional<DevAddr> dev_addr, std::optional<std::string> details,
                             std::string created_at);
  // Absent addresses stay unchanged. The device is chosen by DevEUI; when it has a JoinEUI,
  // `join_eui` must match it (RAN selects by the pair), else NotFound.
  TableResult<Device> update(DevEui dev_eui, JoinEui join_eui, std::optional<DevAddr> active,
                             std::optional<DevAddr> target);
  // Returns how many of the given devices existed (and are now gone); duplicates count once.
  std::size_t drop(std::span<const DevEui> dev_euis);
  std::size_t drop_all();

  // Devices ordered by DevEUI; `filter` empty = all. offset/limit apply after filtering.
  std::vector<Device> select(std::span<const DevEui> filter, std::size_t offset,
                             std::optional<std::size_t> limit) const;
  const Device* find(DevEui dev_eui) const;
  // Devices whose ActiveDevAddr or TargetDevAddr is `addr`, ordered by DevEUI.
  std::vector<DevEui> by_dev_addr(DevAddr addr) const;

  // A join accept for `dev_eui` handed out `addr`: it becomes the TargetDevAddr.
  bool set_target(DevEui dev_eui, DevAddr addr);
  // An uplink from `addr` arrived for `dev_eui`: when that is its TargetDevAddr, it becomes
  // the ActiveDevAddr and the target is cleared. Returns whether the device switched.
  bool on_uplink(DevEui dev_eui, DevAddr addr);

  std::size_t size() const { return devices_.size(); }
  std::size_t limit() const { return limit_; }

 private:
  void index_add(DevAddr addr, DevEui dev_eui);
  void index_remove(DevAddr addr, DevEui dev_eui);
  void unindex(const Device& d);

  std::size_t limit_;
  std::map<DevEui, Device> devices_;
  // DevAddr -> DevEUIs holding it as active or target address.
  std::unordered_map<DevAddr, std::set<DevEui>> by_addr_;
};

struct MulticastGroup {
  DevAddr addr;
  std::string name;
  std::string created_at;
  std::vector<DevEui> devices;  // in insertion order
};

enum class GroupError {
  kAlreadyExists,         // MulticastGroup.AlreadyExists
  kNotFound,              // MulticastGroup.NotFound
  kDeviceNotFound,        // Device.NotFound (device not in the routing table)
  kAlreadyContainsDevice  // MulticastGroup.AlreadyContainsTheDevice
};

template <class T>
struct GroupResult {
  std::optional<T> value;
  GroupError error{};
  bool ok() const { return value.has_value(); }
};

class MulticastGroups {
 public:
  GroupResult<MulticastGroup> create(DevAddr addr, std::string name, std::string created_at);
  GroupResult<MulticastGroup> update(DevAddr addr, std::optional<std::string> name,
                                     std::optional<DevAddr> new_addr);
  // Empty `addrs` = all groups (ordered by addr); otherwise the existing ones among them.
  std::vector<MulticastGroup> get(std::span<const DevAddr> addrs) const;
  std::size_t remove(std::span<const DevAddr> addrs);
  // The device must be in `table`.
  GroupResult<bool> add_device(DevAddr addr, DevEui dev_eui, const RoutingTable& table);
  // false when the group or the device membership is absent.
  bool remove_device(DevAddr addr, DevEui dev_eui);
  // Devices leave every group when they leave the routing table.
  void forget_device(DevEui dev_eui);
  const MulticastGroup* find(DevAddr addr) const;
  std::size_t size() const { return groups_.size(); }

 private:
  std::map<DevAddr, MulticastGroup> groups_;
};

}  // namespace ranbridge::emulator
