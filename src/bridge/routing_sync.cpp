#include "ranbridge/bridge/routing_sync.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "ranbridge/ran/errors.hpp"

namespace ranbridge::bridge {
namespace asio = boost::asio;

ran::ClientOptions client_options(const ops::RegionConfig& rc) {
  ran::ClientOptions o;
  o.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(rc.connect_timeout);
  o.ws_handshake_timeout = o.connect_timeout;
  o.request_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(rc.request_timeout);
  if (rc.ca_file) o.tls.ca_file = rc.ca_file->string();
  return o;
}

asio::awaitable<ActualState> fetch_actual(ran::Core& core) {
  ActualState s;
  s.devices = co_await core.routing_table().select_all();
  s.groups = co_await core.multicast_groups().get();
  co_return s;
}

namespace {

// GCC 12: no braced initializer lists inside co_await expressions (an ICE-like "array used
// as initializer"), hence the named vectors, and if-chains instead of a switch.
asio::awaitable<void> execute(ran::Core& core, const SyncAction& a) {
  auto& rt = core.routing_table();
  auto& mg = core.multicast_groups();
  const auto k = a.kind;
  if (k == ActionKind::Replace || k == ActionKind::Remove) {
    std::vector<lorawan::DevEui> euis(1, a.device.dev_eui);
    co_await rt.remove(std::move(euis));
  }
  if (k == ActionKind::Replace || k == ActionKind::Insert) {
    if (a.device.join_eui) {
      co_await rt.insert(a.device.dev_eui, *a.device.join_eui);
      // A known OTAA session address goes in with an update (insert takes one identity).
      if (a.device.active_dev_addr)
        co_await rt.update(a.device.dev_eui, *a.device.join_eui, a.device.active_dev_addr,
                           std::nullopt);
    } else {
      co_await rt.insert(a.device.dev_eui, *a.device.active_dev_addr);
    }
  } else if (k == ActionKind::Update) {
    co_await rt.update(a.device.dev_eui, *a.device.join_eui, a.device.active_dev_addr,
                       std::nullopt);
  } else if (k == ActionKind::GroupCreate) {
    co_await mg.create(a.group_name, a.group_addr);
  } else if (k == ActionKind::GroupRename) {
    std::optional<std::string> name = a.group_name;
    co_await mg.update(a.group_addr, std::move(name), std::nullopt);
  } else if (k == ActionKind::GroupRemove) {
    std::vector<lorawan::DevAddr> addrs(1, a.group_addr);
    co_await mg.remove(std::move(addrs));
  } else if (k == ActionKind::GroupAddDevice) {
    co_await mg.add_device(a.group_addr, a.member);
  } else if (k == ActionKind::GroupRemoveDevice) {
    co_await mg.remove_device(a.group_addr, a.member);
  }
}

struct Shared {
  ran::Core* core;
  std::vector<SyncAction> actions;
  std::size_t next = 0;
  SyncOptions options;
  ActionObserver observer;
  SyncReport report;
};

// A client-side mistake (4xx validation) will not get better by retrying.
bool retryable(const std::exception& e) {
  if (dynamic_cast<const ran::ParameterError*>(&e)) return false;
  if (auto* api = dynamic_cast<const ran::ApiError*>(&e))
    return api->http_status() >= 500 || api->http_status() == 429;
  return true;
}

asio::awaitable<void> worker(std::shared_ptr<Shared> s) {
  auto ex = co_await asio::this_coro::executor;
  while (s->next < s->actions.size()) {
    const SyncAction& a = s->actions[s->next++];
    bool ok = false;
    std::string error;
    auto delay = s->options.retry_delay;
    for (unsigned attempt = 0; attempt <= s->options.retries; ++attempt) {
      bool retry = false;
      try {
        co_await execute(*s->core, a);
        ok = true;
      } catch (const std::exception& e) {
        error = e.what();
        retry = retryable(e);
      }
      if (ok || !retry) break;
      if (attempt < s->options.retries) {
        asio::steady_timer t(ex, delay);
        co_await t.async_wait(asio::use_awaitable);
        delay *= 2;
      }
    }
    if (ok) {
      ++s->report.ok;
    } else {
      ++s->report.failed;
      if (s->report.errors.size() < 20) {
        std::string who =
            a.kind <= ActionKind::Remove ? a.device.dev_eui.to_hex() : a.group_addr.to_hex();
        s->report.errors.push_back(std::string(to_string(a.kind)) + " " + who + ": " + error);
      }
    }
    if (s->observer) s->observer(a, ok);
  }
}

asio::awaitable<void> run_phase(std::shared_ptr<Shared> s) {
  auto ex = co_await asio::this_coro::executor;
  unsigned n = std::max(1u, s->options.concurrency);
  // Workers share `next` on one strand: each takes the next action when it is free.
  auto remaining = std::make_shared<unsigned>(n);
  auto all_done = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
  for (unsigned i = 0; i < n; ++i) {
    asio::co_spawn(ex, worker(s), [remaining, all_done](std::exception_ptr) {
      // expires_at (not cancel): also wakes a wait that starts after the last worker ended.
      if (--*remaining == 0) all_done->expires_at(asio::steady_timer::time_point::min());
    });
  }
  boost::system::error_code ec;
  co_await all_done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

asio::awaitable<SyncReport> run_plan(ran::Core& core, SyncPlan plan, SyncOptions options,
                                     ActionObserver on_result) {
  SyncReport total;
  std::vector<SyncAction> devices, groups;
  for (auto& a : plan.actions) (a.kind <= ActionKind::Remove ? devices : groups).push_back(a);
  for (auto* phase : {&devices, &groups}) {
    if (phase->empty()) continue;
    auto s = std::make_shared<Shared>();
    s->core = &core;
    s->actions = std::move(*phase);
    s->options = options;
    s->observer = on_result;
    co_await run_phase(s);
    total.ok += s->report.ok;
    total.failed += s->report.failed;
    for (auto& e : s->report.errors)
      if (total.errors.size() < 20) total.errors.push_back(std::move(e));
  }
  co_return total;
}

}  // namespace ranbridge::bridge
