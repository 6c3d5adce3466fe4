#pragma once
// State shared by the server, the downstream handler and the device simulator.

#include <boost/asio/any_io_executor.hpp>
#include <mutex>

#include "hub.hpp"
#include "ranbridge/emulator/config.hpp"
#include "ranbridge/emulator/rest_api.hpp"
#include "ranbridge/emulator/stats.hpp"

namespace ranbridge::emulator {

struct Shared {
  explicit Shared(Config c) : cfg(std::move(c)) { rest.table = RoutingTable(cfg.device_limit); }
  Config cfg;
  std::mutex mu;  // guards `rest` (routing table + multicast groups)
  RestState rest;
  Hub hub;
  Stats stats;
  UpstreamTracker tracker;
};

}  // namespace ranbridge::emulator
