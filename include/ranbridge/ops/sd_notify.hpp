#pragma once
// systemd's notify protocol, spoken directly on $NOTIFY_SOCKET (no libsystemd): one
// datagram per state change on a unix socket, abstract namespace when the path starts '@'.
// Without $NOTIFY_SOCKET (not under systemd, or in Docker) every call is a no-op.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ranbridge::ops {

class SdNotifier {
 public:
  // Reads $NOTIFY_SOCKET (and leaves it set: child processes are not ours to notify for).
  static SdNotifier from_environment();
  // An explicit socket path ("" = disabled); "@name" = abstract namespace.
  explicit SdNotifier(std::string socket_path = {});

  bool enabled() const { return !path_.empty(); }
  // Sends `state` ("READY=1", "STATUS=...", several lines allowed). Returns false when
  // disabled or when sending failed; never throws (notifying is best effort).
  bool notify(std::string_view state) const;

  bool ready() const { return notify("READY=1"); }
  bool stopping() const { return notify("STOPPING=1"); }
  bool reloading() const { return notify("RELOADING=1"); }
  bool watchdog() const { return notify("WATCHDOG=1"); }
  // STATUS= is one line: newlines in `text` are replaced by spaces.
  bool status(std::string_view text) const;

  // How often to send WATCHDOG=1: half of $WATCHDOG_USEC when it is set for this process
  // ($WATCHDOG_PID unset or equal to our pid), else nullopt (watchdog off).
  static std::optional<std::chrono::microseconds> watchdog_interval();

 private:
  std::string path_;
};

}  // namespace ranbridge::ops
