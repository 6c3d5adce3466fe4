// ran-bridge: the service main. Parses the command line, loads and validates the config and
// the devices files, then runs bridge::Service on one io_context with two threads.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "ranbridge/bridge/routing_plan.hpp"
#include "ranbridge/bridge/routing_sync.hpp"
#include "ranbridge/bridge/service.hpp"
#include "ranbridge/mic/registry.hpp"
#include "ranbridge/ops/config.hpp"
#include "ranbridge/ops/logging.hpp"
#include "ranbridge/ops/sd_notify.hpp"
#include "ranbridge/ops/signals.hpp"
#include "ranbridge/ran/core.hpp"

namespace asio = boost::asio;
using namespace ranbridge;

namespace {

constexpr const char* kUsage = R"(Usage:
  ran-bridge --config FILE [--log-format text|json] [--log-level LEVEL]
  ran-bridge --check-config FILE
  ran-bridge sync --dry-run --config FILE
  ran-bridge --version | --help

Connects Everynet's RAN Routing API to a ChirpStack-style network server over MQTT:
keeps upstream websockets per configured region, solves MIC challenges with the device
keys of the devices files, publishes accepted uplinks to MQTT and keeps RAN's routing
table in sync with the devices files.

Options:
  --config FILE        the YAML configuration (README.md, Configuration)
  --check-config FILE  validate the configuration and its devices files, print every
                       problem as file:line: message, exit 0 when valid, 2 otherwise
  sync --dry-run       print the routing-table changes each region would get, change nothing
  --log-format F       text (default) or json; overrides log.format
  --log-level L        trace|debug|info|warn|error|critical|off; overrides log.level
  --version            print the version
  --help               this text

Signals: SIGTERM/SIGINT stop gracefully (answer in-flight upstreams, flush MQTT, save
sessions); SIGHUP reloads the devices files and re-syncs the routing tables.
Exit codes: 0 clean stop, 1 runtime failure, 2 bad configuration or usage.
)";

struct Args {
  std::string config;
  std::string check;
  bool sync_dry_run = false;
  std::optional<ops::LogFormat> log_format;
  std::optional<ops::LogLevel> log_level;
};

int usage_error(const std::string& msg) {
  std::cerr << "ran-bridge: " << msg << "\n(see ran-bridge --help)\n";
  return 2;
}

std::optional<ops::Config> load(const std::string& file) {
  auto r = ops::load_config(file);
  if (!r.ok()) {
    std::cerr << ops::format_errors(r.errors);
    return std::nullopt;
  }
  return std::move(*r.config);
}

std::shared_ptr<const mic::Registry> load_devices(const ops::Config& c) {
  auto r = mic::Registry::load_files(c.devices.files);
  if (!r.ok()) {
    for (const auto& e : r.errors) std::cerr << e.to_string() << "\n";
    return nullptr;
  }
  return r.registry;
}

asio::awaitable<void> dry_run(const ops::Config* config, std::shared_ptr<const mic::Registry> reg,
                              int* exit_code) {
  for (const auto& rc : config->regions) {
    try {
      // The executor is fetched in its own statement: GCC 12 mishandles temporaries of a
      // full-expression that contains co_await (use-after-free).
      auto executor = co_await asio::this_coro::executor;
      ran::Core core(executor, rc.token.reveal(), rc.url, bridge::client_options(rc));
      co_await core.connect();
      auto actual = co_await bridge::fetch_actual(core);
      auto plan = bridge::plan_sync(bridge::desired_state(*reg, rc.name), actual.devices,
                                    actual.groups, config->routing_sync.prune);
      std::cout << bridge::format_plan(rc.name, plan);
      co_await core.close();
    } catch (const std::exception& e) {
      std::cerr << "region " << rc.name << ": cannot read the routing table: " << e.what() << "\n";
      *exit_code = 1;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& s = args[i];
    auto value = [&](const char* name) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      (void)name;
      return args[++i];
    };
    if (s == "--help" || s == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (s == "--version") {
      std::cout << "ran-bridge " << RANBRIDGE_VERSION << "\n";
      return 0;
    } else if (s == "--config" || s == "-c") {
      auto v = value("--config");
      if (!v) return usage_error("--config needs a file");
      a.config = *v;
    } else if (s == "--check-config") {
      auto v = value("--check-config");
      if (!v) return usage_error("--check-config needs a file");
      a.check = *v;
    } else if (s == "sync") {
      if (i + 1 < args.size() && args[i + 1] == "--dry-run") {
        ++i;
        a.sync_dry_run = true;
      } else {
        return usage_error("sync needs --dry-run (the service itself syncs)");
      }
    } else if (s == "--dry-run") {
      a.sync_dry_run = true;
    } else if (s == "--log-format") {
      auto v = value("--log-format");
      auto f = v ? ops::parse_log_format(*v) : std::nullopt;
      if (!f) return usage_error("--log-format must be text or json");
      a.log_format = f;
    } else if (s == "--log-level") {
      auto v = value("--log-level");
      auto l = v ? ops::parse_log_level(*v) : std::nullopt;
      if (!l) return usage_error("--log-level must be trace|debug|info|warn|error|critical|off");
      a.log_level = l;
    } else {
      return usage_error("unknown argument '" + s + "'");
    }
  }

  if (!a.check.empty()) {
    auto config = load(a.check);
    if (!config) return 2;
    if (!load_devices(*config)) return 2;
    std::cout << a.check << ": OK (" << config->regions.size() << " region(s))\n";
    return 0;
  }
  if (a.config.empty()) return usage_error("--config FILE is required");

  auto config = load(a.config);
  if (!config) return 2;
  ops::setup_logging(a.log_level.value_or(config->log.level),
                     a.log_format.value_or(config->log.format));
  auto registry = load_devices(*config);
  if (!registry) return 2;

  if (a.sync_dry_run) {
    asio::io_context io;
    int code = 0;
    asio::co_spawn(io, dry_run(&*config, registry, &code), [](std::exception_ptr) {});
    io.run();
    return code;
  }

  asio::io_context io;
  auto work = asio::make_work_guard(io);
  const std::string config_path = a.config;
  int exit_code = 0;
  try {
    bridge::Service service(io, *config, registry);
    auto notifier = ops::SdNotifier::from_environment();
    ops::SignalHandler signals(
        io.get_executor(),
        [&](int sig) {
          ops::log_event(spdlog::level::info, "stopping", {{"signal", sig}});
          notifier.stopping();
          // Everything that matters is done when `stop` calls back (answers sent, MQTT
          // flushed, sessions saved): idle loops and timers are simply abandoned.
          service.stop([&io] { io.stop(); });
        },
        [&] {
          notifier.reloading();
          auto c = ops::load_config(config_path);
          if (!c.ok()) {
            ops::log_event(spdlog::level::err, "reload: config invalid, keeping the old one",
                           {{"errors", ops::format_errors(c.errors)}});
          } else if (auto r = mic::Registry::load_files(c.config->devices.files); !r.ok()) {
            std::string errs;
            for (const auto& e : r.errors) errs += e.to_string() + "; ";
            ops::log_event(spdlog::level::err, "reload: devices invalid, keeping the old ones",
                           {{"errors", errs}});
          } else {
            service.reload(r.registry);
          }
          notifier.ready();
        });
    service.start();
    notifier.ready();
    std::thread second([&io] { io.run(); });
    io.run();
    second.join();
  } catch (const std::exception& e) {
    ops::log_event(spdlog::level::critical, "ran-bridge failed", {{"error", e.what()}});
    exit_code = 1;
  }
  return exit_code;
}
