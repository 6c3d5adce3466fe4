#include "ranbridge/ops/signals.hpp"

#include <csignal>
#include <mutex>

#include <boost/asio/signal_set.hpp>

namespace ranbridge::ops {

struct SignalHandler::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::any_io_executor ex, StopCallback stop, ReloadCallback reload)
      : signals(ex, SIGTERM, SIGINT, SIGHUP),
        on_stop(std::move(stop)),
        on_reload(std::move(reload)) {}

  // Called with `mutex` held: signal_set is not safe against a concurrent cancel().
  void arm() {
    // The handler holds the Impl alive; cancel() breaks the cycle by aborting the wait.
    signals.async_wait([self = shared_from_this()](boost::system::error_code ec, int sig) {
      if (ec) return;  // operation_aborted: cancelled
      {
        std::lock_guard lock(self->mutex);
        if (self->cancelled) return;
      }
      if (sig == SIGHUP) {
        if (self->on_reload) self->on_reload();
      } else if (self->on_stop) {
        self->on_stop(sig);
      }
      std::lock_guard lock(self->mutex);
      if (!self->cancelled) self->arm();
    });
  }

  boost::asio::signal_set signals;
  StopCallback on_stop;
  ReloadCallback on_reload;
  std::mutex mutex;
  bool cancelled = false;
};

SignalHandler::SignalHandler(boost::asio::any_io_executor executor, StopCallback on_stop,
                             ReloadCallback on_reload)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(on_stop), std::move(on_reload))) {
  std::lock_guard lock(impl_->mutex);
  impl_->arm();
}

SignalHandler::~SignalHandler() {
  cancel();
}

void SignalHandler::cancel() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->cancelled) return;
  impl_->cancelled = true;
  boost::system::error_code ignored;
  impl_->signals.cancel(ignored);
  impl_->signals.clear(ignored);
}

}  // namespace ranbridge::ops
