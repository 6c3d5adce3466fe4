#pragma once
// The processes of one downlink end-to-end test, on loopback with ephemeral ports: a private
// mosquitto, one ran-emulator per region (simulating the sample devices), ran-bridge, and the
// test network server. Also the emulator's admin calls the tests need.

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ranbridge/lorawan/types.hpp"
#include "ranbridge_test/support.hpp"
#include "test_network_server.hpp"

namespace ranbridge::testing {

// Devices of config/devices.yaml (the emulators simulate them).
namespace devices {
inline const lorawan::DevEui kOtaa10{0x0004a30b001c0530};
inline const lorawan::DevEui kOtaa11{0x4bca6a24b73d987c};
inline const lorawan::DevEui kAbp10{0xd25644d493c4178a};  // DevAddr 26011b01
inline const lorawan::DevEui kAbp11{0xc4e57f9442a5f060};  // DevAddr 26011b02
// The multicast group the test devices file adds (members: both ABP devices).
inline const lorawan::DevAddr kGroup{0xaabbccdd};
}  // namespace devices

struct StackOptions {
  int regions = 1;  // 2: region "br" gets its own emulator; abp-1.1 is routed there only
  std::string rx_policy = "rx1-then-rx2";
  std::string result_timeout_margin = "2s";
  std::vector<std::string> emulator_args;  // extra flags for every emulator
  lns::Marshaler ns_marshaler = lns::Marshaler::json;
  bool ns_answers_joins = true;
};

class DownlinkStack {
 public:
  explicit DownlinkStack(StackOptions options = {});
  ~DownlinkStack();

  // Starts the emulators, the test network server and the bridge; waits until the bridge has
  // its downstream sockets open and is ready. Returns false (with a reason in why()) on failure.
  bool start();
  void start_bridge();
  // SIGTERM (graceful, exit code checked by the caller) or SIGKILL.
  std::optional<int> stop_bridge(int sig);
  bool wait_downstream_open(std::size_t emulator, std::chrono::milliseconds timeout);
  // /health/ready = 200: every region has an upstream socket and the broker acknowledged the
  // command subscriptions (a command published before that would be lost).
  bool wait_bridge_ready(std::chrono::milliseconds timeout);
  bool wait_upstream_open(std::size_t emulator, std::chrono::milliseconds timeout);

  TestNetworkServer& ns() { return *ns_; }
  Process& bridge() { return *bridge_; }
  const std::filesystem::path& state_dir() const { return dir_.path(); }
  std::string why() const { return why_; }
  // Bridge output and emulator stats, for failure messages.
  std::string diagnostics();

  // ---- emulator admin ----
  boost::json::value stats(std::size_t emulator = 0);
  boost::json::array downstreams(std::size_t emulator = 0);
  // Polls until the emulator recorded at least `n` downstreams; returns them.
  boost::json::array wait_downstreams(std::size_t emulator, std::size_t n,
                                      std::chrono::milliseconds timeout);
  // {"result"?: code, "delay"?: s, "next"?: [codes]}; returns the HTTP status.
  int set_downstream_result(std::size_t emulator, const std::string& json_body);
  int queue_results(std::size_t emulator, const std::vector<std::string>& codes);
  int accept_downstream(std::size_t emulator, bool accept);
  int set_traffic(std::size_t emulator, bool running);
  // POST /emulator/uplink: the device's next frame now, or a rejoin request of type `rejoin`;
  // the HTTP status.
  int inject_uplink(std::size_t emulator, lorawan::DevEui dev_eui,
                    std::optional<int> rejoin = std::nullopt);
  boost::json::array emulator_devices(std::size_t emulator = 0);
  // Polls RAN's REST API until the routing sync has created multicast group `addr`.
  bool wait_multicast_group(std::size_t emulator, lorawan::DevAddr addr,
                            std::chrono::milliseconds timeout);
  std::int64_t counter(std::size_t emulator, const std::string& group, const std::string& name);

 private:
  struct Emulator {
    int port = 0;
    std::optional<Process> proc;
  };
  StackOptions opt_;
  TempDir dir_;
  Mosquitto broker_;
  std::vector<std::unique_ptr<Emulator>> emus_;  // Process cannot move
  int http_port_ = 0;
  std::filesystem::path devices_file_;
  std::filesystem::path bridge_config_;
  std::optional<TestNetworkServer> ns_;
  std::optional<Process> bridge_;
  std::string why_;
  int bridge_starts_ = 0;

  std::filesystem::path write_devices_file();
  std::filesystem::path write_bridge_config();
  std::string admin_url(std::size_t emulator, const std::string& path) const;
};

// JSON helpers for the emulator's recorded downstream messages.
std::uint64_t json_u64(const boost::json::value& v);
// The TransactionIDs of recorded downstreams.
std::vector<std::uint64_t> transaction_ids(const boost::json::array& downstreams);
// The recorded downstreams whose message has DevEUI (or Addr, for multicast) = `id`.
std::vector<boost::json::object> downstreams_for(const boost::json::array& downstreams,
                                                 std::uint64_t id, const char* key = "DevEUI");

}  // namespace ranbridge::testing
