#pragma once
// Runs a SyncPlan against one region's RAN REST API: bounded concurrency (workers pulling
// from the plan), retries with backoff per action, one action's failure never stopping the
// others. Groups go after devices (a member must exist before add-device), so the plan is
// run in two phases. Use from the strand that owns `core`.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "ranbridge/bridge/routing_plan.hpp"
#include "ranbridge/ops/config.hpp"
#include "ranbridge/ran/core.hpp"

namespace ranbridge::bridge {

// The RAN client options a region's configuration asks for (timeouts, CA file): every RAN
// connection of the region (upstream, downstream, REST) uses them.
ran::ClientOptions client_options(const ops::RegionConfig& rc);

struct SyncOptions {
  unsigned concurrency = 8;
  unsigned retries = 3;                        // after the first attempt
  std::chrono::milliseconds retry_delay{200};  // doubled per retry
};

struct SyncReport {
  std::size_t ok = 0;
  std::size_t failed = 0;
  std::vector<std::string> errors;  // "action dev_eui: reason", at most 20 kept
};

// The actual state of the region: every device (paged select_all) and every group.
struct ActualState {
  std::vector<ran::Device> devices;
  std::vector<ran::MulticastGroup> groups;
};
boost::asio::awaitable<ActualState> fetch_actual(ran::Core& core);

// `on_result(action, ok)` is called once per action (metrics).
using ActionObserver = std::function<void(const SyncAction&, bool ok)>;
boost::asio::awaitable<SyncReport> run_plan(ran::Core& core, SyncPlan plan, SyncOptions options,
                                            ActionObserver on_result);

}  // namespace ranbridge::bridge
