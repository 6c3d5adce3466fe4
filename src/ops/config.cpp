// The ran-bridge config schema: which keys exist, their defaults, ranges and cross-checks.
// Generic typed reads live in yaml_reader.cpp; URL and listen-address checks in
// config_checks.cpp.

#include "ranbridge/ops/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "config_checks.hpp"
#include "yaml_reader.hpp"

namespace ranbridge::ops {

using namespace std::chrono_literals;
using detail::YamlReader;

namespace {

constexpr std::string_view kTopKeys[] = {"regions", "mqtt", "devices", "routing_sync", "state_dir",
                                         "http",    "log",  "uplink",  "downlink"};
constexpr std::string_view kRegionKeys[] = {"name",
                                            "url",
                                            "token",
                                            "token_file",
                                            "token_env",
                                            "upstream_connections",
                                            "downstream_connections",
                                            "gateway_id",
                                            "topic_prefix",
                                            "mic_byte_order",
                                            "band",
                                            "ca_file",
                                            "connect_timeout",
                                            "request_timeout"};
constexpr std::string_view kMqttKeys[] = {
    "url",          "client_id", "qos",           "marshaler",       "queue_limit",
    "username",     "password",  "password_file", "password_env",    "ca_file",
    "cert_file",    "key_file",  "keepalive",     "connect_timeout", "stats_interval",
    "flush_timeout"};

class Loader {
 public:
  Loader(const std::string& file, std::filesystem::path base_dir, const LoadOptions& options,
         std::vector<ConfigError>& errors)
      : r_(file, errors), base_dir_(std::move(base_dir)), options_(options) {}

  Config load(const YAML::Node& root) {
    Config c;
    if (!root.IsDefined() || root.IsNull()) {
      r_.error_at_line(0, "the file is empty: at least one region is required");
      return c;
    }
    if (!r_.check_map(root, "", kTopKeys)) return c;
    load_regions(root, c);
    load_mqtt(YamlReader::child(root, "mqtt"), c.mqtt);
    load_devices(YamlReader::child(root, "devices"), c.devices);
    load_routing_sync(YamlReader::child(root, "routing_sync"), c.routing_sync);
    std::string state_dir;
    if (r_.read_string(root, "state_dir", "", state_dir)) {
      if (state_dir.empty())
        r_.error(YamlReader::child(root, "state_dir"), "state_dir must not be empty");
      else
        c.state_dir = resolve(state_dir);
    }
    load_http(YamlReader::child(root, "http"), c.http);
    load_log(YamlReader::child(root, "log"), c.log);
    load_uplink(YamlReader::child(root, "uplink"), c.uplink);
    load_downlink(YamlReader::child(root, "downlink"), c);
    cross_checks(root, c);
    return c;
  }

 private:
  YamlReader r_;
  std::filesystem::path base_dir_;
  const LoadOptions& options_;

  std::filesystem::path resolve(const std::string& p) const {
    std::filesystem::path path(p);
    return path.is_absolute() ? path : base_dir_ / path;
  }

  std::optional<std::string> env(const std::string& name) const {
    if (options_.getenv) return options_.getenv(name);
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  }

  // A path key naming a file that must be readable now (so --check-config catches it).
  std::optional<std::filesystem::path> read_file_path(const YAML::Node& map, std::string_view key,
                                                      const std::string& path) {
    std::string value;
    if (!r_.read_string(map, key, path, value)) return std::nullopt;
    auto node = map[std::string(key)];
    if (value.empty()) {
      r_.error(node, YamlReader::join(path, key) + " must not be empty");
      return std::nullopt;
    }
    auto resolved = resolve(value);
    if (auto problem = detail::unreadable_file(resolved)) {
      r_.error(node, YamlReader::join(path, key) + ": cannot read " + resolved.string() + ": " +
                         *problem);
      return std::nullopt;
    }
    return resolved;
  }

  // Exactly one of <prefix>, <prefix>_file, <prefix>_env (or none when !required).
  std::optional<Secret> read_secret(const YAML::Node& map, const std::string& path,
                                    const std::string& prefix, bool required,
                                    std::string* source_out) {
    const std::string kf = prefix + "_file", ke = prefix + "_env";
    int count = YamlReader::has(map, prefix) + YamlReader::has(map, kf) + YamlReader::has(map, ke);
    if (count == 0) {
      if (required)
        r_.error(map, path + ": needs exactly one of " + prefix + ", " + kf + ", " + ke);
      return std::nullopt;
    }
    if (count > 1) {
      r_.error(map, path + ": " + prefix + ", " + kf + " and " + ke +
                        " are alternatives: give only one");
      return std::nullopt;
    }
    std::string value;
    if (r_.read_string(map, prefix, path, value)) {
      if (value.empty()) {
        r_.error(map[prefix], YamlReader::join(path, prefix) + " is empty");
        return std::nullopt;
      }
      if (source_out) *source_out = prefix;
      return Secret(value);
    }
    if (r_.read_string(map, kf, path, value)) {
      auto node = map[kf];
      auto file = resolve(value);
      auto content = detail::read_secret_file(file);
      if (!content.value) {
        r_.error(node, YamlReader::join(path, kf) + ": " + content.error);
        return std::nullopt;
      }
      if (source_out) *source_out = kf + " " + file.string();
      return Secret(std::move(*content.value));
    }
    if (r_.read_string(map, ke, path, value)) {
      auto node = map[ke];
      if (!detail::valid_env_name(value)) {
        r_.error(node, YamlReader::join(path, ke) + ": '" + value +
                           "' is not an environment variable name");
        return std::nullopt;
      }
      auto v = env(value);
      if (!v) {
        r_.error(node,
                 YamlReader::join(path, ke) + ": environment variable " + value + " is not set");
        return std::nullopt;
      }
      auto trimmed = detail::trim(*v);
      if (trimmed.empty()) {
        r_.error(node,
                 YamlReader::join(path, ke) + ": environment variable " + value + " is empty");
        return std::nullopt;
      }
      if (source_out) *source_out = ke + " " + value;
      return Secret(std::string(trimmed));
    }
    return std::nullopt;  // wrong type: read_string reported it
  }

  void load_regions(const YAML::Node& root, Config& c) {
    auto regions = YamlReader::child(root, "regions");
    if (!regions.IsDefined() || regions.IsNull()) {
      r_.error_at_line(0, "regions: at least one region is required");
      return;
    }
    if (!regions.IsSequence()) {
      r_.error(regions, "regions must be a list of regions");
      return;
    }
    if (regions.size() == 0) r_.error(regions, "regions: at least one region is required");
    std::map<std::string, int> names;       // name -> first line
    std::map<std::uint64_t, int> gateways;  // gateway id -> first line
    for (std::size_t i = 0; i < regions.size(); ++i) {
      auto n = regions[i];
      const std::string path = "regions[" + std::to_string(i) + "]";
      if (!n.IsMap()) {
        r_.error(n, path + " must be a mapping of keys");
        continue;
      }
      r_.check_map(n, path, kRegionKeys);
      RegionConfig reg;
      bool have_name = false;
      if (r_.read_string(n, "name", path, reg.name)) {
        if (!detail::valid_name(reg.name)) {
          r_.error(n["name"],
                   path + ".name: '" + reg.name + "' must be 1..32 of letters, digits, '_' or '-'");
        } else {
          have_name = true;
          auto line = n["name"].Mark().line + 1;
          auto [it, fresh] = names.emplace(reg.name, line);
          if (!fresh)
            r_.error(n["name"], path + ".name: duplicate region name '" + reg.name +
                                    "' (first at line " + std::to_string(it->second) + ")");
        }
      } else if (!YamlReader::has(n, "name")) {
        r_.error(n, path + ".name is required");
      }
      if (r_.read_string(n, "url", path, reg.url)) {
        if (auto problem = detail::check_url(reg.url, detail::kRanSchemes))
          r_.error(n["url"], path + ".url: " + *problem);
      } else if (!YamlReader::has(n, "url")) {
        r_.error(n, path + ".url is required");
      }
      if (auto token = read_secret(n, path, "token", true, &reg.token_source)) reg.token = *token;
      std::uint64_t v = 0;
      if (r_.read_uint(n, "upstream_connections", path, 1, 64, v)) reg.upstream_connections = v;
      if (r_.read_uint(n, "downstream_connections", path, 0, 16, v)) reg.downstream_connections = v;
      std::string gw;
      if (r_.read_string(n, "gateway_id", path, gw)) {
        auto id = lorawan::DevEui::from_hex(gw, true);
        if (!id) {
          r_.error(n["gateway_id"], path + ".gateway_id: '" + gw +
                                        "' is not 16 hex digits (e.g. \"00000000000e0001\")");
        } else {
          reg.gateway_id = *id;
          auto [it, fresh] = gateways.emplace(id->value, n["gateway_id"].Mark().line + 1);
          if (!fresh)
            r_.error(n["gateway_id"], path + ".gateway_id: " + id->to_hex() +
                                          " is already used by another region (line " +
                                          std::to_string(it->second) + ")");
        }
      } else if (!YamlReader::has(n, "gateway_id")) {
        r_.error(n, path + ".gateway_id is required");
      }
      if (r_.read_string(n, "topic_prefix", path, reg.topic_prefix)) {
        if (!detail::valid_topic_level(reg.topic_prefix))
          r_.error(n["topic_prefix"], path + ".topic_prefix: '" + reg.topic_prefix +
                                          "' must be one MQTT topic level (no '/', '+', '#')");
      } else if (have_name) {
        reg.topic_prefix = reg.name;
      }
      std::size_t choice = 0;
      if (r_.read_choice(n, "mic_byte_order", path, {"big", "little"}, choice))
        reg.mic_byte_order = choice == 0 ? MicByteOrder::Big : MicByteOrder::Little;
      std::string band;
      if (r_.read_string(n, "band", path, band)) {
        reg.band = lorawan::region_from_string(band);
        if (!reg.band)
          r_.error(n["band"], path + ".band: '" + band +
                                  "' is not a known band (EU868, US915, AU915, AS923-1..4, "
                                  "IN865, KR920)");
      }
      if (auto ca = read_file_path(n, "ca_file", path)) reg.ca_file = *ca;
      r_.read_duration(n, "connect_timeout", path, 100ms, 5min, reg.connect_timeout);
      r_.read_duration(n, "request_timeout", path, 100ms, 5min, reg.request_timeout);
      if (reg.ca_file && !reg.url.empty() && !detail::url_is_tls(reg.url))
        r_.error(n["ca_file"], path + ".ca_file is set but the url does not use TLS (https/wss)");
      c.regions.push_back(std::move(reg));
    }
  }

  void load_mqtt(const YAML::Node& n, MqttConfig& m) {
    const std::string path = "mqtt";
    if (!r_.check_map(n, path, kMqttKeys)) return;
    if (r_.read_string(n, "url", path, m.url)) {
      if (auto problem = detail::check_url(m.url, detail::kMqttSchemes))
        r_.error(n["url"], "mqtt.url: " + *problem);
    }
    if (r_.read_string(n, "client_id", path, m.client_id) &&
        (m.client_id.empty() || m.client_id.size() > 128))
      r_.error(n["client_id"], "mqtt.client_id must be 1..128 characters");
    std::uint64_t v = 0;
    if (r_.read_uint(n, "qos", path, 0, 2, v)) m.qos = static_cast<int>(v);
    std::size_t choice = 0;
    if (r_.read_choice(n, "marshaler", path, {"protobuf", "json"}, choice))
      m.marshaler = choice == 0 ? Marshaler::Protobuf : Marshaler::Json;
    if (r_.read_uint(n, "queue_limit", path, 1, 10'000'000, v)) m.queue_limit = v;
    std::string user;
    if (r_.read_string(n, "username", path, user)) m.username = user;
    if (n.IsMap()) m.password = read_secret(n, path, "password", false, nullptr);
    if (m.password && !m.username)
      r_.error(n, "mqtt: a password needs a username (MQTT 3.1.1 sends none without it)");
    if (auto p = read_file_path(n, "ca_file", path)) m.ca_file = *p;
    if (auto p = read_file_path(n, "cert_file", path)) m.cert_file = *p;
    if (auto p = read_file_path(n, "key_file", path)) m.key_file = *p;
    if (YamlReader::has(n, "cert_file") != YamlReader::has(n, "key_file"))
      r_.error(n, "mqtt: cert_file and key_file go together (client certificate and its key)");
    bool tls_files = YamlReader::has(n, "ca_file") || YamlReader::has(n, "cert_file") ||
                     YamlReader::has(n, "key_file");
    if (tls_files && !detail::url_is_tls(m.url))
      r_.error(n,
               "mqtt: ca_file/cert_file/key_file are set but mqtt.url does not use TLS "
               "(ssl, mqtts, wss)");
    r_.read_duration(n, "keepalive", path, 1s, 1h, m.keepalive);
    r_.read_duration(n, "connect_timeout", path, 100ms, 5min, m.connect_timeout);
    r_.read_duration(n, "stats_interval", path, 1s, 1h, m.stats_interval);
    r_.read_duration(n, "flush_timeout", path, 0s, 5min, m.flush_timeout);
  }

  void load_devices(const YAML::Node& n, DevicesConfig& d) {
    if (!r_.check_map(n, "devices", {"files"})) return;
    if (!YamlReader::has(n, "files")) return;
    auto files = n["files"];
    if (!files.IsSequence()) {
      r_.error(files, "devices.files must be a list of file paths");
      return;
    }
    std::set<std::filesystem::path> seen;
    for (std::size_t i = 0; i < files.size(); ++i) {
      const std::string path = "devices.files[" + std::to_string(i) + "]";
      auto f = files[i];
      if (!f.IsScalar() || f.Scalar().empty()) {
        r_.error(f, path + " must be a file path");
        continue;
      }
      auto resolved = resolve(f.Scalar());
      if (auto problem = detail::unreadable_file(resolved)) {
        r_.error(f, path + ": cannot read " + resolved.string() + ": " + *problem);
        continue;
      }
      if (!seen.insert(resolved.lexically_normal()).second) {
        r_.error(f, path + ": " + resolved.string() + " is listed twice");
        continue;
      }
      d.files.push_back(resolved);
    }
  }

  void load_routing_sync(const YAML::Node& n, RoutingSyncConfig& s) {
    const std::string path = "routing_sync";
    if (!r_.check_map(n, path, {"enabled", "interval", "prune", "concurrency", "retries"})) return;
    r_.read_bool(n, "enabled", path, s.enabled);
    r_.read_duration(n, "interval", path, 10s, 24h, s.interval);
    r_.read_bool(n, "prune", path, s.prune);
    std::uint64_t v = 0;
    if (r_.read_uint(n, "concurrency", path, 1, 64, v)) s.concurrency = v;
    if (r_.read_uint(n, "retries", path, 0, 10, v)) s.retries = v;
  }

  void load_http(const YAML::Node& n, HttpConfig& h) {
    if (!r_.check_map(n, "http", {"listen"})) return;
    if (!r_.read_string(n, "listen", "http", h.listen)) return;
    auto parsed = detail::parse_listen(h.listen);
    if (!parsed) {
      r_.error(n["listen"], "http.listen: '" + h.listen +
                                "' is not host:port (an IP address, [IPv6] or localhost, "
                                "and a port 0..65535)");
      return;
    }
    h.host = parsed->first;
    h.port = parsed->second;
  }

  void load_log(const YAML::Node& n, LogConfig& l) {
    if (!r_.check_map(n, "log", {"level", "format"})) return;
    std::size_t choice = 0;
    if (r_.read_choice(n, "level", "log",
                       {"trace", "debug", "info", "warn", "error", "critical", "off"}, choice))
      l.level = static_cast<LogLevel>(choice);
    if (r_.read_choice(n, "format", "log", {"text", "json"}, choice))
      l.format = choice == 0 ? LogFormat::Text : LogFormat::Json;
  }

  void load_uplink(const YAML::Node& n, UplinkConfig& u) {
    const std::string path = "uplink";
    if (!r_.check_map(n, path, {"dedup_window", "drop_outdated", "max_fcnt_gap"})) return;
    r_.read_duration(n, "dedup_window", path, 0s, 10s, u.dedup_window);
    r_.read_bool(n, "drop_outdated", path, u.drop_outdated);
    std::uint64_t v = 0;
    if (r_.read_uint(n, "max_fcnt_gap", path, 1, 65536, v)) u.max_fcnt_gap = v;
  }

  void load_downlink(const YAML::Node& n, Config& c) {
    auto& d = c.downlink;
    const std::string path = "downlink";
    if (!r_.check_map(n, path,
                      {"rx_policy", "class_c_deadline", "result_timeout_margin", "fallback_region",
                       "max_pending"}))
      return;
    std::size_t choice = 0;
    if (r_.read_choice(n, "rx_policy", path, {"rx1-only", "rx1-then-rx2"}, choice))
      d.rx_policy = choice == 0 ? RxPolicy::Rx1Only : RxPolicy::Rx1ThenRx2;
    // "ran-default" or a duration: one key, because the duration only means something
    // for the absolute policy.
    if (YamlReader::has(n, "class_c_deadline")) {
      auto node = n["class_c_deadline"];
      if (node.IsScalar() && node.Scalar() == "ran-default") {
        d.class_c_deadline_policy = DeadlinePolicy::RanDefault;
      } else if (node.IsScalar() && parse_duration(node.Scalar())) {
        if (r_.read_duration(n, "class_c_deadline", path, 1s, 512s, d.class_c_deadline))
          d.class_c_deadline_policy = DeadlinePolicy::Absolute;
      } else {
        r_.error(node,
                 "downlink.class_c_deadline must be ran-default or a duration 1s..512s "
                 "(RAN's maximum)");
      }
    }
    r_.read_duration(n, "result_timeout_margin", path, 0s, 10min, d.result_timeout_margin);
    std::string fallback;
    if (r_.read_string(n, "fallback_region", path, fallback)) {
      if (!fallback.empty()) d.fallback_region = fallback;
    }
    std::uint64_t v = 0;
    if (r_.read_uint(n, "max_pending", path, 1, 10'000'000, v)) d.max_pending = v;
  }

  void cross_checks(const YAML::Node& root, Config& c) {
    if (c.downlink.fallback_region && !c.find_region(*c.downlink.fallback_region)) {
      auto node = YamlReader::child(YamlReader::child(root, "downlink"), "fallback_region");
      r_.error(node, "downlink.fallback_region: '" + *c.downlink.fallback_region +
                         "' is not a configured region");
    }
    if (c.routing_sync.enabled && c.routing_sync.prune && c.devices.files.empty() &&
        !YamlReader::has(YamlReader::child(root, "devices"), "files")) {
      r_.error(YamlReader::node_or(YamlReader::child(root, "routing_sync"), "prune"),
               "routing_sync.prune is true but no devices.files are configured: it would "
               "remove every device from RAN's routing table");
    }
  }
};

LoadResult finish(Config config, std::vector<ConfigError> errors) {
  LoadResult result;
  if (errors.empty()) {
    result.config = std::move(config);
  } else {
    std::stable_sort(errors.begin(), errors.end(),
                     [](const ConfigError& a, const ConfigError& b) { return a.line < b.line; });
    result.errors = std::move(errors);
  }
  return result;
}

}  // namespace

const RegionConfig* Config::find_region(std::string_view name) const {
  for (const auto& r : regions)
    if (r.name == name) return &r;
  return nullptr;
}

LoadResult load_config_string(std::string_view yaml, const std::string& file_name,
                              const std::filesystem::path& base_dir, const LoadOptions& options) {
  std::vector<ConfigError> errors;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    // yaml-cpp's lines are 0-based; its msg is the bare reason ("illegal map value").
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    errors.push_back(ConfigError{file_name, line, "YAML syntax error: " + e.msg});
    return finish({}, std::move(errors));
  }
  Config config;
  try {
    config = Loader(file_name, base_dir, options, errors).load(root);
  } catch (const YAML::Exception& e) {
    // Defensive: a tree shape the loader did not expect must still give a message.
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 0;
    errors.push_back(ConfigError{file_name, line, std::string("invalid structure: ") + e.msg});
  }
  config.source = file_name;
  return finish(std::move(config), std::move(errors));
}

LoadResult load_config(const std::filesystem::path& file, const LoadOptions& options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    auto problem = detail::unreadable_file(file).value_or("cannot open");
    return finish({}, {ConfigError{file.string(), 0, "cannot read config file: " + problem}});
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto base = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  auto result = load_config_string(text.str(), file.string(), base, options);
  if (result.config) result.config->source = file;
  return result;
}

std::string format_error(const ConfigError& e) {
  std::string out = e.file;
  if (e.line > 0) out += ":" + std::to_string(e.line);
  out += ": " + e.message + "\n";
  return out;
}

std::string format_errors(const std::vector<ConfigError>& errors) {
  std::string out;
  for (const auto& e : errors) out += format_error(e);
  return out;
}

std::string_view to_string(MicByteOrder v) {
  return v == MicByteOrder::Big ? "big" : "little";
}
std::string_view to_string(Marshaler v) {
  return v == Marshaler::Protobuf ? "protobuf" : "json";
}
std::string_view to_string(LogFormat v) {
  return v == LogFormat::Text ? "text" : "json";
}
std::string_view to_string(RxPolicy v) {
  return v == RxPolicy::Rx1Only ? "rx1-only" : "rx1-then-rx2";
}
std::string_view to_string(DeadlinePolicy v) {
  return v == DeadlinePolicy::RanDefault ? "ran-default" : "absolute";
}
std::string_view to_string(LogLevel v) {
  static constexpr std::string_view names[] = {"trace", "debug",    "info", "warn",
                                               "error", "critical", "off"};
  return names[static_cast<int>(v)];
}

std::optional<LogLevel> parse_log_level(std::string_view s) {
  if (s == "warning") return LogLevel::Warn;
  for (int i = 0; i <= static_cast<int>(LogLevel::Off); ++i)
    if (to_string(static_cast<LogLevel>(i)) == s) return static_cast<LogLevel>(i);
  return std::nullopt;
}

std::optional<LogFormat> parse_log_format(std::string_view s) {
  if (s == "text") return LogFormat::Text;
  if (s == "json") return LogFormat::Json;
  return std::nullopt;
}

}  // namespace ranbridge::ops
