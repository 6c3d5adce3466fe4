#pragma once
// An MQTT client for the bridge: Paho MQTT C++ (async) driven from Asio.
//
// - All state lives on a strand of the executor given at construction; Paho's callbacks only
//   post onto it. Every public member may be called from any thread.
// - Outgoing messages wait in a bounded FIFO queue (oldest dropped first when full, counted)
//   and are handed to Paho in order, at most `max_inflight` unacknowledged at a time. A QoS 1
//   message leaves the client when its PUBACK arrives; on a connection loss every unacked
//   message goes back to the front of the queue, in order (at-least-once: duplicates
//   possible after a reconnect, no loss while the process lives).
// - Reconnects forever with exponential backoff (0.5 s -> 30 s by default); a broker that
//   is down at start is retried, not fatal. On every (re)connect: resubscribe, publish the
//   retained "birth" messages, then drain the queue.
// - stop(): drain within a bounded wait, publish the "offline" messages, disconnect cleanly
//   (a clean DISCONNECT makes the broker discard the will).
//
// One will per connection (MQTT): the bridge passes its first region's state/conn OFFLINE as
// the will, registers ONLINE births and OFFLINE messages for all regions (see docs/lns.md).

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace ranbridge::lns {

// The MQTT password: never printed (streams as "***"); reveal() is for the CONNECT only.
class Password {
 public:
  Password() = default;
  explicit Password(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend std::ostream& operator<<(std::ostream& os, const Password&) { return os << "***"; }

 private:
  std::string value_;
};

struct MqttTls {
  std::string ca_file;          // PEM CA bundle to verify the broker; empty = system default
  std::string cert_file;        // client certificate (PEM), optional
  std::string key_file;         // client private key (PEM), optional
  bool verify_hostname = true;  // check the broker certificate's name against the URL host
};

struct MqttMessage {
  std::string topic;
  std::string payload;
  bool retained = false;
};

struct MqttClientOptions {
  std::string
      url;  // tcp://host:1883, ssl://host:8883, ws://host/mqtt, wss://... (mqtt://, mqtts:// too)
  std::string client_id;
  bool clean_session = false;  // persistent session: subscriptions survive a reconnect
  int qos = 1;                 // for publishes (0 or 1)
  std::chrono::seconds keepalive{30};
  std::chrono::seconds connect_timeout{10};
  std::string username;
  Password password;
  MqttTls tls;                      // used for ssl://, wss://, mqtts://
  std::optional<MqttMessage> will;  // sent retained at QoS 1 by the broker on abrupt loss
  std::size_t queue_limit = 100000;
  std::size_t max_inflight = 1000;
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{30000};
};

// Throws std::invalid_argument naming the bad option (url scheme, empty client id, qos, ...).
void validate(const MqttClientOptions& options);

struct InboundMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retained = false;
};
using MessageHandler = std::function<void(const InboundMessage&)>;

// Snapshot of the counters (each read atomically; the set is not one transaction).
struct MqttStats {
  bool connected = false;
  bool subscribed = false;  // connected and every subscription acknowledged (SUBACK)
  std::size_t queue_depth = 0;
  std::size_t inflight = 0;
  std::uint64_t published = 0;           // acknowledged by the broker (QoS 1) or written (QoS 0)
  std::uint64_t dropped_queue_full = 0;  // oldest dropped because queue_limit was reached
  std::uint64_t dropped_invalid = 0;     // refused at publish(): bad topic
  std::uint64_t dropped_stopped = 0;     // published after stop() began, or left at its end
  std::uint64_t connects = 0;            // successful connections (first one included)
  std::uint64_t reconnects = 0;          // successful connections after the first
  std::uint64_t connection_losses = 0;
  std::uint64_t connect_failures = 0;
  std::uint64_t received = 0;
};

class MqttClient {
 public:
  // Validates the options (throws std::invalid_argument); does not connect yet.
  MqttClient(boost::asio::any_io_executor executor, MqttClientOptions options);
  // Closes without flushing (stop() is the graceful way); the broker discards the will.
  ~MqttClient();
  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

  // Starts connecting (and reconnecting until stop()).
  void start();

  // Queues a message at the configured QoS. Never blocks. A bad topic is refused and counted.
  void publish(std::string topic, std::string payload, bool retained = false);

  // Subscribes now (if connected) and after every reconnect; `handler` runs on the client's
  // strand, in arrival order, for every message whose topic matches `filter`.
  void subscribe(std::string filter, int qos, MessageHandler handler);

  // Retained messages published (before the queue) on every connect, e.g. ONLINE ConnState.
  void add_birth(std::string topic, std::string payload);
  // Retained messages published by stop() before disconnecting, e.g. OFFLINE ConnState.
  void add_offline(std::string topic, std::string payload);

  // Graceful stop: refuses new publishes, waits up to `flush_timeout` for the queue and the
  // in-flight window to drain, publishes the offline messages, disconnects cleanly.
  // Messages still queued at the end are counted as dropped_stopped.
  boost::asio::awaitable<void> stop(std::chrono::milliseconds flush_timeout);

  MqttStats stats() const;
  bool connected() const;

  struct State;  // implementation detail (shared with Paho callbacks)

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ranbridge::lns
