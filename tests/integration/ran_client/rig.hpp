#pragma once
// Shared rig of the RAN client's integration tests: a real ran-emulator process on an
// ephemeral loopback port, the test's single-threaded io_context (every client call runs on
// it through run_blocking, so stream read loops and pings are served while the test waits)
// and an admin channel to the emulator's /emulator/* endpoints.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/value.hpp>

#include "ranbridge/ran/blocking.hpp"
#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/errors.hpp"
#include "ranbridge/ran/http_client.hpp"
#include "ranbridge_test/support.hpp"

namespace ranbridge::ran_client_test {

namespace ran = ranbridge::ran;

inline constexpr const char* kToken = "test-token";

// Devices in the devices-file format (docs/devices.md); keys are test-only. Two ABP devices
// with distinct addresses so that the test can solve every MIC challenge itself.
inline constexpr const char* kDevicesYaml = R"(devices:
  - dev_eui: "d25644d493c4178a"
    lorawan_version: "1.0.2"
    abp:
      dev_addr: "26011b01"
      nwk_s_key: "17409e723adb420db342c595b5aa2294"
      app_s_key: "22e90e8816038528fd1b5b5779ba4869"
  - dev_eui: "a84041000181c0a1"
    lorawan_version: "1.0.3"
    abp:
      dev_addr: "26011bff"
      nwk_s_key: "eff570746c7ee4d1390aa448afc41eed"
      app_s_key: "c41b85376911a3f574775dfffcc74eef"
)";
inline constexpr std::uint64_t kDeviceA = 0xd25644d493c4178aULL;
inline constexpr std::uint64_t kDeviceB = 0xa84041000181c0a1ULL;

// The true MIC of an Upstream carrying a 1.0.x data uplink of one of kDevicesYaml's devices
// (FCnt below 65536), or nullopt when it is not one of them.
std::optional<std::pair<ran::DevEui, std::uint32_t>> solve_mic(const ran::Upstream& up);

// A ran-emulator child process; the constructor returns once it prints its listening line.
class EmulatorProcess {
 public:
  explicit EmulatorProcess(std::vector<std::string> extra_args = {}, std::string token = kToken);
  // e.g. http://127.0.0.1:PORT/api/v1 (https when started with a certificate).
  const std::string& base_url() const { return base_url_; }
  // scheme://127.0.0.1:PORT
  std::string origin() const;
  int port() const { return port_; }
  const std::string& token() const { return token_; }
  ranbridge::testing::Process& process() { return *proc_; }

 private:
  std::string token_;
  std::string base_url_;
  int port_ = 0;
  std::unique_ptr<ranbridge::testing::Process> proc_;
};

// The io_context of one test plus the emulator's admin endpoints.
class Rig {
 public:
  // `tls`: how the admin channel verifies an https emulator.
  explicit Rig(std::vector<std::string> emulator_args = {}, ran::TlsOptions tls = {});
  ~Rig();

  boost::asio::io_context io;

  template <class T>
  T run(boost::asio::awaitable<T> task) {
    return ran::run_blocking(io, std::move(task));
  }
  // A Core on this rig's io_context; options default to short test timeouts.
  std::unique_ptr<ran::Core> core(std::string token = kToken,
                                  std::optional<ran::ClientOptions> options = std::nullopt);
  static ran::ClientOptions test_options();

  EmulatorProcess& emulator() { return *emu_; }
  boost::json::value stats();
  ran::HttpResponse admin_post(const std::string& target, const std::string& body = "");
  ran::HttpResponse admin_get(const std::string& target);
  // Runs the io_context for `d` (stream read loops keep going meanwhile).
  void pump(std::chrono::milliseconds d);
  // Polls pred() every 20 ms, pumping the io_context in between.
  template <class Pred>
  bool wait_until(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      pump(std::chrono::milliseconds(20));
    }
    return pred();
  }
  // Integer at a '/'-separated path of the stats JSON, e.g. "upstream/acked".
  std::int64_t stat(const std::string& path);

 private:
  std::unique_ptr<EmulatorProcess> emu_;
  std::unique_ptr<ran::HttpClient> admin_;
};

}  // namespace ranbridge::ran_client_test
