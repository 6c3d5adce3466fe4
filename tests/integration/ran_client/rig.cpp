#include "rig.hpp"

#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"

namespace ranbridge::ran_client_test {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

std::optional<std::pair<ran::DevEui, std::uint32_t>> solve_mic(const ran::Upstream& up) {
  struct Known {
    std::uint64_t dev_eui;
    const char* nwk_s_key;
  };
  static const Known kKeys[] = {{kDeviceA, "17409e723adb420db342c595b5aa2294"},
                                {kDeviceB, "eff570746c7ee4d1390aa448afc41eed"}};
  std::vector<std::uint8_t> phy = up.phy_payload_no_mic;
  phy.insert(phy.end(), 4, 0);  // the parser wants a MIC field; its value is not used
  auto parsed = lorawan::parse_phy_payload(phy);
  if (!parsed || !parsed->data()) return std::nullopt;
  const auto* frame = parsed->data();
  std::set<std::uint32_t> challenge(up.mic_challenge.begin(), up.mic_challenge.end());
  for (const auto& eui : up.dev_euis) {
    for (const auto& k : kKeys) {
      if (k.dev_eui != eui.value) continue;
      lorawan::Cmac key(*lorawan::AesKey::from_hex(k.nwk_s_key));
      auto mic = lorawan::mic_to_uint32(
          lorawan::data_uplink_mic_1_0(key, frame->dev_addr, frame->fcnt, up.phy_payload_no_mic));
      if (challenge.count(mic)) return std::make_pair(eui, mic);
    }
  }
  return std::nullopt;
}

EmulatorProcess::EmulatorProcess(std::vector<std::string> extra_args, std::string token)
    : token_(std::move(token)) {
  std::vector<std::string> args{"--listen", "127.0.0.1:0", "--token", token_, "--threads", "2"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<ranbridge::testing::Process>(
      ranbridge::testing::bin_path("ran-emulator"), args);
  const std::string marker = "ran-emulator listening on ";
  if (!proc_->wait_for_output(marker, 20s))
    throw std::runtime_error("ran-emulator did not start:\n" + proc_->output());
  // The line may still be arriving: wait for its end.
  for (int i = 0; i < 100; ++i) {
    auto out = proc_->output();
    auto pos = out.find(marker) + marker.size();
    auto eol = out.find('\n', pos);
    if (eol != std::string::npos) {
      base_url_ = out.substr(pos, eol - pos);
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  auto colon = base_url_.rfind(':');
  if (base_url_.empty() || colon == std::string::npos)
    throw std::runtime_error("cannot read the emulator's URL:\n" + proc_->output());
  port_ = std::stoi(base_url_.substr(colon + 1));
}

std::string EmulatorProcess::origin() const {
  return base_url_.substr(0, base_url_.find('/', base_url_.find("://") + 3));
}

Rig::Rig(std::vector<std::string> emulator_args, ran::TlsOptions tls)
    : emu_(std::make_unique<EmulatorProcess>(std::move(emulator_args))) {
  auto origin = ran::parse_url(emu_->origin());
  ran::ClientOptions options = test_options();
  options.tls = tls;
  std::shared_ptr<asio::ssl::context> ctx;
  if (origin.tls()) ctx = ran::make_tls_context(tls);
  admin_ = std::make_unique<ran::HttpClient>(io.get_executor(), origin, options, ctx);
}

Rig::~Rig() {
  admin_.reset();
}

ran::ClientOptions Rig::test_options() {
  ran::ClientOptions o;
  o.resolve_timeout = 5s;
  o.connect_timeout = 5s;
  o.tls_handshake_timeout = 10s;
  o.ws_handshake_timeout = 10s;
  o.request_timeout = 15s;
  return o;
}

std::unique_ptr<ran::Core> Rig::core(std::string token, std::optional<ran::ClientOptions> options) {
  return std::make_unique<ran::Core>(io.get_executor(), std::move(token), emu_->base_url(),
                                     options.value_or(test_options()));
}

json::value Rig::stats() {
  auto r = admin_get("/emulator/stats");
  if (r.status != 200) throw std::runtime_error("stats: HTTP " + std::to_string(r.status));
  return json::parse(r.body);
}

ran::HttpResponse Rig::admin_post(const std::string& target, const std::string& body) {
  return run(admin_->request("POST", target, body, emu_->token()));
}

ran::HttpResponse Rig::admin_get(const std::string& target) {
  return run(admin_->request("GET", target, std::nullopt, emu_->token()));
}

namespace {
asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}
}  // namespace

void Rig::pump(std::chrono::milliseconds d) {
  run(sleep_for(d));
}

std::int64_t Rig::stat(const std::string& path) {
  json::value v = stats();
  const json::value* cur = &v;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    auto key = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const auto* obj = cur->if_object();
    if (!obj || !obj->contains(key)) return 0;  // absent counters are zero
    cur = &obj->at(key);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return cur->to_number<std::int64_t>();
}

}  // namespace ranbridge::ran_client_test
