#include "ranbridge/ops/sd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace ranbridge::ops {

SdNotifier SdNotifier::from_environment() {
  const char* p = std::getenv("NOTIFY_SOCKET");
  return SdNotifier(p ? std::string(p) : std::string());
}

SdNotifier::SdNotifier(std::string socket_path) : path_(std::move(socket_path)) {}

bool SdNotifier::notify(std::string_view state) const {
  if (path_.empty() || state.empty()) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // Abstract sockets are named by a leading NUL instead of '@' and are not NUL-terminated;
  // the address length then says where the name ends.
  if (path_.size() >= sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, path_.data(), path_.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path_.size());
  if (path_[0] == '@')
    addr.sun_path[0] = '\0';
  else if (path_[0] != '/')
    return false;  // systemd only hands out absolute or abstract addresses
  else
    len += 1;  // include the terminating NUL of a filesystem path
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&addr), len);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

bool SdNotifier::status(std::string_view text) const {
  std::string line = "STATUS=";
  for (char c : text) line += (c == '\n' || c == '\r') ? ' ' : c;
  return notify(line);
}

std::optional<std::chrono::microseconds> SdNotifier::watchdog_interval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec) return std::nullopt;
  if (const char* pid = std::getenv("WATCHDOG_PID")) {
    long long p = 0;
    auto [ptr, ec] = std::from_chars(pid, pid + std::strlen(pid), p);
    if (ec != std::errc{} || *ptr != '\0' || p != static_cast<long long>(::getpid()))
      return std::nullopt;
  }
  unsigned long long v = 0;
  auto [ptr, ec] = std::from_chars(usec, usec + std::strlen(usec), v);
  if (ec != std::errc{} || *ptr != '\0' || v == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<long long>(v / 2));
}

}  // namespace ranbridge::ops
