#pragma once
// ran-emulator: a local Everynet RAN. One HTTP listener (plain or TLS) serves the REST routing
// table and multicast API under <base_path>, the upstream/downstream websockets under
// <base_path>/stream/{upstream,downstream}/, and admin endpoints under /emulator/. A device
// simulator sends real LoRaWAN traffic for the devices of the devices file that are in the
// routing table. See docs/emulator.md.

#include <cstdint>
#include <memory>
#include <string>

#include "ranbridge/emulator/config.hpp"

namespace ranbridge::emulator {

class Emulator {
 public:
  explicit Emulator(Config cfg);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Loads the devices, binds the listener and starts the io threads. Throws on failure
  // (std::runtime_error with the reason).
  void start();
  // e.g. "http://127.0.0.1:8080/api/v1" (the real port when 0 was asked).
  std::string base_url() const;
  std::uint16_t port() const;
  // Blocks until stop(), SIGINT/SIGTERM (when `handle_signals`), or the load duration ends.
  void wait(bool handle_signals = true);
  // Thread-safe; closes every socket and stops the io threads.
  void stop();
  // The same JSON as GET /emulator/stats.
  std::string stats_json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ranbridge::emulator
