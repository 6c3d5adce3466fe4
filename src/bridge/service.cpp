#include "ranbridge/bridge/service.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <mutex>

#include "downlink_path.hpp"
#include "ranbridge/bridge/dedup.hpp"
#include "ranbridge/bridge/last_heard.hpp"
#include "ranbridge/bridge/routing_plan.hpp"
#include "ranbridge/bridge/routing_sync.hpp"
#include "ranbridge/bridge/snapshot_writer.hpp"
#include "ranbridge/bridge/stats.hpp"
#include "ranbridge/bridge/uplink_pipeline.hpp"
#include "ranbridge/lns/mqtt_client.hpp"
#include "ranbridge/ops/backoff.hpp"
#include "ranbridge/ops/logging.hpp"
#include "ranbridge/ops/metrics.hpp"
#include "ranbridge/ops/status_server.hpp"
#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ranbridge::bridge {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using spdlog::level::level_enum;

namespace {

std::string snapshot_path(const ops::Config& c) {
  return (c.state_dir / "sessions.snapshot").string();
}

std::string conn_state(const lns::GatewayId& gw, bool online, lns::Marshaler m) {
  gw::ConnState s;
  s.set_gateway_id(gw.to_hex());
  s.set_state(online ? gw::ConnState::ONLINE : gw::ConnState::OFFLINE);
  return lns::marshal(s, m);
}

// Waits `d` in short slices so that a stop request is noticed quickly.
asio::awaitable<void> sleep_unless(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer t(ex);
  auto end = std::chrono::steady_clock::now() + d;
  while (!stop && std::chrono::steady_clock::now() < end) {
    t.expires_after(std::min<std::chrono::steady_clock::duration>(
        100ms, end - std::chrono::steady_clock::now()));
    co_await t.async_wait(asio::use_awaitable);
  }
}

}  // namespace

struct Service::Impl : std::enable_shared_from_this<Service::Impl> {
  struct Region {
    RegionInfo info;
    const ops::RegionConfig* config = nullptr;
    RegionStats stats;
    std::atomic<int> upstream_up{0};
    std::atomic<std::uint64_t> sync_generation{0};  // bumped by reload(): re-sync now
  };

  asio::io_context& io;
  ops::Config config;
  mic::RegistryHandle registry;
  mic::MemorySessionStore sessions;
  std::unique_ptr<mic::Solver> solver;
  DedupCache dedup;
  ops::Metrics metrics;
  std::unique_ptr<lns::MqttClient> mqtt;
  std::unique_ptr<UplinkPipeline> pipeline;
  LastHeard last_heard;
  std::unique_ptr<SnapshotWriter> snapshot_writer;  // sessions, soon after a join accept
  std::unique_ptr<DownlinkPath> downlinks;
  std::unique_ptr<ops::StatusServer> status;
  std::vector<std::unique_ptr<Region>> regions;
  lns::Marshaler marshaler = lns::Marshaler::protobuf;

  std::atomic<bool> stopping{false};
  std::atomic<int> live_sockets{0};  // socket loops still running
  std::atomic<int> in_flight{0};     // upstreams received but not answered yet
  std::atomic<bool> stop_started{false};

  Impl(asio::io_context& io_, ops::Config cfg, std::shared_ptr<const mic::Registry> reg)
      : io(io_),
        config(std::move(cfg)),
        registry(std::move(reg)),
        dedup(std::chrono::duration_cast<DedupCache::Clock::duration>(config.uplink.dedup_window),
              1'000'000) {
    mic::SolverOptions so;
    so.fcnt.max_gap = config.uplink.max_fcnt_gap;
    // Issue 4 §3: one frame arriving through several sockets or regions is acked each time
    // (the dedup cache publishes it once); NbTrans repetitions carry the same FCnt too.
    // Older counters stay replays; the network server judges retransmissions itself.
    so.fcnt.allow_retransmission = true;
    solver = std::make_unique<mic::Solver>(registry, sessions, so);
    marshaler = config.mqtt.marshaler == ops::Marshaler::Json ? lns::Marshaler::json
                                                              : lns::Marshaler::protobuf;
    for (std::size_t i = 0; i < config.regions.size(); ++i) {
      const auto& rc = config.regions[i];
      auto r = std::make_unique<Region>();
      r->config = &rc;
      r->info.name = rc.name;
      r->info.index = static_cast<std::uint8_t>(i);
      r->info.gateway_id = lns::GatewayId{rc.gateway_id.value};
      r->info.topic_prefix = rc.topic_prefix;
      r->info.byte_order = rc.mic_byte_order == ops::MicByteOrder::Little
                               ? mic::MicByteOrder::Little
                               : mic::MicByteOrder::Big;
      // The channel plan (1.1 MICs): the explicit `band`, else guessed from the ChirpStack
      // prefix ("eu868", "us915_0", ...) or the region name; unknown -> 1.1 data uplinks are
      // rejected.
      r->info.channel_plan = rc.band;
      if (!r->info.channel_plan) r->info.channel_plan = plan_from_name(rc.topic_prefix);
      if (!r->info.channel_plan) r->info.channel_plan = plan_from_name(rc.name);
      r->info.metrics = &metrics.region(rc.name);
      r->info.stats = &r->stats;
      regions.push_back(std::move(r));
    }
  }

  static std::optional<lorawan::Region> plan_from_name(std::string_view s) {
    for (std::size_t n = s.size(); n >= 5; --n)
      if (auto r = lorawan::region_from_string(s.substr(0, n))) return r;
    return std::nullopt;
  }

  lns::MqttClientOptions mqtt_options() const {
    lns::MqttClientOptions o;
    const auto& m = config.mqtt;
    o.url = m.url;
    o.client_id = m.client_id;
    o.qos = std::min(m.qos, 1);
    o.keepalive = std::chrono::duration_cast<std::chrono::seconds>(m.keepalive);
    o.connect_timeout = std::chrono::duration_cast<std::chrono::seconds>(m.connect_timeout);
    if (m.username) o.username = *m.username;
    if (m.password) o.password = lns::Password(m.password->reveal());
    if (m.ca_file) o.tls.ca_file = m.ca_file->string();
    if (m.cert_file) o.tls.cert_file = m.cert_file->string();
    if (m.key_file) o.tls.key_file = m.key_file->string();
    o.queue_limit = m.queue_limit;
    if (!regions.empty()) {
      const auto& r = regions.front()->info;
      o.will = lns::MqttMessage{lns::state_conn_topic(r.topic_prefix, r.gateway_id),
                                conn_state(r.gateway_id, false, marshaler), true};
    }
    return o;
  }

  void start() {
    if (auto err = sessions.load(snapshot_path(config)))
      ops::log_event(level_enum::warn, "session snapshot not loaded",
                     {{"path", snapshot_path(config)}, {"error", *err}});
    else
      ops::log_event(level_enum::info, "sessions loaded", {{"sessions", sessions.size()}});
    metrics.registry_devices().Set(static_cast<double>(registry.get()->devices().size()));

    ops::StatusServer::Options so;
    so.host = config.http.host;
    so.port = config.http.port;
    std::weak_ptr<Impl> weak = weak_from_this();
    status = std::make_unique<ops::StatusServer>(
        io.get_executor(), so,
        [weak] {
          auto self = weak.lock();
          return self ? self->metrics.serialize() : std::string();
        },
        [weak] {
          auto self = weak.lock();
          return self ? self->missing() : std::vector<std::string>{"stopping"};
        });
    status->start();

    mqtt = std::make_unique<lns::MqttClient>(io.get_executor(), mqtt_options());
    for (const auto& r : regions) {
      auto topic = lns::state_conn_topic(r->info.topic_prefix, r->info.gateway_id);
      mqtt->add_birth(topic, conn_state(r->info.gateway_id, true, marshaler));
      mqtt->add_offline(topic, conn_state(r->info.gateway_id, false, marshaler));
    }
    UplinkPipeline::Options po;
    po.marshaler = marshaler;
    po.drop_outdated = config.uplink.drop_outdated;
    po.last_heard = &last_heard;
    lns::MqttClient* client = mqtt.get();
    pipeline = std::make_unique<UplinkPipeline>(
        *solver, dedup, &metrics, po, [client](std::string topic, std::string payload) {
          client->publish(std::move(topic), std::move(payload));
        });
    start_downlinks();
    mqtt->start();

    auto self = shared_from_this();
    for (std::size_t i = 0; i < regions.size(); ++i) {
      for (unsigned s = 0; s < regions[i]->config->upstream_connections; ++s) {
        ++live_sockets;
        asio::co_spawn(asio::make_strand(io), upstream_loop(self, i, s), asio::detached);
      }
      if (config.routing_sync.enabled)
        asio::co_spawn(asio::make_strand(io), sync_loop(self, i), asio::detached);
      asio::co_spawn(asio::make_strand(io), stats_loop(self, i), asio::detached);
    }
    asio::co_spawn(asio::make_strand(io), metrics_loop(self), asio::detached);
    ops::log_event(level_enum::info, "ran-bridge started",
                   {{"regions", regions.size()},
                    {"devices", registry.get()->devices().size()},
                    {"http_port", status->port()}});
  }

  // Downlinks (downlink_path.cpp): command/down subscriptions, downstream sockets, the
  // transaction-id counter; join accepts store pending sessions, written soon after.
  void start_downlinks() {
    auto* store = &sessions;
    auto path = snapshot_path(config);
    snapshot_writer = std::make_unique<SnapshotWriter>([store, path] { return store->save(path); });
    DownlinkPath::Deps dd;
    dd.io = &io;
    dd.config = &config;
    for (const auto& r : regions) dd.regions.push_back(&r->info);
    dd.registry = &registry;
    dd.sessions = &sessions;
    dd.mqtt = mqtt.get();
    dd.metrics = &metrics;
    dd.last_heard = &last_heard;
    dd.marshaler = marshaler;
    auto* writer = snapshot_writer.get();
    dd.sessions_changed = [writer] { writer->changed(); };
    downlinks = std::make_unique<DownlinkPath>(std::move(dd));
    downlinks->start();
  }

  std::vector<std::string> missing() const {
    std::vector<std::string> out;
    for (const auto& r : regions)
      if (r->upstream_up.load() < 1)
        out.push_back("region " + r->info.name + ": no upstream socket");
    if (!mqtt || !mqtt->connected())
      out.push_back("mqtt: not connected");
    else if (!mqtt->stats().subscribed)
      // Until the broker acknowledged the command/down subscriptions, downlinks would be lost.
      out.push_back("mqtt: downlink command subscriptions not acknowledged");
    if (stopping) out.push_back("stopping");
    return out;
  }

  // One upstream socket: connect, read, answer; on any failure reconnect with backoff.
  static asio::awaitable<void> upstream_loop(std::shared_ptr<Impl> self, std::size_t ri,
                                             unsigned socket) {
    Region& region = *self->regions[ri];
    const auto& rc = *region.config;
    ops::Backoff backoff;
    bool first = true;
    while (!self->stopping) {
      bool was_up = false;
      try {
        // The executor is fetched in its own statement: GCC 12 mishandles temporaries of a
        // full-expression that contains co_await (use-after-free).
        auto executor = co_await asio::this_coro::executor;
        ran::Core core(executor, rc.token.reveal(), rc.url, client_options(rc));
        co_await core.connect();
        auto conn = co_await core.upstream();
        was_up = true;
        backoff.connected(std::chrono::steady_clock::now());
        ++region.upstream_up;
        region.info.metrics->upstream_connections.Increment();
        if (!first) region.info.metrics->upstream_reconnects.Increment();
        first = false;
        ops::log_event(level_enum::info, "upstream connected",
                       {{"region", rc.name}, {"socket", socket}});
        co_await serve(self, region, conn);
        if (self->stopping) co_await conn.close();
      } catch (const std::exception& e) {
        if (!self->stopping)
          ops::log_event(level_enum::warn, "upstream socket failed",
                         {{"region", rc.name}, {"socket", socket}, {"error", e.what()}});
      }
      if (was_up) {
        --region.upstream_up;
        region.info.metrics->upstream_connections.Decrement();
      }
      if (self->stopping) break;
      auto delay = backoff.next_delay(std::chrono::steady_clock::now());
      co_await sleep_unless(delay, self->stopping);
    }
    --self->live_sockets;
  }

  static asio::awaitable<void> serve(std::shared_ptr<Impl> self, Region& region,
                                     ran::UpstreamConnection& conn) {
    while (!self->stopping) {
      // A short receive timeout lets the loop notice a stop request between upstreams.
      auto msg = co_await conn.recv(200ms);
      if (!msg) continue;
      const auto t0 = std::chrono::steady_clock::now();
      ++self->in_flight;
      auto answer = self->pipeline->handle(region.info, *msg);
      try {
        if (auto* ack = std::get_if<ran::UpstreamAck>(&answer))
          co_await conn.send_ack(ack->transaction_id, ack->dev_eui, ack->mic);
        else {
          auto& rej = std::get<ran::UpstreamReject>(answer);
          co_await conn.send_reject(rej.transaction_id, rej.code, rej.message);
        }
      } catch (...) {
        --self->in_flight;
        throw;
      }
      --self->in_flight;
      region.info.metrics->answer_seconds.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
  }

  static asio::awaitable<void> sync_loop(std::shared_ptr<Impl> self, std::size_t ri) {
    Region& region = *self->regions[ri];
    const auto& rc = *region.config;
    std::uint64_t seen_generation = region.sync_generation.load();
    // The executor is fetched in its own statement: GCC 12 mishandles temporaries of a
    // full-expression that contains co_await (use-after-free).
    auto executor = co_await asio::this_coro::executor;
    ran::Core core(executor, rc.token.reveal(), rc.url, client_options(rc));
    ops::Backoff backoff;
    bool connected = false;
    while (!self->stopping) {
      bool ok = false;
      try {
        if (!connected) {
          co_await core.connect();
          connected = true;
        }
        ok = co_await sync_once(self, region, core);
      } catch (const std::exception& e) {
        ops::log_event(level_enum::warn, "routing sync failed",
                       {{"region", rc.name}, {"error", e.what()}});
      }
      // After a failure retry with backoff; after a success wait for the interval or a reload.
      auto wait = ok ? std::chrono::duration_cast<std::chrono::milliseconds>(
                           self->config.routing_sync.interval)
                     : backoff.next_delay(std::chrono::steady_clock::now());
      if (ok) backoff.reset();
      auto end = std::chrono::steady_clock::now() + wait;
      while (!self->stopping && std::chrono::steady_clock::now() < end &&
             region.sync_generation.load() == seen_generation)
        co_await sleep_unless(200ms, self->stopping);
      seen_generation = region.sync_generation.load();
    }
  }

  static asio::awaitable<bool> sync_once(std::shared_ptr<Impl> self, Region& region,
                                         ran::Core& core) {
    auto reg = self->registry.get();
    auto desired = desired_state(*reg, region.info.name, [&](lorawan::DevEui e) {
      std::optional<lorawan::DevAddr> a;
      if (auto s = self->sessions.get(e); s && s->active) a = s->active->dev_addr;
      return a;
    });
    auto actual = co_await fetch_actual(core);
    auto plan = plan_sync(desired, actual.devices, actual.groups, self->config.routing_sync.prune);
    if (plan.empty()) {
      ops::log_event(level_enum::info, "routing sync: up to date",
                     {{"region", region.info.name}, {"devices", plan.unchanged}});
      co_return true;
    }
    SyncOptions so;
    so.concurrency = self->config.routing_sync.concurrency;
    so.retries = self->config.routing_sync.retries;
    auto* metrics = &self->metrics;
    std::string name = region.info.name;
    ActionObserver observer = [metrics, name](const SyncAction& a, bool ok) {
      metrics
          ->sync_actions(name, sync_kind(a.kind), ok ? ops::SyncResult::Ok : ops::SyncResult::Error)
          .Increment();
    };
    auto report = co_await run_plan(core, plan, so, observer);
    for (const auto& e : report.errors)
      ops::log_event(level_enum::warn, "routing sync action failed",
                     {{"region", name}, {"error", e}});
    ops::log_event(level_enum::info, "routing sync done",
                   {{"region", name},
                    {"ok", report.ok},
                    {"failed", report.failed},
                    {"unchanged", plan.unchanged}});
    co_return report.failed == 0;
  }

  static ops::SyncKind sync_kind(ActionKind k) {
    switch (k) {
      case ActionKind::Insert:
        return ops::SyncKind::Insert;
      case ActionKind::Update:
      case ActionKind::Replace:
        return ops::SyncKind::Update;
      case ActionKind::Remove:
        return ops::SyncKind::Remove;
      case ActionKind::GroupCreate:
        return ops::SyncKind::MulticastInsert;
      case ActionKind::GroupRemove:
        return ops::SyncKind::MulticastRemove;
      default:
        return ops::SyncKind::MulticastUpdate;
    }
  }

  // event/stats every mqtt.stats_interval with the counts since the previous report.
  static asio::awaitable<void> stats_loop(std::shared_ptr<Impl> self, std::size_t ri) {
    Region& region = *self->regions[ri];
    auto interval =
        std::chrono::duration_cast<std::chrono::milliseconds>(self->config.mqtt.stats_interval);
    while (!self->stopping) {
      co_await sleep_unless(interval, self->stopping);
      if (self->stopping) break;
      auto s = region.stats.take();
      gw::GatewayStats g;
      g.set_gateway_id(region.info.gateway_id.to_hex());
      auto now = std::chrono::system_clock::now().time_since_epoch();
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
      g.mutable_time()->set_seconds(us / 1'000'000);
      g.mutable_time()->set_nanos(static_cast<std::int32_t>(us % 1'000'000 * 1000));
      g.set_rx_packets_received(s.rx_received);
      g.set_rx_packets_received_ok(s.rx_received_ok);
      g.set_tx_packets_received(s.tx_received);
      g.set_tx_packets_emitted(s.tx_emitted);
      self->mqtt->publish(
          lns::event_topic(region.info.topic_prefix, region.info.gateway_id, lns::Event::stats),
          lns::marshal(g, self->marshaler));
    }
  }

  // Mirrors the MQTT client's and the session store's state into the metrics.
  static asio::awaitable<void> metrics_loop(std::shared_ptr<Impl> self) {
    std::uint64_t published = 0, dropped = 0;
    while (!self->stopping) {
      auto st = self->mqtt->stats();
      self->metrics.mqtt_connected().Set(st.connected ? 1 : 0);
      self->metrics.mqtt_queue_depth().Set(static_cast<double>(st.queue_depth));
      if (st.published > published)
        self->metrics.uplinks_published().Increment(static_cast<double>(st.published - published));
      published = st.published;
      if (st.dropped_queue_full > dropped)
        self->metrics.uplinks_dropped(ops::UplinkDropReason::QueueFull)
            .Increment(static_cast<double>(st.dropped_queue_full - dropped));
      dropped = st.dropped_queue_full;
      const auto counts = self->sessions.state_counts();
      self->metrics.sessions(ops::SessionState::Active).Set(static_cast<double>(counts.active));
      self->metrics.sessions(ops::SessionState::Pending).Set(static_cast<double>(counts.pending));
      co_await sleep_unless(1000ms, self->stopping);
    }
  }

  void reload(std::shared_ptr<const mic::Registry> reg) {
    auto n = reg->devices().size();
    registry.replace(std::move(reg));
    metrics.registry_devices().Set(static_cast<double>(n));
    for (auto& r : regions) ++r->sync_generation;
    ops::log_event(level_enum::info, "devices reloaded", {{"devices", n}});
  }

  static asio::awaitable<void> shutdown(std::shared_ptr<Impl> self, std::function<void()> done) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer t(ex);
    // Socket loops notice `stopping` within their receive timeout; whatever they already
    // took is answered before they close. Bounded: never wait more than 3 s.
    auto deadline = std::chrono::steady_clock::now() + 3s;
    while ((self->live_sockets > 0 || self->in_flight > 0) &&
           std::chrono::steady_clock::now() < deadline) {
      t.expires_after(20ms);
      co_await t.async_wait(asio::use_awaitable);
    }
    // Downlinks: stop taking commands, wait briefly for results, TxAck the rest (published
    // before the MQTT flush below).
    if (self->downlinks) co_await self->downlinks->stop();
    auto flush =
        std::chrono::duration_cast<std::chrono::milliseconds>(self->config.mqtt.flush_timeout);
    try {
      co_await self->mqtt->stop(flush);
    } catch (const std::exception& e) {
      ops::log_event(level_enum::warn, "mqtt stop failed", {{"error", e.what()}});
    }
    auto st = self->mqtt->stats();
    if (self->snapshot_writer) self->snapshot_writer->stop();
    if (auto err = self->sessions.save(snapshot_path(self->config)))
      ops::log_event(level_enum::err, "session snapshot failed", {{"error", *err}});
    self->status->stop();
    ops::log_event(level_enum::info, "ran-bridge stopped",
                   {{"acked", self->pipeline->counters().acked.load()},
                    {"published", st.published},
                    {"unpublished", st.dropped_stopped},
                    {"sessions", self->sessions.size()}});
    done();
  }

  void stop(std::function<void()> done) {
    if (stop_started.exchange(true)) return;
    stopping = true;
    asio::co_spawn(asio::make_strand(io), shutdown(shared_from_this(), std::move(done)),
                   asio::detached);
  }
};

Service::Service(asio::io_context& io, ops::Config config,
                 std::shared_ptr<const mic::Registry> registry)
    : impl_(std::make_shared<Impl>(io, std::move(config), std::move(registry))) {}

Service::~Service() {
  if (impl_ && impl_->status) impl_->status->stop();
}

void Service::start() {
  impl_->start();
}
void Service::reload(std::shared_ptr<const mic::Registry> registry) {
  impl_->reload(std::move(registry));
}
void Service::stop(std::function<void()> done) {
  impl_->stop(std::move(done));
}
std::vector<std::string> Service::missing() const {
  return impl_->missing();
}
std::uint16_t Service::http_port() const {
  return impl_->status ? impl_->status->port() : 0;
}

}  // namespace ranbridge::bridge
