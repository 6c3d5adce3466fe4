#include "harness.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <regex>
#include <sstream>
#include <thread>

namespace ranbridge::bridge_test {

HttpResult http(const std::string& method, int port, const std::string& path,
                const std::string& body, const std::string& token) {
  std::vector<std::string> args{"-s", "-m", "5", "-X", method, "-w", "\n%{http_code}"};
  if (!body.empty() || method == "POST")
    args.insert(args.end(), {"-H", "Content-Type: application/json", "--data-binary", body});
  if (!token.empty()) args.insert(args.end(), {"-H", "Authorization: Bearer " + token});
  args.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  auto r = t::run("/usr/bin/curl", args);
  HttpResult out;
  auto nl = r.output.rfind('\n');
  if (nl == std::string::npos) return out;
  out.status = std::atoi(r.output.c_str() + nl + 1);
  out.body = r.output.substr(0, nl);
  return out;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(100ms);
  }
}

// ---- Emulator ------------------------------------------------------------------------------

Emulator::Emulator(std::vector<std::string> args, int port) {
  std::vector<std::string> all{"--listen", "127.0.0.1:" + std::to_string(port), "--token", kToken};
  all.insert(all.end(), args.begin(), args.end());
  proc_.emplace(t::bin_path("ran-emulator"), all);
  if (!proc_->wait_for_output("listening on", 20s))
    throw std::runtime_error("ran-emulator did not start: " + proc_->output());
  // "ran-emulator listening on http://127.0.0.1:PORT/api/v1"
  std::smatch m;
  auto out = proc_->output();
  if (!std::regex_search(out, m, std::regex(R"(listening on https?://[^:]+:(\d+))")))
    throw std::runtime_error("no port in: " + out);
  port_ = std::stoi(m[1]);
}

boost::json::object Emulator::stats() {
  auto body = http_get(port_, "/emulator/stats");
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

namespace {
std::int64_t number_at(const boost::json::object& o, const std::string& a, const std::string& b) {
  auto* x = o.if_contains(a);
  if (!x || !x->is_object()) return 0;
  auto* y = x->as_object().if_contains(b);
  if (!y || !y->is_number()) return 0;
  return y->to_number<std::int64_t>();
}
}  // namespace

std::int64_t Emulator::upstream(const std::string& key) {
  return number_at(stats(), "upstream", key);
}

std::int64_t Emulator::rejected(const std::string& code) {
  auto s = stats();
  auto* up = s.if_contains("upstream");
  if (!up || !up->is_object()) return 0;
  return number_at(up->as_object(), "rejected_by_code", code);
}

HttpResult Emulator::inject(const std::string& dev_eui_hex) {
  return http("POST", port_, "/emulator/uplink", R"({"DevEUI": ")" + dev_eui_hex + R"("})");
}

boost::json::array Emulator::select_devices() {
  auto r = http("GET", port_, "/api/v1/devices/select?limit=1000", "", kToken);
  boost::system::error_code ec;
  auto v = boost::json::parse(r.body, ec);
  if (ec || !v.is_array()) return {};
  return v.as_array();
}

void Emulator::stop() {
  proc_->signal(SIGTERM);
  proc_->wait(10s);
}

// ---- Broker --------------------------------------------------------------------------------

PersistentBroker::PersistentBroker() : port_(t::free_port()) {
  start();
}
PersistentBroker::~PersistentBroker() {
  stop();
}

void PersistentBroker::start() {
  auto exe = t::mosquitto_path();
  if (exe.empty()) throw std::runtime_error("mosquitto is not installed (run scripts/setup)");
  auto conf = dir_.write("mosquitto.conf", "listener " + std::to_string(port_) +
                                               " 127.0.0.1\n"
                                               "allow_anonymous true\n"
                                               "persistence true\n"
                                               "persistence_location " +
                                               dir_.path().string() +
                                               "/\n"
                                               "max_queued_messages 1000000\n"
                                               "max_inflight_messages 1000\n"
                                               "log_dest stdout\n");
  proc_.emplace(exe, std::vector<std::string>{"-c", conf.string()},
                std::map<std::string, std::string>{});
  if (!t::wait_for_port(port_)) throw std::runtime_error("mosquitto did not start on " + url());
}

void PersistentBroker::stop() {
  if (!proc_) return;
  proc_->signal(SIGTERM);  // SIGTERM: mosquitto writes its persistence file
  proc_->wait(10s);
  proc_.reset();
}

// ---- Subscriber ----------------------------------------------------------------------------

Subscriber::Subscriber(int broker_port, std::optional<std::string> client_id) : port_(broker_port) {
  std::vector<std::string> args{"-h", "127.0.0.1", "-p", std::to_string(port_), "-t", "#",
                                "-v", "-q",        "1"};
  if (client_id) args.insert(args.end(), {"-c", "-i", *client_id});
  proc_.emplace("/usr/bin/mosquitto_sub", args);
}

bool Subscriber::wait_subscribed(std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        t::run("/usr/bin/mosquitto_pub",
               {"-h", "127.0.0.1", "-p", std::to_string(port_), "-t", "probe/sub", "-m", "x"}, 5s);
        return proc_->output().find("probe/sub x") != std::string::npos;
      },
      timeout);
}

std::vector<MqttMessage> Subscriber::messages() const {
  std::vector<MqttMessage> out;
  std::istringstream in(proc_->output());
  std::string line;
  while (std::getline(in, line)) {
    auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    out.push_back({line.substr(0, sp), line.substr(sp + 1)});
  }
  return out;
}

std::vector<std::string> Subscriber::payloads(const std::string& topic) const {
  std::vector<std::string> out;
  for (auto& m : messages())
    if (m.topic == topic) out.push_back(std::move(m.payload));
  return out;
}

std::vector<gw::UplinkFrame> Subscriber::uplinks(const std::string& topic) const {
  std::vector<gw::UplinkFrame> out;
  for (const auto& p : payloads(topic)) {
    auto f = lns::unmarshal_uplink_frame(p);
    if (!f.ok()) {
      ADD_FAILURE() << "undecodable uplink frame: " << f.error().reason << ": " << p;
      continue;
    }
    out.push_back(*f);
  }
  return out;
}

std::set<std::string> Subscriber::unique_phy(const std::string& topic) const {
  std::set<std::string> out;
  for (const auto& f : uplinks(topic)) out.insert(f.phy_payload());
  return out;
}

// ---- Bridge --------------------------------------------------------------------------------

std::string bridge_yaml(BridgeSpec& spec, const std::filesystem::path& state_dir) {
  if (spec.http_port == 0) spec.http_port = t::free_port();
  std::ostringstream y;
  y << "regions:\n";
  for (const auto& r : spec.regions)
    y << "  - name: " << r.name << "\n"
      << "    url: " << r.url << "\n"
      << "    token: " << kToken << "\n"
      << "    upstream_connections: " << r.upstream_connections << "\n"
      << "    gateway_id: \"" << r.gateway_id << "\"\n"
      << "    topic_prefix: " << r.topic_prefix << "\n"
      << r.extra;
  y << "mqtt:\n"
    << "  url: " << spec.mqtt_url << "\n"
    << "  client_id: ran-bridge-test\n"
    << "  marshaler: json\n"
    << "  stats_interval: 2s\n"
    << "devices:\n"
    << "  files: [";
  for (std::size_t i = 0; i < spec.devices_files.size(); ++i)
    y << (i ? ", " : "") << spec.devices_files[i].string();
  y << "]\n"
    << "routing_sync:\n"
    << "  interval: " << spec.sync_interval << "\n"
    << "  prune: " << (spec.prune ? "true" : "false") << "\n"
    << "state_dir: " << state_dir.string() << "\n"
    << "http:\n"
    << "  listen: \"127.0.0.1:" << spec.http_port << "\"\n"
    << spec.extra;
  return y.str();
}

Bridge::Bridge(BridgeSpec spec, std::vector<std::string> extra_args) : spec_(std::move(spec)) {
  config_ = dir_.write("bridge.yaml", bridge_yaml(spec_, dir_.path()));
  std::vector<std::string> args{"--config", config_.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  proc_.emplace(t::bin_path("ran-bridge"), args);
}

std::optional<double> Bridge::metric(const std::string& series) {
  return prometheus_value(metrics(), series);
}

bool Bridge::wait_ready(std::chrono::milliseconds timeout) {
  return eventually([&] { return http_status(spec_.http_port, "/health/ready") == 200; }, timeout);
}

std::optional<double> prometheus_value(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return std::nullopt;
}

std::string context_dev_eui(const gw::UplinkFrame& f) {
  const auto& c = f.rx_info().context();
  if (c.size() < 11) return {};
  std::string out;
  static const char* digits = "0123456789abcdef";
  for (std::size_t i = 3; i < 11; ++i) {
    auto b = static_cast<std::uint8_t>(c[i]);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

std::uint16_t phy_fcnt(const std::string& phy) {
  // MHDR(1) DevAddr(4) FCtrl(1) FCnt(2, little-endian)
  if (phy.size() < 8) return 0;
  return static_cast<std::uint16_t>(static_cast<std::uint8_t>(phy[6]) |
                                    (static_cast<std::uint8_t>(phy[7]) << 8));
}

}  // namespace ranbridge::bridge_test
