// Downlink round-trip latency: the test network server publishes class C DownlinkFrames on
// command/down at a fixed rate; ran-bridge sends each as a RAN Downstream to ran-emulator,
// which answers DownstreamAck + DownstreamResult(Success) with no delay; the bridge publishes
// the DownlinkTxAck on event/ack. Latency = TxAck received - command published, per downlink,
// measured in this process (one clock). Warm-up downlinks are sent but not measured.
//
//   bench_downlink [--rate 500] [--duration 20] [--warmup 2]
//
// Prints JSON lines {"name", "value", "unit"}; exit 1 if the stack does not start.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "downlink_stack.hpp"

namespace t = ranbridge::testing;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

void line(const std::string& name, double value, const std::string& unit) {
  std::printf("{\"name\": \"%s\", \"value\": %.3f, \"unit\": \"%s\"}\n", name.c_str(), value,
              unit.c_str());
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  double rate = 500, duration = 20, warmup = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    double v = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--rate"))
      rate = v;
    else if (!std::strcmp(argv[i], "--duration"))
      duration = v;
    else if (!std::strcmp(argv[i], "--warmup"))
      warmup = v;
    else {
      std::cerr << "usage: bench_downlink [--rate N] [--duration S] [--warmup S]\n";
      return 2;
    }
  }
  if (rate <= 0 || duration <= 0 || warmup < 0) {
    std::cerr << "rate and duration must be > 0\n";
    return 2;
  }

  t::StackOptions opt;
  opt.ns_answers_joins = false;
  opt.emulator_args = {"--downstream-delay", "0"};
  t::DownlinkStack s(opt);
  if (!s.start()) {
    std::cerr << "stack did not start: " << s.why() << "\n";
    return 1;
  }
  const auto dev = t::devices::kAbp10;
  s.ns().add_abp_session(dev);
  if (!s.ns().wait_session(dev, 1, 30s)) {
    std::cerr << "the bridge did not deliver an uplink of the device\n" << s.diagnostics();
    return 1;
  }

  const auto total = static_cast<std::size_t>((warmup + duration) * rate);
  const auto warm = static_cast<std::size_t>(warmup * rate);
  const auto period =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
  std::vector<std::pair<std::uint32_t, Clock::time_point>> sent;
  sent.reserve(total);
  // Frames are built ahead of time so the send loop only publishes.
  std::vector<gw::DownlinkFrame> frames;
  frames.reserve(total);
  for (std::size_t i = 0; i < total; ++i) {
    frames.push_back(s.ns().class_c(dev));
    frames.back().set_downlink_id(s.ns().next_downlink_id());
  }
  std::cerr << "sending " << total << " downlinks at " << rate << "/s (" << warm << " warm-up)\n";
  auto start = Clock::now();
  std::size_t behind = 0;
  for (std::size_t i = 0; i < total; ++i) {
    auto due = start + period * static_cast<long>(i);
    auto now = Clock::now();
    if (now < due)
      std::this_thread::sleep_until(due);
    else if (now - due > 10ms)
      ++behind;
    auto id = frames[i].downlink_id();
    sent.emplace_back(id, Clock::now());
    s.ns().send(std::move(frames[i]));
  }
  auto send_secs = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> lat_us;
  std::size_t lost = 0, not_ok = 0;
  auto give_up = Clock::now() + 15s;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    auto left = std::max<Clock::duration>(give_up - Clock::now(), 1ms);
    auto ack =
        s.ns().wait_ack(sent[i].first, std::chrono::duration_cast<std::chrono::milliseconds>(left));
    if (!ack) {
      ++lost;
      continue;
    }
    if (ack->ack.items_size() != 1 || ack->ack.items(0).status() != gw::OK) ++not_ok;
    if (i >= warm)
      lat_us.push_back(
          std::chrono::duration<double, std::micro>(ack->received - sent[i].second).count());
  }

  line("downlink_rate_offered", rate, "1/s");
  line("downlink_rate_achieved", static_cast<double>(total) / send_secs, "1/s");
  line("downlink_measured", static_cast<double>(lat_us.size()), "count");
  line("downlink_lost", static_cast<double>(lost), "count");
  line("downlink_not_ok", static_cast<double>(not_ok), "count");
  line("downlink_sends_late_10ms", static_cast<double>(behind), "count");
  line("downlink_round_trip_p50", percentile(lat_us, 0.50), "us");
  line("downlink_round_trip_p99", percentile(lat_us, 0.99), "us");
  line("downlink_round_trip_max",
       lat_us.empty() ? 0 : *std::max_element(lat_us.begin(), lat_us.end()), "us");
  auto recv = s.counter(0, "downstream", "received");
  line("emulator_downstreams_received", static_cast<double>(recv), "count");
  return 0;
}
