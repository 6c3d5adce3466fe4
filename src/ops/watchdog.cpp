#include "ranbridge/ops/watchdog.hpp"

#include <mutex>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace ranbridge::ops {

namespace asio = boost::asio;

struct WatchdogPinger::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, SdNotifier n, std::optional<std::chrono::microseconds> i)
      : strand(asio::make_strand(ex)), timer(strand), notifier(std::move(n)), interval(i) {}

  // On the strand: ping, then re-arm. The handler keeps the Impl alive until stop().
  void tick() {
    if (stopped) return;
    notifier.watchdog();
    timer.expires_after(*interval);
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->tick();
    });
  }

  asio::strand<asio::any_io_executor> strand;
  asio::steady_timer timer;
  SdNotifier notifier;
  std::optional<std::chrono::microseconds> interval;
  bool started = false;  // strand only
  bool stopped = false;  // strand only
};

WatchdogPinger::WatchdogPinger(asio::any_io_executor executor, SdNotifier notifier,
                               std::optional<std::chrono::microseconds> interval)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(notifier),
                                   interval ? interval : SdNotifier::watchdog_interval())) {
  if (impl_->interval && impl_->interval->count() <= 0) impl_->interval.reset();
}

WatchdogPinger::~WatchdogPinger() {
  stop();
}

bool WatchdogPinger::active() const {
  return impl_->notifier.enabled() && impl_->interval;
}

void WatchdogPinger::start() {
  if (!active()) return;
  asio::dispatch(impl_->strand, [impl = impl_] {
    if (impl->started || impl->stopped) return;
    impl->started = true;
    impl->tick();
  });
}

void WatchdogPinger::stop() {
  asio::dispatch(impl_->strand, [impl = impl_] {
    impl->stopped = true;
    impl->timer.cancel();
  });
}

}  // namespace ranbridge::ops
