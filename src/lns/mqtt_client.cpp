#include "ranbridge/lns/mqtt_client.hpp"

#include <mqtt/async_client.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "ranbridge/lns/backoff.hpp"
#include "ranbridge/lns/tcp_nodelay.hpp"
#include "ranbridge/lns/topics.hpp"

namespace ranbridge::lns {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

void validate(const MqttClientOptions& o) {
  static constexpr std::string_view kSchemes[] = {"tcp://", "ssl://",  "ws://",
                                                  "wss://", "mqtt://", "mqtts://"};
  bool scheme_ok = std::any_of(std::begin(kSchemes), std::end(kSchemes),
                               [&](std::string_view s) { return o.url.starts_with(s); });
  if (!scheme_ok)
    throw std::invalid_argument(
        "mqtt url \"" + o.url +
        "\": scheme must be tcp://, ssl://, ws://, wss://, mqtt:// or mqtts://");
  if (o.url.find("://") + 3 == o.url.size())
    throw std::invalid_argument("mqtt url \"" + o.url + "\": host missing");
  if (o.client_id.empty()) throw std::invalid_argument("mqtt client_id must not be empty");
  if (o.client_id.size() > 65535) throw std::invalid_argument("mqtt client_id too long");
  if (o.qos != 0 && o.qos != 1) throw std::invalid_argument("mqtt qos must be 0 or 1");
  if (o.keepalive.count() < 0 || o.keepalive.count() > 65535)
    throw std::invalid_argument("mqtt keepalive must be 0..65535 s");
  if (o.connect_timeout.count() <= 0)
    throw std::invalid_argument("mqtt connect_timeout must be positive");
  if (o.queue_limit == 0) throw std::invalid_argument("mqtt queue_limit must be at least 1");
  if (o.max_inflight == 0 || o.max_inflight > 60000)
    throw std::invalid_argument("mqtt max_inflight must be 1..60000");
  if (o.reconnect_min.count() <= 0 || o.reconnect_max < o.reconnect_min)
    throw std::invalid_argument("mqtt reconnect delays: need 0 < min <= max");
  if (o.will && !valid_publish_topic(o.will->topic))
    throw std::invalid_argument("mqtt will topic \"" + o.will->topic + "\" is not a valid topic");
  if (!o.password.empty() && o.username.empty())
    throw std::invalid_argument("mqtt password given without a username");
}

namespace {

bool is_tls(const std::string& url) {
  return url.starts_with("ssl://") || url.starts_with("wss://") || url.starts_with("mqtts://");
}

enum class Kind { connect, publish, subscribe, disconnect };

}  // namespace

// Paho objects of one connection attempt. A fresh Paho client per attempt means no Paho-side
// session state (in-flight messages, queued commands) ever outlives a connection: the
// State's queue is the single source of truth, which is what keeps the order on requeue.
struct Connection {
  struct Listener final : mqtt::iaction_listener {
    Listener(std::weak_ptr<MqttClient::State> s, std::uint64_t g, Kind k)
        : state(std::move(s)), gen(g), kind(k) {}
    void on_success(const mqtt::token& tok) override { report(tok, true); }
    void on_failure(const mqtt::token& tok) override { report(tok, false); }
    void report(const mqtt::token& tok, bool ok);
    std::weak_ptr<MqttClient::State> state;
    std::uint64_t gen;
    Kind kind;
  };

  Connection(std::weak_ptr<MqttClient::State> s, std::uint64_t g)
      : gen(g),
        connect_l(s, g, Kind::connect),
        publish_l(s, g, Kind::publish),
        subscribe_l(s, g, Kind::subscribe),
        disconnect_l(s, g, Kind::disconnect) {}
  ~Connection() { client.reset(); }  // Paho first: it may still call the listeners

  std::uint64_t gen;
  Listener connect_l, publish_l, subscribe_l, disconnect_l;
  std::unique_ptr<mqtt::async_client> client;
};

struct MqttClient::State : std::enable_shared_from_this<MqttClient::State> {
  enum class Phase { idle, connecting, connected, waiting, stopped };

  State(asio::any_io_executor ex, MqttClientOptions o)
      : strand(asio::make_strand(ex)),
        opts(std::move(o)),
        backoff(opts.reconnect_min, opts.reconnect_max,
                [rng = std::mt19937_64(std::random_device{}())]() mutable {
                  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
                }),
        reconnect_timer(strand),
        wake(strand),
        linger_timer(strand) {}

  asio::strand<asio::any_io_executor> strand;
  MqttClientOptions opts;
  std::optional<BrokerEndpoint> endpoint = broker_endpoint(opts.url);
  Backoff backoff;
  asio::steady_timer reconnect_timer;
  asio::steady_timer wake;  // stop() sleeps on it; notify() cancels it on progress
  asio::steady_timer linger_timer;
  mqtt::connect_options connect_opts;

  // Strand-only state.
  Phase phase = Phase::idle;
  bool stopping = false;
  std::uint64_t gen = 0;
  std::unique_ptr<Connection> conn;
  std::vector<std::pair<Clock::time_point, std::unique_ptr<Connection>>> retired;
  std::deque<MqttMessage> queue;
  std::map<std::uint64_t, MqttMessage> inflight;  // by sequence number: requeued in order
  std::set<std::uint64_t> control_pending;        // births / offline messages awaiting PUBACK
  std::uint64_t next_seq = 1;
  struct Sub {
    std::string filter;
    int qos;
    MessageHandler handler;
  };
  std::vector<Sub> subs;
  std::size_t subacks_pending = 0;
  std::vector<MqttMessage> births, offline;
  bool disconnect_done = false;
  std::string last_failure;

  // Counters, readable from any thread.
  std::atomic<bool> connected{false}, subscribed{false};
  std::atomic<std::size_t> queue_depth{0}, inflight_count{0};
  std::atomic<std::uint64_t> published{0}, dropped_queue_full{0}, dropped_invalid{0},
      dropped_stopped{0}, connects{0}, reconnects{0}, losses{0}, connect_failures{0}, received{0};

  // Paho's own limits (in flight, buffered) also count subscribes and control messages:
  // keep them above our window so that Paho never refuses what pump() hands it.
  int paho_window() const {
    return static_cast<int>(std::min<std::size_t>(opts.max_inflight + 1024, 65000));
  }

  void build_connect_options() {
    connect_opts.set_clean_session(opts.clean_session);
    connect_opts.set_keep_alive_interval(static_cast<int>(opts.keepalive.count()));
    connect_opts.set_connect_timeout(static_cast<int>(opts.connect_timeout.count()));
    connect_opts.set_automatic_reconnect(false);  // ours: backoff + resubscribe + requeue
    connect_opts.set_mqtt_version(MQTTVERSION_3_1_1);
    connect_opts.set_max_inflight(paho_window());
    if (!opts.username.empty()) connect_opts.set_user_name(opts.username);
    if (!opts.password.empty()) connect_opts.set_password(opts.password.reveal());
    if (opts.will) {
      mqtt::will_options will;
      will.set_topic(opts.will->topic);
      will.set_payload(opts.will->payload);
      will.set_qos(1);
      will.set_retained(opts.will->retained);
      connect_opts.set_will(std::move(will));
    }
    if (is_tls(opts.url)) {
      mqtt::ssl_options ssl;
      if (!opts.tls.ca_file.empty()) ssl.set_trust_store(opts.tls.ca_file);
      if (!opts.tls.cert_file.empty()) ssl.set_key_store(opts.tls.cert_file);
      if (!opts.tls.key_file.empty()) ssl.set_private_key(opts.tls.key_file);
      ssl.set_enable_server_cert_auth(true);
      ssl.set_verify(opts.tls.verify_hostname);
      connect_opts.set_ssl(std::move(ssl));
    }
  }

  void update_gauges() {
    queue_depth.store(queue.size(), std::memory_order_relaxed);
    inflight_count.store(inflight.size(), std::memory_order_relaxed);
  }

  void notify() { wake.cancel(); }

  // Paho clients of past attempts are destroyed a while after they were retired: a Paho
  // thread may still be returning from the callback that reported their end.
  void purge_retired(bool all) {
    auto cutoff = Clock::now() - std::chrono::seconds(2);
    std::erase_if(retired, [&](auto& r) { return all || r.first < cutoff; });
  }

  void retire_connection() {
    if (conn) retired.emplace_back(Clock::now(), std::move(conn));
  }

  void connect() {
    if (phase == Phase::stopped) return;
    purge_retired(false);
    retire_connection();
    conn = std::make_unique<Connection>(weak_from_this(), ++gen);
    phase = Phase::connecting;
    try {
      // Paho refuses a publish (MQTTASYNC_MAX_BUFFERED_MESSAGES) once more than
      // maxBufferedMessages (default 100) wait for its send thread: allow our whole window.
      conn->client = std::make_unique<mqtt::async_client>(
          opts.url, opts.client_id, mqtt::create_options(MQTTVERSION_3_1_1, paho_window()));
      std::weak_ptr<State> w = weak_from_this();
      auto g = gen;
      conn->client->set_connection_lost_handler([w, g](const std::string& cause) {
        if (auto s = w.lock())
          asio::post(s->strand,
                     [s, g, cause] { s->on_lost(g, cause.empty() ? "connection lost" : cause); });
      });
      conn->client->set_message_callback([w](mqtt::const_message_ptr m) {
        if (auto s = w.lock()) asio::post(s->strand, [s, m = std::move(m)] { s->on_message(*m); });
      });
      conn->client->connect(connect_opts, nullptr, conn->connect_l);
    } catch (const mqtt::exception& e) {
      on_connect_result(gen, false, e.what());
    }
  }

  void schedule_reconnect() {
    if (phase == Phase::stopped) return;
    phase = Phase::waiting;
    auto delay = backoff.next();
    reconnect_timer.expires_after(delay);
    reconnect_timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->connect();
    });
  }

  void on_connect_result(std::uint64_t g, bool ok, std::string reason) {
    if (g != gen || phase != Phase::connecting) return;
    if (!ok) {
      // Paho reports a failed TLS handshake (untrusted CA, wrong host name, refused client
      // certificate) as a bare "rc=-1 (Failure)", as it does a refused TCP connection; its
      // OpenSSL error callback cannot be used safely (Paho C++ 1.2 keeps a dangling context).
      if (is_tls(opts.url) && reason.starts_with("rc=-1 "))
        reason +=
            ": TCP connect or TLS handshake failed (check the broker address, tls.ca_file, "
            "the broker certificate's host name, tls.cert_file/key_file)";
      connect_failures.fetch_add(1, std::memory_order_relaxed);
      // One line per distinct reason: a broker down for an hour must not flood the log.
      if (reason != last_failure)
        spdlog::warn("mqtt connect failed url={} client_id={} reason=\"{}\" (retrying)", opts.url,
                     opts.client_id, reason);
      last_failure = std::move(reason);
      retire_connection();
      schedule_reconnect();
      notify();
      return;
    }
    last_failure.clear();
    phase = Phase::connected;
    backoff.reset();
    if (connects.fetch_add(1, std::memory_order_relaxed) > 0)
      reconnects.fetch_add(1, std::memory_order_relaxed);
    connected.store(true);
    spdlog::info("mqtt connected url={} client_id={}", opts.url, opts.client_id);
    if (endpoint) {
      // Paho never disables Nagle: without this, TxAcks and uplinks wait for ACKs (tcp_nodelay.hpp).
      auto n = set_nodelay_to_peer(*endpoint);
      spdlog::debug("mqtt tcp_nodelay set on {} socket(s) to {}:{}", n, endpoint->host,
                    endpoint->port);
    }
    subacks_pending = subs.size();
    subscribed.store(subs.empty());
    for (std::size_t i = 0; i < subs.size(); ++i) send_subscribe(i);
    for (const auto& b : births) send_control(b);
    pump();
    notify();
  }

  void on_lost(std::uint64_t g, const std::string& cause) {
    if (g != gen || phase != Phase::connected) return;
    spdlog::warn("mqtt connection lost url={} cause=\"{}\" requeued={}", opts.url, cause,
                 inflight.size());
    losses.fetch_add(1, std::memory_order_relaxed);
    connected.store(false);
    subscribed.store(false);
    // Unacknowledged messages go back to the front, oldest first.
    for (auto it = inflight.rbegin(); it != inflight.rend(); ++it)
      queue.push_front(std::move(it->second));
    inflight.clear();
    control_pending.clear();
    enforce_limit();
    // Given up on locally (a refused or failed publish) while Paho still holds the socket:
    // close it cleanly, or the broker would deliver the old connection's in-flight messages
    // besides our requeued copies and publish its will when the Paho client is destroyed.
    try {
      if (conn && conn->client && conn->client->is_connected()) conn->client->disconnect(0);
    } catch (const mqtt::exception&) {
    }
    retire_connection();
    schedule_reconnect();
    update_gauges();
    notify();
  }

  bool send(const MqttMessage& m, std::uint64_t seq) {
    try {
      auto msg = mqtt::make_message(m.topic, m.payload, opts.qos, m.retained);
      conn->client->publish(msg, reinterpret_cast<void*>(static_cast<std::uintptr_t>(seq)),
                            conn->publish_l);
      return true;
    } catch (const mqtt::exception& e) {
      spdlog::warn("mqtt publish refused by client library topic={} reason=\"{}\"", m.topic,
                   e.what());
      return false;
    }
  }

  void send_control(const MqttMessage& m) {
    auto seq = next_seq++;
    if (send(m, seq)) control_pending.insert(seq);
  }

  void send_subscribe(std::size_t index) {
    try {
      conn->client->subscribe(subs[index].filter, subs[index].qos,
                              reinterpret_cast<void*>(static_cast<std::uintptr_t>(index)),
                              conn->subscribe_l);
    } catch (const mqtt::exception& e) {
      spdlog::warn("mqtt subscribe refused filter={} reason=\"{}\"", subs[index].filter, e.what());
    }
  }

  void pump() {
    while (phase == Phase::connected && inflight.size() < opts.max_inflight && !queue.empty()) {
      auto seq = next_seq++;
      if (!send(queue.front(), seq)) {
        // Paho already considers the connection gone: treat it as lost (idempotent with the
        // connection-lost callback that follows).
        on_lost(gen, "publish refused");
        return;
      }
      inflight.emplace(seq, std::move(queue.front()));
      queue.pop_front();
    }
    update_gauges();
  }

  void enforce_limit() {
    while (queue.size() > opts.queue_limit) {
      queue.pop_front();
      dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
    }
  }

  void on_publish_result(std::uint64_t g, std::uint64_t seq, bool ok) {
    if (g != gen) return;  // an older connection's message: already requeued
    if (!ok) {
      if (phase == Phase::connected) on_lost(g, "publish failed");
      return;
    }
    if (inflight.erase(seq)) {
      published.fetch_add(1, std::memory_order_relaxed);
      pump();
    } else {
      control_pending.erase(seq);
    }
    notify();
  }

  void on_subscribe_result(std::uint64_t g, std::size_t index, bool ok) {
    if (g != gen || phase != Phase::connected || index >= subs.size()) return;
    if (!ok) {
      spdlog::error("mqtt subscribe failed filter={}", subs[index].filter);
      return;
    }
    if (subacks_pending > 0 && --subacks_pending == 0) subscribed.store(true);
    notify();
  }

  void on_message(const mqtt::message& m) {
    received.fetch_add(1, std::memory_order_relaxed);
    InboundMessage in{m.get_topic(), m.get_payload_str(), m.get_qos(), m.is_retained()};
    for (const auto& s : subs) {
      if (!topic_matches(s.filter, in.topic)) continue;
      try {
        s.handler(in);
      } catch (const std::exception& e) {
        // A handler bug must not take the client (and the io thread) down.
        spdlog::error("mqtt message handler threw topic={} what=\"{}\"", in.topic, e.what());
      }
    }
  }

  void enqueue(MqttMessage m) {
    if (stopping) {
      dropped_stopped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue.push_back(std::move(m));
    enforce_limit();
    pump();
    update_gauges();
  }

  // Waits on the strand until notify() or the deadline.
  asio::awaitable<void> wait_until(Clock::time_point deadline) {
    wake.expires_at(deadline);
    boost::system::error_code ec;
    co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  static asio::awaitable<void> stop_on_strand(std::shared_ptr<State> self,
                                              std::chrono::milliseconds flush_timeout) {
    auto deadline = Clock::now() + flush_timeout;
    self->stopping = true;
    while ((!self->queue.empty() || !self->inflight.empty()) && Clock::now() < deadline)
      co_await self->wait_until(deadline);
    // A connect attempt under way: wait (briefly) for its outcome. Abandoned, an attempt the
    // broker accepts would be dropped without a DISCONNECT, and the broker would publish the
    // will although this is a clean stop.
    auto settle_deadline = Clock::now() + self->opts.connect_timeout;
    while (self->phase == Phase::connecting && Clock::now() < settle_deadline)
      co_await self->wait_until(settle_deadline);
    if (self->phase == Phase::connected) {
      // The offline messages get a short grace of their own: they matter more than speed.
      auto offline_deadline = std::max(deadline, Clock::now() + std::chrono::seconds(1));
      for (const auto& m : self->offline) self->send_control(m);
      while (!self->control_pending.empty() && self->phase == Phase::connected &&
             Clock::now() < offline_deadline)
        co_await self->wait_until(offline_deadline);
    }
    auto left = self->queue.size() + self->inflight.size();
    if (left > 0) {
      spdlog::warn("mqtt stop: {} messages not delivered within the flush timeout", left);
      self->dropped_stopped.fetch_add(left, std::memory_order_relaxed);
    }
    self->queue.clear();
    self->inflight.clear();
    bool was_connected = self->phase == Phase::connected;
    self->phase = Phase::stopped;
    self->reconnect_timer.cancel();
    self->connected.store(false);
    self->subscribed.store(false);
    self->update_gauges();
    if (was_connected && self->conn) {
      try {
        self->conn->client->disconnect(1000, nullptr, self->conn->disconnect_l);
        auto until = Clock::now() + std::chrono::seconds(2);
        while (!self->disconnect_done && Clock::now() < until) co_await self->wait_until(until);
      } catch (const mqtt::exception& e) {
        spdlog::warn("mqtt disconnect failed reason=\"{}\"", e.what());
      }
    }
    spdlog::info("mqtt stopped client_id={} published={}", self->opts.client_id,
                 self->published.load());
  }

  // Without stop(): no flush. Disconnect (the broker then discards the will) and destroy
  // the Paho clients a moment later, when no callback can be running any more.
  void close() {
    if (phase == Phase::stopped && !conn && retired.empty()) return;
    bool was_connected = phase == Phase::connected;
    phase = Phase::stopped;
    stopping = true;
    reconnect_timer.cancel();
    notify();
    connected.store(false);
    if (was_connected && conn) {
      try {
        conn->client->disconnect(0);
      } catch (const mqtt::exception&) {
      }
    }
    linger_timer.expires_after(std::chrono::milliseconds(200));
    linger_timer.async_wait([self = shared_from_this()](boost::system::error_code) {
      self->retire_connection();
      self->purge_retired(true);
    });
  }
};

void Connection::Listener::report(const mqtt::token& tok, bool ok) {
  auto s = state.lock();
  if (!s) return;
  auto ctx = reinterpret_cast<std::uintptr_t>(tok.get_user_context());
  std::string reason;
  if (!ok) {
    reason = "rc=" + std::to_string(tok.get_return_code()) + " (" +
             mqtt::exception::error_str(tok.get_return_code()) + ")";
  }
  asio::post(s->strand, [s, g = gen, k = kind, ctx, ok, reason = std::move(reason)]() mutable {
    switch (k) {
      case Kind::connect:
        s->on_connect_result(g, ok, std::move(reason));
        break;
      case Kind::publish:
        s->on_publish_result(g, ctx, ok);
        break;
      case Kind::subscribe:
        s->on_subscribe_result(g, static_cast<std::size_t>(ctx), ok);
        break;
      case Kind::disconnect:
        if (g == s->gen) {
          s->disconnect_done = true;
          s->notify();
        }
        break;
    }
  });
}

MqttClient::MqttClient(asio::any_io_executor executor, MqttClientOptions options) {
  validate(options);
  state_ = std::make_shared<State>(std::move(executor), std::move(options));
  state_->build_connect_options();
}

MqttClient::~MqttClient() {
  asio::post(state_->strand, [s = state_] { s->close(); });
}

void MqttClient::start() {
  asio::dispatch(state_->strand, [s = state_] {
    if (s->phase == State::Phase::idle) s->connect();
  });
}

void MqttClient::publish(std::string topic, std::string payload, bool retained) {
  if (!valid_publish_topic(topic)) {
    state_->dropped_invalid.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("mqtt publish refused: invalid topic \"{}\"", topic);
    return;
  }
  asio::dispatch(state_->strand,
                 [s = state_, m = MqttMessage{std::move(topic), std::move(payload),
                                              retained}]() mutable { s->enqueue(std::move(m)); });
}

void MqttClient::subscribe(std::string filter, int qos, MessageHandler handler) {
  if (!valid_topic_filter(filter))
    throw std::invalid_argument("mqtt subscribe: invalid topic filter \"" + filter + "\"");
  if (qos != 0 && qos != 1) throw std::invalid_argument("mqtt subscribe: qos must be 0 or 1");
  if (!handler) throw std::invalid_argument("mqtt subscribe: handler must not be empty");
  asio::dispatch(state_->strand,
                 [s = state_, f = std::move(filter), qos, h = std::move(handler)]() mutable {
                   s->subs.push_back({std::move(f), qos, std::move(h)});
                   if (s->phase == State::Phase::connected) {
                     ++s->subacks_pending;
                     s->subscribed.store(false);
                     s->send_subscribe(s->subs.size() - 1);
                   }
                 });
}

void MqttClient::add_birth(std::string topic, std::string payload) {
  if (!valid_publish_topic(topic))
    throw std::invalid_argument("mqtt birth topic \"" + topic + "\" is not a valid topic");
  asio::dispatch(state_->strand, [s = state_, m = MqttMessage{std::move(topic), std::move(payload),
                                                              true}]() mutable {
    if (s->phase == State::Phase::connected) s->send_control(m);
    s->births.push_back(std::move(m));
  });
}

void MqttClient::add_offline(std::string topic, std::string payload) {
  if (!valid_publish_topic(topic))
    throw std::invalid_argument("mqtt offline topic \"" + topic + "\" is not a valid topic");
  asio::dispatch(state_->strand, [s = state_, m = MqttMessage{std::move(topic), std::move(payload),
                                                              true}]() mutable {
    s->offline.push_back(std::move(m));
  });
}

asio::awaitable<void> MqttClient::stop(std::chrono::milliseconds flush_timeout) {
  co_await asio::co_spawn(state_->strand, State::stop_on_strand(state_, flush_timeout),
                          asio::use_awaitable);
}

MqttStats MqttClient::stats() const {
  const auto& s = *state_;
  MqttStats r;
  r.connected = s.connected.load();
  r.subscribed = s.subscribed.load();
  r.queue_depth = s.queue_depth.load();
  r.inflight = s.inflight_count.load();
  r.published = s.published.load();
  r.dropped_queue_full = s.dropped_queue_full.load();
  r.dropped_invalid = s.dropped_invalid.load();
  r.dropped_stopped = s.dropped_stopped.load();
  r.connects = s.connects.load();
  r.reconnects = s.reconnects.load();
  r.connection_losses = s.losses.load();
  r.connect_failures = s.connect_failures.load();
  r.received = s.received.load();
  return r;
}

bool MqttClient::connected() const {
  return state_->connected.load();
}

}  // namespace ranbridge::lns
