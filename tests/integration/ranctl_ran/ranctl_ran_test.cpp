// `ranctl` RAN commands as an operator runs them: the real binary against a real ran-emulator
// on an ephemeral loopback port. Checks output (tables and --json) and exit codes
// (0 ok, 1 API/transport error with the code, 2 usage error).
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include <boost/json.hpp>

#include "../emulator/client.hpp"
#include "ranbridge_test/support.hpp"

using namespace ranbridge::testing;
using ranbridge::emulator_test::EmulatorProcess;
using ranbridge::emulator_test::http;
namespace json = boost::json;

namespace {

std::string url_of(const EmulatorProcess& emu) {
  return "http://127.0.0.1:" + std::to_string(emu.port()) + "/api/v1";
}

// ranctl with --url and --token of `emu` in front.
RunResult ranctl(const EmulatorProcess& emu, std::vector<std::string> args,
                 std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), {"--url", url_of(emu), "--token", emu.token()});
  return run(bin_path("ranctl"), args, std::chrono::seconds(40), std::move(env));
}

RunResult ranctl_raw(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  return run(bin_path("ranctl"), args, std::chrono::seconds(40), std::move(env));
}

bool contains(const std::string& s, const std::string& needle) {
  return s.find(needle) != std::string::npos;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

json::value parse_json(const RunResult& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.output, ec);
  EXPECT_FALSE(ec) << "not JSON: " << r.output;
  return v;
}

}  // namespace

// ---- usage (no server needed) --------------------------------------------------------------

TEST(RanctlRanUsage, HelpPerCommandTellsWhatItDoes) {
  auto r = ranctl_raw({"devices", "list", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "Usage: ranctl [global options] devices list")) << r.output;
  EXPECT_TRUE(contains(r.output, "--token-file")) << r.output;

  r = ranctl_raw({"stream", "upstream", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "RAN expects an answer")) << r.output;
  EXPECT_TRUE(contains(r.output, "may unsubscribe the device")) << r.output;

  r = ranctl_raw({"--help"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* c : {"devices list", "devices remove-all", "multicast add-device",
                        "stream upstream", "send downlink", "send multicast", "lorawan decode"})
    EXPECT_TRUE(contains(r.output, c)) << c << "\n" << r.output;

  r = ranctl_raw({"multicast"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "multicast create")) << r.output;
}

TEST(RanctlRanUsage, UsageErrorsExitTwoWithAMessage) {
  const std::vector<std::string> base{"--url", "http://127.0.0.1:9/api/v1", "--token", "t"};
  auto with = [&](std::vector<std::string> extra) {
    auto a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return ranctl_raw(a);
  };
  auto r = with({"devices", "list", "--bogus"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown option --bogus")) << r.output;
  EXPECT_TRUE(contains(r.output, "Usage: ranctl [global options] devices list")) << r.output;

  r = with({"devices", "remove-all"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--yes")) << r.output;

  r = with({"devices", "add", "--dev-eui", "01"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "exactly one of --join-eui")) << r.output;

  r = with({"devices", "add", "--dev-eui", "xyz", "--join-eui", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--dev-eui must be a DevEUI")) << r.output;

  r = with({"devices", "add", "--dev-eui", "1", "--join-eui", "1", "--details", "{nope"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--details must be JSON")) << r.output;

  r = with({"devices", "frobnicate"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "unknown command devices frobnicate")) << r.output;

  r = with({"send", "downlink", "--dev-eui", "1", "--payload", "60", "--frequency", "868100000",
            "--sf", "13", "--bw", "125000", "--delay", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--sf must be a number from 5 to 12")) << r.output;

  r = with({"send", "downlink", "--dev-eui", "1", "--payload", "60", "--frequency", "868100000",
            "--sf", "7", "--bw", "125000"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "exactly one of --delay")) << r.output;

  r = with({"send", "downlink", "--dev-eui", "1", "--payload", "6", "--frequency", "868100000",
            "--sf", "7", "--bw", "125000", "--delay", "1"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--payload must be")) << r.output;

  r = with({"stream", "upstream", "--count", "0"});
  EXPECT_EQ(r.exit_code, 2) << r.output;

  // No URL / no token: usage errors, and nothing is contacted.
  r = ranctl_raw({"--token", "t", "devices", "list"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--url is required")) << r.output;
  r = ranctl_raw({"--url", "http://127.0.0.1:9/api/v1", "devices", "list"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "no token")) << r.output;
  r = ranctl_raw({"--url", "http://127.0.0.1:9/api/v1", "--token-file", "/nonexistent/tok",
                  "devices", "list"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "cannot read --token-file")) << r.output;
  r = ranctl_raw({"--url", "ftp://x", "--token", "t", "devices", "list"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(RanctlRanUsage, TransportErrorExitsOne) {
  const int port = free_port();  // nothing listens there
  auto r = ranctl_raw({"--url", "http://127.0.0.1:" + std::to_string(port) + "/api/v1", "--token",
                       "t", "devices", "list"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "transport error")) << r.output;
}

// ---- devices -------------------------------------------------------------------------------

TEST(RanctlRanDevices, EveryCommandTableAndJson) {
  EmulatorProcess emu({"--no-autostart"});

  auto r = ranctl(emu, {"devices", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "(no devices)")) << r.output;

  r = ranctl(emu,
             {"devices", "add", "--dev-eui", "0004A30B001C0530", "--join-eui", "70b3d57ed0000001"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "0004a30b001c0530  70b3d57ed0000001")) << r.output;

  r = ranctl(emu, {"devices", "add", "--dev-eui", "a1", "--dev-addr", "26011bff", "--details",
                   R"({"site":"north"})", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto added = parse_json(r);
  ASSERT_TRUE(added.is_array()) << r.output;
  EXPECT_EQ(added.at(0).at("DevEUI"), "00000000000000a1");
  EXPECT_EQ(added.at(0).at("ActiveDevAddr"), "26011bff");
  EXPECT_EQ(added.at(0).at("Details"), R"({"site":"north"})");

  // API error: code and description on stderr, exit 1, nothing changed.
  r = ranctl(emu, {"devices", "add", "--dev-eui", "a1", "--join-eui", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "Device.AlreadyExists")) << r.output;
  EXPECT_TRUE(contains(r.output, "HTTP 409")) << r.output;

  // Table: header and rows aligned in columns.
  r = ranctl(emu, {"devices", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto rows = lines(r.output);
  ASSERT_EQ(rows.size(), 3u) << r.output;
  EXPECT_EQ(rows[0].rfind("DEV_EUI           JOIN_EUI          ACTIVE_DEV_ADDR", 0), 0u)
      << r.output;
  const auto col = rows[0].find("ACTIVE_DEV_ADDR");
  EXPECT_EQ(rows[1].substr(col, 8), "26011bff") << r.output;  // a1 sorts first
  EXPECT_EQ(rows[2].substr(col, 1), "-") << r.output;
  EXPECT_TRUE(contains(rows[1], R"({"site":"north"})")) << r.output;

  r = ranctl(emu, {"devices", "list", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parse_json(r).as_array().size(), 2u);

  r = ranctl(emu, {"devices", "list", "--dev-eui", "0x0004a30b001c0530", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(parse_json(r).as_array().size(), 1u);
  EXPECT_EQ(parse_json(r).at(0).at("JoinEUI"), "70b3d57ed0000001");

  r = ranctl(emu, {"devices", "list", "--offset", "1", "--limit", "1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(parse_json(r).as_array().size(), 1u);
  EXPECT_EQ(parse_json(r).at(0).at("DevEUI"), "0004a30b001c0530");

  // update: the JoinEUI is looked up when not given.
  r = ranctl(
      emu, {"devices", "update", "--dev-eui", "0004a30b001c0530", "--target-dev-addr", "01020304"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "01020304")) << r.output;
  r = ranctl(emu, {"devices", "update", "--dev-eui", "0004a30b001c0530", "--join-eui",
                   "70b3d57ed0000001", "--active-dev-addr", "0a0b0c0d", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parse_json(r).at(0).at("ActiveDevAddr"), "0a0b0c0d");
  EXPECT_EQ(parse_json(r).at(0).at("TargetDevAddr"), "01020304");
  // Wrong JoinEUI: RAN's Device.NotFound.
  r = ranctl(emu, {"devices", "update", "--dev-eui", "0004a30b001c0530", "--join-eui", "2",
                   "--active-dev-addr", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "Device.NotFound")) << r.output;
  // ABP device without JoinEUI, and an absent device: clear failures.
  r = ranctl(emu, {"devices", "update", "--dev-eui", "a1", "--active-dev-addr", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "has no JoinEUI")) << r.output;
  r = ranctl(emu, {"devices", "update", "--dev-eui", "ff", "--active-dev-addr", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "not in the routing table")) << r.output;
  r = ranctl(emu, {"devices", "update", "--dev-eui", "a1"});
  EXPECT_EQ(r.exit_code, 2) << r.output;

  r = ranctl(emu, {"devices", "remove", "a1", "77"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "deleted: 1\n");
  r = ranctl(emu, {"devices", "remove"});
  EXPECT_EQ(r.exit_code, 2) << r.output;

  ASSERT_EQ(ranctl(emu, {"devices", "add", "--dev-eui", "b1", "--dev-addr", "1"}).exit_code, 0);
  r = ranctl(emu, {"devices", "remove-all", "--yes", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parse_json(r).at("deleted"), 2);
  EXPECT_EQ(emu.get("/api/v1/devices/select").json().as_array().size(), 0u);
}

TEST(RanctlRanDevices, TokenSourcesAndWrongToken) {
  EmulatorProcess emu({"--no-autostart"}, "right-token");
  const std::string url = url_of(emu);
  TempDir dir;
  auto file = dir.write("token", "right-token\n");
  auto r = ranctl_raw({"--url", url, "--token-file", file.string(), "devices", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = ranctl_raw({"devices", "list", "--url", url}, {{"RAN_TOKEN", "right-token"}});
  EXPECT_EQ(r.exit_code, 0) << r.output;

  r = ranctl_raw({"--url", url, "--token", "wrong-secret-123", "devices", "list"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "Unauthorized")) << r.output;
  EXPECT_FALSE(contains(r.output, "wrong-secret-123")) << r.output;
  // The websocket handshake refusal is reported the same way.
  r = ranctl_raw(
      {"--url", url, "--token", "wrong-secret-123", "stream", "upstream", "--count", "1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "Unauthorized")) << r.output;
  EXPECT_FALSE(contains(r.output, "wrong-secret-123")) << r.output;
}

// ---- multicast -----------------------------------------------------------------------------

TEST(RanctlRanMulticast, EveryCommandTableAndJson) {
  EmulatorProcess emu({"--no-autostart"});
  ASSERT_EQ(ranctl(emu, {"devices", "add", "--dev-eui", "c1", "--dev-addr", "1"}).exit_code, 0);

  auto r = ranctl(emu, {"multicast", "create", "--addr", "FF000001", "--name", "street lights"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "ff000001  street lights")) << r.output;
  r = ranctl(emu, {"multicast", "create", "--addr", "ff000001", "--name", "again"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "MulticastGroup.AlreadyExists")) << r.output;

  r = ranctl(emu, {"multicast", "add-device", "--addr", "ff000001", "--dev-eui", "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "is_added: true\n");
  r = ranctl(emu, {"multicast", "add-device", "--addr", "ff000001", "--dev-eui", "c1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "MulticastGroup.AlreadyContainsTheDevice")) << r.output;

  r = ranctl(emu, {"multicast", "update", "--addr", "ff000001", "--name", "lamps", "--new-addr",
                   "ff000002", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parse_json(r).at(0).at("addr"), "ff000002");
  EXPECT_EQ(parse_json(r).at(0).at("name"), "lamps");

  r = ranctl(emu, {"multicast", "list"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto rows = lines(r.output);
  ASSERT_EQ(rows.size(), 2u) << r.output;
  EXPECT_EQ(rows[0].rfind("ADDR      NAME   CREATED_AT", 0), 0u) << r.output;
  EXPECT_TRUE(contains(rows[1], "00000000000000c1")) << r.output;
  r = ranctl(emu, {"multicast", "list", "--addr", "ff000002", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parse_json(r).at(0).at("devices").at(0), "00000000000000c1");

  r = ranctl(emu,
             {"multicast", "remove-device", "--addr", "ff000002", "--dev-eui", "c1", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(parse_json(r).at("is_removed"), true);
  r = ranctl(emu, {"multicast", "remove-device", "--addr", "ff000002", "--dev-eui", "c1"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "is_removed: false\n");

  r = ranctl(emu, {"multicast", "update", "--addr", "ff000002"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  r = ranctl(emu, {"multicast", "update", "--addr", "ff0000ee", "--name", "x"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "MulticastGroup.NotFound")) << r.output;

  r = ranctl(emu, {"multicast", "remove", "ff000002", "ff0000ee"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "deleted: 1\n");
  r = ranctl(emu, {"multicast", "list", "--json"});
  EXPECT_EQ(parse_json(r).as_array().size(), 0u);
}

// ---- streams -------------------------------------------------------------------------------

TEST(RanctlRanStream, UpstreamPrintsJsonLinesAndRejects) {
  EmulatorProcess emu({"--devices-generate", "2", "--rate", "20", "--seed", "5"});
  auto r = ranctl(emu, {"stream", "upstream", "--count", "3", "--reject", "--timeout", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto ls = lines(r.output);
  ASSERT_EQ(ls.size(), 3u) << r.output;
  for (const auto& l : ls) {
    auto v = json::parse(l);
    EXPECT_GT(v.at("transaction_id").to_number<std::uint64_t>(), 0u) << l;
    EXPECT_EQ(std::string(v.at("dev_euis").at(0).as_string()).rfind("feedf00d", 0), 0u) << l;
    EXPECT_TRUE(v.at("radio").as_object().contains("lora")) << l;
    EXPECT_GE(v.at("mic_challenge").as_array().size(), 2u) << l;
    EXPECT_FALSE(v.at("phy_payload_no_mic").as_string().empty()) << l;
  }
  // Every printed message was answered with Reject "Other".
  EXPECT_TRUE(emu.wait_stats([](const json::value& s) {
    return s.at("upstream").at("rejected").to_number<std::uint64_t>() >= 3;
  })) << json::serialize(emu.stats());

  // --raw: RAN's wire JSON.
  r = ranctl(emu, {"stream", "upstream", "--count", "1", "--reject", "--raw", "--timeout", "30"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto raw = json::parse(lines(r.output).at(0));
  EXPECT_TRUE(raw.as_object().contains("MICChallenge")) << r.output;
  EXPECT_TRUE(raw.at("DevEUIs").at(0).is_number()) << r.output;
}

TEST(RanctlRanStream, TimeoutWithoutTrafficEndsCleanly) {
  EmulatorProcess emu({"--no-autostart"});
  auto r = ranctl(emu, {"stream", "upstream", "--timeout", "0.5"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
}

TEST(RanctlRanStream, SocketClosedByRanExitsOne) {
  EmulatorProcess emu({"--no-autostart"});
  Process p(bin_path("ranctl"), {"--url", url_of(emu), "--token", emu.token(), "stream", "upstream",
                                 "--timeout", "30"});
  ASSERT_TRUE(emu.wait_stats([](const json::value& s) {
    return s.at("sockets").at("upstream_open").to_number<std::uint64_t>() == 1;
  })) << p.output();
  EXPECT_EQ(http(emu.port(), "POST", "/emulator/drop-sockets").status, 200u);
  auto code = p.wait(std::chrono::seconds(20));
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1) << p.output();
  EXPECT_TRUE(contains(p.output(), "closed the upstream socket")) << p.output();
}

TEST(RanctlRanSend, DownlinkReachesTheEmulator) {
  EmulatorProcess emu({"--no-autostart"});
  ASSERT_EQ(ranctl(emu, {"devices", "add", "--dev-eui", "d1", "--dev-addr", "26000001"}).exit_code,
            0);
  auto r = ranctl(emu, {"send", "downlink", "--dev-eui", "d1", "--payload", "60010000260001",
                        "--frequency", "869525000", "--sf", "9", "--bw", "125000", "--delay", "1",
                        "--tx-id", "4242", "--wait"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto ls = lines(r.output);
  ASSERT_EQ(ls.size(), 2u) << r.output;
  EXPECT_EQ(ls[0].rfind("ack     transaction_id=4242 mailbox_id=", 0), 0u) << r.output;
  EXPECT_EQ(ls[1].rfind("result  transaction_id=4242 result=Success", 0), 0u) << r.output;

  auto recent = http(emu.port(), "GET", "/emulator/downstreams").json().as_array();
  ASSERT_EQ(recent.size(), 1u);
  const auto& m = recent[0].at("message");
  EXPECT_EQ(m.at("TransactionID"), 4242);
  EXPECT_EQ(m.at("TxWindow").at("Delay"), 1);
  EXPECT_EQ(m.at("TxWindow").at("Radio").at("Frequency"), 869525000);
  EXPECT_EQ(m.at("TxWindow").at("Radio").at("LoRa").at("Spreading"), 9);
  EXPECT_EQ(m.at("PHYPayload").as_array().size(), 7u);
  EXPECT_EQ(recent[0].at("result"), "Success");

  // Class C with a relative deadline and a target address; --json lines; ack only.
  r = ranctl(emu, {"send", "downlink", "--dev-eui", "d1", "--payload", "20aa", "--frequency",
                   "869525000", "--sf", "12", "--bw", "125000", "--deadline", "+60",
                   "--target-dev-addr", "26000002", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(lines(r.output).size(), 1u) << r.output;
  EXPECT_EQ(json::parse(lines(r.output)[0]).at("type"), "ack") << r.output;
  recent = http(emu.port(), "GET", "/emulator/downstreams").json().as_array();
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_TRUE(recent[1].at("message").at("TxWindow").as_object().contains("Deadline"));
  EXPECT_EQ(recent[1].at("message").at("TargetDevAddr"), 0x26000002);

  // A device RAN does not know: the result is GatewayNotFound -> exit 1 with the code.
  r = ranctl(emu, {"send", "downlink", "--dev-eui", "ee", "--payload", "60", "--frequency",
                   "868100000", "--sf", "7", "--bw", "125000", "--tmms",
                   "1448085220500,1448085221500", "--wait", "--json"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "GatewayNotFound")) << r.output;
  recent = http(emu.port(), "GET", "/emulator/downstreams").json().as_array();
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(json::serialize(recent[2].at("message").at("TxWindow").at("TMMS")),
            "[1448085220500,1448085221500]");

  // TMMS takes 1..8 ping slots: a ninth is a usage error, before anything is sent.
  r = ranctl(emu, {"send", "downlink", "--dev-eui", "d1", "--payload", "60", "--frequency",
                   "868100000", "--sf", "7", "--bw", "125000", "--tmms", "1,2,3,4,5,6,7,8,9"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--tmms")) << r.output;
}

TEST(RanctlRanSend, MulticastDownlink) {
  EmulatorProcess emu({"--no-autostart"});
  ASSERT_EQ(ranctl(emu, {"multicast", "create", "--addr", "ff000009", "--name", "g"}).exit_code, 0);
  auto r = ranctl(emu, {"send", "multicast", "--addr", "ff000009", "--payload", "a0", "--frequency",
                        "869525000", "--sf", "9", "--bw", "125000", "--deadline", "+30", "--tx-id",
                        "77", "--wait", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto ls = lines(r.output);
  ASSERT_EQ(ls.size(), 2u) << r.output;
  EXPECT_EQ(json::parse(ls[1]).at("result"), "Success") << r.output;
  EXPECT_TRUE(emu.wait_stats([](const json::value& s) {
    return s.at("downstream").at("multicast").to_number<std::uint64_t>() == 1;
  }));
  r = ranctl(emu, {"send", "multicast", "--addr", "ff0000aa", "--payload", "a0", "--frequency",
                   "869525000", "--sf", "9", "--bw", "125000", "--delay", "2", "--wait"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "GatewayNotFound")) << r.output;
}
