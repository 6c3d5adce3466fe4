#pragma once
// SIGTERM/SIGINT -> stop callback, SIGHUP -> reload callback, delivered on the io_context
// through asio::signal_set (so the callbacks run as ordinary handlers, never inside a
// signal handler). Keeps listening until cancel() or destruction; a second SIGTERM calls
// on_stop again (the service may then give up draining).

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>

namespace ranbridge::ops {

class SignalHandler {
 public:
  using StopCallback = std::function<void(int signal)>;
  using ReloadCallback = std::function<void()>;

  SignalHandler(boost::asio::any_io_executor executor, StopCallback on_stop,
                ReloadCallback on_reload);
  ~SignalHandler();
  SignalHandler(const SignalHandler&) = delete;
  SignalHandler& operator=(const SignalHandler&) = delete;

  // Stops listening; the process gets the default signal behaviour back.
  void cancel();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ranbridge::ops
