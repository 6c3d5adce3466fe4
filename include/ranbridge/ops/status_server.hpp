#pragma once
// The HTTP status server on http.listen (Beast, asio coroutines):
//   GET /metrics       200, Prometheus text format 0.0.4
//   GET /health/live   200 {"live":true} while the process runs
//   GET /health/ready  200 {"ready":true} when the readiness check names nothing missing,
//                      else 503 {"ready":false,"missing":["region eu: no upstream socket",...]}
//   other paths 404, other methods 405 (Allow: GET). Keep-alive; requests are bounded in
//   size (413/431) and time (idle connections close after request_timeout).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace ranbridge::ops {

class StatusServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";                     // IP literal
    std::uint16_t port = 9464;                          // 0 = ephemeral (see port())
    std::chrono::milliseconds request_timeout{10'000};  // per request, incl. idle keep-alive
    std::size_t max_header_bytes = 8 * 1024;
    std::size_t max_body_bytes = 1024;  // GETs carry no body
    std::size_t max_connections = 64;   // more are closed at once
  };
  // Both callbacks run on the server's strand, must be thread-safe towards the rest of the
  // service and fast (no blocking).
  using MetricsText = std::function<std::string()>;
  using Readiness = std::function<std::vector<std::string>()>;  // what is missing; empty = ready

  StatusServer(boost::asio::any_io_executor executor, Options options, MetricsText metrics,
               Readiness readiness);
  ~StatusServer();  // stop()
  StatusServer(const StatusServer&) = delete;
  StatusServer& operator=(const StatusServer&) = delete;

  // Binds and starts accepting. Throws boost::system::system_error when the address cannot
  // be bound (port in use, bad host), with the address in the message.
  void start();
  // Stops accepting, closes open connections; the callbacks are never called after it
  // returns. Idempotent.
  void stop();
  // The bound port (the real one when Options::port was 0). Valid after start().
  std::uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ranbridge::ops
