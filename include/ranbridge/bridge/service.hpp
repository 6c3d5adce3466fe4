#pragma once
// The ran-bridge service: per region a pool of supervised upstream sockets feeding the
// UplinkPipeline, the MQTT client, routing sync, event/stats, the status server, and an
// orderly stop. Everything runs on one io_context (run by a small thread pool): each socket
// and each region's REST client live on their own strand.
//
//   bridge::Service svc(io, config, registry);
//   svc.start();                 // throws on a fatal start problem (port in use, ...)
//   svc.reload(new_registry);    // SIGHUP
//   svc.stop(on_done);           // SIGTERM: drain, flush MQTT, snapshot sessions

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "ranbridge/mic/registry.hpp"
#include "ranbridge/ops/config.hpp"

namespace ranbridge::bridge {

class Service {
 public:
  Service(boost::asio::io_context& io, ops::Config config,
          std::shared_ptr<const mic::Registry> registry);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Loads the session snapshot, starts the status server (throws when http.listen cannot be
  // bound), the MQTT client, every region's sockets and routing sync.
  void start();
  // New device registry (SIGHUP): swapped atomically, then every region re-syncs.
  void reload(std::shared_ptr<const mic::Registry> registry);
  // Stops taking upstreams, lets the ones in flight be answered, flushes MQTT (bounded),
  // snapshots the sessions; then calls `done` (once). Idempotent.
  void stop(std::function<void()> done);

  // What keeps the service from being ready (empty = ready), as /health/ready reports it.
  std::vector<std::string> missing() const;
  // The status server's bound port (after start()).
  std::uint16_t http_port() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace ranbridge::bridge
