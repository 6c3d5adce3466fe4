#include "downlink_stack.hpp"

#include <csignal>
#include <sstream>
#include <thread>

namespace ranbridge::testing {

namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct RegionSpec {
  const char* name;
  const char* gateway_id;
  const char* topic_prefix;
};
// Region 0 carries a channel plan in its prefix (1.1 MICs need it); region 1 only ABP 1.0.
constexpr RegionSpec kRegions[] = {{"eu", "00000000000e0001", "eu868"},
                                   {"br", "00000000000e0002", "br"}};

std::string curl(const std::vector<std::string>& args) {
  std::vector<std::string> a{"-s", "-m", "5"};
  a.insert(a.end(), args.begin(), args.end());
  return run("/usr/bin/curl", a).output;
}

json::value parse_or_null(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value(nullptr) : v;
}

}  // namespace

DownlinkStack::DownlinkStack(StackOptions options) : opt_(std::move(options)) {
  for (int i = 0; i < opt_.regions; ++i) {
    emus_.push_back(std::make_unique<Emulator>());
    emus_.back()->port = free_port();
  }
  http_port_ = free_port();
  devices_file_ = write_devices_file();
}

DownlinkStack::~DownlinkStack() {
  // The bridge first: it must not see its RAN vanish and log a storm of reconnects.
  bridge_.reset();
  ns_.reset();
  for (auto& e : emus_) e->proc.reset();
}

std::filesystem::path DownlinkStack::write_devices_file() {
  const bool two = opt_.regions == 2;
  // The keys of config/devices.yaml (the public sample); regions and a multicast group added.
  std::ostringstream y;
  y << "devices:\n"
    << "  - dev_eui: \"0004a30b001c0530\"\n"
    << "    lorawan_version: \"1.0.3\"\n"
    << "    otaa: {join_eui: \"70b3d57ed0000001\", app_key: \"829a7de594e02867cf54f5a7ca9cc87b\"}\n"
    << (two ? "    regions: [eu]\n" : "") << "  - dev_eui: \"4bca6a24b73d987c\"\n"
    << "    lorawan_version: \"1.1\"\n"
    << "    otaa: {join_eui: \"70b3d57ed0000001\", app_key: \"5d9fad68e14cdfd6d599d68a48bce420\",\n"
    << "           nwk_key: \"1ca27304d692c157a19be3749c43e9bb\"}\n"
    << (two ? "    regions: [eu]\n" : "") << "  - dev_eui: \"d25644d493c4178a\"\n"
    << "    lorawan_version: \"1.0.2\"\n"
    << "    abp: {dev_addr: \"26011b01\", nwk_s_key: \"17409e723adb420db342c595b5aa2294\",\n"
    << "          app_s_key: \"22e90e8816038528fd1b5b5779ba4869\"}\n"
    << (two ? "    regions: [br]\n" : "    multicast_groups: [\"aabbccdd\"]\n")
    << "  - dev_eui: \"c4e57f9442a5f060\"\n"
    << "    lorawan_version: \"1.1\"\n"
    << "    abp: {dev_addr: \"26011b02\", f_nwk_s_int_key: \"3e60de1f6d19effcbcd00bf9a07c2441\",\n"
    << "          s_nwk_s_int_key: \"74457cf1c0fca6dfa981d69ce09551f4\",\n"
    << "          nwk_s_enc_key: \"00867d3a624928559924a133dd36d22e\",\n"
    << "          app_s_key: \"425f47688e864af8f77c4dcb1a44f33b\"}\n"
    << (two ? "    regions: [eu]\n" : "    multicast_groups: [\"aabbccdd\"]\n");
  if (!two)
    y << "multicast_groups:\n"
      << "  - addr: \"aabbccdd\"\n"
      << "    name: test-group\n"
      << "    mc_nwk_s_key: \"0f0e0d0c0b0a09080706050403020100\"\n"
      << "    mc_app_s_key: \"000102030405060708090a0b0c0d0e0f\"\n";
  return dir_.write("devices.yaml", y.str());
}

std::filesystem::path DownlinkStack::write_bridge_config() {
  std::ostringstream y;
  y << "regions:\n";
  for (std::size_t i = 0; i < emus_.size(); ++i)
    y << "  - name: " << kRegions[i].name << "\n"
      << "    url: http://127.0.0.1:" << emus_[i]->port << "/api/v1\n"
      << "    token: test-token\n"
      << "    upstream_connections: 2\n"
      << "    downstream_connections: 1\n"
      << "    gateway_id: \"" << kRegions[i].gateway_id << "\"\n"
      << "    topic_prefix: " << kRegions[i].topic_prefix << "\n"
      << "    connect_timeout: 2s\n";
  y << "mqtt:\n"
    << "  url: " << broker_.url() << "\n"
    << "  client_id: ran-bridge-downlink-test\n"
    << "  marshaler: json\n"
    << "  stats_interval: 5s\n"
    << "devices:\n"
    << "  files: [" << devices_file_.string() << "]\n"
    << "routing_sync:\n"
    << "  interval: 300s\n"
    << "state_dir: " << dir_.path().string() << "\n"
    << "http:\n"
    << "  listen: \"127.0.0.1:" << http_port_ << "\"\n"
    << "downlink:\n"
    << "  rx_policy: " << opt_.rx_policy << "\n"
    << "  result_timeout_margin: " << opt_.result_timeout_margin << "\n";
  return dir_.write("bridge.yaml", y.str());
}

bool DownlinkStack::start() {
  for (std::size_t i = 0; i < emus_.size(); ++i) {
    std::vector<std::string> args{
        "--listen",          "127.0.0.1:" + std::to_string(emus_[i]->port),
        "--token",           "test-token",
        "--devices",         devices_file_.string(),
        "--uplink-interval", "1",
        "--region",          "EU868"};
    args.insert(args.end(), opt_.emulator_args.begin(), opt_.emulator_args.end());
    emus_[i]->proc.emplace(bin_path("ran-emulator"), args, std::map<std::string, std::string>{},
                           dir_ / ("emulator" + std::to_string(i) + ".log"));
    if (!emus_[i]->proc->wait_for_output("listening on", 20s)) {
      why_ = "emulator did not start: " + emus_[i]->proc->output();
      return false;
    }
  }
  TestNetworkServer::Options o;
  o.broker_url = broker_.url();
  for (std::size_t i = 0; i < emus_.size(); ++i)
    o.regions.push_back(NsRegion{kRegions[i].topic_prefix, kRegions[i].gateway_id});
  o.devices_file = devices_file_;
  o.marshaler = opt_.ns_marshaler;
  o.answer_joins = opt_.ns_answers_joins;
  ns_.emplace(std::move(o));
  if (!ns_->wait_ready(10s)) {
    why_ = "test network server did not connect to mosquitto";
    return false;
  }
  bridge_config_ = write_bridge_config();
  start_bridge();
  for (std::size_t i = 0; i < emus_.size(); ++i)
    if (!wait_downstream_open(i, 30s)) {
      why_ = "the bridge opened no downstream socket to emulator " + std::to_string(i) + "\n" +
             diagnostics();
      return false;
    }
  if (!wait_bridge_ready(30s)) {
    why_ = "the bridge did not become ready\n" + diagnostics();
    return false;
  }
  return true;
}

bool DownlinkStack::wait_bridge_ready(std::chrono::milliseconds timeout) {
  auto url = "http://127.0.0.1:" + std::to_string(http_port_) + "/health/ready";
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (curl({"-o", "/dev/null", "-w", "%{http_code}", url}) == "200") return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

void DownlinkStack::start_bridge() {
  ++bridge_starts_;
  bridge_.reset();
  bridge_.emplace(bin_path("ran-bridge"),
                  std::vector<std::string>{"--config", bridge_config_.string()},
                  std::map<std::string, std::string>{},
                  dir_ / ("bridge" + std::to_string(bridge_starts_) + ".log"));
}

std::optional<int> DownlinkStack::stop_bridge(int sig) {
  bridge_->signal(sig);
  return bridge_->wait(20s);
}

bool DownlinkStack::wait_downstream_open(std::size_t emulator, std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (counter(emulator, "sockets", "downstream_open") >= 1) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

bool DownlinkStack::wait_upstream_open(std::size_t emulator, std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (counter(emulator, "sockets", "upstream_open") >= 1) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

std::string DownlinkStack::diagnostics() {
  std::string out = "--- bridge output ---\n" + (bridge_ ? bridge_->output() : "(not started)");
  for (std::size_t i = 0; i < emus_.size(); ++i)
    out += "\n--- emulator " + std::to_string(i) + " stats ---\n" + json::serialize(stats(i));
  return out;
}

std::string DownlinkStack::admin_url(std::size_t emulator, const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(emus_.at(emulator)->port) + path;
}

json::value DownlinkStack::stats(std::size_t emulator) {
  return parse_or_null(curl({admin_url(emulator, "/emulator/stats")}));
}

json::array DownlinkStack::downstreams(std::size_t emulator) {
  auto v = parse_or_null(curl({admin_url(emulator, "/emulator/downstreams")}));
  return v.is_array() ? v.get_array() : json::array{};
}

json::array DownlinkStack::wait_downstreams(std::size_t emulator, std::size_t n,
                                            std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  json::array a;
  do {
    a = downstreams(emulator);
    if (a.size() >= n) break;
    std::this_thread::sleep_for(50ms);
  } while (Clock::now() < until);
  return a;
}

static int post_status(const std::string& url, const std::string& body) {
  auto out = curl({"-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H",
                   "Content-Type: application/json", "-d", body, url});
  return std::atoi(out.c_str());
}

int DownlinkStack::set_downstream_result(std::size_t emulator, const std::string& json_body) {
  return post_status(admin_url(emulator, "/emulator/downstream-result"), json_body);
}

int DownlinkStack::queue_results(std::size_t emulator, const std::vector<std::string>& codes) {
  json::array a;
  for (const auto& c : codes) a.emplace_back(c);
  return set_downstream_result(emulator, json::serialize(json::object{{"next", a}}));
}

int DownlinkStack::accept_downstream(std::size_t emulator, bool accept) {
  return post_status(admin_url(emulator, "/emulator/downstream-socket"),
                     json::serialize(json::object{{"accept", accept}}));
}

int DownlinkStack::set_traffic(std::size_t emulator, bool running) {
  return post_status(admin_url(emulator, "/emulator/traffic"),
                     json::serialize(json::object{{"running", running}}));
}

int DownlinkStack::inject_uplink(std::size_t emulator, lorawan::DevEui dev_eui,
                                 std::optional<int> rejoin) {
  json::object body{{"DevEUI", dev_eui.to_hex()}};
  if (rejoin) body["Rejoin"] = *rejoin;
  return post_status(admin_url(emulator, "/emulator/uplink"), json::serialize(body));
}

bool DownlinkStack::wait_multicast_group(std::size_t emulator, lorawan::DevAddr addr,
                                         std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  auto body = json::serialize(json::object{{"addrs", json::array{json::value(addr.to_hex())}}});
  do {
    auto v = parse_or_null(curl({"-X", "POST", "-H", "Authorization: Bearer test-token", "-H",
                                 "Content-Type: application/json", "-d", body,
                                 admin_url(emulator, "/api/v1/multicast/multicast-groups/get")}));
    if (v.is_array() && !v.get_array().empty()) return true;
    std::this_thread::sleep_for(100ms);
  } while (Clock::now() < until);
  return false;
}

json::array DownlinkStack::emulator_devices(std::size_t emulator) {
  auto v = parse_or_null(curl({admin_url(emulator, "/emulator/devices")}));
  return v.is_array() ? v.get_array() : json::array{};
}

std::int64_t DownlinkStack::counter(std::size_t emulator, const std::string& group,
                                    const std::string& name) {
  auto s = stats(emulator);
  if (!s.is_object()) return -1;
  const auto* g = s.get_object().if_contains(group);
  if (!g || !g->is_object()) return -1;
  const auto* v = g->get_object().if_contains(name);
  return v && v->is_number() ? v->to_number<std::int64_t>() : -1;
}

std::uint64_t json_u64(const json::value& v) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64()) return static_cast<std::uint64_t>(v.get_int64());
  if (v.is_double()) return static_cast<std::uint64_t>(v.get_double());
  return 0;
}

std::vector<std::uint64_t> transaction_ids(const json::array& downstreams) {
  std::vector<std::uint64_t> out;
  for (const auto& d : downstreams)
    if (const auto* m = d.as_object().if_contains("message"); m && m->is_object())
      if (const auto* tx = m->as_object().if_contains("TransactionID"))
        out.push_back(json_u64(*tx));
  return out;
}

std::vector<json::object> downstreams_for(const json::array& downstreams, std::uint64_t id,
                                          const char* key) {
  std::vector<json::object> out;
  for (const auto& d : downstreams)
    if (const auto* m = d.as_object().if_contains("message"); m && m->is_object())
      if (const auto* v = m->as_object().if_contains(key); v && json_u64(*v) == id)
        out.push_back(d.as_object());
  return out;
}

}  // namespace ranbridge::testing
