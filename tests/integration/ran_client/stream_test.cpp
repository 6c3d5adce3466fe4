// The RAN client's websockets against a real ran-emulator: upstream shared over three
// sockets with acks/rejects counted by the emulator, downstream ack + result (unicast and
// multicast), server-side drops (clean and abort), malformed frames, the close handshake and
// a refused handshake.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include "rig.hpp"

using namespace ranbridge::ran_client_test;
using namespace std::chrono_literals;
namespace ran = ranbridge::ran;
namespace json = boost::json;

namespace {

struct StreamTest : ::testing::Test {
  ranbridge::testing::TempDir dir;
  std::string devices = dir.write("devices.yaml", kDevicesYaml).string();
  // No periodic traffic: the test triggers each uplink with POST /emulator/uplink.
  Rig rig{{"--devices", devices, "--subscribe-devices", "--no-autostart", "--seed", "7",
           "--downstream-delay", "0.05"}};
  std::unique_ptr<ran::Core> core = rig.core();

  void SetUp() override { rig.run(core->connect()); }

  ran::TransactionId trigger_uplink(std::uint64_t dev_eui) {
    auto r =
        rig.admin_post("/emulator/uplink",
                       json::serialize(json::object{{"DevEUI", ran::DevEui{dev_eui}.to_hex()}}));
    EXPECT_EQ(r.status, 200) << r.body;
    return json::parse(r.body).at("TransactionID").to_number<ran::TransactionId>();
  }

  static ran::TxWindow window() {
    ran::TxWindow w;
    w.radio.frequency = 869525000;
    w.radio.modulation = ran::LoRa{9, 125000};
    w.timing = ran::Delay{1};
    return w;
  }

  // Reads answers until both the ack and the result of `tx` arrived (or 10 s passed).
  std::pair<std::optional<ran::DownstreamAck>, std::optional<ran::DownstreamResult>> answers_for(
      ran::DownstreamConnection& down, ran::TransactionId tx) {
    std::optional<ran::DownstreamAck> ack;
    std::optional<ran::DownstreamResult> result;
    auto end = std::chrono::steady_clock::now() + 10s;
    while ((!ack || !result) && std::chrono::steady_clock::now() < end) {
      auto m = rig.run(down.recv(200ms));
      if (!m) continue;
      if (auto* a = std::get_if<ran::DownstreamAck>(&*m); a && a->transaction_id == tx) ack = *a;
      if (auto* r = std::get_if<ran::DownstreamResult>(&*m); r && r->transaction_id == tx)
        result = *r;
    }
    return {ack, result};
  }
};

TEST_F(StreamTest, UpstreamSharedOverThreeSocketsAckedAndRejected) {
  std::vector<ran::UpstreamConnection> ups;
  for (int i = 0; i < 3; ++i) ups.push_back(rig.run(core->upstream()));
  ASSERT_TRUE(rig.wait_until([&] { return rig.stat("sockets/upstream_open") == 3; }));

  const int kFrames = 9;
  std::set<ran::TransactionId> expected;
  for (int i = 0; i < kFrames; ++i) expected.insert(trigger_uplink(i % 2 ? kDeviceB : kDeviceA));

  // Answer on the socket each message came from: two acks, then one reject, in turn.
  std::vector<int> per_socket(3, 0);
  int answered = 0, acks = 0, rejects = 0;
  auto end = std::chrono::steady_clock::now() + 20s;
  while (answered < kFrames && std::chrono::steady_clock::now() < end) {
    for (std::size_t s = 0; s < ups.size(); ++s) {
      auto up = rig.run(ups[s].recv(50ms));
      if (!up) continue;
      EXPECT_EQ(expected.erase(up->transaction_id), 1u) << up->transaction_id;
      ++per_socket[s];
      auto solved = solve_mic(*up);
      ASSERT_TRUE(solved) << "the true MIC must be in the challenge";
      if (answered % 3 == 2) {
        rig.run(ups[s].send_reject(up->transaction_id, ran::RejectCode::MicFailed, "test"));
        ++rejects;
      } else {
        rig.run(ups[s].send_ack(up->transaction_id, solved->first, solved->second));
        ++acks;
      }
      ++answered;
    }
  }
  ASSERT_EQ(answered, kFrames);
  for (int n : per_socket) EXPECT_GE(n, 1) << "every socket carries part of the load";
  ASSERT_TRUE(rig.wait_until([&] {
    return rig.stat("upstream/acked") == acks && rig.stat("upstream/rejected") == rejects;
  })) << json::serialize(rig.stats());
  EXPECT_EQ(rig.stat("upstream/rejected_by_code/MICFailed"), rejects);
  EXPECT_EQ(rig.stat("upstream/wrong_ack"), 0);
  EXPECT_EQ(rig.stat("upstream/unknown_tx"), 0);
  auto st = rig.stats();
  std::int64_t sent = 0;
  for (const auto& s : st.at("sockets").at("upstream").as_array()) {
    EXPECT_GE(s.at("sent").to_number<std::int64_t>(), 1);
    sent += s.at("sent").to_number<std::int64_t>();
  }
  EXPECT_EQ(sent, kFrames);
  for (auto& u : ups) {
    EXPECT_EQ(u.stats().malformed, 0u);
    EXPECT_GE(u.stats().messages_sent, 1u);
  }
}

TEST_F(StreamTest, UpstreamParameterErrorsBeforeSending) {
  auto up = rig.run(core->upstream());
  EXPECT_THROW(rig.run(up.send_ack(0, ran::DevEui{kDeviceA}, 1)), ran::ParameterError);
  EXPECT_THROW(rig.run(up.send_reject(0, ran::RejectCode::Other)), ran::ParameterError);
  EXPECT_EQ(up.stats().messages_sent, 0u);
  EXPECT_TRUE(up.is_open());
}

TEST_F(StreamTest, DownstreamUnicastAndMulticastAckThenResult) {
  auto down = rig.run(core->downstream());

  ran::Downstream d;
  d.transaction_id = 0xfffffffffffffff0ULL;  // exact uint64 over JSON
  d.dev_eui = ran::DevEui{kDeviceA};
  d.tx_window = window();
  d.phy_payload = {0x60, 0x01, 0x1b, 0x01, 0x26, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04};
  rig.run(down.send_downstream(d));
  auto [ack, result] = answers_for(down, d.transaction_id);
  ASSERT_TRUE(ack);
  ASSERT_TRUE(result);
  EXPECT_GT(ack->mailbox_id, 0u);
  EXPECT_EQ(result->code, ran::ResultCode::Success);
  EXPECT_EQ(result->mailbox_id, ack->mailbox_id);

  // A device RAN does not know: acked, then GatewayNotFound.
  d.transaction_id = 2;
  d.dev_eui = ran::DevEui{0x1122334455667788ULL};
  rig.run(down.send_downstream(d));
  auto [ack2, result2] = answers_for(down, 2);
  ASSERT_TRUE(result2);
  EXPECT_EQ(result2->code, ran::ResultCode::GatewayNotFound);
  EXPECT_FALSE(result2->message.empty());

  rig.run(core->multicast_groups().create("all", ran::DevAddr{0x00ff0001}));
  rig.run(core->multicast_groups().add_device(ran::DevAddr{0x00ff0001}, ran::DevEui{kDeviceA}));
  ran::MulticastDownstream m;
  m.transaction_id = 3;
  m.addr = ran::DevAddr{0x00ff0001};
  m.tx_window = window();
  m.tx_window.timing = ran::Deadline{4000000000ULL};
  m.phy_payload = {0x60, 0x01, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04};
  rig.run(down.send_multicast_downstream(m));
  auto [ack3, result3] = answers_for(down, 3);
  ASSERT_TRUE(ack3);
  ASSERT_TRUE(result3);
  EXPECT_EQ(result3->code, ran::ResultCode::Success);

  ASSERT_TRUE(rig.wait_until([&] { return rig.stat("downstream/received") == 3; }));
  EXPECT_EQ(rig.stat("downstream/multicast"), 1);
  EXPECT_EQ(rig.stat("downstream/malformed_frames"), 0);
  EXPECT_EQ(down.stats().malformed, 0u);
  EXPECT_EQ(down.stats().messages_sent, 3u);

  // Invalid downstreams are refused before sending.
  ran::Downstream bad = d;
  bad.tx_window.timing = ran::Delay{16};
  EXPECT_THROW(rig.run(down.send_downstream(bad)), ran::ParameterError);
  bad = d;
  bad.transaction_id = 0;
  EXPECT_THROW(rig.run(down.send_downstream(bad)), ran::ParameterError);
  ran::MulticastDownstream bad_m = m;
  bad_m.tx_window.radio.rssi = -50;  // signal values are upstream-only
  EXPECT_THROW(rig.run(down.send_multicast_downstream(bad_m)), ran::ParameterError);
  EXPECT_EQ(down.stats().messages_sent, 3u);
}

TEST_F(StreamTest, ServerCloseHandshakeIsANormalClose) {
  auto up = rig.run(core->upstream());
  auto down = rig.run(core->downstream());
  ASSERT_TRUE(rig.wait_until([&] { return rig.stat("sockets/downstream_open") == 1; }));
  auto r = rig.admin_post("/emulator/drop-sockets");
  ASSERT_EQ(r.status, 200) << r.body;
  try {
    rig.run(up.recv(10s));
    FAIL() << "no close";
  } catch (const ran::TransportError& e) {
    EXPECT_EQ(e.kind(), ran::TransportError::Kind::Closed);
    EXPECT_TRUE(e.normal_close()) << e.what();
  }
  EXPECT_FALSE(up.is_open());
  EXPECT_TRUE(up.close_status().closed);
  EXPECT_TRUE(up.close_status().normal);
  EXPECT_NE(up.close_status().reason.find("1001"), std::string::npos) << up.close_status().reason;
  EXPECT_FALSE(rig.run(down.next()));  // next(): nullopt once closed
  EXPECT_TRUE(down.close_status().normal);
  // Sending on a closed stream is a TransportError, not a crash.
  EXPECT_THROW(rig.run(up.send_ack(1, ran::DevEui{kDeviceA}, 1)), ran::TransportError);
  // A new connection works.
  auto again = rig.run(core->upstream());
  EXPECT_TRUE(again.is_open());
}

TEST_F(StreamTest, ServerAbortIsAnAbnormalClose) {
  auto up = rig.run(core->upstream());
  ASSERT_TRUE(rig.wait_until([&] { return rig.stat("sockets/upstream_open") == 1; }));
  ASSERT_EQ(rig.admin_post("/emulator/drop-sockets?abort=1").status, 200);
  try {
    rig.run(up.recv(10s));
    FAIL() << "no close";
  } catch (const ran::TransportError& e) {
    EXPECT_EQ(e.kind(), ran::TransportError::Kind::Closed);
    EXPECT_FALSE(e.normal_close()) << e.what();
  }
  EXPECT_TRUE(up.close_status().closed);
  EXPECT_FALSE(up.close_status().normal);
  EXPECT_FALSE(up.close_status().reason.empty());
}

TEST_F(StreamTest, MalformedServerFramesAreCountedAndSkipped) {
  auto up = rig.run(core->upstream());
  auto down = rig.run(core->downstream());
  ASSERT_TRUE(rig.wait_until([&] {
    return rig.stat("sockets/upstream_open") == 1 && rig.stat("sockets/downstream_open") == 1;
  }));
  ASSERT_EQ(rig.admin_post("/emulator/send-raw", "{not json").status, 200);
  ASSERT_EQ(rig.admin_post("/emulator/send-raw?binary=1", "\x01\x02").status, 200);
  // Readable TransactionID, invalid message: the client answers Reject "Other" by itself so
  // that RAN does not wait; the emulator counts it as an answer to an unknown transaction.
  ASSERT_EQ(rig.admin_post("/emulator/send-raw",
                           R"({"ProtocolVersion":1,"TransactionID":777,"DevEUIs":"nope"})")
                .status,
            200);
  ASSERT_EQ(rig.admin_post("/emulator/send-raw?socket=downstream", "[1,2,3]").status, 200);
  ASSERT_TRUE(rig.wait_until([&] {
    return up.stats().malformed == 3 && down.stats().malformed == 1;
  })) << up.stats().malformed
      << " " << down.stats().malformed;
  EXPECT_TRUE(rig.wait_until([&] { return up.stats().auto_rejects_sent == 1; }));
  EXPECT_TRUE(rig.wait_until([&] { return rig.stat("upstream/unknown_tx") == 1; }))
      << json::serialize(rig.stats());
  EXPECT_FALSE(up.last_malformed().empty());
  EXPECT_FALSE(down.last_malformed().empty());
  // Both connections stay open and keep working.
  EXPECT_TRUE(up.is_open());
  EXPECT_TRUE(down.is_open());
  auto tx = trigger_uplink(kDeviceA);
  auto msg = rig.run(up.recv(10s));
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->transaction_id, tx);
  auto solved = solve_mic(*msg);
  ASSERT_TRUE(solved);
  rig.run(up.send_ack(tx, solved->first, solved->second));
  EXPECT_TRUE(rig.wait_until([&] { return rig.stat("upstream/acked") == 1; }));
  EXPECT_EQ(up.stats().messages_received, 1u);
  EXPECT_EQ(rig.stat("upstream/malformed_frames"), 0);
}

TEST_F(StreamTest, ClientCloseHandshake) {
  auto up = rig.run(core->upstream());
  auto down = rig.run(core->downstream());
  ASSERT_TRUE(rig.wait_until([&] {
    return rig.stat("sockets/upstream_open") == 1 && rig.stat("sockets/downstream_open") == 1;
  }));
  rig.run(up.close());
  rig.run(up.close());  // idempotent
  EXPECT_FALSE(up.is_open());
  EXPECT_TRUE(up.close_status().closed);
  EXPECT_TRUE(up.close_status().normal) << up.close_status().reason;
  EXPECT_FALSE(rig.run(up.next()));
  ASSERT_TRUE(rig.wait_until([&] { return rig.stat("sockets/upstream_open") == 0; }));
  EXPECT_EQ(rig.stat("sockets/downstream_open"), 1);
  rig.run(down.close());
  EXPECT_TRUE(down.close_status().normal);
  ASSERT_TRUE(rig.wait_until([&] { return rig.stat("sockets/downstream_open") == 0; }));
}

TEST_F(StreamTest, WrongTokenHandshakeIsUnauthorized) {
  auto bad = rig.core("wrong-token");
  rig.run(bad->connect());
  try {
    rig.run(bad->upstream());
    FAIL() << "no error";
  } catch (const ran::UnauthorizedError& e) {
    EXPECT_EQ(e.http_status(), 401);
    EXPECT_EQ(std::string(e.what()).find("wrong-token"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rig.run(bad->downstream()), ran::UnauthorizedError);
  EXPECT_EQ(rig.stat("sockets/upstream_open"), 0);
}

// Keep-alive pings: with a short ping interval an idle connection to a live server stays
// open (its pongs count as traffic), while a server that accepted the websocket and then
// went silent is declared dead after twice the interval.
TEST_F(StreamTest, IdleConnectionSurvivesOnPongs) {
  auto options = Rig::test_options();
  options.ping_interval = 200ms;
  auto fast = rig.core(kToken, options);
  rig.run(fast->connect());
  auto up = rig.run(fast->upstream());
  rig.pump(1500ms);  // more than 3 idle timeouts
  EXPECT_TRUE(up.is_open()) << up.close_status().reason;
  EXPECT_EQ(rig.stat("sockets/upstream_open"), 1);
}

// RFC 6455 handshake answer for a Sec-WebSocket-Key.
std::string websocket_accept(const std::string& key) {
  const std::string magic = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(magic.data()), magic.size(), digest);
  unsigned char out[64] = {};
  EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return reinterpret_cast<char*>(out);
}

TEST(StreamDeadPeer, SilentServerIsDetected) {
  using boost::asio::ip::tcp;
  // A server that completes the websocket handshake by hand and then never reads or writes
  // again, so it never answers a ping.
  boost::asio::io_context server_io;
  tcp::acceptor acceptor(server_io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const int port = acceptor.local_endpoint().port();
  std::atomic<bool> done{false};
  std::thread server([&] {
    try {
      tcp::socket sock = acceptor.accept();
      boost::asio::streambuf buf;
      boost::asio::read_until(sock, buf, "\r\n\r\n");
      std::string request(boost::asio::buffers_begin(buf.data()),
                          boost::asio::buffers_end(buf.data()));
      const std::string field = "Sec-WebSocket-Key: ";
      auto pos = request.find(field);
      if (pos == std::string::npos) pos = request.find("sec-websocket-key: ");
      auto start = pos + field.size();
      std::string key = request.substr(start, request.find("\r\n", start) - start);
      std::string answer =
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: " +
          websocket_accept(key) + "\r\n\r\n";
      boost::asio::write(sock, boost::asio::buffer(answer));
      while (!done) std::this_thread::sleep_for(20ms);
    } catch (const std::exception&) {
    }
  });
  {
    boost::asio::io_context io;
    auto options = Rig::test_options();
    options.ping_interval = 200ms;
    ran::Core core(io.get_executor(), kToken,
                   "http://127.0.0.1:" + std::to_string(port) + "/api/v1", options);
    ran::run_blocking(io, core.connect());
    auto up = ran::run_blocking(io, core.upstream());
    try {
      ran::run_blocking(io, up.recv(20s));
      ADD_FAILURE() << "no close";
    } catch (const ran::TransportError& e) {
      EXPECT_EQ(e.kind(), ran::TransportError::Kind::Closed);
      EXPECT_FALSE(e.normal_close());
    }
    EXPECT_NE(up.close_status().reason.find("dead peer"), std::string::npos)
        << up.close_status().reason;
  }
  done = true;
  server.join();
}

// Nothing listens: a clear TransportError (connect), not a hang.
TEST(StreamTransport, ConnectRefusedIsTransportError) {
  boost::asio::io_context io;
  const std::string url =
      "http://127.0.0.1:" + std::to_string(ranbridge::testing::free_port()) + "/api/v1";
  ran::Core core(io.get_executor(), kToken, url, Rig::test_options());
  ran::run_blocking(io, core.connect());
  try {
    ran::run_blocking(io, core.upstream());
    FAIL() << "no error";
  } catch (const ran::TransportError& e) {
    EXPECT_EQ(e.kind(), ran::TransportError::Kind::Connect) << e.what();
    EXPECT_EQ(std::string(e.what()).find(kToken), std::string::npos) << e.what();
  }
}

}  // namespace
