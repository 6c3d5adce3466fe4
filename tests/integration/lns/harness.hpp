#pragma once
// Shared pieces of the MQTT integration tests: a mosquitto of our own (persistence, TLS and a
// second plain listener are options the shared test Mosquitto does not have), an io_context
// on a thread, an inbox that collects what a subscribing MqttClient receives, and polling.

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ranbridge/lns/mqtt_client.hpp"
#include "ranbridge_test/support.hpp"

namespace ranbridge::lns::it {

using namespace std::chrono_literals;

// Polls `done` every 10 ms until it holds or `timeout` passes; returns its last value.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout = 20s);

struct BrokerTls {
  std::filesystem::path ca, cert, key;  // server side
  bool require_client_cert = false;
};

struct BrokerOptions {
  // Sessions and retained messages survive a restart (written on SIGTERM, read at start).
  bool persistence = true;
  std::optional<BrokerTls> tls;  // when set, port() is the TLS listener and plain_port() plain
};

// A private mosquitto on ephemeral loopback ports; stop() and start() keep the ports.
class Broker {
 public:
  explicit Broker(BrokerOptions options = {}, bool start_now = true);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  void start();
  void stop();
  int port() const { return port_; }
  int plain_port() const { return plain_port_; }
  std::string url() const;        // tcp:// or ssl:// for port()
  std::string plain_url() const;  // tcp:// (the same as url() without TLS)
  std::string log() const;

 private:
  BrokerOptions options_;
  testing::TempDir dir_;
  int port_;
  int plain_port_;
  std::optional<testing::Process> proc_;
  int starts_ = 0;
};

// An io_context run by one thread until every client on it is gone.
class IoThread {
 public:
  IoThread();
  ~IoThread();
  boost::asio::any_io_executor executor() { return io_.get_executor(); }
  boost::asio::io_context& context() { return io_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

// What a subscriber received, in arrival order (filled on the client's strand).
class Inbox {
 public:
  MessageHandler handler();
  std::vector<InboundMessage> messages() const;
  std::size_t size() const;
  bool wait_for_size(std::size_t n, std::chrono::milliseconds timeout = 20s) const;
  // Numbers from payloads "<n>" or "<n>:..." in arrival order.
  std::vector<long> numbers() const;

 private:
  mutable std::mutex mutex_;
  std::vector<InboundMessage> messages_;
};

// Options for a test client: fast reconnects so that tests spend no time in backoff.
MqttClientOptions client_options(const std::string& url, const std::string& client_id);

// Stops a client from the test thread (runs stop() on the io_context and waits for it).
void stop_client(IoThread& io, MqttClient& client, std::chrono::milliseconds flush_timeout);

// A started subscriber (persistent session) whose subscription has been acknowledged.
std::unique_ptr<MqttClient> subscriber(IoThread& io, const std::string& url,
                                       const std::string& client_id, const std::string& filter,
                                       Inbox& inbox);

}  // namespace ranbridge::lns::it
