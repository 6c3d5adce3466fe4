// End-to-end uplink benchmark: ran-emulator (load mode, generated ABP devices) -> ran-bridge
// -> mosquitto -> mosquitto_sub (counting). Not a test: it prints JSON lines
// {"name", "value", "unit"} on stdout and one progress line per rate on stderr.
//
// For each rate of a ladder (uplinks/s) a fresh emulator and bridge run `--seconds` of
// traffic; a rate "holds" when every upstream was acked (0 unanswered, 0 rejected, 0 wrong)
// and the emulator really sent it. The ladder stops at the first rate that does not hold.
// The first rate (2,000/s by default) also gives the answer latency (measured by the
// emulator: Upstream sent -> answer received). Bridge CPU from /proc/PID/stat, peak RSS from
// /proc/PID/status (VmHWM).
//
//   bench_e2e [--rates 2000,5000,...] [--seconds S] [--devices N] [--connections N]
#include <unistd.h>
#include <filesystem>

#include <csignal>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ranbridge_test/support.hpp"

namespace t = ranbridge::testing;
using namespace std::chrono_literals;

namespace {

struct Options {
  std::vector<double> rates{2000, 5000, 8000, 10000, 12000, 15000, 20000, 25000};
  double seconds = 5;
  unsigned devices = 10000;
  unsigned connections = 4;
  bool verbose = false;
};

void emit(const std::string& name, double value, const std::string& unit) {
  boost::json::object o{{"name", name}, {"value", value}, {"unit", unit}};
  std::cout << boost::json::serialize(o) << std::endl;
}

std::string curl(const std::string& method, int port, const std::string& path,
                 const std::string& body = "") {
  std::vector<std::string> args{"-s", "-m", "10", "-X", method};
  if (!body.empty()) args.insert(args.end(), {"-H", "Content-Type: application/json", "-d", body});
  args.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  return t::run("/usr/bin/curl", args).output;
}

boost::json::object emulator_stats(int port) {
  boost::system::error_code ec;
  auto v = boost::json::parse(curl("GET", port, "/emulator/stats"), ec);
  return !ec && v.is_object() ? v.as_object() : boost::json::object{};
}

std::int64_t num(const boost::json::object& o, const char* a, const char* b) {
  auto* x = o.if_contains(a);
  if (!x || !x->is_object()) return 0;
  auto* y = x->as_object().if_contains(b);
  return y && y->is_number() ? y->to_number<std::int64_t>() : 0;
}

// utime + stime of a process in seconds.
double cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  auto close = s.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 3; rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// VmHWM in MiB.
double peak_rss_mib(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

std::size_t count_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::size_t n = 0;
  std::string line;
  while (std::getline(in, line)) ++n;
  return n;
}

bool poll(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

struct Trial {
  bool holds = false;
  std::string why;
  std::int64_t sent = 0, acked = 0, published = 0;
  double achieved_rate = 0;
  std::int64_t p50_us = 0, p99_us = 0, max_us = 0;
  double cpu_s_per_10k = 0;
  double peak_rss_mib = 0;
};

class Bench {
 public:
  explicit Bench(Options o) : o_(std::move(o)) {
    sub_.emplace("/usr/bin/mosquitto_sub",
                 std::vector<std::string>{"-h", "127.0.0.1", "-p", std::to_string(broker_.port()),
                                          "-t", "+/gateway/+/event/up", "-q", "1", "-F", "%l"},
                 std::map<std::string, std::string>{}, dir_ / "sub.log");
    std::this_thread::sleep_for(300ms);
  }

  Trial run(double rate) {
    Trial tr;
    auto exported = dir_ / "devices.json";
    // A fresh state dir per rate: the emulator's devices (same seed) restart at FCnt 0, which a
    // bridge that loaded the previous run's sessions would rightly reject as replays.
    const auto state_dir = dir_.path() / ("state-" + std::to_string(static_cast<long>(rate)));
    std::filesystem::create_directories(state_dir);
    t::Process emu(
        t::bin_path("ran-emulator"),
        {"--listen", "127.0.0.1:0", "--token", "bench", "--devices-generate",
         std::to_string(o_.devices), "--devices-export", exported.string(), "--rate",
         std::to_string(rate), "--no-autostart", "--seed", "1", "--answer-timeout", "5"});
    if (!emu.wait_for_output("listening on", 30s)) {
      tr.why = "emulator did not start: " + emu.output();
      return tr;
    }
    std::smatch m;
    auto out = emu.output();
    std::regex_search(out, m, std::regex(R"(listening on http://127.0.0.1:(\d+))"));
    const int emu_port = std::stoi(m[1]);
    const int http_port = t::free_port();
    auto config = dir_.write("bridge.yaml",
                             "regions:\n"
                             "  - name: bench\n"
                             "    url: http://127.0.0.1:" +
                                 std::to_string(emu_port) +
                                 "/api/v1\n"
                                 "    token: bench\n"
                                 "    upstream_connections: " +
                                 std::to_string(o_.connections) +
                                 "\n"
                                 "    gateway_id: \"00000000000be0c1\"\n"
                                 "    topic_prefix: eu868\n"
                                 "mqtt:\n"
                                 "  url: " +
                                 broker_.url() +
                                 "\n"
                                 "  client_id: ran-bridge-bench\n"
                                 "devices:\n"
                                 "  files: [" +
                                 exported.string() +
                                 "]\n"
                                 "routing_sync:\n"
                                 "  interval: 3600s\n"
                                 "state_dir: " +
                                 state_dir.string() +
                                 "\n"
                                 "http:\n"
                                 "  listen: \"127.0.0.1:" +
                                 std::to_string(http_port) +
                                 "\"\n"
                                 "log:\n"
                                 "  level: warn\n");
    t::Process bridge(t::bin_path("ran-bridge"), {"--config", config.string()});
    auto ready = [&] {
      return emulator_stats(emu_port).contains("sockets") &&
             num(emulator_stats(emu_port), "sockets", "upstream_open") ==
                 static_cast<std::int64_t>(o_.connections) &&
             t::run("/usr/bin/curl",
                    {"-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "2",
                     "http://127.0.0.1:" + std::to_string(http_port) + "/health/ready"})
                     .output == "200";
    };
    if (!poll(ready, 60s)) {
      tr.why = "bridge not ready: " + bridge.output();
      return tr;
    }
    const auto lines0 = count_lines(dir_ / "sub.log");
    const double cpu0 = cpu_seconds(bridge.pid());
    const auto t0 = std::chrono::steady_clock::now();
    curl("POST", emu_port, "/emulator/traffic", R"({"running": true})");
    std::this_thread::sleep_for(std::chrono::duration<double>(o_.seconds));
    curl("POST", emu_port, "/emulator/traffic", R"({"running": false})");
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    poll([&] { return num(emulator_stats(emu_port), "upstream", "pending") == 0; }, 10s);
    const double cpu1 = cpu_seconds(bridge.pid());
    auto st = emulator_stats(emu_port);
    tr.sent = num(st, "upstream", "sent");
    tr.acked = num(st, "upstream", "acked");
    tr.p50_us = num(st, "answer_latency", "p50_us");
    tr.p99_us = num(st, "answer_latency", "p99_us");
    tr.max_us = num(st, "answer_latency", "max_us");
    tr.achieved_rate = static_cast<double>(tr.sent) / elapsed;
    tr.peak_rss_mib = peak_rss_mib(bridge.pid());
    if (tr.acked > 0) tr.cpu_s_per_10k = (cpu1 - cpu0) / static_cast<double>(tr.acked) * 1e4;
    poll([&] { return count_lines(dir_ / "sub.log") - lines0 >= std::size_t(tr.acked); }, 15s);
    tr.published = static_cast<std::int64_t>(count_lines(dir_ / "sub.log") - lines0);
    const auto unanswered = num(st, "upstream", "unanswered");
    const auto pending = num(st, "upstream", "pending");
    const auto bad = num(st, "upstream", "rejected") + num(st, "upstream", "wrong_ack");
    std::ostringstream why;
    if (unanswered || pending) why << "unanswered=" << unanswered << " pending=" << pending << " ";
    if (bad) why << "rejected_or_wrong=" << bad << " ";
    if (tr.achieved_rate < 0.95 * rate) why << "emulator sent only " << tr.achieved_rate << "/s ";
    if (tr.acked != tr.sent) why << "acked " << tr.acked << " of " << tr.sent << " ";
    if (tr.published < tr.acked) why << "published " << tr.published << " of " << tr.acked;
    tr.why = why.str();
    tr.holds = tr.why.empty();
    if (o_.verbose) std::cerr << "rate " << rate << ": " << boost::json::serialize(st) << "\n";
    bridge.signal(SIGTERM);
    bridge.wait(15s);
    emu.signal(SIGTERM);
    emu.wait(10s);
    return tr;
  }

 private:
  Options o_;
  t::TempDir dir_;
  t::Mosquitto broker_;
  std::optional<t::Process> sub_;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--rates") {
      o.rates.clear();
      std::istringstream in(next());
      std::string r;
      while (std::getline(in, r, ',')) o.rates.push_back(std::stod(r));
    } else if (a == "--seconds") {
      o.seconds = std::stod(next());
    } else if (a == "--devices") {
      o.devices = static_cast<unsigned>(std::stoul(next()));
    } else if (a == "--connections") {
      o.connections = static_cast<unsigned>(std::stoul(next()));
    } else if (a == "--verbose") {
      o.verbose = true;
    } else {
      throw std::invalid_argument("unknown argument " + a);
    }
  }
  if (o.rates.empty() || o.seconds <= 0) throw std::invalid_argument("bad --rates/--seconds");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "bench_e2e: " << e.what()
              << "\nusage: bench_e2e [--rates R1,R2,...] [--seconds S] [--devices N] "
                 "[--connections N] [--verbose]\n";
    return 2;
  }
  try {
    Bench bench(o);
    double sustained = 0;
    double cpu_per_10k = 0, rss = 0;
    for (std::size_t i = 0; i < o.rates.size(); ++i) {
      const double rate = o.rates[i];
      auto tr = bench.run(rate);
      std::cerr << "bench_e2e: rate " << rate << "/s: sent " << tr.sent << " acked " << tr.acked
                << " published " << tr.published << " p50 " << tr.p50_us << " us p99 " << tr.p99_us
                << " us, " << (tr.holds ? "holds" : "does not hold: " + tr.why) << "\n";
      if (i == 0) {
        emit("e2e_answer_latency_p50_at_" + std::to_string(int(rate)), double(tr.p50_us), "us");
        emit("e2e_answer_latency_p99_at_" + std::to_string(int(rate)), double(tr.p99_us), "us");
        emit("e2e_answer_latency_max_at_" + std::to_string(int(rate)), double(tr.max_us), "us");
      }
      if (!tr.holds) break;
      sustained = tr.achieved_rate;
      cpu_per_10k = tr.cpu_s_per_10k;
      rss = std::max(rss, tr.peak_rss_mib);
    }
    emit("e2e_sustained_uplinks_per_s", sustained, "uplinks/s");
    emit("e2e_bridge_cpu_seconds_per_10k_uplinks", cpu_per_10k, "s");
    emit("e2e_bridge_peak_rss", rss, "MiB");
  } catch (const std::exception& e) {
    std::cerr << "bench_e2e: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
