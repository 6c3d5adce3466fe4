#pragma once
// The routing-table sync planner (issue 4 §4), pure: desired state (from the device
// registry, per region) vs actual state (RAN's routing table and multicast groups) ->
// the list of REST actions that make RAN match the config. No I/O here; RoutingSync runs
// the plan.
//
// Rules: DevEUIs and addresses compare as integers. Missing devices are inserted; a device
// whose identity differs is updated when RAN's update call can express it (an OTAA
// device's ActiveDevAddr), otherwise replaced (drop + insert: RAN cannot change a JoinEUI
// or an ABP DevAddr in place). Entries the config does not name are removed only with
// `prune`. Groups: created/renamed as configured, members added as configured; extra
// groups and extra members removed only with `prune`.

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ranbridge/mic/registry.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::bridge {

struct DesiredDevice {
  lorawan::DevEui dev_eui;
  std::optional<lorawan::JoinEui> join_eui;         // OTAA
  std::optional<lorawan::DevAddr> active_dev_addr;  // ABP address, or an OTAA session's
  bool operator==(const DesiredDevice&) const = default;
};

struct DesiredGroup {
  lorawan::DevAddr addr;
  std::string name;
  std::vector<lorawan::DevEui> devices;
  bool operator==(const DesiredGroup&) const = default;
};

struct DesiredState {
  std::vector<DesiredDevice> devices;
  std::vector<DesiredGroup> groups;
};

// What the registry wants in `region`: every device that names no region or names this one,
// and every configured multicast group valid there with its members in that region.
// `session_addr` (may be empty) gives an OTAA device's active DevAddr when a session exists.
using SessionAddrLookup = std::function<std::optional<lorawan::DevAddr>(lorawan::DevEui)>;
DesiredState desired_state(const mic::Registry& registry, std::string_view region,
                           const SessionAddrLookup& session_addr = {});

enum class ActionKind {
  Insert,             // devices/insert
  Update,             // devices/update (OTAA ActiveDevAddr)
  Replace,            // devices/drop then devices/insert
  Remove,             // devices/drop (prune only)
  GroupCreate,        // multicast-groups/create
  GroupRename,        // multicast-groups/update {name}
  GroupRemove,        // multicast-groups/delete (prune only)
  GroupAddDevice,     // multicast-groups/add-device
  GroupRemoveDevice,  // multicast-groups/remove-device (prune only)
};
std::string_view to_string(ActionKind k);

struct SyncAction {
  ActionKind kind = ActionKind::Insert;
  DesiredDevice device;         // device actions (Remove: dev_eui only)
  lorawan::DevAddr group_addr;  // group actions
  std::string group_name;       // GroupCreate / GroupRename
  lorawan::DevEui member;       // GroupAddDevice / GroupRemoveDevice
  std::string why;              // one short phrase for the dry-run and logs
};

// Actions in execution order: device removals/replacements and inserts/updates first (a
// group member must be in the routing table before add-device), then groups.
struct SyncPlan {
  std::vector<SyncAction> actions;
  std::size_t unchanged = 0;  // desired devices already right
  bool empty() const { return actions.empty(); }
  std::size_t count(ActionKind k) const;
};

SyncPlan plan_sync(const DesiredState& desired, std::span<const ran::Device> actual_devices,
                   std::span<const ran::MulticastGroup> actual_groups, bool prune);

// Human-readable plan, one line per action plus a summary line (for `sync --dry-run`).
std::string format_plan(std::string_view region, const SyncPlan& plan);

}  // namespace ranbridge::bridge
