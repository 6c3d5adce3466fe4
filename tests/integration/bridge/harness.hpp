#pragma once
// Shared harness of the bridge end-to-end tests: real processes on loopback (mosquitto,
// ran-emulator, ran-bridge, mosquitto_sub as the MQTT test subscriber) and small helpers to
// talk to them (HTTP through curl, emulator stats, Prometheus text, ChirpStack frames decoded
// with the project's lns codec). Every wait polls; nothing assumes a wall-clock speed.

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge_test/support.hpp"

namespace ranbridge::bridge_test {

namespace t = ranbridge::testing;
using namespace std::chrono_literals;

inline const std::string kToken = "test-token";

struct HttpResult {
  int status = 0;  // 0: no HTTP answer
  std::string body;
};
// One HTTP request to 127.0.0.1:port through curl. `token` adds a bearer token.
HttpResult http(const std::string& method, int port, const std::string& path,
                const std::string& body = "", const std::string& token = "");
inline std::string http_get(int port, const std::string& path) {
  return http("GET", port, path).body;
}
inline int http_status(int port, const std::string& path) {
  return http("GET", port, path).status;
}

// Polls `done` (every 100 ms) until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 30s);

// A ran-emulator on an ephemeral port with token kToken. `args` are appended.
class Emulator {
 public:
  explicit Emulator(std::vector<std::string> args, int port = 0);
  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/api/v1"; }
  t::Process& process() { return *proc_; }
  boost::json::object stats();
  // stats().upstream.<key> (counters), 0 when absent.
  std::int64_t upstream(const std::string& key);
  std::int64_t rejected(const std::string& code);
  // POST /emulator/uplink for one simulated device; the HTTP result.
  HttpResult inject(const std::string& dev_eui_hex);
  // Routing table through the RAN REST API (select, token).
  boost::json::array select_devices();
  void stop();  // SIGTERM and wait

 private:
  int port_;
  std::optional<t::Process> proc_;
};

// mosquitto with persistence in its own directory, so that a persistent subscriber's queue
// survives a restart (broker-restart test). Same port across stop()/start().
class PersistentBroker {
 public:
  PersistentBroker();
  ~PersistentBroker();
  int port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  void start();
  void stop();

 private:
  t::TempDir dir_;
  int port_;
  std::optional<t::Process> proc_;
};

struct MqttMessage {
  std::string topic;
  std::string payload;
};

// mosquitto_sub on '#' at QoS 1 printing "topic payload" lines (the bridge uses the JSON
// marshaler in these tests). `client_id` set = persistent session (-c), reconnecting.
class Subscriber {
 public:
  Subscriber(int broker_port, std::optional<std::string> client_id = std::nullopt);
  // Publishes probes until the subscriber prints one: it is subscribed from then on.
  bool wait_subscribed(std::chrono::milliseconds timeout = 15s);
  std::vector<MqttMessage> messages() const;
  std::vector<std::string> payloads(const std::string& topic) const;
  // Uplink frames on `topic`, decoded with the lns codec (ADD_FAILURE on a bad one).
  std::vector<gw::UplinkFrame> uplinks(const std::string& topic) const;
  // Distinct PHYPayloads (hex) of the uplinks on `topic`.
  std::set<std::string> unique_phy(const std::string& topic) const;
  t::Process& process() { return *proc_; }

 private:
  int port_;
  std::optional<t::Process> proc_;
};

struct RegionSpec {
  std::string name = "eu";
  std::string url;  // RAN base URL
  std::string gateway_id = "00000000000e0001";
  std::string topic_prefix = "eu868";
  unsigned upstream_connections = 2;
  std::string extra;  // more YAML lines for this region, each "    key: value\n"
};

struct BridgeSpec {
  std::vector<RegionSpec> regions;
  std::string mqtt_url;
  std::vector<std::filesystem::path> devices_files;
  int http_port = 0;  // 0: a free port is chosen
  std::string extra;  // more top-level YAML
  bool prune = false;
  std::string sync_interval = "300s";
};
// The YAML config for `spec` (JSON marshaler, short stats interval).
std::string bridge_yaml(BridgeSpec& spec, const std::filesystem::path& state_dir);

// A running ran-bridge with its config in its own temporary directory.
class Bridge {
 public:
  explicit Bridge(BridgeSpec spec, std::vector<std::string> extra_args = {});
  int http_port() const { return spec_.http_port; }
  const std::filesystem::path& config_path() const { return config_; }
  const std::filesystem::path& state_dir() const { return dir_.path(); }
  t::Process& process() { return *proc_; }
  std::string metrics() { return http_get(spec_.http_port, "/metrics"); }
  // Value of one series, e.g. `ranbridge_upstreams_total{region="eu",result="ack"}`.
  std::optional<double> metric(const std::string& series);
  // Waits for /health/ready = 200.
  bool wait_ready(std::chrono::milliseconds timeout = 30s);

 private:
  BridgeSpec spec_;
  t::TempDir dir_;
  std::filesystem::path config_;
  std::optional<t::Process> proc_;
};

// Value of `series` (exact name + labels as printed) in Prometheus text, or nullopt.
std::optional<double> prometheus_value(const std::string& text, const std::string& series);

// The uplink topic of a region.
inline std::string up_topic(const std::string& prefix, const std::string& gateway_id) {
  return prefix + "/gateway/" + gateway_id + "/event/up";
}

// DevEUI (hex) carried in an UplinkFrame's rx_info.context (bytes 3..10).
std::string context_dev_eui(const gw::UplinkFrame& f);
// FCnt (16 bits on air) of a data uplink PHYPayload.
std::uint16_t phy_fcnt(const std::string& phy);

}  // namespace ranbridge::bridge_test
