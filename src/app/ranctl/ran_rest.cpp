// ranctl devices list|add|update|remove|remove-all and multicast list|create|update|remove|
// add-device|remove-device: the REST half of the RAN Routing API. Tables by default; --json
// prints RAN's own REST objects (hex strings, explicit nulls) for scripts.
#include <iostream>

#include <boost/json.hpp>

#include "ran_cli.hpp"
#include "ranbridge/ran/codec.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ranbridge::ranctl::cli {
namespace {

namespace json = boost::json;

std::string or_dash(const std::optional<std::string>& s) {
  return s && !s->empty() ? *s : "-";
}
template <class T>
std::string hex_or_dash(const std::optional<T>& v) {
  return v ? v->to_hex() : "-";
}

void print_devices(const std::vector<ran::Device>& devices, bool as_json) {
  if (as_json) {
    std::cout << ran::encode(devices) << "\n";
    return;
  }
  Table t({"DEV_EUI", "JOIN_EUI", "ACTIVE_DEV_ADDR", "TARGET_DEV_ADDR", "CREATED_AT", "DETAILS"});
  for (const auto& d : devices)
    t.add({d.dev_eui.to_hex(), hex_or_dash(d.join_eui), hex_or_dash(d.active_dev_addr),
           hex_or_dash(d.target_dev_addr), or_dash(d.created_at), or_dash(d.details)});
  t.print();
  if (devices.empty()) std::cout << "(no devices)\n";
}

void print_groups(const std::vector<ran::MulticastGroup>& groups, bool as_json) {
  if (as_json) {
    std::cout << ran::encode(groups) << "\n";
    return;
  }
  Table t({"ADDR", "NAME", "CREATED_AT", "DEVICES"});
  for (const auto& g : groups) {
    std::string devs;
    for (const auto& d : g.devices) devs += (devs.empty() ? "" : ",") + d.to_hex();
    t.add({g.addr.to_hex(), g.name, or_dash(g.created_at), devs.empty() ? "-" : devs});
  }
  t.print();
  if (groups.empty()) std::cout << "(no multicast groups)\n";
}

void print_count(const char* key, std::uint64_t n, bool as_json) {
  if (as_json)
    std::cout << json::serialize(json::object{{key, n}}) << "\n";
  else
    std::cout << key << ": " << n << "\n";
}

void print_bool(const char* key, bool b, bool as_json) {
  if (as_json)
    std::cout << json::serialize(json::object{{key, b}}) << "\n";
  else
    std::cout << key << ": " << (b ? "true" : "false") << "\n";
}

std::vector<ran::DevEui> dev_euis(const std::vector<std::string>& texts, const std::string& what) {
  std::vector<ran::DevEui> out;
  for (const auto& t : texts) out.push_back(dev_eui(what, t));
  return out;
}

std::optional<std::string> details_arg(const Parsed& p) {
  auto d = p.get("--details");
  if (!d) return std::nullopt;
  // RAN stores Details as given; refusing non-JSON here saves a round trip and a 422.
  boost::system::error_code ec;
  json::parse(*d, ec);
  if (ec) throw UsageError("--details must be JSON text, e.g. '{\"site\":\"north\"}'");
  return d;
}

// ---- devices -------------------------------------------------------------------------------

int devices_list(Context& ctx, const Args& args) {
  auto p = parse(args, {{"--dev-eui", "--offset", "--limit"}, {"--json"}, {"--dev-eui"}, 0});
  auto euis = dev_euis(p.all("--dev-eui"), "--dev-eui");
  std::optional<std::uint64_t> offset, limit;
  if (auto o = p.get("--offset")) offset = number("--offset", *o, 0, UINT64_MAX);
  if (auto l = p.get("--limit")) limit = number("--limit", *l, 1, UINT64_MAX);
  auto& rt = ctx.core().routing_table();
  std::vector<ran::Device> devices;
  if (euis.empty() && !offset && !limit)
    devices = ctx.run(rt.select_all());
  else
    devices = ctx.run(rt.select(euis, offset, limit));
  print_devices(devices, p.has("--json"));
  return kOk;
}

int devices_add(Context& ctx, const Args& args) {
  auto p = parse(args, {{"--dev-eui", "--join-eui", "--dev-addr", "--details"}, {"--json"}, {}, 0});
  const auto eui = dev_eui("--dev-eui", required(p, "--dev-eui"));
  const auto join = p.get("--join-eui");
  const auto addr = p.get("--dev-addr");
  if (join.has_value() == addr.has_value())
    throw UsageError("give exactly one of --join-eui (OTAA) or --dev-addr (ABP)");
  const auto details = details_arg(p);
  auto& rt = ctx.core().routing_table();
  ran::Device d = join ? ctx.run(rt.insert(eui, join_eui("--join-eui", *join), details))
                       : ctx.run(rt.insert(eui, dev_addr("--dev-addr", *addr), details));
  print_devices({d}, p.has("--json"));
  return kOk;
}

int devices_update(Context& ctx, const Args& args) {
  auto p = parse(
      args,
      {{"--dev-eui", "--join-eui", "--active-dev-addr", "--target-dev-addr"}, {"--json"}, {}, 0});
  const auto eui = dev_eui("--dev-eui", required(p, "--dev-eui"));
  std::optional<ran::DevAddr> active, target;
  if (auto a = p.get("--active-dev-addr")) active = dev_addr("--active-dev-addr", *a);
  if (auto t = p.get("--target-dev-addr")) target = dev_addr("--target-dev-addr", *t);
  if (!active && !target)
    throw UsageError("give --active-dev-addr and/or --target-dev-addr (absent = unchanged)");
  std::optional<ran::JoinEui> join;
  if (auto j = p.get("--join-eui")) join = join_eui("--join-eui", *j);
  auto& rt = ctx.core().routing_table();
  if (!join) {
    // RAN's update names the device by DevEUI *and* JoinEUI; look the JoinEUI up so that
    // operators need not repeat it.
    auto found = ctx.run(rt.select({eui}));
    if (found.empty())
      throw CommandFailed("device " + eui.to_hex() + " is not in the routing table");
    if (!found[0].join_eui)
      throw CommandFailed("device " + eui.to_hex() +
                          " has no JoinEUI in the routing table; RAN's update needs one "
                          "(give --join-eui)");
    join = *found[0].join_eui;
  }
  auto d = ctx.run(rt.update(eui, *join, active, target));
  print_devices({d}, p.has("--json"));
  return kOk;
}

int devices_remove(Context& ctx, const Args& args) {
  auto p = parse(args, {{}, {"--json"}, {}, SIZE_MAX});
  if (p.positional.empty()) throw UsageError("name at least one DevEUI");
  auto euis = dev_euis(p.positional, "DevEUI");
  auto n = ctx.run(ctx.core().routing_table().remove(euis));
  print_count("deleted", n, p.has("--json"));
  return kOk;
}

int devices_remove_all(Context& ctx, const Args& args) {
  auto p = parse(args, {{}, {"--json", "--yes"}, {}, 0});
  if (!p.has("--yes"))
    throw UsageError("remove-all deletes every device of the account; add --yes to confirm");
  auto n = ctx.run(ctx.core().routing_table().remove_all());
  print_count("deleted", n, p.has("--json"));
  return kOk;
}

// ---- multicast -----------------------------------------------------------------------------

int multicast_list(Context& ctx, const Args& args) {
  auto p = parse(args, {{"--addr"}, {"--json"}, {"--addr"}, 0});
  std::vector<ran::DevAddr> addrs;
  for (const auto& a : p.all("--addr")) addrs.push_back(dev_addr("--addr", a));
  auto groups = ctx.run(ctx.core().multicast_groups().get(addrs));
  print_groups(groups, p.has("--json"));
  return kOk;
}

int multicast_create(Context& ctx, const Args& args) {
  auto p = parse(args, {{"--addr", "--name"}, {"--json"}, {}, 0});
  const auto addr = dev_addr("--addr", required(p, "--addr"));
  auto g = ctx.run(ctx.core().multicast_groups().create(required(p, "--name"), addr));
  print_groups({g}, p.has("--json"));
  return kOk;
}

int multicast_update(Context& ctx, const Args& args) {
  auto p = parse(args, {{"--addr", "--name", "--new-addr"}, {"--json"}, {}, 0});
  const auto addr = dev_addr("--addr", required(p, "--addr"));
  std::optional<ran::DevAddr> new_addr;
  if (auto n = p.get("--new-addr")) new_addr = dev_addr("--new-addr", *n);
  auto name = p.get("--name");
  if (!name && !new_addr) throw UsageError("give --name and/or --new-addr");
  auto g = ctx.run(ctx.core().multicast_groups().update(addr, name, new_addr));
  print_groups({g}, p.has("--json"));
  return kOk;
}

int multicast_remove(Context& ctx, const Args& args) {
  auto p = parse(args, {{}, {"--json"}, {}, SIZE_MAX});
  if (p.positional.empty()) throw UsageError("name at least one group address");
  std::vector<ran::DevAddr> addrs;
  for (const auto& a : p.positional) addrs.push_back(dev_addr("group address", a));
  auto n = ctx.run(ctx.core().multicast_groups().remove(addrs));
  print_count("deleted", n, p.has("--json"));
  return kOk;
}

int multicast_add_device(Context& ctx, const Args& args) {
  auto p = parse(args, {{"--addr", "--dev-eui"}, {"--json"}, {}, 0});
  const auto addr = dev_addr("--addr", required(p, "--addr"));
  const auto eui = dev_eui("--dev-eui", required(p, "--dev-eui"));
  auto added = ctx.run(ctx.core().multicast_groups().add_device(addr, eui));
  print_bool("is_added", added, p.has("--json"));
  return kOk;
}

int multicast_remove_device(Context& ctx, const Args& args) {
  auto p = parse(args, {{"--addr", "--dev-eui"}, {"--json"}, {}, 0});
  const auto addr = dev_addr("--addr", required(p, "--addr"));
  const auto eui = dev_eui("--dev-eui", required(p, "--dev-eui"));
  auto removed = ctx.run(ctx.core().multicast_groups().remove_device(addr, eui));
  print_bool("is_removed", removed, p.has("--json"));
  return kOk;
}

}  // namespace

std::vector<Command> rest_commands() {
  return {
      {"devices", "list", "[--dev-eui X]... [--offset N --limit N] [--json]",
       "Lists routing-table devices: all of them (fetched page by page), those named by\n"
       "--dev-eui (repeatable, or comma-separated), or one page with --offset/--limit.\n"
       "Table columns: DEV_EUI JOIN_EUI ACTIVE_DEV_ADDR TARGET_DEV_ADDR CREATED_AT DETAILS\n"
       "('-' = none). --json prints RAN's device objects as one JSON array.\n",
       devices_list},
      {"devices", "add", "--dev-eui X (--join-eui Y | --dev-addr Z) [--details JSON] [--json]",
       "Subscribes a device: OTAA with its JoinEUI, or ABP with its DevAddr (RAN stores it as\n"
       "ActiveDevAddr). --details is free JSON text that RAN stores as given.\n"
       "Prints the stored device. An existing DevEUI fails with Device.AlreadyExists (exit 1).\n",
       devices_add},
      {"devices", "update",
       "--dev-eui X [--join-eui Y] (--active-dev-addr A | --target-dev-addr B)... [--json]",
       "Changes a device's ActiveDevAddr and/or TargetDevAddr (an address not given is left\n"
       "unchanged). RAN names the device by DevEUI and JoinEUI: without --join-eui ranctl\n"
       "reads the stored JoinEUI first. Prints the updated device.\n",
       devices_update},
      {"devices", "remove", "DEV_EUI... [--json]",
       "Unsubscribes the named devices; prints how many RAN deleted (absent ones are not\n"
       "an error).\n",
       devices_remove},
      {"devices", "remove-all", "--yes [--json]",
       "Unsubscribes EVERY device of the account. Refuses without --yes (exit 2).\n"
       "Prints how many were deleted.\n",
       devices_remove_all},
      {"multicast", "list", "[--addr A]... [--json]",
       "Lists multicast groups (all, or those named by --addr). Table columns: ADDR NAME\n"
       "CREATED_AT DEVICES. --json prints RAN's group objects as one JSON array.\n",
       multicast_list},
      {"multicast", "create", "--addr A --name NAME [--json]",
       "Creates a multicast group (name at most 255 characters). Prints the group.\n",
       multicast_create},
      {"multicast", "update", "--addr A (--name NAME | --new-addr B)... [--json]",
       "Renames group A and/or gives it a new address. Prints the group.\n", multicast_update},
      {"multicast", "remove", "ADDR... [--json]",
       "Deletes the named groups; prints how many RAN deleted.\n", multicast_remove},
      {"multicast", "add-device", "--addr A --dev-eui X [--json]",
       "Adds a device to group A; the device must already be in the routing table.\n"
       "Prints is_added.\n",
       multicast_add_device},
      {"multicast", "remove-device", "--addr A --dev-eui X [--json]",
       "Removes a device from group A. Prints is_removed (false when the device or the group\n"
       "is absent; not an error).\n",
       multicast_remove_device},
  };
}

}  // namespace ranbridge::ranctl::cli
