#pragma once
// A TCP proxy on loopback that forwards to a local port at once but holds back what the
// server answers for `delay` (once per connection): a broker whose CONNACK is late.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ranbridge::lns::it {

class SlowProxy {
 public:
  SlowProxy(int target_port, std::chrono::milliseconds delay)
      : target_(target_port), delay_(delay) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("SlowProxy: cannot listen");
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~SlowProxy() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : sockets_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : pipes_) t.join();
    for (int fd : sockets_) ::close(fd);
  }
  int port() const { return port_; }
  // Bytes forwarded from clients to the server so far.
  std::size_t upstream_bytes() const { return upstream_bytes_; }
  // Client connections that have ended (EOF or error from the client).
  std::size_t closed_clients() const { return closed_clients_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) return;
      int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(static_cast<std::uint16_t>(target_));
      if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      std::lock_guard lock(mutex_);
      sockets_.push_back(client);
      sockets_.push_back(server);
      pipes_.emplace_back([this, client, server] {
        pipe(client, server, {}, &upstream_bytes_);
        ++closed_clients_;
      });
      pipes_.emplace_back([this, client, server] { pipe(server, client, delay_, nullptr); });
    }
  }
  // Copies until EOF, then passes the EOF on (so a dropped client looks dropped upstream).
  static void pipe(int from, int to, std::chrono::milliseconds delay,
                   std::atomic<std::size_t>* counter) {
    char buf[4096];
    bool first = true;
    for (;;) {
      auto n = ::read(from, buf, sizeof buf);
      if (n <= 0) break;
      if (first && delay.count() > 0) std::this_thread::sleep_for(delay);
      first = false;
      if (::write(to, buf, static_cast<std::size_t>(n)) != n) break;
      if (counter) *counter += static_cast<std::size_t>(n);
    }
    ::shutdown(to, SHUT_WR);
  }

  int target_;
  std::chrono::milliseconds delay_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> upstream_bytes_{0};
  std::atomic<std::size_t> closed_clients_{0};
  std::mutex mutex_;
  std::vector<int> sockets_;
  std::vector<std::thread> pipes_;
  std::thread acceptor_;
};

}  // namespace ranbridge::lns::it
