#include "ranbridge/bridge/routing_plan.hpp"

#include <gtest/gtest.h>

using namespace ranbridge;
using namespace ranbridge::bridge;
using lorawan::DevAddr;
using lorawan::DevEui;
using lorawan::JoinEui;

namespace {

constexpr const char* kDevices = R"(
multicast_groups:
  - addr: "01020304"
    name: "lamps"
  - addr: "0a0b0c0d"
    name: "brazil-only"
    regions: [br]
devices:
  - dev_eui: "0004a30b001c0530"
    lorawan_version: "1.0.3"
    otaa:
      join_eui: "70b3d57ed0000001"
      app_key: "829a7de594e02867cf54f5a7ca9cc87b"
    multicast_groups: ["01020304"]
  - dev_eui: "d25644d493c4178a"
    lorawan_version: "1.0.2"
    abp:
      dev_addr: "26011b01"
      nwk_s_key: "17409e723adb420db342c595b5aa2294"
      app_s_key: "22e90e8816038528fd1b5b5779ba4869"
    regions: [eu]
  - dev_eui: "0000000000000001"
    lorawan_version: "1.0.3"
    otaa:
      join_eui: "0000000000000002"
      app_key: "829a7de594e02867cf54f5a7ca9cc87b"
    regions: [br]
    multicast_groups: ["0a0b0c0d"]
)";

std::shared_ptr<const mic::Registry> registry() {
  auto load = mic::Registry::parse(kDevices, "devices.yaml");
  if (!load.ok()) {
    for (auto& e : load.errors) ADD_FAILURE() << e.to_string();
    return std::make_shared<const mic::Registry>();
  }
  return load.registry;
}

ran::Device otaa(std::uint64_t eui, std::uint64_t join) {
  ran::Device d;
  d.dev_eui = DevEui{eui};
  d.join_eui = JoinEui{join};
  return d;
}
ran::Device abp(std::uint64_t eui, std::uint32_t addr) {
  ran::Device d;
  d.dev_eui = DevEui{eui};
  d.active_dev_addr = DevAddr{addr};
  return d;
}

}  // namespace

TEST(DesiredState, AllRegionsOrTheNamedOnes) {
  auto reg = registry();
  auto eu = desired_state(*reg, "eu");
  ASSERT_EQ(eu.devices.size(), 2u);
  auto br = desired_state(*reg, "br");
  ASSERT_EQ(br.devices.size(), 2u);
  auto us = desired_state(*reg, "us");
  ASSERT_EQ(us.devices.size(), 1u);
  EXPECT_EQ(us.devices[0].dev_eui, DevEui{0x0004a30b001c0530});
  EXPECT_EQ(us.devices[0].join_eui, JoinEui{0x70b3d57ed0000001});
  EXPECT_FALSE(us.devices[0].active_dev_addr);
}

TEST(DesiredState, GroupsFollowTheirRegionsAndMembers) {
  auto reg = registry();
  auto eu = desired_state(*reg, "eu");
  ASSERT_EQ(eu.groups.size(), 1u);
  EXPECT_EQ(eu.groups[0].addr, DevAddr{0x01020304});
  EXPECT_EQ(eu.groups[0].name, "lamps");
  ASSERT_EQ(eu.groups[0].devices.size(), 1u);
  auto br = desired_state(*reg, "br");
  ASSERT_EQ(br.groups.size(), 2u);
}

TEST(DesiredState, OtaaSessionAddressIsUsed) {
  auto reg = registry();
  auto s = desired_state(*reg, "us", [](DevEui) { return std::optional<DevAddr>(DevAddr{0x11}); });
  ASSERT_EQ(s.devices.size(), 1u);
  EXPECT_EQ(s.devices[0].active_dev_addr, DevAddr{0x11});
}

TEST(PlanSync, EmptyTableInsertsEverything) {
  auto reg = registry();
  auto plan = plan_sync(desired_state(*reg, "eu"), {}, {}, false);
  EXPECT_EQ(plan.count(ActionKind::Insert), 2u);
  EXPECT_EQ(plan.count(ActionKind::GroupCreate), 1u);
  EXPECT_EQ(plan.count(ActionKind::GroupAddDevice), 1u);
  // Devices before groups: a member must exist before add-device.
  EXPECT_EQ(plan.actions.front().kind, ActionKind::Insert);
  EXPECT_EQ(plan.actions.back().kind, ActionKind::GroupAddDevice);
}

TEST(PlanSync, MatchingTableIsNoOp) {
  auto reg = registry();
  std::vector<ran::Device> actual{otaa(0x0004a30b001c0530, 0x70b3d57ed0000001),
                                  abp(0xd25644d493c4178a, 0x26011b01)};
  ran::MulticastGroup g;
  g.addr = DevAddr{0x01020304};
  g.name = "lamps";
  g.devices = {DevEui{0x0004a30b001c0530}};
  std::vector<ran::MulticastGroup> groups{g};
  auto plan = plan_sync(desired_state(*reg, "eu"), actual, groups, true);
  EXPECT_TRUE(plan.empty()) << format_plan("eu", plan);
  EXPECT_EQ(plan.unchanged, 2u);
}

TEST(PlanSync, DevEuisCompareAsIntegers) {
  DesiredState want{{{DevEui{0x1}, JoinEui{0x2}, std::nullopt}}, {}};
  // 0x1 and 0x100 differ although "1" and "100" share a prefix once zeros are stripped.
  std::vector<ran::Device> actual{otaa(0x100, 0x2)};
  auto plan = plan_sync(want, actual, {}, false);
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::Insert);
  EXPECT_EQ(plan.actions[0].device.dev_eui, DevEui{0x1});
}

TEST(PlanSync, AbpAddressChangeIsReplace) {
  DesiredState want{{{DevEui{0x5}, std::nullopt, DevAddr{0x26011b01}}}, {}};
  std::vector<ran::Device> actual{abp(0x5, 0x26011b99)};
  auto plan = plan_sync(want, actual, {}, false);
  ASSERT_EQ(plan.actions.size(), 1u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::Replace);
  EXPECT_NE(plan.actions[0].why.find("26011b99 -> 26011b01"), std::string::npos);
}

TEST(PlanSync, OtaaJoinEuiChangeIsReplaceAndSessionAddrIsUpdate) {
  DesiredState want{
      {{DevEui{0x5}, JoinEui{0x9}, std::nullopt}, {DevEui{0x6}, JoinEui{0x9}, DevAddr{0x77}}}, {}};
  std::vector<ran::Device> actual{otaa(0x5, 0x8), otaa(0x6, 0x9)};
  auto plan = plan_sync(want, actual, {}, false);
  ASSERT_EQ(plan.actions.size(), 2u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::Replace);
  EXPECT_EQ(plan.actions[1].kind, ActionKind::Update);
  EXPECT_EQ(plan.actions[1].device.active_dev_addr, DevAddr{0x77});
}

TEST(PlanSync, ExtrasRemovedOnlyWithPrune) {
  DesiredState want{{{DevEui{0x5}, JoinEui{0x9}, std::nullopt}}, {}};
  std::vector<ran::Device> actual{otaa(0x5, 0x9), otaa(0x6, 0x9)};
  ran::MulticastGroup extra;
  extra.addr = DevAddr{0xabc};
  extra.name = "old";
  std::vector<ran::MulticastGroup> groups{extra};
  EXPECT_TRUE(plan_sync(want, actual, groups, false).empty());
  auto plan = plan_sync(want, actual, groups, true);
  ASSERT_EQ(plan.actions.size(), 2u);
  EXPECT_EQ(plan.actions[0].kind, ActionKind::Remove);
  EXPECT_EQ(plan.actions[0].device.dev_eui, DevEui{0x6});
  EXPECT_EQ(plan.actions[1].kind, ActionKind::GroupRemove);
}

TEST(PlanSync, GroupRenameAndMembership) {
  DesiredState want{{}, {{DevAddr{0x1}, "new", {DevEui{0xa}, DevEui{0xb}}}}};
  ran::MulticastGroup g;
  g.addr = DevAddr{0x1};
  g.name = "old";
  g.devices = {DevEui{0xa}, DevEui{0xc}};
  std::vector<ran::MulticastGroup> groups{g};
  auto plan = plan_sync(want, {}, groups, false);
  EXPECT_EQ(plan.count(ActionKind::GroupRename), 1u);
  EXPECT_EQ(plan.count(ActionKind::GroupAddDevice), 1u);
  EXPECT_EQ(plan.count(ActionKind::GroupRemoveDevice), 0u);
  plan = plan_sync(want, {}, groups, true);
  EXPECT_EQ(plan.count(ActionKind::GroupRemoveDevice), 1u);
}

TEST(PlanSync, FormatNamesEveryActionAndSummary) {
  DesiredState want{{{DevEui{0x5}, JoinEui{0x9}, std::nullopt}}, {}};
  auto text = format_plan("eu", plan_sync(want, {}, {}, false));
  EXPECT_NE(text.find("region=eu action=insert dev_eui=0000000000000005 join_eui=0000000000000009"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("1 insert, 0 update"), std::string::npos) << text;
}
