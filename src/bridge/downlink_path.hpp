#pragma once
// The service's downlink side (issue 5): MQTT command/down -> plan (downlink_plan.hpp) ->
// RAN Downstream on a supervised per-region downstream socket, results tracked
// (DownlinkTracker) and reported as DownlinkTxAck on event/ack. Private to src/bridge; the
// Service owns one and calls start() after the MQTT client exists and stop() before the
// MQTT client is flushed.

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "ranbridge/bridge/last_heard.hpp"
#include "ranbridge/bridge/uplink_pipeline.hpp"
#include "ranbridge/lns/mqtt_client.hpp"
#include "ranbridge/mic/registry.hpp"
#include "ranbridge/mic/session_store.hpp"
#include "ranbridge/ops/config.hpp"
#include "ranbridge/ops/metrics.hpp"

namespace ranbridge::bridge {

class DownlinkPath {
 public:
  struct Deps {
    boost::asio::io_context* io = nullptr;
    const ops::Config* config = nullptr;
    std::vector<const RegionInfo*> regions;  // same order as config->regions
    mic::RegistryHandle* registry = nullptr;
    mic::SessionStore* sessions = nullptr;
    lns::MqttClient* mqtt = nullptr;
    ops::Metrics* metrics = nullptr;
    LastHeard* last_heard = nullptr;
    lns::Marshaler marshaler = lns::Marshaler::protobuf;
    std::function<void()> sessions_changed;  // a join accept stored a pending session
  };

  explicit DownlinkPath(Deps deps);
  ~DownlinkPath();
  DownlinkPath(const DownlinkPath&) = delete;
  DownlinkPath& operator=(const DownlinkPath&) = delete;

  // Opens the transaction-id counter (state_dir/txid; throws when it is unusable), subscribes
  // every region's command/down topic and starts the downstream sockets.
  void start();
  // Stops taking commands, waits (<= 2 s) for outstanding results, answers what is left with
  // a TxAck, closes the downstream sockets. Call before the MQTT client is flushed.
  boost::asio::awaitable<void> stop();

  // Downstream sockets currently open in a region (tests, status).
  int sockets_up(std::size_t region_index) const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace ranbridge::bridge
