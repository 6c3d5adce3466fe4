// Routing sync against the emulator's routing table, checked through its REST API (select):
// missing devices inserted, changed ones replaced, extra ones pruned, a SIGHUP reload applied,
// DevEUIs and DevAddrs with leading zeros kept intact; `ran-bridge sync --dry-run` prints the
// plan and changes nothing. Multicast groups: created with their members, renamed, a member
// removed and an undeclared group pruned.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <map>

#include "harness.hpp"

namespace bt = ranbridge::bridge_test;
using namespace std::chrono_literals;

namespace {

// Group ff00aa01 ("lights", later "lamps") has 0004a30b001c0530 as a member, and
// 000000000000abcd too while `with_d256` (the first version of the file).
std::string devices_yaml(const std::string& abcd_addr, bool with_d256) {
  std::string y = R"(devices:
  - dev_eui: "0004a30b001c0530"
    lorawan_version: "1.0.3"
    otaa:
      join_eui: "70b3d57ed0000001"
      app_key: "829a7de594e02867cf54f5a7ca9cc87b"
    multicast_groups: ["ff00aa01"]
  - dev_eui: "000000000000abcd"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: ")" +
                  abcd_addr + R"("
      nwk_s_key: "00112233445566778899aabbccddeeff"
)";
  if (with_d256)
    y += R"(    multicast_groups: ["ff00aa01"]
  - dev_eui: "d25644d493c4178a"
    lorawan_version: "1.0.2"
    abp:
      dev_addr: "26011b01"
      nwk_s_key: "17409e723adb420db342c595b5aa2294"
)";
  y += std::string("multicast_groups:\n  - addr: \"ff00aa01\"\n    name: \"") +
       (with_d256 ? "lights" : "lamps") + "\"\n";
  return y;
}

// Group addr -> "name|member,member..." as the emulator's multicast get returns them.
std::map<std::string, std::string> groups(bt::Emulator& e) {
  auto r = bt::http("POST", e.port(), "/api/v1/multicast/multicast-groups/get", R"({"addrs":[]})",
                    bt::kToken);
  std::map<std::string, std::string> out;
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& g : v.as_array()) {
    std::vector<std::string> members;
    for (const auto& d : g.at("devices").as_array()) members.emplace_back(d.as_string());
    std::sort(members.begin(), members.end());
    std::string m;
    for (const auto& x : members) m += (m.empty() ? "" : ",") + x;
    out[std::string(g.at("addr").as_string())] = std::string(g.at("name").as_string()) + "|" + m;
  }
  return out;
}

// DevEUI -> "JoinEUI|ActiveDevAddr" as the emulator's select returns them.
std::map<std::string, std::string> table(bt::Emulator& e) {
  std::map<std::string, std::string> out;
  for (const auto& v : e.select_devices()) {
    const auto& d = v.as_object();
    auto str = [&](const char* k) {
      auto* x = d.if_contains(k);
      return x && x->is_string() ? std::string(x->as_string()) : std::string("-");
    };
    out[str("DevEUI")] = str("JoinEUI") + "|" + str("ActiveDevAddr");
  }
  return out;
}

void insert(bt::Emulator& e, const std::string& body) {
  auto r = bt::http("POST", e.port(), "/api/v1/devices/insert", body, bt::kToken);
  ASSERT_EQ(r.status, 200) << r.body;
}

}  // namespace

TEST(BridgeRoutingSync, InsertReplacePruneReloadAndDryRun) {
  bt::t::TempDir dir;
  bt::t::Mosquitto broker;
  auto devices = dir.write("devices.yaml", devices_yaml("00001234", true));
  bt::Emulator emu({"--no-autostart"});
  // RAN's table before the bridge: one device with another JoinEUI, one with another DevAddr,
  // one the devices file does not know, one already right.
  ASSERT_NO_FATAL_FAILURE(
      insert(emu, R"({"DevEUI":"0004a30b001c0530","JoinEUI":"70b3d57ed0000099"})"));
  ASSERT_NO_FATAL_FAILURE(insert(emu, R"({"DevEUI":"d25644d493c4178a","DevAddr":"26011b99"})"));
  ASSERT_NO_FATAL_FAILURE(insert(emu, R"({"DevEUI":"00000000000000ff","DevAddr":"26ffffff"})"));
  const auto before = table(emu);
  ASSERT_EQ(before.size(), 3u);
  // And a multicast group no devices file declares.
  ASSERT_EQ(bt::http("POST", emu.port(), "/api/v1/multicast/multicast-groups/create",
                     R"({"name":"old","addr":"ff00bb02"})", bt::kToken)
                .status,
            200);

  bt::BridgeSpec spec;
  spec.regions.push_back({"eu", emu.base_url(), "00000000000e0001", "eu868", 1, ""});
  spec.mqtt_url = broker.url();
  spec.devices_files = {devices};
  spec.prune = true;
  auto config = dir.write("bridge.yaml", bt::bridge_yaml(spec, dir.path()));

  // Dry run: the plan, nothing changed.
  auto dry =
      bt::t::run(bt::t::bin_path("ran-bridge"), {"sync", "--dry-run", "--config", config.string()});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  for (const auto* want : {"region=eu action=insert dev_eui=000000000000abcd",
                           "region=eu action=replace dev_eui=0004a30b001c0530",
                           "region=eu action=replace dev_eui=d25644d493c4178a",
                           "region=eu action=remove dev_eui=00000000000000ff",
                           "region=eu action=group-create group=ff00aa01",
                           "region=eu action=group-remove group=ff00bb02",
                           "region=eu plan: 1 insert, 0 update, 2 replace, 1 remove"})
    EXPECT_NE(dry.output.find(want), std::string::npos) << want << "\n" << dry.output;
  EXPECT_EQ(table(emu), before) << "a dry run changed the routing table";

  bt::Bridge bridge(spec);
  const std::map<std::string, std::string> synced{
      {"0004a30b001c0530", "70b3d57ed0000001|-"},
      {"000000000000abcd", "-|00001234"},
      {"d25644d493c4178a", "-|26011b01"},
  };
  ASSERT_TRUE(bt::eventually([&] { return table(emu) == synced; })) << bridge.process().output();
  // Groups go after devices: created with both members, the undeclared one pruned.
  const std::map<std::string, std::string> groups_synced{
      {"ff00aa01", "lights|000000000000abcd,0004a30b001c0530"}};
  ASSERT_TRUE(bt::eventually([&] { return groups(emu) == groups_synced; }))
      << boost::json::serialize(boost::json::value_from(groups(emu))) << bridge.process().output();
  EXPECT_GE(bridge.metric(R"(ranbridge_sync_actions_total{kind="insert",region="eu",result="ok"})")
                .value_or(0),
            1.0)
      << bridge.metrics();

  // Reload: one device's DevAddr changed, one device gone (pruned).
  dir.write("devices.yaml", devices_yaml("00005678", false));
  bridge.process().signal(SIGHUP);
  const std::map<std::string, std::string> reloaded{
      {"0004a30b001c0530", "70b3d57ed0000001|-"},
      {"000000000000abcd", "-|00005678"},
  };
  ASSERT_TRUE(bt::eventually([&] { return table(emu) == reloaded; })) << bridge.process().output();
  // The group is renamed and loses the member the file no longer lists (prune).
  const std::map<std::string, std::string> groups_reloaded{{"ff00aa01", "lamps|0004a30b001c0530"}};
  ASSERT_TRUE(bt::eventually([&] { return groups(emu) == groups_reloaded; }))
      << boost::json::serialize(boost::json::value_from(groups(emu))) << bridge.process().output();

  // In sync now: the dry run has nothing to do.
  auto again =
      bt::t::run(bt::t::bin_path("ran-bridge"), {"sync", "--dry-run", "--config", config.string()});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("plan: 0 insert, 0 update, 0 replace, 0 remove, 0 group changes"),
            std::string::npos)
      << again.output;
}

TEST(BridgeRoutingSync, WithoutPruneExtraDevicesStay) {
  bt::t::TempDir dir;
  bt::t::Mosquitto broker;
  auto devices = dir.write("devices.yaml", devices_yaml("00001234", false));
  bt::Emulator emu({"--no-autostart"});
  ASSERT_NO_FATAL_FAILURE(insert(emu, R"({"DevEUI":"00000000000000ff","DevAddr":"26ffffff"})"));
  bt::BridgeSpec spec;
  spec.regions.push_back({"eu", emu.base_url(), "00000000000e0001", "eu868", 1, ""});
  spec.mqtt_url = broker.url();
  spec.devices_files = {devices};
  bt::Bridge bridge(spec);
  ASSERT_TRUE(bt::eventually([&] { return table(emu).size() == 3; })) << bridge.process().output();
  EXPECT_EQ(table(emu)["00000000000000ff"], "-|26ffffff");
}
