#pragma once
// Sends systemd's WATCHDOG=1 from an Asio timer on the service's io_context: the pings stop
// when the io loop hangs, which is exactly what WatchdogSec= should catch. A no-op when
// systemd did not ask for a watchdog (SdNotifier::watchdog_interval() empty) or
// $NOTIFY_SOCKET is unset.

#include <chrono>
#include <memory>
#include <optional>

#include <boost/asio/any_io_executor.hpp>

#include "ranbridge/ops/sd_notify.hpp"

namespace ranbridge::ops {

class WatchdogPinger {
 public:
  // `interval` nullopt = SdNotifier::watchdog_interval().
  WatchdogPinger(boost::asio::any_io_executor executor, SdNotifier notifier,
                 std::optional<std::chrono::microseconds> interval = std::nullopt);
  ~WatchdogPinger();  // stop()
  WatchdogPinger(const WatchdogPinger&) = delete;
  WatchdogPinger& operator=(const WatchdogPinger&) = delete;

  // True when pings will be sent (a notify socket and an interval).
  bool active() const;
  // Sends one ping now and then every interval. Idempotent.
  void start();
  void stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ranbridge::ops
