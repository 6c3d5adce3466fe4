#pragma once
// The simulated devices: real LoRaWAN join requests and data uplinks for the devices of the
// devices file that are in the routing table, MIC challenges built around the true MIC, and
// join accepts handled like a device would (decrypt, check MIC, derive the session, move to
// the new DevAddr).

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/array.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core.hpp"
#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::emulator {

// What a simulated device knows (keys included), loaded from the devices file or generated.
struct SimDeviceSpec {
  lorawan::DevEui dev_eui;
  bool otaa = true;
  bool lorawan_1_1 = false;
  lorawan::JoinEui join_eui;
  lorawan::AesKey app_key;  // OTAA
  lorawan::AesKey nwk_key;  // OTAA 1.1 (1.0.x: = app_key)
  // ABP session.
  lorawan::DevAddr dev_addr;
  lorawan::AesKey nwk_s_key;        // 1.0.x (also FNwkSIntKey in 1.1)
  lorawan::AesKey s_nwk_s_int_key;  // 1.1
  lorawan::AesKey nwk_s_enc_key;    // 1.1
  lorawan::AesKey app_s_key;
  std::optional<std::uint32_t> fcnt_up;  // ABP: next FCntUp (default: traffic.start_fcnt)
};

// Why an injected uplink could not be sent. kNotRejoinable: a rejoin was asked of a device
// that is not a LoRaWAN 1.1 OTAA device with a session.
enum class InjectError { kUnknownDevice, kNotSubscribed, kNoSocket, kNotRejoinable };

class Simulator {
 public:
  Simulator(Shared& shared, boost::asio::any_io_executor ex, std::vector<SimDeviceSpec> devices);
  ~Simulator();
  // Starts the traffic loop (and the unanswered sweeper).
  void start();
  void set_running(bool running);
  bool running() const;
  // Sends one frame of `dev_eui` now (join request if it has no session), or a rejoin request
  // of type `rejoin` (0, 1 or 2). TransactionID.
  struct Injected {
    std::optional<std::uint64_t> tx;
    InjectError error{};
  };
  Injected inject(lorawan::DevEui dev_eui, std::optional<std::uint8_t> rejoin = std::nullopt);
  // A Downstream with TargetDevAddr for `dev_eui`: try it as a join accept (answering the
  // device's last join request, or its last rejoin request when it sent one since).
  void on_join_accept(lorawan::DevEui dev_eui, lorawan::DevAddr target,
                      std::span<const std::uint8_t> phy);
  boost::json::array devices_json() const;
  std::size_t size() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Loads a devices file (the mic registry format) into specs; throws ConfigError.
std::vector<SimDeviceSpec> load_sim_devices(const std::string& path);
// N ABP devices with deterministic EUIs, DevAddrs and keys derived from `seed`.
std::vector<SimDeviceSpec> generate_sim_devices(std::uint32_t n, std::uint64_t seed);
// Writes ABP devices as a JSON devices file (docs/devices.md) that ran-bridge can load.
// Throws std::runtime_error when the file cannot be written.
void write_devices_file(const std::string& path, const std::vector<SimDeviceSpec>& devices);

}  // namespace ranbridge::emulator
