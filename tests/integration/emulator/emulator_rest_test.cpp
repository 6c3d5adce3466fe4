// ran-emulator as a process: REST routing table and multicast over real HTTP, auth, admin.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "client.hpp"

using namespace ranbridge::emulator_test;
namespace json = boost::json;

namespace {
std::string code_of(const HttpResult& r) {
  return std::string(r.json().at("detail").at("error_code").as_string());
}
}  // namespace

// Disabled: a select with DevEUIs over HTTP ends the connection (under investigation).
TEST(EmulatorRest, EveryRoutingTableOperation) {
  EmulatorProcess emu;
  auto r = emu.post("/api/v1/devices/insert",
                    R"({"DevEUI":"0004a30b001c0530","JoinEUI":"70B3D57ED0000001"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("DevEUI"), "0004a30b001c0530");
  EXPECT_EQ(r.json().at("JoinEUI"), "70b3d57ed0000001");
  EXPECT_TRUE(r.json().at("ActiveDevAddr").is_null());
  EXPECT_TRUE(r.json().at("Details").is_null());

  r = emu.post("/api/v1/devices/insert", R"({"DevEUI":"a1","DevAddr":"26011bff","Details":"{}"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  r = emu.post("/api/v1/devices/insert", R"({"DevEUI":"a2","DevAddr":"26011bff"})");
  ASSERT_EQ(r.status, 200u) << r.body;

  r = emu.post("/api/v1/devices/insert", R"({"DevEUI":"a2","DevAddr":"1"})");
  EXPECT_EQ(r.status, 409u);
  EXPECT_EQ(code_of(r), "Device.AlreadyExists");

  r = emu.get("/api/v1/devices/select?DevEUIs=00000000000000a1&DevEUIs=0x0004A30B001C0530");
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(r.json().as_array().size(), 2u);
  // Pages are in DevEUI order (00..a1, 00..a2, 0004a3..), so offset 1 is a2.
  r = emu.get("/api/v1/devices/select?offset=1&limit=1");
  ASSERT_EQ(r.json().as_array().size(), 1u);
  EXPECT_EQ(r.json().as_array()[0].at("DevEUI"), "00000000000000a2");
  r = emu.get("/api/v1/devices/select?limit=x");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(code_of(r), "ValidationFailed");

  r = emu.post(
      "/api/v1/devices/update",
      R"({"DevEUI":"0004a30b001c0530","JoinEUI":"70b3d57ed0000001","TargetDevAddr":"01020304"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("TargetDevAddr"), "01020304");
  r = emu.post("/api/v1/devices/update", R"({"DevEUI":"ff","JoinEUI":"1","ActiveDevAddr":"1"})");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(code_of(r), "Device.NotFound");
  r = emu.post("/api/v1/devices/update", R"({"DevEUI":"ff","JoinEUI":"1"})");
  EXPECT_EQ(r.status, 422u);
  auto detail = r.json().at("detail").at("error_detail").as_array();
  ASSERT_FALSE(detail.empty());
  EXPECT_TRUE(detail[0].as_object().contains("loc"));
  EXPECT_TRUE(detail[0].as_object().contains("msg"));
  EXPECT_TRUE(detail[0].as_object().contains("type"));

  r = emu.post("/api/v1/devices/drop", R"({"DevEUIs":["a1","77"]})");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.json().at("deleted"), 1);
  r = emu.post("/api/v1/devices/drop-all", "");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.json().at("deleted"), 2);
  EXPECT_EQ(emu.get("/api/v1/devices/select").json().as_array().size(), 0u);
}

TEST(EmulatorRest, LimitExhausted) {
  // The limit comes from the config file.
  ranbridge::testing::TempDir dir;
  auto cfg = dir.write("e.yaml", "tokens: [t]\ndevice_limit: 1\ntraffic: {autostart: false}\n");
  EmulatorProcess small({"--config", cfg.string()}, "t");
  ASSERT_EQ(small.post("/api/v1/devices/insert", R"({"DevEUI":"1","JoinEUI":"1"})").status, 200u);
  auto r = small.post("/api/v1/devices/insert", R"({"DevEUI":"2","JoinEUI":"1"})");
  EXPECT_EQ(r.status, 403u);
  EXPECT_EQ(code_of(r), "Device.LimitExhausted");
}

TEST(EmulatorRest, EveryMulticastOperation) {
  EmulatorProcess emu;
  const std::string mc = "/api/v1/multicast/multicast-groups/";
  auto r = emu.post(mc + "create", R"({"name":"fleet","addr":"dafa0c11"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("addr"), "dafa0c11");
  EXPECT_TRUE(r.json().as_object().contains("created_at"));
  EXPECT_EQ(code_of(emu.post(mc + "create", R"({"name":"x","addr":"DAFA0C11"})")),
            "MulticastGroup.AlreadyExists");
  EXPECT_EQ(emu.post(mc + "create", R"({"addr":"1"})").status, 422u);

  r = emu.post(mc + "add-device", R"({"addr":"dafa0c11","dev_eui":"1"})");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(code_of(r), "Device.NotFound");
  ASSERT_EQ(emu.post("/api/v1/devices/insert", R"({"DevEUI":"1","JoinEUI":"1"})").status, 200u);
  r = emu.post(mc + "add-device", R"({"addr":"dafa0c11","dev_eui":"1"})");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.json().at("is_added"), true);
  EXPECT_EQ(code_of(emu.post(mc + "add-device", R"({"addr":"dafa0c11","dev_eui":"1"})")),
            "MulticastGroup.AlreadyContainsTheDevice");
  EXPECT_EQ(code_of(emu.post(mc + "add-device", R"({"addr":"2","dev_eui":"1"})")),
            "MulticastGroup.NotFound");

  r = emu.post(mc + "update", R"({"addr":"dafa0c11","update":{"name":"renamed"}})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.json().at("name"), "renamed");
  EXPECT_EQ(code_of(emu.post(mc + "update", R"({"addr":"9","update":{"name":"a"}})")),
            "MulticastGroup.NotFound");

  r = emu.post(mc + "get", R"({"addrs":[]})");
  ASSERT_EQ(r.json().as_array().size(), 1u);
  EXPECT_EQ(r.json().as_array()[0].at("devices").as_array()[0], "0000000000000001");

  EXPECT_EQ(emu.post(mc + "remove-device", R"({"addr":"dafa0c11","dev_eui":"1"})")
                .json()
                .at("is_removed"),
            true);
  EXPECT_EQ(emu.post(mc + "remove-device", R"({"addr":"dafa0c11","dev_eui":"1"})")
                .json()
                .at("is_removed"),
            false);
  EXPECT_EQ(emu.post(mc + "delete", R"({"addrs":["dafa0c11"]})").json().at("deleted"), 1);
}

TEST(EmulatorRest, WrongOrMissingTokenIs401) {
  EmulatorProcess emu;
  auto r = http(emu.port(), "GET", "/api/v1/devices/select", "", "wrong");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(code_of(r), "Unauthorized");
  r = http(emu.port(), "POST", "/api/v1/devices/drop-all", "");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(code_of(r), "Unauthorized");
}

TEST(EmulatorRest, SeveralTokensAccepted) {
  EmulatorProcess emu({"--token", "second"}, "first");
  EXPECT_EQ(http(emu.port(), "GET", "/api/v1/devices/select", "", "first").status, 200u);
  EXPECT_EQ(http(emu.port(), "GET", "/api/v1/devices/select", "", "second").status, 200u);
}

// Disabled: GET on an unknown admin path answers 405 instead of 404 (to fix).
TEST(EmulatorRest, UnknownPathsAndMethods) {
  EmulatorProcess emu;
  EXPECT_EQ(emu.get("/api/v1/devices/nothing").status, 404u);
  EXPECT_EQ(emu.get("/elsewhere").status, 404u);
  EXPECT_EQ(emu.get("/api/v1/devices/insert").status, 405u);
  EXPECT_EQ(emu.get("/emulator/nothing").status, 404u);
}

TEST(EmulatorCli, HelpAndBadArguments) {
  auto bin = ranbridge::testing::bin_path("ran-emulator");
  auto r = ranbridge::testing::run(bin, {"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("--listen"), std::string::npos);
  r = ranbridge::testing::run(bin, {"--token", "t", "--challenge-size", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("challenge_size must be 2..4096"), std::string::npos);
  r = ranbridge::testing::run(bin, {"--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("token"), std::string::npos);
  ranbridge::testing::TempDir dir;
  auto cfg = dir.write("bad.yaml", "tokens: [t]\ntraffic:\n  chalenge_size: 3\n");
  r = ranbridge::testing::run(bin, {"--config", cfg.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("bad.yaml:3: unknown key 'chalenge_size'"), std::string::npos)
      << r.output;
}

TEST(EmulatorCli, DurationStopsAndPrintsStats) {
  ranbridge::testing::TempDir dir;
  auto stats = dir / "stats.json";
  auto r = ranbridge::testing::run(ranbridge::testing::bin_path("ran-emulator"),
                                   {"--listen", "127.0.0.1:0", "--token", "t", "--duration", "0.3",
                                    "--stats-file", stats.string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ran-emulator stats {"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(stats));
}

TEST(EmulatorCli, SigtermIsACleanShutdown) {
  EmulatorProcess emu;
  emu.process().signal(SIGTERM);
  auto rc = emu.process().wait(std::chrono::seconds(10));
  ASSERT_TRUE(rc.has_value());
  EXPECT_EQ(*rc, 0) << emu.process().output();
  EXPECT_NE(emu.process().output().find("ran-emulator stats"), std::string::npos);
}
