// Runs every example of examples/ once against ran-emulator so that they cannot rot.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "rig.hpp"

using namespace ranbridge::ran_client_test;
using namespace std::chrono_literals;
namespace rt = ranbridge::testing;
namespace json = boost::json;

namespace {

struct ExamplesTest : ::testing::Test {
  rt::TempDir dir;
  std::string devices = dir.write("devices.yaml", kDevicesYaml).string();
  Rig rig{{"--devices", devices, "--subscribe-devices", "--no-autostart", "--seed", "3"}};
  std::string rig_url() { return rig.emulator().base_url(); }
  rt::RunResult example(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--url", rig_url(), "--token", kToken};
    args.insert(args.end(), extra.begin(), extra.end());
    return rt::run(rt::bin_path("ran_example_" + name), args, 60s);
  }
};

TEST_F(ExamplesTest, RoutingTable) {
  auto r = example("routing_table");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("inserted: DevEUI=0004a30b001c0530"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("updated: DevEUI=0004a30b001c0530"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("expected error: Device.NotFound"), std::string::npos) << r.output;
  // remove_all also removed the devices the emulator was started with.
  EXPECT_EQ(rig.stat("devices/routing_table"), 0);
}

TEST_F(ExamplesTest, MulticastGroups) {
  auto r = example("multicast_groups");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("moved: addr=00f00002 name=lights"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("by addr: addr=00f00002 name=lights devices=[0004a30b001c0532]"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("deleted groups: 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("expected error: MulticastGroup.NotFound"), std::string::npos)
      << r.output;
}

TEST_F(ExamplesTest, UpstreamAcksKnownDevicesAndRejectsOthers) {
  // The example knows device A's key only.
  rt::Process proc(
      rt::bin_path("ran_example_upstream"),
      {"--url", rig_url(), "--token", kToken, "--key",
       "d25644d493c4178a:17409e723adb420db342c595b5aa2294", "--count", "4", "--idle", "30"});
  ASSERT_TRUE(proc.wait_for_output("upstream connected", 30s)) << proc.output();
  ASSERT_TRUE(rig.wait_until([&] { return rig.stat("sockets/upstream_open") == 1; }));
  for (std::uint64_t eui : {kDeviceA, kDeviceB, kDeviceA, kDeviceB}) {
    auto r = rig.admin_post(
        "/emulator/uplink",
        json::serialize(json::object{{"DevEUI", ranbridge::ran::DevEui{eui}.to_hex()}}));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  auto code = proc.wait(60s);
  ASSERT_TRUE(code) << proc.output();
  EXPECT_EQ(*code, 0) << proc.output();
  EXPECT_NE(proc.output().find("handled 4 messages"), std::string::npos) << proc.output();
  EXPECT_TRUE(rig.wait_until([&] {
    return rig.stat("upstream/acked") == 2 && rig.stat("upstream/rejected") == 2;
  })) << json::serialize(rig.stats());
  EXPECT_EQ(rig.stat("upstream/wrong_ack"), 0);
  EXPECT_TRUE(rig.wait_until([&] { return rig.stat("sockets/upstream_open") == 0; }));
}

TEST_F(ExamplesTest, Downstream) {
  auto r = example("downstream", {"--dev-eui", "d25644d493c4178a"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("DownstreamAck"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Result=Success"), std::string::npos) << r.output;
  EXPECT_EQ(rig.stat("downstream/received"), 2);
  EXPECT_EQ(rig.stat("downstream/multicast"), 1);
}

TEST_F(ExamplesTest, UsageAndApiErrors) {
  auto no_url =
      rt::run(rt::bin_path("ran_example_routing_table"), {"--token", "x"}, 30s, {{"RAN_URL", ""}});
  EXPECT_EQ(no_url.exit_code, 2) << no_url.output;
  EXPECT_NE(no_url.output.find("usage"), std::string::npos) << no_url.output;
  auto bad_eui = example("downstream", {"--dev-eui", "xyz"});
  EXPECT_EQ(bad_eui.exit_code, 2) << bad_eui.output;
  // URL and token from the environment; a wrong token is an API error (exit 1).
  auto wrong = rt::run(rt::bin_path("ran_example_multicast_groups"), {}, 30s,
                       {{"RAN_URL", rig_url()}, {"RAN_TOKEN", "wrong"}});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("Unauthorized"), std::string::npos) << wrong.output;
}

}  // namespace
