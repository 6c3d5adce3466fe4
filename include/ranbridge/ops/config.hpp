#pragma once
// The whole ran-bridge configuration: one YAML file, parsed into typed structs with
// defaults and validated completely (every error collected as "file:line: what is wrong").
// Every key, its type and default: README.md (Configuration); example: config/ran-bridge.yaml.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ranbridge/lorawan/region.hpp"
#include "ranbridge/lorawan/types.hpp"
#include "ranbridge/ops/duration.hpp"
#include "ranbridge/ops/secret.hpp"

namespace ranbridge::ops {

// Byte order of the MIC candidates in RAN's challenge (issue: some RAN deployments send
// them little-endian). Big = the wire contract's default.
enum class MicByteOrder { Big, Little };
// ChirpStack gateway payload encoding on MQTT.
enum class Marshaler { Protobuf, Json };
enum class LogFormat { Text, Json };
enum class LogLevel { Trace, Debug, Info, Warn, Error, Critical, Off };
// Downlink items: send only the first (RX1), or retry the second (RX2) under a new
// transaction id when RAN answers TooLate/WindowNotFound and its window is still ahead.
enum class RxPolicy { Rx1Only, Rx1ThenRx2 };
// Class C "immediately": RanDefault sends what Everynet's own bridge sends; Absolute sends
// Deadline = now + DownlinkConfig::class_c_deadline.
enum class DeadlinePolicy { RanDefault, Absolute };

std::string_view to_string(MicByteOrder);
std::string_view to_string(Marshaler);
std::string_view to_string(LogFormat);
std::string_view to_string(LogLevel);
std::string_view to_string(RxPolicy);
std::string_view to_string(DeadlinePolicy);
// "trace", "debug", "info", "warn" (or "warning"), "error", "critical", "off".
std::optional<LogLevel> parse_log_level(std::string_view);
// "text" or "json".
std::optional<LogFormat> parse_log_format(std::string_view);

struct RegionConfig {
  std::string name;                     // [a-z0-9_-]{1,32}; a metric label and a log field
  std::string url;                      // RAN base URL, http/https/ws/wss, e.g. .../api/v1
  Secret token;                         // resolved from token, token_file or token_env
  std::string token_source;             // "token", "token_file /path" or "token_env NAME": for logs
  unsigned upstream_connections = 4;    // 1..64
  unsigned downstream_connections = 1;  // 0..16 (0: this region takes no downlinks)
  lorawan::DevEui gateway_id;           // the virtual gateway this region appears as (16 hex)
  std::string topic_prefix;             // ChirpStack region topic prefix (default: name)
  MicByteOrder mic_byte_order = MicByteOrder::Big;
  // The LoRaWAN band (channel plan for 1.1 MICs). Unset: guessed from topic_prefix, then name.
  std::optional<lorawan::Region> band;
  std::optional<std::filesystem::path> ca_file;  // PEM bundle; default: system CAs
  Duration connect_timeout = std::chrono::seconds(10);
  Duration request_timeout = std::chrono::seconds(10);
};

struct MqttConfig {
  std::string url = "tcp://127.0.0.1:1883";  // tcp/ssl/ws/wss/mqtt/mqtts
  std::string client_id = "ran-bridge";      // fixed: the broker keeps a persistent session
  int qos = 1;                               // 0..2
  Marshaler marshaler = Marshaler::Protobuf;
  std::size_t queue_limit = 100000;  // accepted uplinks held while the broker is away
  std::optional<std::string> username;
  std::optional<Secret> password;  // from password_file or password_env
  std::optional<std::filesystem::path> ca_file;
  std::optional<std::filesystem::path> cert_file;  // client certificate (with key_file)
  std::optional<std::filesystem::path> key_file;
  Duration keepalive = std::chrono::seconds(30);
  Duration connect_timeout = std::chrono::seconds(10);
  Duration stats_interval = std::chrono::seconds(30);  // event/stats period
  Duration flush_timeout = std::chrono::seconds(5);    // bounded queue flush at shutdown
};

struct DevicesConfig {
  std::vector<std::filesystem::path> files;  // device registry files (YAML or JSON)
};

struct RoutingSyncConfig {
  bool enabled = true;
  Duration interval = std::chrono::seconds(300);
  bool prune = false;        // remove routing-table entries the config does not name
  unsigned concurrency = 8;  // REST requests in flight, 1..64
  unsigned retries = 3;      // per action, with backoff, 0..10
};

struct HttpConfig {
  std::string listen = "127.0.0.1:9464";  // host:port, IPv6 as [::1]:9464; port 0 = ephemeral
  std::string host = "127.0.0.1";         // listen split (filled by the loader)
  std::uint16_t port = 9464;
};

struct LogConfig {
  LogLevel level = LogLevel::Info;
  LogFormat format = LogFormat::Text;
};

struct UplinkConfig {
  Duration dedup_window = std::chrono::milliseconds(200);
  bool drop_outdated = false;          // publish (and count) RAN's Outdated uplinks by default
  std::uint32_t max_fcnt_gap = 16384;  // 32-bit FCnt reconstruction window, 1..65535+1
};

struct DownlinkConfig {
  RxPolicy rx_policy = RxPolicy::Rx1ThenRx2;
  DeadlinePolicy class_c_deadline_policy = DeadlinePolicy::RanDefault;
  Duration class_c_deadline = std::chrono::seconds(0);       // Absolute only: 1s..512s
  Duration result_timeout_margin = std::chrono::seconds(5);  // after the TX window closes
  std::optional<std::string> fallback_region;  // class B/C when no region heard the device
  std::size_t max_pending = 10000;             // transactions awaiting a result
};

struct Config {
  std::filesystem::path source;  // the file it was loaded from
  std::vector<RegionConfig> regions;
  MqttConfig mqtt;
  DevicesConfig devices;
  RoutingSyncConfig routing_sync;
  std::filesystem::path state_dir = "/var/lib/ran-bridge";
  HttpConfig http;
  LogConfig log;
  UplinkConfig uplink;
  DownlinkConfig downlink;

  const RegionConfig* find_region(std::string_view name) const;
};

struct ConfigError {
  std::string file;
  int line = 0;  // 1-based; 0 when the error is about the file as a whole
  std::string message;
};

struct LoadResult {
  std::optional<Config> config;     // set when errors is empty
  std::vector<ConfigError> errors;  // in file order
  bool ok() const { return config.has_value(); }
};

struct LoadOptions {
  // Environment lookup for token_env/password_env (tests inject one); default getenv.
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

// Reads, parses and validates. Relative paths inside (token_file, devices.files, ca_file,
// state_dir...) are resolved against the config file's directory. Never throws for bad
// input; never puts a secret into an error message.
LoadResult load_config(const std::filesystem::path& file, const LoadOptions& options = {});
// Same from text; `file_name` is used in messages, `base_dir` for relative paths.
LoadResult load_config_string(std::string_view yaml, const std::string& file_name,
                              const std::filesystem::path& base_dir,
                              const LoadOptions& options = {});

// "file:line: message" (or "file: message"), one per line, each ending in '\n'.
std::string format_error(const ConfigError& error);
std::string format_errors(const std::vector<ConfigError>& errors);

}  // namespace ranbridge::ops
