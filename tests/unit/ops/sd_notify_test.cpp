#include "ranbridge/ops/sd_notify.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <random>

#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "ranbridge/ops/watchdog.hpp"
#include "ranbridge_test/support.hpp"

namespace ranbridge::ops {
namespace {

// A datagram socket standing in for systemd's notify socket.
class NotifySocket {
 public:
  // `name` is a filesystem path, or "@..." for the abstract namespace.
  explicit NotifySocket(const std::string& name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, name.data(), name.size());
    socklen_t len = offsetof(sockaddr_un, sun_path) + name.size();
    if (name[0] == '@')
      addr.sun_path[0] = '\0';
    else
      len += 1;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) std::abort();
  }
  ~NotifySocket() { ::close(fd_); }

  // The next datagram, or "" after a 2 s timeout (never hit when the sender works).
  std::string receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return {};
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  int fd_ = -1;
};

TEST(SdNotify, SendsStatesToFilesystemSocket) {
  ranbridge::testing::TempDir dir;
  auto path = (dir / "notify").string();
  NotifySocket sock(path);
  SdNotifier n(path);
  ASSERT_TRUE(n.enabled());
  EXPECT_TRUE(n.ready());
  EXPECT_EQ(sock.receive(), "READY=1");
  EXPECT_TRUE(n.status("3/4 upstream sockets\nmqtt up"));
  EXPECT_EQ(sock.receive(), "STATUS=3/4 upstream sockets mqtt up");
  EXPECT_TRUE(n.watchdog());
  EXPECT_EQ(sock.receive(), "WATCHDOG=1");
  EXPECT_TRUE(n.reloading());
  EXPECT_EQ(sock.receive(), "RELOADING=1");
  EXPECT_TRUE(n.stopping());
  EXPECT_EQ(sock.receive(), "STOPPING=1");
}

TEST(SdNotify, AbstractNamespaceSocket) {
  std::string name = "@ranbridge-test-" + std::to_string(::getpid()) + "-" +
                     std::to_string(std::random_device{}());
  NotifySocket sock(name);
  SdNotifier n(name);
  EXPECT_TRUE(n.notify("READY=1\nSTATUS=up"));
  EXPECT_EQ(sock.receive(), "READY=1\nSTATUS=up");
}

TEST(SdNotify, DisabledAndBrokenTargetsAreNoOps) {
  SdNotifier off;
  EXPECT_FALSE(off.enabled());
  EXPECT_FALSE(off.ready());
  SdNotifier missing("/nonexistent/dir/notify");
  EXPECT_FALSE(missing.ready());  // reported, never thrown
  SdNotifier relative("relative/path");
  EXPECT_FALSE(relative.ready());
  SdNotifier too_long("/" + std::string(200, 'x'));
  EXPECT_FALSE(too_long.ready());
}

TEST(SdNotify, FromEnvironmentAndWatchdogInterval) {
  ranbridge::testing::TempDir dir;
  auto path = (dir / "notify").string();
  NotifySocket sock(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  auto n = SdNotifier::from_environment();
  ::unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(n.ready());
  EXPECT_EQ(sock.receive(), "READY=1");

  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  EXPECT_FALSE(SdNotifier::watchdog_interval());
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  EXPECT_EQ(SdNotifier::watchdog_interval(), std::chrono::microseconds(15'000'000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(SdNotifier::watchdog_interval(), std::chrono::microseconds(15'000'000));
  ::setenv("WATCHDOG_PID", "1", 1);  // meant for another process
  EXPECT_FALSE(SdNotifier::watchdog_interval());
  ::unsetenv("WATCHDOG_PID");
  ::setenv("WATCHDOG_USEC", "abc", 1);
  EXPECT_FALSE(SdNotifier::watchdog_interval());
  ::unsetenv("WATCHDOG_USEC");
}

TEST(Watchdog, PingsFromTheIoLoopUntilStopped) {
  ranbridge::testing::TempDir dir;
  auto path = (dir / "notify").string();
  NotifySocket sock(path);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  WatchdogPinger pinger(io.get_executor(), SdNotifier(path), std::chrono::milliseconds(10));
  ASSERT_TRUE(pinger.active());
  pinger.start();
  pinger.start();  // idempotent: still one ping per interval
  std::thread runner([&] { io.run(); });
  // Three pings arrive (receive() waits up to 2 s each: no dependence on timing precision).
  EXPECT_EQ(sock.receive(), "WATCHDOG=1");
  EXPECT_EQ(sock.receive(), "WATCHDOG=1");
  EXPECT_EQ(sock.receive(), "WATCHDOG=1");
  pinger.stop();
  work.reset();
  runner.join();  // returns only because the timer is no longer re-armed
}

TEST(Watchdog, InactiveWithoutSocketOrInterval) {
  boost::asio::io_context io;
  ::unsetenv("WATCHDOG_USEC");
  WatchdogPinger no_interval(io.get_executor(), SdNotifier("/tmp/x"));
  EXPECT_FALSE(no_interval.active());
  WatchdogPinger no_socket(io.get_executor(), SdNotifier(), std::chrono::seconds(1));
  EXPECT_FALSE(no_socket.active());
  no_socket.start();
  no_socket.stop();
  io.run();  // nothing armed: returns at once
}

}  // namespace
}  // namespace ranbridge::ops
