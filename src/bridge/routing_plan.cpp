#include "ranbridge/bridge/routing_plan.hpp"

#include <algorithm>
#include <functional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace ranbridge::bridge {

std::string_view to_string(ActionKind k) {
  switch (k) {
    case ActionKind::Insert:
      return "insert";
    case ActionKind::Update:
      return "update";
    case ActionKind::Replace:
      return "replace";
    case ActionKind::Remove:
      return "remove";
    case ActionKind::GroupCreate:
      return "group-create";
    case ActionKind::GroupRename:
      return "group-rename";
    case ActionKind::GroupRemove:
      return "group-remove";
    case ActionKind::GroupAddDevice:
      return "group-add-device";
    case ActionKind::GroupRemoveDevice:
      return "group-remove-device";
  }
  return "unknown";
}

std::size_t SyncPlan::count(ActionKind k) const {
  return static_cast<std::size_t>(std::count_if(actions.begin(), actions.end(),
                                                [k](const SyncAction& a) { return a.kind == k; }));
}

DesiredState desired_state(const mic::Registry& registry, std::string_view region,
                           const SessionAddrLookup& session_addr) {
  DesiredState s;
  std::unordered_set<lorawan::DevEui> in_region;
  for (const auto& d : registry.devices()) {
    if (!registry.in_region(d, region)) continue;
    DesiredDevice dd{d.dev_eui, std::nullopt, std::nullopt};
    if (d.otaa()) {
      dd.join_eui = d.join_eui;
      if (session_addr) dd.active_dev_addr = session_addr(d.dev_eui);
    } else {
      dd.active_dev_addr = d.dev_addr;
    }
    s.devices.push_back(dd);
    in_region.insert(d.dev_eui);
  }
  // Group membership is declared on the devices; invert it once.
  std::unordered_map<lorawan::DevAddr, std::vector<lorawan::DevEui>> members;
  for (const auto& d : registry.devices()) {
    if (!in_region.contains(d.dev_eui)) continue;
    for (auto addr : registry.multicast_groups_of(d)) members[addr].push_back(d.dev_eui);
  }
  const auto names = registry.region_names();
  for (const auto& g : registry.multicast_groups()) {
    if (g.region_mask != 0) {
      bool here = false;
      for (std::size_t i = 0; i < names.size() && i < 32; ++i)
        if ((g.region_mask >> i & 1u) && names[i] == region) here = true;
      if (!here) continue;
    }
    DesiredGroup dg{g.addr, std::string(g.name), members[g.addr]};
    std::sort(dg.devices.begin(), dg.devices.end());
    s.groups.push_back(std::move(dg));
  }
  return s;
}

SyncPlan plan_sync(const DesiredState& desired, std::span<const ran::Device> actual_devices,
                   std::span<const ran::MulticastGroup> actual_groups, bool prune) {
  SyncPlan plan;
  std::vector<SyncAction> device_changes, removals, groups, group_removals;

  std::unordered_map<lorawan::DevEui, const ran::Device*> actual;
  for (const auto& d : actual_devices) actual.emplace(d.dev_eui, &d);
  std::unordered_set<lorawan::DevEui> wanted;

  for (const auto& want : desired.devices) {
    wanted.insert(want.dev_eui);
    auto it = actual.find(want.dev_eui);
    SyncAction a;
    a.device = want;
    if (it == actual.end()) {
      a.kind = ActionKind::Insert;
      a.why = "not in the routing table";
      device_changes.push_back(std::move(a));
      continue;
    }
    const ran::Device& have = *it->second;
    if (want.join_eui) {  // OTAA
      if (have.join_eui != want.join_eui) {
        a.kind = ActionKind::Replace;
        a.why = "JoinEUI " + (have.join_eui ? have.join_eui->to_hex() : std::string("none")) +
                " -> " + want.join_eui->to_hex();
        device_changes.push_back(std::move(a));
      } else if (want.active_dev_addr && have.active_dev_addr != want.active_dev_addr) {
        a.kind = ActionKind::Update;
        a.why = "ActiveDevAddr " +
                (have.active_dev_addr ? have.active_dev_addr->to_hex() : std::string("none")) +
                " -> " + want.active_dev_addr->to_hex();
        device_changes.push_back(std::move(a));
      } else {
        ++plan.unchanged;
      }
    } else {  // ABP: RAN's update needs a JoinEUI, so a moved address is a replace
      if (have.active_dev_addr != want.active_dev_addr || have.join_eui) {
        a.kind = ActionKind::Replace;
        a.why = "DevAddr " +
                (have.active_dev_addr ? have.active_dev_addr->to_hex() : std::string("none")) +
                " -> " + want.active_dev_addr->to_hex() + (have.join_eui ? " (was OTAA)" : "");
        device_changes.push_back(std::move(a));
      } else {
        ++plan.unchanged;
      }
    }
  }
  if (prune) {
    for (const auto& d : actual_devices) {
      if (wanted.contains(d.dev_eui)) continue;
      SyncAction a;
      a.kind = ActionKind::Remove;
      a.device.dev_eui = d.dev_eui;
      a.why = "not in the config";
      removals.push_back(std::move(a));
    }
  }

  std::unordered_map<lorawan::DevAddr, const ran::MulticastGroup*> have_groups;
  for (const auto& g : actual_groups) have_groups.emplace(g.addr, &g);
  std::unordered_set<lorawan::DevAddr> wanted_groups;
  for (const auto& want : desired.groups) {
    wanted_groups.insert(want.addr);
    auto it = have_groups.find(want.addr);
    std::unordered_set<lorawan::DevEui> have_members;
    if (it == have_groups.end()) {
      SyncAction a;
      a.kind = ActionKind::GroupCreate;
      a.group_addr = want.addr;
      a.group_name = want.name;
      a.why = "group not in RAN";
      groups.push_back(std::move(a));
    } else {
      have_members.insert(it->second->devices.begin(), it->second->devices.end());
      if (it->second->name != want.name) {
        SyncAction a;
        a.kind = ActionKind::GroupRename;
        a.group_addr = want.addr;
        a.group_name = want.name;
        a.why = "name \"" + it->second->name + "\" -> \"" + want.name + "\"";
        groups.push_back(std::move(a));
      }
    }
    std::unordered_set<lorawan::DevEui> want_members(want.devices.begin(), want.devices.end());
    for (auto m : want.devices) {
      if (have_members.contains(m)) continue;
      SyncAction a;
      a.kind = ActionKind::GroupAddDevice;
      a.group_addr = want.addr;
      a.member = m;
      a.why = "member missing";
      groups.push_back(std::move(a));
    }
    if (prune && it != have_groups.end()) {
      for (auto m : it->second->devices) {
        if (want_members.contains(m)) continue;
        SyncAction a;
        a.kind = ActionKind::GroupRemoveDevice;
        a.group_addr = want.addr;
        a.member = m;
        a.why = "member not in the config";
        groups.push_back(std::move(a));
      }
    }
  }
  if (prune) {
    for (const auto& g : actual_groups) {
      if (wanted_groups.contains(g.addr)) continue;
      SyncAction a;
      a.kind = ActionKind::GroupRemove;
      a.group_addr = g.addr;
      a.group_name = g.name;
      a.why = "group not in the config";
      group_removals.push_back(std::move(a));
    }
  }

  for (auto* part : {&removals, &device_changes, &groups, &group_removals})
    for (auto& a : *part) plan.actions.push_back(std::move(a));
  return plan;
}

std::string format_plan(std::string_view region, const SyncPlan& plan) {
  std::ostringstream out;
  for (const auto& a : plan.actions) {
    out << "region=" << region << " action=" << to_string(a.kind);
    switch (a.kind) {
      case ActionKind::Insert:
      case ActionKind::Update:
      case ActionKind::Replace:
      case ActionKind::Remove:
        out << " dev_eui=" << a.device.dev_eui;
        if (a.device.join_eui) out << " join_eui=" << *a.device.join_eui;
        if (a.kind != ActionKind::Remove && a.device.active_dev_addr)
          out << " dev_addr=" << *a.device.active_dev_addr;
        break;
      case ActionKind::GroupCreate:
      case ActionKind::GroupRename:
      case ActionKind::GroupRemove:
        out << " group=" << a.group_addr << " name=\"" << a.group_name << "\"";
        break;
      case ActionKind::GroupAddDevice:
      case ActionKind::GroupRemoveDevice:
        out << " group=" << a.group_addr << " dev_eui=" << a.member;
        break;
    }
    out << " why=\"" << a.why << "\"\n";
  }
  out << "region=" << region << " plan: " << plan.count(ActionKind::Insert) << " insert, "
      << plan.count(ActionKind::Update) << " update, " << plan.count(ActionKind::Replace)
      << " replace, " << plan.count(ActionKind::Remove) << " remove, "
      << plan.count(ActionKind::GroupCreate) + plan.count(ActionKind::GroupRename) +
             plan.count(ActionKind::GroupRemove) + plan.count(ActionKind::GroupAddDevice) +
             plan.count(ActionKind::GroupRemoveDevice)
      << " group changes, " << plan.unchanged << " unchanged\n";
  return out.str();
}

}  // namespace ranbridge::bridge
