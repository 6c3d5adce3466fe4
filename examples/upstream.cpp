// Upstream: receive uplinks with their MIC challenge and answer each one exactly once, with
// an ack (the true MIC and the DevEUI it belongs to) or a reject. Written as a coroutine, the
// way a service uses the client.
//   ran_example_upstream --url URL --token TOKEN [--key DEVEUI:NWKSKEY]... [--count N] [--idle S]
// --key: ABP devices (LoRaWAN 1.0.x) whose MICs this example can check; everything else is
// rejected with MICFailed. --count: stop after N messages (0 = never). --idle: stop after S
// seconds without a message (0 = never).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <set>

#include "example_args.hpp"
#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"
#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/errors.hpp"

namespace asio = boost::asio;
namespace ran = ranbridge::ran;
namespace lorawan = ranbridge::lorawan;

namespace {

const char* kUsage =
    "ran_example_upstream --url URL --token TOKEN [--key DEVEUI:NWKSKEY]... [--count N] "
    "[--idle SECONDS]";

using Keys = std::map<ran::DevEui, lorawan::AesKey>;

// What an LNS does with a challenge: for each candidate device it knows, compute the MIC the
// frame would have and look for it among the candidates. (A real LNS also rebuilds the 32-bit
// FCnt from its session; the 16 bits on air suffice for this example.)
std::optional<std::pair<ran::DevEui, std::uint32_t>> find_mic(const ran::Upstream& up,
                                                              const Keys& keys) {
  std::vector<std::uint8_t> phy = up.phy_payload_no_mic;
  phy.insert(phy.end(), 4, 0);  // the parser expects a MIC field
  auto parsed = lorawan::parse_phy_payload(phy);
  if (!parsed || !parsed->data()) return std::nullopt;  // e.g. a join request: not handled here
  std::set<std::uint32_t> challenge(up.mic_challenge.begin(), up.mic_challenge.end());
  for (const auto& eui : up.dev_euis) {
    auto k = keys.find(eui);
    if (k == keys.end()) continue;
    auto mic = lorawan::mic_to_uint32(
        lorawan::data_uplink_mic_1_0(lorawan::Cmac(k->second), parsed->data()->dev_addr,
                                     parsed->data()->fcnt, up.phy_payload_no_mic));
    if (challenge.count(mic)) return std::make_pair(eui, mic);
  }
  return std::nullopt;
}

asio::awaitable<int> serve(ran::Core& core, Keys keys, int count, int idle_seconds) {
  co_await core.connect();
  // Several upstream connections may be open at once; RAN spreads messages over them.
  ran::UpstreamConnection up = co_await core.upstream();
  std::cout << "upstream connected\n" << std::flush;
  int handled = 0;
  while (count == 0 || handled < count) {
    std::optional<ran::Upstream> msg;
    if (idle_seconds > 0) {
      msg = co_await up.recv(std::chrono::seconds(idle_seconds));  // nullopt: timed out
      if (!msg) {
        std::cout << "no message for " << idle_seconds << " s, stopping\n";
        break;
      }
    } else {
      msg = co_await up.next();  // nullopt: the connection closed
      if (!msg) break;
    }
    std::cout << "Upstream TransactionID=" << msg->transaction_id
              << " DevEUIs=" << msg->dev_euis.size() << " challenge=" << msg->mic_challenge.size()
              << "\n";
    if (auto found = find_mic(*msg, keys)) {
      co_await up.send_ack(msg->transaction_id, found->first, found->second);
      std::cout << "  ack DevEUI=" << found->first << "\n";
    } else {
      co_await up.send_reject(msg->transaction_id, ran::RejectCode::MicFailed, "unknown device");
      std::cout << "  reject MICFailed\n";
    }
    ++handled;
  }
  co_await up.close();  // websocket close handshake
  std::cout << "closed: " << up.close_status().reason << "\n";
  co_return handled;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = ranbridge::examples::parse_args(argc, argv, {"--key", "--count", "--idle"}, kUsage);
  Keys keys;
  int count = 0, idle = 0;
  try {
    for (const auto& kv : args.options["--key"]) {
      auto colon = kv.find(':');
      auto eui = ran::DevEui::from_hex(kv.substr(0, colon));
      auto key = colon == std::string::npos ? std::nullopt
                                            : lorawan::AesKey::from_hex(kv.substr(colon + 1));
      if (!eui || !key)
        ranbridge::examples::usage_error(kUsage, "bad --key " + kv.substr(0, colon));
      keys.emplace(*eui, *key);
    }
    count = std::stoi(args.get("--count", "0"));
    idle = std::stoi(args.get("--idle", "0"));
  } catch (const std::logic_error&) {
    ranbridge::examples::usage_error(kUsage, "--count and --idle take numbers");
  }

  asio::io_context io;
  int status = 0;
  try {
    ran::Core core(io.get_executor(), args.token, args.url);
    asio::co_spawn(io, serve(core, std::move(keys), count, idle),
                   [&](std::exception_ptr e, int handled) {
                     if (!e) {
                       std::cout << "handled " << handled << " messages\n";
                       return;
                     }
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& x) {
                       std::cerr << "error: " << x.what() << "\n";
                       status = 1;
                     }
                   });
    io.run();
  } catch (const ran::Error& e) {  // e.g. a malformed URL, before any I/O
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return status;
}
