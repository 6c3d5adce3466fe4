#include "downlink_path.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <deque>
#include <mutex>

#include "ranbridge/bridge/downlink_plan.hpp"
#include "ranbridge/bridge/downlink_tracker.hpp"
#include "ranbridge/bridge/routing_sync.hpp"
#include "ranbridge/bridge/transaction_ids.hpp"
#include "ranbridge/lns/topics.hpp"
#include "ranbridge/ops/backoff.hpp"
#include "ranbridge/ops/logging.hpp"
#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ranbridge::bridge {
namespace asio = boost::asio;
using namespace std::chrono_literals;
using spdlog::level::level_enum;
using Clock = std::chrono::steady_clock;

// The frame and what was decided about it, shared by every transaction sent for it (RX1,
// then maybe RX2 under a new transaction id).
struct DownlinkJob {
  gw::DownlinkFrame frame;
  DownlinkTarget target;
  std::size_t command_region = 0;  // the TxAck goes to the gateway the LNS addressed
  std::optional<lorawan::DevAddr> target_dev_addr;  // join accepts
};

namespace {

std::int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::uint8_t> bytes_of(const std::string& s) {
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor);
  t.expires_after(d);
  co_await t.async_wait(asio::use_awaitable);
}

}  // namespace

struct DownlinkPath::Impl : std::enable_shared_from_this<DownlinkPath::Impl> {
  // One downstream websocket. `conn` is touched only on `strand`; `up` is read anywhere.
  struct Socket {
    asio::strand<asio::io_context::executor_type> strand;
    std::shared_ptr<ran::DownstreamConnection> conn;
    std::atomic<bool> up{false};
    explicit Socket(asio::io_context& io) : strand(asio::make_strand(io)) {}
  };
  struct Region {
    std::vector<std::shared_ptr<Socket>> sockets;
    std::atomic<unsigned> round_robin{0};
    std::atomic<int> up{0};
  };
  // A transaction waiting for a downstream socket of its region.
  struct Parked {
    ran::TransactionId tx = 0;
    std::size_t region = 0;
    ran::DownstreamRequest request;
    std::int64_t window_end_unix_us = 0;
  };

  Deps d;
  std::unique_ptr<TransactionIds> txids;
  DownlinkTracker tracker;
  std::vector<std::unique_ptr<Region>> regions;
  std::mutex parked_mutex;
  std::deque<Parked> parked;
  std::atomic<bool> taking_commands{false};
  std::atomic<bool> closing{false};  // sockets and housekeeping end
  std::atomic<int> live_loops{0};

  explicit Impl(Deps deps) : d(std::move(deps)), tracker(d.config->downlink.max_pending) {
    for (std::size_t i = 0; i < d.regions.size(); ++i) {
      auto r = std::make_unique<Region>();
      for (unsigned s = 0; s < d.config->regions[i].downstream_connections; ++s)
        r->sockets.push_back(std::make_shared<Socket>(*d.io));
      regions.push_back(std::move(r));
    }
  }

  // ---- start / stop ---------------------------------------------------------------------

  void start() {
    std::error_code ec;
    std::filesystem::create_directories(d.config->state_dir, ec);
    txids = std::make_unique<TransactionIds>(d.config->state_dir / "txid");
    ops::log_event(level_enum::info, "transaction ids",
                   {{"file", txids->file().string()}, {"continue_after", txids->stored_mark()}});
    taking_commands = true;
    std::weak_ptr<Impl> weak = weak_from_this();
    for (std::size_t i = 0; i < d.regions.size(); ++i) {
      const auto& r = *d.regions[i];
      // At the configured QoS (1 by default): with the persistent session the broker keeps
      // commands that arrive while the bridge is away, and each still gets its TxAck (TOO_LATE
      // when its window has passed) instead of vanishing.
      d.mqtt->subscribe(lns::command_topic(r.topic_prefix, r.gateway_id, "down"),
                        std::min(d.config->mqtt.qos, 1), [weak, i](const lns::InboundMessage& m) {
                          if (auto self = weak.lock()) self->on_command(i, m.payload);
                        });
      for (std::size_t s = 0; s < regions[i]->sockets.size(); ++s) {
        ++live_loops;
        asio::co_spawn(regions[i]->sockets[s]->strand,
                       socket_loop(shared_from_this(), i, static_cast<unsigned>(s)),
                       asio::detached);
      }
    }
    ++live_loops;
    asio::co_spawn(asio::make_strand(*d.io), housekeeping(shared_from_this()), asio::detached);
  }

  static asio::awaitable<void> stop(std::shared_ptr<Impl> self) {
    self->taking_commands = false;
    // Results of what is in flight usually arrive within milliseconds; bounded wait.
    const auto until = Clock::now() + 2s;
    while (Clock::now() < until && (self->tracker.size() > 0 || self->parked_count() > 0))
      co_await sleep_for(20ms);
    {
      std::lock_guard lock(self->parked_mutex);
      for (auto& p : self->parked)
        self->fail_tx(p.tx, gw::TOO_LATE, ops::DownlinkResult::NoSocket,
                      "stopping: no downstream socket");
      self->parked.clear();
    }
    for (auto& [tx, e] : self->tracker.take_all())
      self->finish_entry(tx, std::move(e), gw::INTERNAL_ERROR, ops::DownlinkResult::Timeout,
                         "stopping before RAN answered");
    self->closing = true;
    const auto loops_until = Clock::now() + 2s;
    while (self->live_loops > 0 && Clock::now() < loops_until) co_await sleep_for(20ms);
  }

  std::size_t parked_count() {
    std::lock_guard lock(parked_mutex);
    return parked.size();
  }

  // ---- commands ---------------------------------------------------------------------------

  void on_command(std::size_t command_region, const std::string& payload) {
    auto decoded = lns::unmarshal_downlink_frame(payload);
    const auto& region = *d.regions[command_region];
    if (!decoded) {
      // Without a frame there is no downlink_id to answer: count and log it.
      d.metrics->downlinks(region.name, ops::DownlinkClass::A, ops::DownlinkResult::Unsupported)
          .Increment();
      ops::log_event(level_enum::warn, "downlink command not decoded",
                     {{"region", region.name}, {"error", decoded.error().reason}});
      return;
    }
    auto job = std::make_shared<DownlinkJob>();
    job->frame = std::move(decoded.value());
    job->command_region = command_region;
    if (!taking_commands) {
      reject(*job, ops::DownlinkClass::A, region.name,
             DownlinkFailure{gw::INTERNAL_ERROR, ops::DownlinkResult::NoSocket, "stopping"});
      return;
    }
    try {
      handle(job);
    } catch (const std::exception& e) {
      reject(*job, ops::DownlinkClass::A, region.name,
             DownlinkFailure{gw::INTERNAL_ERROR, ops::DownlinkResult::Rejected,
                             std::string("internal error: ") + e.what()});
    }
  }

  void handle(const std::shared_ptr<DownlinkJob>& job) {
    auto reg = d.registry->get();
    TargetLookups lookups;
    lookups.region_count = d.regions.size();
    lookups.command_region = job->command_region;
    if (d.config->downlink.fallback_region)
      for (std::size_t i = 0; i < d.regions.size(); ++i)
        if (d.regions[i]->name == *d.config->downlink.fallback_region) lookups.fallback_region = i;
    lookups.is_multicast_group = [&reg](lorawan::DevAddr a) {
      return reg->find_multicast_group(a) != nullptr;
    };
    lookups.dev_eui_of_addr = [this, &reg](lorawan::DevAddr a) { return dev_eui_of(*reg, a); };
    lookups.last_region = [this](lorawan::DevEui e) { return d.last_heard->region_of(e); };
    lookups.is_known_device = [&reg](lorawan::DevEui e) { return reg->find(e) != nullptr; };

    auto plan = resolve_target(job->frame, lookups);
    if (auto* f = std::get_if<DownlinkFailure>(&plan)) {
      auto cls = job->frame.items_size() > 0 ? class_of(job->frame.items(0)) : std::nullopt;
      reject(*job, cls.value_or(ops::DownlinkClass::A), "none", *f);
      return;
    }
    job->target = std::get<DownlinkTarget>(std::move(plan));
    const auto& region_name = d.regions[job->target.region_index]->name;
    if (const auto* u = std::get_if<UnicastTarget>(&job->target.who); u && u->join_accept) {
      const auto* device = reg->find(u->dev_eui);
      if (!device) {
        reject(*job, job->target.cls, region_name,
               DownlinkFailure{gw::INTERNAL_ERROR, ops::DownlinkResult::UnknownDevice,
                               "join accept for unknown device " + u->dev_eui.to_hex()});
        return;
      }
      auto outcome =
          mic::accept_join(*d.sessions, *device, bytes_of(job->frame.items(0).phy_payload()));
      if (!outcome.ok) {
        reject(*job, job->target.cls, region_name,
               DownlinkFailure{gw::INTERNAL_ERROR, ops::DownlinkResult::Rejected, outcome.error});
        return;
      }
      job->target_dev_addr = outcome.dev_addr;
      if (d.sessions_changed) d.sessions_changed();
      ops::log_event(level_enum::info, "join accept: pending session stored",
                     {{"dev_eui", u->dev_eui.to_hex()}, {"dev_addr", outcome.dev_addr.to_hex()}});
    }
    if (regions[job->target.region_index]->sockets.empty()) {
      reject(*job, job->target.cls, region_name,
             DownlinkFailure{gw::INTERNAL_ERROR, ops::DownlinkResult::NoSocket,
                             "region " + region_name + " has downstream_connections: 0"});
      return;
    }
    dispatch(job, 0, statuses_with(job->frame.items_size(), 0, gw::IGNORED));
  }

  std::optional<lorawan::DevEui> dev_eui_of(const mic::Registry& reg, lorawan::DevAddr a) {
    std::optional<lorawan::DevEui> pending;
    for (const auto& s : d.sessions->find_by_dev_addr(a)) {
      if (s.active && s.active->dev_addr == a) return s.dev_eui;
      if (s.pending && s.pending->dev_addr == a && !pending) pending = s.dev_eui;
    }
    if (pending) return pending;
    auto abp = reg.find_abp(a);
    if (!abp.empty()) return abp.front()->dev_eui;
    return std::nullopt;
  }

  // Plans item `index` and sends it under a new transaction id (or parks it until a socket
  // of its region is up). Any failure answers the frame.
  void dispatch(const std::shared_ptr<DownlinkJob>& job, std::size_t index,
                std::vector<gw::TxAckStatus> statuses) {
    const auto& region = *d.regions[job->target.region_index];
    const auto now_us = unix_now_us();
    ItemPlanOptions po;
    po.deadline_policy = d.config->downlink.class_c_deadline_policy;
    po.class_c_deadline =
        std::chrono::duration_cast<std::chrono::seconds>(d.config->downlink.class_c_deadline);
    auto plan =
        plan_item(job->frame.items(static_cast<int>(index)), job->target.context, now_us, po);
    if (auto* f = std::get_if<DownlinkFailure>(&plan)) {
      statuses[index] = f->status;
      answer(*job, statuses, job->target.cls, region.name, f->result, f->reason);
      return;
    }
    auto& item = std::get<PlannedItem>(plan);
    if (index > 0 && item.window_end_unix_us <= now_us) {
      // RX2 after a failed RX1: only worth a new transaction if its window is still ahead.
      statuses[index] = gw::TOO_LATE;
      answer(*job, statuses, job->target.cls, region.name, ops::DownlinkResult::TooLate,
             "the next item's window has already passed");
      return;
    }
    if (item.power_dropped) region.metrics->downlink_power_dropped.Increment();
    ran::TransactionId tx = 0;
    try {
      tx = txids->next();
    } catch (const std::exception& e) {
      statuses[index] = gw::INTERNAL_ERROR;
      answer(*job, statuses, job->target.cls, region.name, ops::DownlinkResult::Rejected,
             std::string("transaction id: ") + e.what());
      return;
    }
    PendingDownlink entry;
    entry.downlink_id = job->frame.downlink_id();
    entry.region_index = job->target.region_index;
    entry.cls = job->target.cls;
    entry.item = index;
    entry.statuses = std::move(statuses);
    entry.sent = Clock::now();
    const auto window_left =
        std::chrono::microseconds(std::max<std::int64_t>(0, item.window_end_unix_us - now_us));
    entry.expires =
        entry.sent + window_left +
        std::chrono::duration_cast<Clock::duration>(d.config->downlink.result_timeout_margin);
    entry.job = job;
    if (!tracker.add(tx, entry)) {
      entry.statuses[index] = gw::QUEUE_FULL;
      answer(*job, entry.statuses, job->target.cls, region.name, ops::DownlinkResult::QueueFull,
             "downlink.max_pending transactions already await a result");
      return;
    }
    d.metrics->downlink_pending().Set(static_cast<double>(tracker.size()));
    auto request = make_request(job->target, tx, item,
                                bytes_of(job->frame.items(static_cast<int>(index)).phy_payload()),
                                job->target_dev_addr);
    send_or_park(Parked{tx, job->target.region_index, std::move(request), item.window_end_unix_us});
  }

  void send_or_park(Parked p) {
    auto& region = *regions[p.region];
    const auto n = region.sockets.size();
    for (std::size_t k = 0; k < n; ++k) {
      auto& sock = region.sockets[(region.round_robin++) % n];
      if (!sock->up) continue;
      asio::co_spawn(sock->strand, send_on(shared_from_this(), sock, std::move(p)), asio::detached);
      return;
    }
    ops::log_event(level_enum::debug, "downlink waits for a downstream socket",
                   {{"region", d.regions[p.region]->name}, {"tx", p.tx}});
    std::lock_guard lock(parked_mutex);
    parked.push_back(std::move(p));
  }

  static asio::awaitable<void> send_on(std::shared_ptr<Impl> self, std::shared_ptr<Socket> sock,
                                       Parked p) {
    auto conn = sock->conn;
    if (!conn || !conn->is_open()) {
      std::lock_guard lock(self->parked_mutex);
      self->parked.push_back(std::move(p));
      co_return;
    }
    bool repark = false;
    try {
      if (auto* m = std::get_if<ran::Downstream>(&p.request))
        co_await conn->send_downstream(std::move(*m));
      else
        co_await conn->send_multicast_downstream(
            std::get<ran::MulticastDownstream>(std::move(p.request)));
    } catch (const ran::ParameterError& e) {
      self->fail_tx(p.tx, gw::INTERNAL_ERROR, ops::DownlinkResult::Rejected, e.what());
    } catch (const std::exception&) {
      repark = true;  // the socket broke under us: another one (or the next) takes it
    }
    if (repark) {
      std::lock_guard lock(self->parked_mutex);
      self->parked.push_back(std::move(p));
    }
  }

  // ---- results ----------------------------------------------------------------------------

  void on_answer(std::size_t region_index, const ran::DownstreamAnswer& a) {
    if (const auto* ack = std::get_if<ran::DownstreamAck>(&a)) {
      if (!tracker.mark_scheduled(ack->transaction_id, ack->mailbox_id))
        ops::log_event(level_enum::debug, "downstream ack for an unknown transaction",
                       {{"region", d.regions[region_index]->name}, {"tx", ack->transaction_id}});
      return;
    }
    const auto& res = std::get<ran::DownstreamResult>(a);
    auto e = tracker.take(res.transaction_id);
    if (!e) {
      ops::log_event(level_enum::debug, "downstream result for an unknown transaction",
                     {{"region", d.regions[region_index]->name},
                      {"tx", res.transaction_id},
                      {"code", ran::to_string(res.code)}});
      return;
    }
    d.metrics->downlink_pending().Set(static_cast<double>(tracker.size()));
    d.metrics->downlink_result_seconds().Observe(
        std::chrono::duration<double>(Clock::now() - e->sent).count());
    const auto& region = *d.regions[e->region_index];
    e->statuses[e->item] = tx_ack_status(res.code);
    const auto result = downlink_result(res.code);
    auto job = e->job;
    const std::size_t next = e->item + 1;
    if (worth_next_item(res.code) && d.config->downlink.rx_policy == ops::RxPolicy::Rx1ThenRx2 &&
        job && next < static_cast<std::size_t>(job->frame.items_size())) {
      d.metrics->downlinks(region.name, e->cls, result).Increment();
      ops::log_event(level_enum::debug, "downlink item failed, trying the next one",
                     {{"region", region.name},
                      {"downlink_id", e->downlink_id},
                      {"tx", res.transaction_id},
                      {"code", ran::to_string(res.code)},
                      {"next_item", next}});
      dispatch(job, next, std::move(e->statuses));
      return;
    }
    answer(*job, e->statuses, e->cls, region.name, result,
           res.message.empty() ? ran::to_string(res.code) : res.message);
  }

  // Answers a transaction that the bridge gives up on (its entry is taken from the tracker).
  void fail_tx(ran::TransactionId tx, gw::TxAckStatus status, ops::DownlinkResult result,
               const std::string& reason) {
    auto e = tracker.take(tx);
    if (!e) return;
    finish_entry(tx, std::move(*e), status, result, reason);
  }

  void finish_entry(ran::TransactionId tx, PendingDownlink e, gw::TxAckStatus status,
                    ops::DownlinkResult result, const std::string& reason) {
    d.metrics->downlink_pending().Set(static_cast<double>(tracker.size()));
    e.statuses[e.item] = status;
    ops::log_event(level_enum::debug, "downlink transaction ended by the bridge",
                   {{"tx", tx}, {"reason", reason}});
    if (e.job) answer(*e.job, e.statuses, e.cls, d.regions[e.region_index]->name, result, reason);
  }

  void reject(const DownlinkJob& job, ops::DownlinkClass cls, const std::string& region_name,
              const DownlinkFailure& f) {
    answer(job, statuses_with(job.frame.items_size(), 0, f.status), cls, region_name, f.result,
           f.reason);
  }

  // Publishes the TxAck for the frame and counts the outcome.
  void answer(const DownlinkJob& job, const std::vector<gw::TxAckStatus>& statuses,
              ops::DownlinkClass cls, const std::string& region_name, ops::DownlinkResult result,
              const std::string& reason) {
    const auto& gw_region = *d.regions[job.command_region];
    auto ack = make_tx_ack(gw_region.gateway_id.to_hex(), job.frame.downlink_id(), statuses);
    d.mqtt->publish(lns::event_topic(gw_region.topic_prefix, gw_region.gateway_id, lns::Event::ack),
                    lns::marshal(ack, d.marshaler));
    d.metrics->downlinks(region_name, cls, result).Increment();
    ops::log_event(level_enum::debug, "downlink answered",
                   {{"region", region_name},
                    {"class", ops::to_string(cls)},
                    {"downlink_id", job.frame.downlink_id()},
                    {"result", ops::to_string(result)},
                    {"reason", reason}});
  }

  // ---- sockets ----------------------------------------------------------------------------

  // One supervised downstream socket: connect, receive answers; reconnect with backoff.
  static asio::awaitable<void> socket_loop(std::shared_ptr<Impl> self, std::size_t ri,
                                           unsigned index) {
    const auto& rc = self->d.config->regions[ri];
    auto& region = *self->regions[ri];
    auto sock = region.sockets[index];
    auto* metrics = self->d.regions[ri]->metrics;
    ops::Backoff backoff;
    bool first = true;
    while (!self->closing) {
      bool was_up = false;
      try {
        // The executor is fetched in its own statement: GCC 12 mishandles temporaries of a
        // full-expression that contains co_await (use-after-free).
        auto executor = co_await asio::this_coro::executor;
        ran::Core core(executor, rc.token.reveal(), rc.url, client_options(rc));
        co_await core.connect();
        sock->conn = std::make_shared<ran::DownstreamConnection>(co_await core.downstream());
        was_up = true;
        sock->up = true;
        ++region.up;
        backoff.connected(Clock::now());
        if (metrics) {
          metrics->downstream_connections.Increment();
          if (!first) metrics->downstream_reconnects.Increment();
        }
        first = false;
        ops::log_event(level_enum::info, "downstream connected",
                       {{"region", rc.name}, {"socket", index}});
        self->flush_parked(ri);
        while (!self->closing) {
          auto m = co_await sock->conn->recv(200ms);
          if (m) self->on_answer(ri, *m);
        }
        co_await sock->conn->close();
      } catch (const std::exception& e) {
        if (!self->closing)
          ops::log_event(level_enum::warn, "downstream socket failed",
                         {{"region", rc.name}, {"socket", index}, {"error", e.what()}});
      }
      sock->up = false;
      sock->conn.reset();
      if (was_up) {
        --region.up;
        if (metrics) metrics->downstream_connections.Decrement();
      }
      if (self->closing) break;
      auto delay = backoff.next_delay(Clock::now());
      const auto until = Clock::now() + delay;
      while (!self->closing && Clock::now() < until)
        co_await sleep_for(std::min<std::chrono::milliseconds>(
            100ms,
            std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()) + 1ms));
    }
    --self->live_loops;
  }

  // Sends parked transactions of region `ri` (or of every region) whose socket is now up,
  // and answers TOO_LATE for those whose window has passed.
  void flush_parked(std::optional<std::size_t> ri = std::nullopt) {
    std::deque<Parked> ready, late;
    const auto now_us = unix_now_us();
    {
      std::lock_guard lock(parked_mutex);
      std::deque<Parked> keep;
      for (auto& p : parked) {
        if (p.window_end_unix_us < now_us)
          late.push_back(std::move(p));
        else if ((!ri || *ri == p.region) && regions[p.region]->up > 0)
          ready.push_back(std::move(p));
        else
          keep.push_back(std::move(p));
      }
      parked.swap(keep);
    }
    for (auto& p : late)
      fail_tx(p.tx, gw::TOO_LATE, ops::DownlinkResult::NoSocket,
              "no downstream socket before the window closed");
    for (auto& p : ready) send_or_park(std::move(p));
  }

  // Expires results that never came and parked transactions whose window passed.
  static asio::awaitable<void> housekeeping(std::shared_ptr<Impl> self) {
    while (!self->closing) {
      co_await sleep_for(20ms);
      self->flush_parked();
      for (auto& [tx, e] : self->tracker.take_expired(Clock::now()))
        self->finish_entry(tx, std::move(e), gw::INTERNAL_ERROR, ops::DownlinkResult::Timeout,
                           "no result within the window + downlink.result_timeout_margin");
    }
    --self->live_loops;
  }
};

DownlinkPath::DownlinkPath(Deps deps) : impl_(std::make_shared<Impl>(std::move(deps))) {}
DownlinkPath::~DownlinkPath() = default;

void DownlinkPath::start() {
  impl_->start();
}

asio::awaitable<void> DownlinkPath::stop() {
  return Impl::stop(impl_);
}

int DownlinkPath::sockets_up(std::size_t region_index) const {
  return impl_->regions.at(region_index)->up.load();
}

}  // namespace ranbridge::bridge
