#pragma once
// ran-emulator configuration: YAML file, then command-line flags on top. See docs/emulator.md.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ranbridge::emulator {

// Thrown for a bad config file or flag; the message is ready for the operator
// ("file:line: what is wrong" for YAML).
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Seconds = std::chrono::duration<double>;

struct TrafficConfig {
  Seconds uplink_interval{10.0};      // per simulated device; 0 = no periodic traffic
  std::uint32_t challenge_size = 16;  // 2..4096 MIC candidates per Upstream
  std::uint32_t start_fcnt = 0;       // first FCntUp of ABP devices and fresh sessions
  std::uint8_t fport = 1;             // 1..223
  std::uint32_t payload_size = 8;     // FRMPayload bytes, 0..222
  Seconds answer_timeout{5.0};        // an Upstream not answered by then is "unanswered"
  Seconds join_retry{5.0};            // resend a join request when no accept came
  bool gps = false;                   // add a GPS object to Upstreams
  std::string region = "EU868";       // channel plan for Radio and 1.1 MIC TxDr/TxCh
  bool autostart = true;              // start traffic at launch (else POST /emulator/traffic)
};

struct DownstreamConfig {
  std::string result = "Success";                  // DownstreamResult code for known devices/groups
  Seconds result_delay{0.05};                      // between DownstreamAck and DownstreamResult
  std::string unknown_result = "GatewayNotFound";  // for unknown DevEUI / group
  std::size_t keep_last = 100;                     // downstreams kept for GET /emulator/downstreams
};

struct LoadConfig {
  double rate = 0;                        // uplinks/s across devices; 0 = use uplink_interval
  Seconds duration{0.0};                  // stop after this long (0 = run until signalled)
  std::uint32_t generate_devices = 0;     // extra ABP devices generated (and subscribed)
  std::optional<std::string> stats_file;  // final stats JSON also written here
  // The generated devices written here as a devices file (JSON, docs/devices.md) at start,
  // so that a bridge under test can be given their keys.
  std::optional<std::string> devices_export;
};

struct Config {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;  // 0 = ephemeral (the printed URL has the real one)
  std::string base_path = "/api/v1";
  std::vector<std::string> tokens;      // accepted bearer tokens; at least one
  std::optional<std::string> tls_cert;  // PEM files; both or neither
  std::optional<std::string> tls_key;
  std::optional<std::string> devices_file;  // devices simulated (mic registry format)
  bool subscribe_devices = false;  // insert the devices file into the routing table at start
  std::size_t device_limit = 1'000'000;
  unsigned threads = 2;
  Seconds ping_interval{20.0};
  std::uint64_t seed = 0;  // 0 = random; else deterministic decoys/positions
  TrafficConfig traffic;
  DownstreamConfig downstream;
  LoadConfig load;
};

// Loads a YAML file (unknown keys are errors: typos must not pass silently).
Config load_config_file(const std::string& path);
// Applies argv on top of `base` (or of the --config file when given). Returns nullopt and
// prints usage (--help) or the version (--version) to stdout. Throws ConfigError on bad flags or
// values.
std::optional<Config> parse_command_line(int argc, const char* const* argv);
// Checks ranges and consistency; throws ConfigError.
void validate(const Config& c);

// The DownstreamResult codes of the contract.
bool is_downstream_result_code(const std::string& code);

}  // namespace ranbridge::emulator
