// ran-emulator as a process: websockets, the device simulator and the downstream side. The
// test client computes true MICs with the lorawan module, independently of the emulator.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <thread>

#include "client.hpp"
#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"

using namespace ranbridge::emulator_test;
using namespace ranbridge::lorawan;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Devices in the devices-file format (docs/devices.md); keys are test-only.
const char* kDevices = R"(devices:
  - dev_eui: "d25644d493c4178a"
    lorawan_version: "1.0.2"
    abp:
      dev_addr: "26011b01"
      nwk_s_key: "17409e723adb420db342c595b5aa2294"
      app_s_key: "22e90e8816038528fd1b5b5779ba4869"
  - dev_eui: "a84041000181c0a1"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26011bff"
      nwk_s_key: "eff570746c7ee4d1390aa448afc41eed"
      app_s_key: "c41b85376911a3f574775dfffcc74eef"
  - dev_eui: "a84041000181c0a2"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26011bff"
      nwk_s_key: "0b3569797765412d29950462bcf710cc"
      app_s_key: "7af165a3a4b320147a3911245a954761"
  - dev_eui: "0004a30b001c0530"
    lorawan_version: "1.0.3"
    otaa:
      join_eui: "70b3d57ed0000001"
      app_key: "829a7de594e02867cf54f5a7ca9cc87b"
)";

struct KnownKey {
  std::uint64_t dev_eui;
  const char* nwk_s_key;
};
const KnownKey kAbpKeys[] = {{0xd25644d493c4178aULL, "17409e723adb420db342c595b5aa2294"},
                             {0xa84041000181c0a1ULL, "eff570746c7ee4d1390aa448afc41eed"},
                             {0xa84041000181c0a2ULL, "0b3569797765412d29950462bcf710cc"}};
const std::uint64_t kOtaaEui = 0x0004a30b001c0530ULL;
const char* kAppKey = "829a7de594e02867cf54f5a7ca9cc87b";

std::vector<std::uint8_t> bytes_of(const json::value& arr) {
  std::vector<std::uint8_t> out;
  for (const auto& v : arr.as_array()) out.push_back(static_cast<std::uint8_t>(v.to_number<int>()));
  return out;
}

// What an LNS does: find the true MIC of a data uplink among the candidates. Returns
// (DevEUI, MIC) or nullopt. `fcnt32` is the full counter (the test knows it).
std::optional<std::pair<std::uint64_t, std::uint32_t>> solve(const json::value& up,
                                                             std::uint32_t fcnt_high = 0) {
  auto msg = bytes_of(up.at("PHYPayloadNoMIC"));
  std::set<std::uint32_t> challenge;
  for (const auto& v : up.at("MICChallenge").as_array())
    challenge.insert(v.to_number<std::uint32_t>());
  std::vector<std::uint8_t> phy = msg;
  phy.insert(phy.end(), 4, 0);
  auto parsed = parse_phy_payload(phy);
  if (!parsed) return std::nullopt;
  for (const auto& e : up.at("DevEUIs").as_array()) {
    auto eui = e.to_number<std::uint64_t>();
    if (parsed->join_request()) {
      if (eui != kOtaaEui) continue;
      auto m = mic_to_uint32(join_request_mic(Cmac(*AesKey::from_hex(kAppKey)), msg));
      if (challenge.count(m)) return std::make_pair(eui, m);
      continue;
    }
    for (const auto& k : kAbpKeys) {
      if (k.dev_eui != eui) continue;
      const auto* df = parsed->data();
      std::uint32_t fcnt = fcnt_high | df->fcnt;
      auto m = mic_to_uint32(
          data_uplink_mic_1_0(Cmac(*AesKey::from_hex(k.nwk_s_key)), df->dev_addr, fcnt, msg));
      if (challenge.count(m)) return std::make_pair(eui, m);
    }
  }
  return std::nullopt;
}

std::string ack(const json::value& up, std::uint64_t eui, std::uint32_t mic) {
  return json::serialize(json::object{{"ProtocolVersion", 1},
                                      {"TransactionID", up.at("TransactionID")},
                                      {"DevEUI", eui},
                                      {"MIC", mic}});
}

std::string reject(const json::value& up, const char* code) {
  return json::serialize(json::object{
      {"ProtocolVersion", 1}, {"TransactionID", up.at("TransactionID")}, {"ResultCode", code}});
}

struct Fixture : ::testing::Test {
  ranbridge::testing::TempDir dir;
  std::string devices = dir.write("devices.yaml", kDevices).string();

  std::unique_ptr<EmulatorProcess> start(std::vector<std::string> extra) {
    std::vector<std::string> args{"--devices", devices, "--subscribe-devices", "--seed", "7"};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<EmulatorProcess>(args);
  }
  const std::string up_path = "/api/v1/stream/upstream/";
  const std::string down_path = "/api/v1/stream/downstream/";
};

std::uint64_t num(const json::value& stats, const char* a, const char* b) {
  return stats.at(a).at(b).to_number<std::uint64_t>();
}

}  // namespace

TEST_F(Fixture, WebsocketAuth) {
  auto emu = start({"--uplink-interval", "0"});
  EXPECT_EQ(ws_handshake_status(emu->port(), up_path, ""), 401u);
  EXPECT_EQ(ws_handshake_status(emu->port(), up_path, "wrong"), 401u);
  EXPECT_EQ(ws_handshake_status(emu->port(), down_path + "?access_token=wrong", ""), 401u);
  EXPECT_EQ(ws_handshake_status(emu->port(), up_path, emu->token()), 101u);
  EXPECT_EQ(ws_handshake_status(emu->port(), down_path + "?access_token=" + emu->token(), ""),
            101u);
  EXPECT_EQ(ws_handshake_status(emu->port(), "/api/v1/stream/sideways/", emu->token()), 404u);
}

TEST_F(Fixture, UpstreamRoundRobinOverThreeSockets) {
  auto emu = start({"--rate", "60", "--answer-timeout", "30"});
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < 3; ++i)
    sockets.push_back(std::make_unique<WsClient>(emu->port(), up_path, emu->token(), i == 1));
  std::set<std::uint64_t> txs;
  std::vector<int> per_socket(3, 0);
  auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end &&
         *std::min_element(per_socket.begin(), per_socket.end()) < 5) {
    for (int i = 0; i < 3; ++i) {
      while (auto f = sockets[i]->read_json(10ms)) {
        ++per_socket[i];
        auto tx = f->at("TransactionID").to_number<std::uint64_t>();
        EXPECT_TRUE(txs.insert(tx).second) << "TransactionID " << tx << " sent twice";
        EXPECT_EQ(f->at("ProtocolVersion"), 1);
        EXPECT_EQ(f->at("MICChallenge").as_array().size(), 16u);
        EXPECT_TRUE(f->at("Radio").as_object().contains("LoRa"));
      }
    }
  }
  for (int i = 0; i < 3; ++i) EXPECT_GE(per_socket[i], 5) << "socket " << i;
  // Round-robin: the three counts differ by at most a frame or two in flight.
  auto [lo, hi] = std::minmax_element(per_socket.begin(), per_socket.end());
  EXPECT_LE(*hi - *lo, 3);
  auto stats = emu->stats();
  EXPECT_EQ(stats.at("sockets").at("upstream_open"), 3);
}

TEST_F(Fixture, AcksRejectsWrongAcksAndUnansweredAreCounted) {
  auto emu = start({"--rate", "40", "--answer-timeout", "0.5", "--challenge-size", "64"});
  WsClient up(emu->port(), up_path, emu->token());
  int acked = 0, wrong = 0, rejected = 0, ignored = 0;
  auto end = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < end &&
         (acked < 6 || wrong < 2 || rejected < 2 || ignored < 2)) {
    auto f = up.read_json(1s);
    if (!f) continue;
    auto solved = solve(*f);
    ASSERT_TRUE(solved) << "true MIC not in the challenge: " << json::serialize(*f);
    int turn = (acked + wrong + rejected + ignored) % 5;
    if (turn <= 1) {
      up.write(ack(*f, solved->first, solved->second));
      ++acked;
    } else if (turn == 2) {
      up.write(ack(*f, solved->first, solved->second ^ 1));  // a decoy-like wrong MIC
      ++wrong;
    } else if (turn == 3) {
      up.write(reject(*f, "MICFailed"));
      ++rejected;
    } else {
      ++ignored;
    }
  }
  up.write("{not json");  // costs that frame only
  ASSERT_TRUE(emu->wait_stats([&](const json::value& s) {
    return num(s, "upstream", "acked") == static_cast<std::uint64_t>(acked) &&
           num(s, "upstream", "wrong_ack") == static_cast<std::uint64_t>(wrong) &&
           num(s, "upstream", "unanswered") >= static_cast<std::uint64_t>(ignored) &&
           num(s, "upstream", "malformed_frames") == 1;
  })) << json::serialize(emu->stats());
  auto s = emu->stats();
  EXPECT_EQ(s.at("upstream").at("rejected_by_code").at("MICFailed"), rejected);
  EXPECT_GE(num(s, "answer_latency", "count"),
            static_cast<std::uint64_t>(acked + wrong + rejected));
  EXPECT_FALSE(up.closed());
}

TEST_F(Fixture, FCntContinuesPast65535) {
  auto emu = start({"--uplink-interval", "0", "--start-fcnt", "65534"});
  WsClient up(emu->port(), up_path, emu->token());
  std::vector<std::uint32_t> highs{0, 0, 0x10000, 0x10000};
  for (int i = 0; i < 4; ++i) {
    auto r = emu->post("/emulator/uplink", R"({"DevEUI":"d25644d493c4178a"})");
    ASSERT_EQ(r.status, 200u) << r.body;
    auto f = up.read_json();
    ASSERT_TRUE(f);
    // FCnt 65534, 65535, 65536 (0 on air), 65537 (1 on air): the MIC uses the 32-bit value.
    std::uint32_t high = (i < 2) ? 0 : 0x10000;
    auto solved = solve(*f, high);
    ASSERT_TRUE(solved) << "frame " << i;
    EXPECT_EQ(solved->first, 0xd25644d493c4178aULL);
    up.write(ack(*f, solved->first, solved->second));
  }
  ASSERT_TRUE(
      emu->wait_stats([](const json::value& s) { return num(s, "upstream", "acked") == 4; }));
}

TEST_F(Fixture, SharedDevAddrListsEveryDevice) {
  auto emu = start({"--uplink-interval", "0"});
  WsClient up(emu->port(), up_path, emu->token());
  ASSERT_EQ(emu->post("/emulator/uplink", R"({"DevEUI":"a84041000181c0a2"})").status, 200u);
  auto f = up.read_json();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->at("DevEUIs").as_array().size(), 2u);
  auto solved = solve(*f);
  ASSERT_TRUE(solved);
  EXPECT_EQ(solved->first, 0xa84041000181c0a2ULL);
  // Acking with the other device of the DevAddr is a wrong ack.
  up.write(ack(*f, 0xa84041000181c0a1ULL, solved->second));
  ASSERT_TRUE(
      emu->wait_stats([](const json::value& s) { return num(s, "upstream", "wrong_ack") == 1; }));
}

TEST_F(Fixture, InjectErrors) {
  auto emu = start({"--uplink-interval", "0"});
  EXPECT_EQ(emu->post("/emulator/uplink", R"({"DevEUI":"d25644d493c4178a"})").status,
            409u);  // no socket
  WsClient up(emu->port(), up_path, emu->token());
  EXPECT_EQ(emu->post("/emulator/uplink", R"({"DevEUI":"99"})").status, 404u);
  EXPECT_EQ(emu->post("/emulator/uplink", R"({"nope":1})").status, 422u);
  ASSERT_EQ(emu->post("/api/v1/devices/drop", R"({"DevEUIs":["d25644d493c4178a"]})").status, 200u);
  EXPECT_EQ(emu->post("/emulator/uplink", R"({"DevEUI":"d25644d493c4178a"})").status, 409u);
}

// Disabled: its select?DevEUIs= request hits the same HTTP problem as EveryRoutingTableOperation.
TEST_F(Fixture, JoinAcceptMovesTheDeviceToItsNewDevAddr) {
  auto emu = start({"--uplink-interval", "0"});
  WsClient up(emu->port(), up_path, emu->token());
  WsClient down(emu->port(), down_path, emu->token());
  ASSERT_EQ(emu->post("/emulator/uplink", R"({"DevEUI":"0004a30b001c0530"})").status, 200u);
  auto jr = up.read_json();
  ASSERT_TRUE(jr);
  auto solved = solve(*jr);
  ASSERT_TRUE(solved);
  up.write(ack(*jr, solved->first, solved->second));
  auto msg = bytes_of(jr->at("PHYPayloadNoMIC"));
  std::uint16_t dev_nonce = static_cast<std::uint16_t>(msg[17] | msg[18] << 8);

  // The LNS answers with a join accept for DevAddr 0x01020304.
  JoinAccept ja;
  ja.join_nonce = 0x123456;
  ja.net_id = NetId{0x13};
  ja.dev_addr = DevAddr{0x01020304};
  ja.rx_delay = 1;
  AesKey app = *AesKey::from_hex(kAppKey);
  JoinAcceptBuildKeys keys{app,      app, app, kJoinReqTypeJoin, JoinEui{0x70b3d57ed0000001ULL},
                           dev_nonce};
  auto phy = build_join_accept(ja, keys);
  json::array phy_json;
  for (auto b : phy) phy_json.push_back(b);
  json::object ds{
      {"ProtocolVersion", 1},
      {"TransactionID", 77},
      {"DevEUI", kOtaaEui},
      {"TargetDevAddr", 0x01020304},
      {"TxWindow",
       json::object{
           {"Radio", json::object{{"Frequency", 868100000},
                                  {"LoRa", json::object{{"Spreading", 7}, {"Bandwidth", 125000}}}}},
           {"Delay", 5}}},
      {"PHYPayload", phy_json}};
  down.write(json::serialize(ds));
  auto a = down.read_json();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->at("TransactionID"), 77);
  EXPECT_GT(a->at("MailboxID").to_number<std::uint64_t>(), 0u);
  EXPECT_FALSE(a->as_object().contains("ResultCode"));
  auto r = down.read_json();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("ResultCode"), "Success");
  EXPECT_EQ(r->at("MailboxID"), a->at("MailboxID"));
  ASSERT_TRUE(
      emu->wait_stats([](const json::value& s) { return num(s, "joins", "accepts") == 1; }));

  auto row = emu->get("/api/v1/devices/select?DevEUIs=0004a30b001c0530").json().as_array()[0];
  EXPECT_EQ(row.at("TargetDevAddr"), "01020304");

  // The next uplink comes from the new address, with the session keys derived from the accept.
  ASSERT_EQ(emu->post("/emulator/uplink", R"({"DevEUI":"0004a30b001c0530"})").status, 200u);
  auto f = up.read_json();
  ASSERT_TRUE(f);
  auto data = bytes_of(f->at("PHYPayloadNoMIC"));
  data.insert(data.end(), 4, 0);
  auto parsed = parse_phy_payload(data);
  ASSERT_TRUE(parsed);
  ASSERT_NE(parsed->data(), nullptr);
  EXPECT_EQ(parsed->data()->dev_addr, DevAddr{0x01020304});
  auto session = derive_session_keys_1_0(app, ja.join_nonce, ja.net_id, dev_nonce);
  auto mic = mic_to_uint32(
      data_uplink_mic_1_0(Cmac(session.nwk_s_key()), DevAddr{0x01020304}, 0, mic_message(data)));
  bool found = false;
  for (const auto& v : f->at("MICChallenge").as_array())
    found |= v.to_number<std::uint32_t>() == mic;
  EXPECT_TRUE(found);
  row = emu->get("/api/v1/devices/select?DevEUIs=0004a30b001c0530").json().as_array()[0];
  EXPECT_EQ(row.at("ActiveDevAddr"), "01020304");
  EXPECT_TRUE(row.at("TargetDevAddr").is_null());
}

TEST_F(Fixture, JoinAcceptWithWrongKeyIsCountedAsError) {
  auto emu = start({"--uplink-interval", "0"});
  WsClient up(emu->port(), up_path, emu->token());
  WsClient down(emu->port(), down_path, emu->token());
  ASSERT_EQ(emu->post("/emulator/uplink", R"({"DevEUI":"0004a30b001c0530"})").status, 200u);
  ASSERT_TRUE(up.read_json());
  JoinAccept ja;
  ja.dev_addr = DevAddr{0x01020304};
  AesKey wrong = *AesKey::from_hex("00000000000000000000000000000001");
  auto phy =
      build_join_accept(ja, JoinAcceptBuildKeys{wrong, wrong, wrong, kJoinReqTypeJoin, {}, 0});
  json::array phy_json;
  for (auto b : phy) phy_json.push_back(b);
  down.write(json::serialize(json::object{
      {"ProtocolVersion", 1},
      {"TransactionID", 5},
      {"DevEUI", kOtaaEui},
      {"TargetDevAddr", 0x01020304},
      {"TxWindow",
       json::object{
           {"Radio", json::object{{"Frequency", 868100000},
                                  {"LoRa", json::object{{"Spreading", 7}, {"Bandwidth", 125000}}}}},
           {"Delay", 5}}},
      {"PHYPayload", phy_json}}));
  ASSERT_TRUE(
      emu->wait_stats([](const json::value& s) { return num(s, "joins", "accept_errors") == 1; }));
}

TEST_F(Fixture, DownstreamResults) {
  auto emu = start(
      {"--uplink-interval", "0", "--downstream-result", "TooLate", "--downstream-delay", "0.05"});
  WsClient down(emu->port(), down_path, emu->token());
  auto window = json::object{
      {"Radio", json::object{{"Frequency", 869525000},
                             {"LoRa", json::object{{"Spreading", 9}, {"Bandwidth", 125000}}}}},
      {"Delay", 1}};
  auto send = [&](std::uint64_t tx, json::object extra) {
    json::object o{{"ProtocolVersion", 1},
                   {"TransactionID", tx},
                   {"TxWindow", window},
                   {"PHYPayload", json::array{96, 1, 2, 3, 4, 0, 0, 0, 1, 2, 3, 4}}};
    for (auto& kv : extra) o[kv.key()] = kv.value();
    down.write(json::serialize(o));
  };
  // Known device: the configured outcome.
  send(1, json::object{{"DevEUI", 0xd25644d493c4178aULL}});
  auto a = down.read_json();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->at("TransactionID"), 1);
  auto r = down.read_json();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("ResultCode"), "TooLate");
  // Unknown device: GatewayNotFound.
  send(2, json::object{{"DevEUI", 12345}});
  ASSERT_TRUE(down.read_json());
  r = down.read_json();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("TransactionID"), 2);
  EXPECT_EQ(r->at("ResultCode"), "GatewayNotFound");
  // Multicast to a missing group, then to an existing one.
  send(3, json::object{{"Addr", 0xdafa0c11}});
  ASSERT_TRUE(down.read_json());
  r = down.read_json();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("ResultCode"), "GatewayNotFound");
  ASSERT_EQ(
      emu->post("/api/v1/multicast/multicast-groups/create", R"({"name":"g","addr":"dafa0c11"})")
          .status,
      200u);
  ASSERT_EQ(emu->post("/emulator/downstream-result", R"({"result":"Success","delay":0})").status,
            200u);
  send(4, json::object{{"Addr", 0xdafa0c11}});
  ASSERT_TRUE(down.read_json());
  r = down.read_json();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("ResultCode"), "Success");
  // Invalid Downstream with a readable TransactionID: a GatewayError result, socket kept.
  down.write(R"({"ProtocolVersion":1,"TransactionID":5,"DevEUI":1,"PHYPayload":[1]})");
  r = down.read_json();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->at("TransactionID"), 5);
  EXPECT_EQ(r->at("ResultCode"), "GatewayError");
  down.write("garbage");
  send(6, json::object{{"DevEUI", 0xd25644d493c4178aULL}});
  a = down.read_json();
  ASSERT_TRUE(a);
  EXPECT_EQ(a->at("TransactionID"), 6);

  auto s = emu->stats();
  EXPECT_EQ(num(s, "downstream", "received"), 5u);
  EXPECT_EQ(num(s, "downstream", "multicast"), 2u);
  EXPECT_EQ(num(s, "downstream", "malformed_frames"), 2u);
  auto recorded = emu->get("/emulator/downstreams").json().as_array();
  ASSERT_GE(recorded.size(), 4u);
  EXPECT_EQ(recorded[0].at("message").at("TransactionID"), 1);
  EXPECT_EQ(recorded[0].at("result"), "TooLate");
}

TEST_F(Fixture, AdminDropSocketsAndSendRaw) {
  auto emu = start({"--uplink-interval", "0"});
  WsClient up(emu->port(), up_path, emu->token());
  WsClient down(emu->port(), down_path, emu->token());
  auto r = emu->post("/emulator/send-raw", "{malformed");
  ASSERT_EQ(r.status, 200u);
  EXPECT_EQ(r.json().at("sent"), 1);
  EXPECT_EQ(up.read(), std::optional<std::string>("{malformed"));
  r = emu->post("/emulator/drop-sockets", "");
  EXPECT_EQ(r.json().at("closed"), 2);
  EXPECT_TRUE(up.wait_closed());
  EXPECT_TRUE(down.wait_closed());
  ASSERT_TRUE(emu->wait_stats([](const json::value& s) {
    return num(s, "sockets", "upstream_open") == 0 && num(s, "sockets", "downstream_open") == 0;
  }));
}

TEST_F(Fixture, ServerSendsPings) {
  auto emu = start({"--uplink-interval", "0", "--ping-interval", "0.2"});
  WsClient up(emu->port(), up_path, emu->token());
  auto end = std::chrono::steady_clock::now() + 5s;
  while (up.pings_received() < 2 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(20ms);
  EXPECT_GE(up.pings_received(), 2);
  EXPECT_FALSE(up.closed());
}
