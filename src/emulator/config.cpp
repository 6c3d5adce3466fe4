#include "ranbridge/emulator/config.hpp"

#include "ranbridge/ran/types.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <iostream>
#include <set>
#include <sstream>

namespace ranbridge::emulator {
namespace {

[[noreturn]] void fail(const std::string& file, const YAML::Node& n, const std::string& what) {
  std::ostringstream os;
  os << file;
  if (n.IsDefined() && n.Mark().line >= 0) os << ":" << n.Mark().line + 1;
  os << ": " << what;
  throw ConfigError(os.str());
}

void check_keys(const std::string& file, const YAML::Node& map, std::string_view section,
                const std::set<std::string>& allowed) {
  if (!map.IsMap()) fail(file, map, std::string(section) + " must be a mapping");
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    if (!allowed.contains(key))
      fail(file, kv.first, "unknown key '" + key + "' in " + std::string(section));
  }
}

template <class T>
T get(const std::string& file, const YAML::Node& n, const char* what) {
  try {
    return n.as<T>();
  } catch (const YAML::Exception&) {
    fail(file, n, std::string(what) + ": wrong type or value");
  }
}

// "HOST:PORT" (IPv6 in brackets).
void parse_listen(const std::string& text, Config& c) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size())
    throw ConfigError("listen must be HOST:PORT, got '" + text + "'");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) throw ConfigError("listen must be HOST:PORT, got '" + text + "'");
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) throw std::invalid_argument("port");
  } catch (const std::exception&) {
    throw ConfigError("listen: bad port in '" + text + "'");
  }
  if (port > 65535) throw ConfigError("listen: port out of range in '" + text + "'");
  c.listen_host = host;
  c.listen_port = static_cast<std::uint16_t>(port);
}

}  // namespace

bool is_downstream_result_code(const std::string& code) {
  static const std::set<std::string> codes{"Success", "WindowNotFound", "GatewayNotFound",
                                           "TooLate", "NoAck",          "GatewayError"};
  return codes.contains(code);
}

Config load_config_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw ConfigError(path + ": cannot read file");
  } catch (const YAML::ParserException& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  Config c;
  if (root.IsNull()) return c;
  check_keys(path, root, "top level",
             {"listen", "base_path", "tokens", "tls", "devices_file", "subscribe_devices",
              "device_limit", "threads", "ping_interval", "seed", "traffic", "downstream", "load"});
  if (auto n = root["listen"]) {
    try {
      parse_listen(get<std::string>(path, n, "listen"), c);
    } catch (const ConfigError& e) {
      fail(path, n, e.what());
    }
  }
  if (auto n = root["base_path"]) c.base_path = get<std::string>(path, n, "base_path");
  if (auto n = root["tokens"]) {
    if (n.IsScalar())
      c.tokens = {get<std::string>(path, n, "tokens")};
    else
      c.tokens = get<std::vector<std::string>>(path, n, "tokens");
  }
  if (auto n = root["tls"]) {
    check_keys(path, n, "tls", {"cert", "key"});
    if (n["cert"]) c.tls_cert = get<std::string>(path, n["cert"], "tls.cert");
    if (n["key"]) c.tls_key = get<std::string>(path, n["key"], "tls.key");
  }
  if (auto n = root["devices_file"]) c.devices_file = get<std::string>(path, n, "devices_file");
  if (auto n = root["subscribe_devices"])
    c.subscribe_devices = get<bool>(path, n, "subscribe_devices");
  if (auto n = root["device_limit"]) c.device_limit = get<std::size_t>(path, n, "device_limit");
  if (auto n = root["threads"]) c.threads = get<unsigned>(path, n, "threads");
  if (auto n = root["ping_interval"])
    c.ping_interval = Seconds(get<double>(path, n, "ping_interval"));
  if (auto n = root["seed"]) c.seed = get<std::uint64_t>(path, n, "seed");
  if (auto t = root["traffic"]) {
    check_keys(path, t, "traffic",
               {"uplink_interval", "challenge_size", "start_fcnt", "fport", "payload_size",
                "answer_timeout", "join_retry", "gps", "region", "autostart"});
    auto& x = c.traffic;
    if (auto n = t["uplink_interval"])
      x.uplink_interval = Seconds(get<double>(path, n, "uplink_interval"));
    if (auto n = t["challenge_size"])
      x.challenge_size = get<std::uint32_t>(path, n, "challenge_size");
    if (auto n = t["start_fcnt"]) x.start_fcnt = get<std::uint32_t>(path, n, "start_fcnt");
    if (auto n = t["fport"]) {
      auto v = get<unsigned>(path, n, "fport");
      if (v < 1 || v > 223) fail(path, n, "traffic.fport must be 1..223");
      x.fport = static_cast<std::uint8_t>(v);
    }
    if (auto n = t["payload_size"]) x.payload_size = get<std::uint32_t>(path, n, "payload_size");
    if (auto n = t["answer_timeout"])
      x.answer_timeout = Seconds(get<double>(path, n, "answer_timeout"));
    if (auto n = t["join_retry"]) x.join_retry = Seconds(get<double>(path, n, "join_retry"));
    if (auto n = t["gps"]) x.gps = get<bool>(path, n, "gps");
    if (auto n = t["region"]) x.region = get<std::string>(path, n, "region");
    if (auto n = t["autostart"]) x.autostart = get<bool>(path, n, "autostart");
  }
  if (auto d = root["downstream"]) {
    check_keys(path, d, "downstream", {"result", "result_delay", "unknown_result", "keep_last"});
    auto& x = c.downstream;
    if (auto n = d["result"]) x.result = get<std::string>(path, n, "downstream.result");
    if (auto n = d["result_delay"]) x.result_delay = Seconds(get<double>(path, n, "result_delay"));
    if (auto n = d["unknown_result"])
      x.unknown_result = get<std::string>(path, n, "unknown_result");
    if (auto n = d["keep_last"]) x.keep_last = get<std::size_t>(path, n, "keep_last");
    if (!is_downstream_result_code(x.result))
      fail(path, d["result"], "downstream.result: unknown result code '" + x.result + "'");
    if (!is_downstream_result_code(x.unknown_result))
      fail(path, d["unknown_result"], "downstream.unknown_result: unknown result code");
  }
  if (auto l = root["load"]) {
    check_keys(path, l, "load",
               {"rate", "duration", "generate_devices", "stats_file", "devices_export"});
    auto& x = c.load;
    if (auto n = l["rate"]) x.rate = get<double>(path, n, "load.rate");
    if (auto n = l["duration"]) x.duration = Seconds(get<double>(path, n, "load.duration"));
    if (auto n = l["generate_devices"])
      x.generate_devices = get<std::uint32_t>(path, n, "generate_devices");
    if (auto n = l["stats_file"]) x.stats_file = get<std::string>(path, n, "stats_file");
    if (auto n = l["devices_export"])
      x.devices_export = get<std::string>(path, n, "devices_export");
  }
  try {
    validate(c);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
  return c;
}

void validate(const Config& c) {
  if (c.tokens.empty()) throw ConfigError("at least one token is required (tokens / --token)");
  for (const auto& t : c.tokens)
    if (t.empty()) throw ConfigError("tokens must not be empty strings");
  if (c.tls_cert.has_value() != c.tls_key.has_value())
    throw ConfigError("tls needs both cert and key");
  if (c.base_path.empty() || c.base_path.front() != '/')
    throw ConfigError("base_path must start with '/'");
  if (c.threads < 1 || c.threads > 64) throw ConfigError("threads must be 1..64");
  if (c.ping_interval.count() <= 0) throw ConfigError("ping_interval must be > 0");
  const auto& t = c.traffic;
  if (t.challenge_size < 2 || t.challenge_size > 4096)
    throw ConfigError("challenge_size must be 2..4096, got " + std::to_string(t.challenge_size));
  if (t.payload_size > 222) throw ConfigError("payload_size must be 0..222");
  if (t.uplink_interval.count() < 0) throw ConfigError("uplink_interval must be >= 0");
  if (t.answer_timeout.count() <= 0) throw ConfigError("answer_timeout must be > 0");
  if (t.join_retry.count() <= 0) throw ConfigError("join_retry must be > 0");
  if (c.load.rate < 0) throw ConfigError("rate must be >= 0");
  if (c.load.duration.count() < 0) throw ConfigError("duration must be >= 0");
  if (!is_downstream_result_code(c.downstream.result))
    throw ConfigError("unknown downstream result code '" + c.downstream.result + "'");
  if (!is_downstream_result_code(c.downstream.unknown_result))
    throw ConfigError("unknown downstream result code '" + c.downstream.unknown_result + "'");
  if (c.downstream.result_delay.count() < 0) throw ConfigError("result_delay must be >= 0");
}

std::optional<Config> parse_command_line(int argc, const char* const* argv) {
  namespace po = boost::program_options;
  po::options_description desc(
      "ran-emulator: a local Everynet RAN (RAN Routing API v1) for tests, demos and benchmarks\n"
      "Usage: ran-emulator [--config FILE] [options]\nOptions (override the config file)");
  // clang-format off
  desc.add_options()
    ("help,h", "print this help and exit")
    ("version", "print the version and exit")
    ("config,c", po::value<std::string>(), "YAML config file (see config/emulator.yaml)")
    ("listen,l", po::value<std::string>(), "HOST:PORT to listen on (port 0 = ephemeral)")
    ("token,t", po::value<std::vector<std::string>>(), "accepted bearer token (repeatable; replaces the file's)")
    ("tls-cert", po::value<std::string>(), "PEM certificate chain: serve https/wss")
    ("tls-key", po::value<std::string>(), "PEM private key")
    ("devices", po::value<std::string>(), "devices file to simulate (same format as ran-bridge's)")
    ("subscribe-devices", "insert the devices file into the routing table at start")
    ("threads", po::value<unsigned>(), "io threads")
    ("ping-interval", po::value<double>(), "websocket ping interval, seconds")
    ("seed", po::value<std::uint64_t>(), "random seed (0 = random)")
    ("uplink-interval", po::value<double>(), "seconds between uplinks of one device (0 = off)")
    ("challenge-size", po::value<std::uint32_t>(), "MIC challenge size 2..4096")
    ("start-fcnt", po::value<std::uint32_t>(), "first FCntUp of ABP devices and new sessions")
    ("fport", po::value<unsigned>(), "FPort of data uplinks")
    ("payload-size", po::value<std::uint32_t>(), "FRMPayload size of data uplinks")
    ("answer-timeout", po::value<double>(), "seconds before an Upstream counts as unanswered")
    ("region", po::value<std::string>(), "channel plan (EU868, US915, ...)")
    ("gps", "add GPS to Upstreams")
    ("no-autostart", "do not send traffic until POST /emulator/traffic {\"running\":true}")
    ("downstream-result", po::value<std::string>(), "DownstreamResult code (Success, TooLate, ...)")
    ("downstream-delay", po::value<double>(), "seconds between DownstreamAck and DownstreamResult")
    ("rate", po::value<double>(), "load mode: uplinks/s across devices")
    ("duration", po::value<double>(), "stop after S seconds and print stats")
    ("devices-generate", po::value<std::uint32_t>(), "generate N ABP devices (subscribed)")
    ("stats-file", po::value<std::string>(), "also write the final stats JSON here")
    ("devices-export", po::value<std::string>(), "write the generated devices (with keys) to FILE as a JSON devices file");
  // clang-format on
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw ConfigError(e.what());
  }
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << "ran-emulator " << RANBRIDGE_VERSION << "\n";
    return std::nullopt;
  }
  Config c = vm.count("config") ? load_config_file(vm["config"].as<std::string>()) : Config{};
  if (vm.count("listen")) parse_listen(vm["listen"].as<std::string>(), c);
  if (vm.count("token")) c.tokens = vm["token"].as<std::vector<std::string>>();
  if (vm.count("tls-cert")) c.tls_cert = vm["tls-cert"].as<std::string>();
  if (vm.count("tls-key")) c.tls_key = vm["tls-key"].as<std::string>();
  if (vm.count("devices")) c.devices_file = vm["devices"].as<std::string>();
  if (vm.count("subscribe-devices")) c.subscribe_devices = true;
  if (vm.count("threads")) c.threads = vm["threads"].as<unsigned>();
  if (vm.count("ping-interval")) c.ping_interval = Seconds(vm["ping-interval"].as<double>());
  if (vm.count("seed")) c.seed = vm["seed"].as<std::uint64_t>();
  auto& t = c.traffic;
  if (vm.count("uplink-interval")) t.uplink_interval = Seconds(vm["uplink-interval"].as<double>());
  if (vm.count("challenge-size")) t.challenge_size = vm["challenge-size"].as<std::uint32_t>();
  if (vm.count("start-fcnt")) t.start_fcnt = vm["start-fcnt"].as<std::uint32_t>();
  if (vm.count("fport")) {
    auto v = vm["fport"].as<unsigned>();
    if (v < 1 || v > 223) throw ConfigError("--fport must be 1..223");
    t.fport = static_cast<std::uint8_t>(v);
  }
  if (vm.count("payload-size")) t.payload_size = vm["payload-size"].as<std::uint32_t>();
  if (vm.count("answer-timeout")) t.answer_timeout = Seconds(vm["answer-timeout"].as<double>());
  if (vm.count("region")) t.region = vm["region"].as<std::string>();
  if (vm.count("gps")) t.gps = true;
  if (vm.count("no-autostart")) t.autostart = false;
  auto& d = c.downstream;
  if (vm.count("downstream-result")) d.result = vm["downstream-result"].as<std::string>();
  if (vm.count("downstream-delay")) d.result_delay = Seconds(vm["downstream-delay"].as<double>());
  auto& l = c.load;
  if (vm.count("rate")) l.rate = vm["rate"].as<double>();
  if (vm.count("duration")) l.duration = Seconds(vm["duration"].as<double>());
  if (vm.count("devices-generate")) l.generate_devices = vm["devices-generate"].as<std::uint32_t>();
  if (vm.count("stats-file")) l.stats_file = vm["stats-file"].as<std::string>();
  if (vm.count("devices-export")) l.devices_export = vm["devices-export"].as<std::string>();
  validate(c);
  return c;
}

}  // namespace ranbridge::emulator
