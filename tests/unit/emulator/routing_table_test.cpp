#include <gtest/gtest.h>

#include "ranbridge/emulator/routing_table.hpp"

using namespace ranbridge::emulator;

namespace {
DevEui eui(std::uint64_t v) {
  return DevEui{v};
}
DevAddr addr(std::uint32_t v) {
  return DevAddr{v};
}
}  // namespace

TEST(RoutingTable, InsertOtaaAndAbp) {
  RoutingTable t;
  auto a = t.insert(eui(1), JoinEui{7}, std::nullopt, std::nullopt, "t0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value->join_eui, JoinEui{7});
  EXPECT_FALSE(a.value->active_dev_addr);
  auto b = t.insert(eui(2), std::nullopt, addr(0x26011234), std::string("{}"), "t1");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value->active_dev_addr, addr(0x26011234));
  EXPECT_EQ(b.value->details, std::string("{}"));
  EXPECT_EQ(t.size(), 2u);
}

TEST(RoutingTable, DuplicateInsertFails) {
  RoutingTable t;
  ASSERT_TRUE(t.insert(eui(1), JoinEui{7}, std::nullopt, std::nullopt, "t").ok());
  auto r = t.insert(eui(1), std::nullopt, addr(1), std::nullopt, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error, TableError::kAlreadyExists);
}

TEST(RoutingTable, LimitExhausted) {
  RoutingTable t(2);
  ASSERT_TRUE(t.insert(eui(1), JoinEui{1}, std::nullopt, std::nullopt, "t").ok());
  ASSERT_TRUE(t.insert(eui(2), JoinEui{1}, std::nullopt, std::nullopt, "t").ok());
  auto r = t.insert(eui(3), JoinEui{1}, std::nullopt, std::nullopt, "t");
  EXPECT_EQ(r.error, TableError::kLimitExhausted);
}

TEST(RoutingTable, UpdateKeepsAbsentAddresses) {
  RoutingTable t;
  ASSERT_TRUE(t.insert(eui(1), JoinEui{7}, std::nullopt, std::nullopt, "t").ok());
  auto r = t.update(eui(1), JoinEui{7}, addr(10), std::nullopt);
  ASSERT_TRUE(r.ok());
  r = t.update(eui(1), JoinEui{7}, std::nullopt, addr(11));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value->active_dev_addr, addr(10));
  EXPECT_EQ(r.value->target_dev_addr, addr(11));
  EXPECT_EQ(t.by_dev_addr(addr(10)), std::vector<DevEui>{eui(1)});
  EXPECT_EQ(t.by_dev_addr(addr(11)), std::vector<DevEui>{eui(1)});
}

TEST(RoutingTable, UpdateUnknownOrWrongJoinEuiIsNotFound) {
  RoutingTable t;
  EXPECT_EQ(t.update(eui(1), JoinEui{7}, addr(1), std::nullopt).error, TableError::kNotFound);
  ASSERT_TRUE(t.insert(eui(1), JoinEui{7}, std::nullopt, std::nullopt, "t").ok());
  EXPECT_EQ(t.update(eui(1), JoinEui{8}, addr(1), std::nullopt).error, TableError::kNotFound);
}

TEST(RoutingTable, UpdateReindexesOldAddress) {
  RoutingTable t;
  ASSERT_TRUE(t.insert(eui(1), std::nullopt, addr(5), std::nullopt, "t").ok());
  ASSERT_TRUE(t.update(eui(1), JoinEui{0}, addr(6), std::nullopt).ok());
  EXPECT_TRUE(t.by_dev_addr(addr(5)).empty());
  EXPECT_EQ(t.by_dev_addr(addr(6)).size(), 1u);
}

TEST(RoutingTable, SharedDevAddrIndex) {
  RoutingTable t;
  for (std::uint64_t i = 1; i <= 3; ++i)
    ASSERT_TRUE(t.insert(eui(i), std::nullopt, addr(0xabc), std::nullopt, "t").ok());
  EXPECT_EQ(t.by_dev_addr(addr(0xabc)), (std::vector<DevEui>{eui(1), eui(2), eui(3)}));
  std::vector<DevEui> drop{eui(2)};
  EXPECT_EQ(t.drop(drop), 1u);
  EXPECT_EQ(t.by_dev_addr(addr(0xabc)), (std::vector<DevEui>{eui(1), eui(3)}));
}

TEST(RoutingTable, DropCountsOnlyExisting) {
  RoutingTable t;
  ASSERT_TRUE(t.insert(eui(1), JoinEui{1}, std::nullopt, std::nullopt, "t").ok());
  std::vector<DevEui> drop{eui(1), eui(1), eui(99)};
  EXPECT_EQ(t.drop(drop), 1u);
  EXPECT_EQ(t.size(), 0u);
}

TEST(RoutingTable, DropAll) {
  RoutingTable t;
  ASSERT_TRUE(t.insert(eui(1), std::nullopt, addr(1), std::nullopt, "t").ok());
  ASSERT_TRUE(t.insert(eui(2), std::nullopt, addr(1), std::nullopt, "t").ok());
  EXPECT_EQ(t.drop_all(), 2u);
  EXPECT_TRUE(t.by_dev_addr(addr(1)).empty());
  EXPECT_EQ(t.drop_all(), 0u);
}

TEST(RoutingTable, SelectOffsetLimitAndFilter) {
  RoutingTable t;
  for (std::uint64_t i = 5; i >= 1; --i)
    ASSERT_TRUE(t.insert(eui(i), JoinEui{1}, std::nullopt, std::nullopt, "t").ok());
  auto all = t.select({}, 0, std::nullopt);
  ASSERT_EQ(all.size(), 5u);
  EXPECT_EQ(all.front().dev_eui, eui(1));  // ordered by DevEUI
  auto page = t.select({}, 1, 2);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].dev_eui, eui(2));
  EXPECT_EQ(page[1].dev_eui, eui(3));
  EXPECT_TRUE(t.select({}, 10, std::nullopt).empty());
  EXPECT_TRUE(t.select({}, 0, 0).empty());
  std::vector<DevEui> f{eui(4), eui(99), eui(2), eui(4)};
  auto sel = t.select(f, 0, std::nullopt);
  ASSERT_EQ(sel.size(), 2u);
  EXPECT_EQ(sel[0].dev_eui, eui(2));
  EXPECT_EQ(sel[1].dev_eui, eui(4));
}

TEST(RoutingTable, TargetSwitchesOnFirstUplinkFromIt) {
  RoutingTable t;
  ASSERT_TRUE(t.insert(eui(1), JoinEui{7}, std::nullopt, std::nullopt, "t").ok());
  EXPECT_TRUE(t.set_target(eui(1), addr(0x42)));
  EXPECT_EQ(t.by_dev_addr(addr(0x42)), std::vector<DevEui>{eui(1)});
  EXPECT_FALSE(t.on_uplink(eui(1), addr(0x43)));  // not the target
  EXPECT_TRUE(t.on_uplink(eui(1), addr(0x42)));
  const Device* d = t.find(eui(1));
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->active_dev_addr, addr(0x42));
  EXPECT_FALSE(d->target_dev_addr);
  EXPECT_FALSE(t.on_uplink(eui(1), addr(0x42)));  // already switched
  EXPECT_FALSE(t.set_target(eui(2), addr(1)));    // unknown device
}

TEST(RoutingTable, RejoinReplacesOldTargetAndKeepsActive) {
  RoutingTable t;
  ASSERT_TRUE(t.insert(eui(1), std::nullopt, addr(1), std::nullopt, "t").ok());
  ASSERT_TRUE(t.set_target(eui(1), addr(2)));
  ASSERT_TRUE(t.set_target(eui(1), addr(3)));
  EXPECT_TRUE(t.by_dev_addr(addr(2)).empty());
  EXPECT_EQ(t.by_dev_addr(addr(1)).size(), 1u);
  EXPECT_EQ(t.by_dev_addr(addr(3)).size(), 1u);
  ASSERT_TRUE(t.on_uplink(eui(1), addr(3)));
  EXPECT_TRUE(t.by_dev_addr(addr(1)).empty());
}

TEST(MulticastGroups, CreateUpdateGetRemove) {
  MulticastGroups g;
  ASSERT_TRUE(g.create(addr(1), "one", "t").ok());
  EXPECT_EQ(g.create(addr(1), "dup", "t").error, GroupError::kAlreadyExists);
  ASSERT_TRUE(g.create(addr(2), "two", "t").ok());
  EXPECT_EQ(g.update(addr(9), "x", std::nullopt).error, GroupError::kNotFound);
  EXPECT_EQ(g.update(addr(1), std::nullopt, addr(2)).error, GroupError::kAlreadyExists);
  auto u = g.update(addr(1), "uno", addr(3));
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.value->name, "uno");
  EXPECT_EQ(g.find(addr(1)), nullptr);
  ASSERT_NE(g.find(addr(3)), nullptr);
  EXPECT_EQ(g.get({}).size(), 2u);
  std::vector<DevAddr> some{addr(3), addr(77)};
  EXPECT_EQ(g.get(some).size(), 1u);
  EXPECT_EQ(g.remove(some), 1u);
  EXPECT_EQ(g.size(), 1u);
}

TEST(MulticastGroups, Devices) {
  RoutingTable t;
  ASSERT_TRUE(t.insert(eui(1), JoinEui{1}, std::nullopt, std::nullopt, "t").ok());
  MulticastGroups g;
  EXPECT_EQ(g.add_device(addr(1), eui(1), t).error, GroupError::kNotFound);
  ASSERT_TRUE(g.create(addr(1), "g", "t").ok());
  EXPECT_EQ(g.add_device(addr(1), eui(2), t).error, GroupError::kDeviceNotFound);
  EXPECT_TRUE(g.add_device(addr(1), eui(1), t).ok());
  EXPECT_EQ(g.add_device(addr(1), eui(1), t).error, GroupError::kAlreadyContainsDevice);
  EXPECT_FALSE(g.remove_device(addr(9), eui(1)));
  EXPECT_FALSE(g.remove_device(addr(1), eui(2)));
  EXPECT_TRUE(g.remove_device(addr(1), eui(1)));
  EXPECT_FALSE(g.remove_device(addr(1), eui(1)));
  ASSERT_TRUE(g.add_device(addr(1), eui(1), t).ok());
  g.forget_device(eui(1));
  EXPECT_TRUE(g.find(addr(1))->devices.empty());
}
