#pragma once
// Minimal HTTP and websocket clients for the emulator's integration tests (Beast on loopback).
// They are deliberately independent of the ran client library: the emulator is checked
// against the contract, not against our own client.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <boost/json/value.hpp>

#include "ranbridge_test/support.hpp"

namespace ranbridge::emulator_test {

struct HttpResult {
  unsigned status = 0;
  std::string body;
  boost::json::value json() const;
};

// One request on a fresh connection. `token` empty = no Authorization header.
HttpResult http(int port, const std::string& method, const std::string& target,
                const std::string& body = "", const std::string& token = "");

// A websocket client with a background reader: frames land in a queue.
class WsClient {
 public:
  // `token_in_query`: send ?access_token= instead of the Authorization header.
  WsClient(int port, const std::string& path, const std::string& token,
           bool token_in_query = false);
  ~WsClient();
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // nullopt on timeout or when the socket is closed and the queue is empty.
  std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  std::optional<boost::json::value> read_json(
      std::chrono::milliseconds timeout = std::chrono::seconds(5));
  void write(const std::string& text);
  bool closed() const;
  int pings_received() const;
  // Waits until the server closed the socket.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Tries a websocket handshake; returns the HTTP status of the refusal (101 on success).
unsigned ws_handshake_status(int port, const std::string& target, const std::string& token);

// A running ran-emulator process on an ephemeral port.
class EmulatorProcess {
 public:
  explicit EmulatorProcess(std::vector<std::string> extra_args = {},
                           std::string token = "test-token");
  int port() const { return port_; }
  const std::string& token() const { return token_; }
  std::string base() const { return "/api/v1"; }
  ranbridge::testing::Process& process() { return *proc_; }
  boost::json::value stats() const;
  HttpResult get(const std::string& target) const { return http(port_, "GET", target, "", token_); }
  HttpResult post(const std::string& target, const std::string& body) const {
    return http(port_, "POST", target, body, token_);
  }
  // Polls /emulator/stats until pred(stats) or timeout.
  template <class Pred>
  bool wait_stats(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (pred(stats())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return pred(stats());
  }

 private:
  std::string token_;
  int port_ = 0;
  std::unique_ptr<ranbridge::testing::Process> proc_;
};

}  // namespace ranbridge::emulator_test
