// MqttClient against a private mosquitto on loopback (started here), with UplinkFrame-sized
// payloads (a protobuf gw.UplinkFrame of ~100 bytes):
//  - sustained publish throughput at QoS 1 and QoS 0: the queue is kept full and the
//    messages the client completes (PUBACKed for QoS 1, written for QoS 0) are counted over
//    a window after a warm-up;
//  - end-to-end latency at a fixed rate (default 2,000 msg/s, QoS 1): from publish() to the
//    arrival at a subscribing MqttClient in the same process, p50 / p99 / max.
// Prints JSON lines {"name", "value", "unit"}.
//
//   bench_lns_mqtt [--seconds S] [--rate R] [--url tcp://host:port]
// With --url an existing broker is used instead of starting mosquitto.

#include <spdlog/spdlog.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/lns/mqtt_client.hpp"
#include "ranbridge_test/support.hpp"

namespace asio = boost::asio;
using namespace ranbridge::lns;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

void emit(const std::string& name, double value, const char* unit) {
  std::printf("{\"name\":\"%s\",\"value\":%.3f,\"unit\":\"%s\"}\n", name.c_str(), value, unit);
  std::fflush(stdout);
}

// A typical uplink event as the bridge publishes it (protobuf), ~100 bytes.
std::string uplink_payload() {
  gw::UplinkFrame up;
  up.set_phy_payload(std::string(
      "\x40\x04\x03\x02\x01\x80\x01\x00\x01\xa6\x94\x64\x26\x15\xd6\xc3\xb5\x82\x11\x22\x33", 21));
  auto* tx = up.mutable_tx_info();
  tx->set_frequency(868100000);
  auto* lora = tx->mutable_modulation()->mutable_lora();
  lora->set_bandwidth(125000);
  lora->set_spreading_factor(7);
  lora->set_code_rate(gw::CR_4_5);
  auto* rx = up.mutable_rx_info();
  rx->set_gateway_id("00000000000e0001");
  rx->set_uplink_id(4000000000u);
  rx->mutable_gw_time()->set_seconds(1700000000);
  rx->mutable_gw_time()->set_nanos(500000000);
  rx->set_rssi(-57);
  rx->set_snr(9.5f);
  rx->set_channel(2);
  rx->set_context(std::string("\x01\x02\x00\xff\x10\x20\x30\x40", 8));
  rx->set_crc_status(gw::CRC_OK);
  return marshal(up, Marshaler::protobuf);
}

struct Io {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::vector<std::thread> threads;
  explicit Io(int n) {
    for (int i = 0; i < n; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~Io() {
    guard.reset();
    for (auto& t : threads) t.join();
  }
};

MqttClientOptions options(const std::string& url, const std::string& id, int qos) {
  MqttClientOptions o;
  o.url = url;
  o.client_id = id;
  o.qos = qos;
  o.clean_session = true;
  return o;
}

bool wait_until(const std::function<bool()>& done, std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Keeps the client's queue between half and full of `payload`s; counts completions.
double throughput(const std::string& url, int qos, std::chrono::seconds window) {
  Io io(2);
  auto payload = uplink_payload();
  auto client = std::make_unique<MqttClient>(
      io.io.get_executor(), options(url, "bench-tput-q" + std::to_string(qos), qos));
  client->start();
  if (!wait_until([&] { return client->connected(); }, 10s)) {
    std::fprintf(stderr, "bench_lns_mqtt: cannot connect to %s\n", url.c_str());
    std::exit(1);
  }
  std::atomic<bool> run{true};
  std::thread producer([&] {
    while (run) {
      if (client->stats().queue_depth < 20000)
        for (int i = 0; i < 1000; ++i)
          client->publish("eu868/gateway/00000000000e0001/event/up", payload);
      else
        std::this_thread::sleep_for(200us);
    }
  });
  std::this_thread::sleep_for(1s);  // warm-up
  auto p0 = client->stats().published;
  auto t0 = Clock::now();
  std::this_thread::sleep_for(window);
  auto p1 = client->stats().published;
  auto t1 = Clock::now();
  run = false;
  producer.join();
  client.reset();
  return static_cast<double>(p1 - p0) / std::chrono::duration<double>(t1 - t0).count();
}

struct Latency {
  double p50_ms, p99_ms, max_ms;
  std::size_t sent, received;
};

Latency latency(const std::string& url, double rate, std::chrono::seconds window) {
  Io io(2);
  auto base = uplink_payload();
  const std::size_t total = static_cast<std::size_t>(rate * static_cast<double>(window.count()));
  std::vector<Clock::time_point> sent_at(total), received_at(total);
  std::vector<std::atomic<bool>> arrived(total);
  std::atomic<std::size_t> received{0};

  auto sub = std::make_unique<MqttClient>(io.io.get_executor(), options(url, "bench-lat-sub", 1));
  sub->subscribe("bench/latency", 1, [&](const InboundMessage& m) {
    auto now = Clock::now();
    std::uint64_t seq = 0;
    if (m.payload.size() < sizeof seq) return;
    std::memcpy(&seq, m.payload.data(), sizeof seq);
    // Handlers run one at a time (the client's strand); `received` publishes the times.
    if (seq < total && !arrived[seq].load()) {
      received_at[seq] = now;
      arrived[seq].store(true);
      ++received;
    }
  });
  sub->start();
  auto pub = std::make_unique<MqttClient>(io.io.get_executor(), options(url, "bench-lat-pub", 1));
  pub->start();
  if (!wait_until([&] { return sub->stats().subscribed && pub->connected(); }, 10s)) {
    std::fprintf(stderr, "bench_lns_mqtt: cannot connect to %s\n", url.c_str());
    std::exit(1);
  }

  // Paced by absolute schedule: message i is due at start + i / rate.
  auto start = Clock::now();
  auto interval = std::chrono::duration<double>(1.0 / rate);
  for (std::uint64_t i = 0; i < total; ++i) {
    auto due =
        start + std::chrono::duration_cast<Clock::duration>(interval * static_cast<double>(i));
    if (Clock::now() < due) std::this_thread::sleep_until(due);
    std::string payload = base;
    std::memcpy(payload.data(), &i, sizeof i);  // a sequence number over the first bytes
    sent_at[i] = Clock::now();
    pub->publish("bench/latency", std::move(payload));
  }
  wait_until([&] { return received.load() == total; }, 30s);

  // The first second is warm-up.
  std::vector<double> ms;
  auto skip = static_cast<std::size_t>(rate);
  for (std::size_t i = skip; i < total; ++i)
    if (arrived[i])
      ms.push_back(std::chrono::duration<double, std::milli>(received_at[i] - sent_at[i]).count());
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) {
    return ms.empty() ? 0.0
                      : ms[std::min(ms.size() - 1,
                                    static_cast<std::size_t>(p * static_cast<double>(ms.size())))];
  };
  Latency r{pct(0.50), pct(0.99), ms.empty() ? 0.0 : ms.back(), total, received.load()};
  pub.reset();
  sub.reset();
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 5;
  double rate = 2000;
  std::string url;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--seconds" && i + 1 < argc)
      seconds = std::stoi(argv[++i]);
    else if (a == "--rate" && i + 1 < argc)
      rate = std::stod(argv[++i]);
    else if (a == "--url" && i + 1 < argc)
      url = argv[++i];
    else {
      std::fprintf(stderr,
                   "usage: bench_lns_mqtt [--seconds S] [--rate R] [--url tcp://host:port]\n");
      return 2;
    }
  }
  if (seconds < 1 || rate <= 0) {
    std::fprintf(stderr, "bench_lns_mqtt: --seconds must be >= 1 and --rate > 0\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  std::optional<ranbridge::testing::Mosquitto> broker;
  if (url.empty()) {
    broker.emplace();
    url = broker->url();
  }
  emit("lns_mqtt_payload_size", static_cast<double>(uplink_payload().size()), "bytes");
  emit("lns_mqtt_publish_qos1", throughput(url, 1, std::chrono::seconds(seconds)), "msg/s");
  emit("lns_mqtt_publish_qos0", throughput(url, 0, std::chrono::seconds(seconds)), "msg/s");
  auto l = latency(url, rate, std::chrono::seconds(std::max(seconds, 2)));
  auto tag = std::to_string(static_cast<long>(rate));
  emit("lns_mqtt_latency_p50_at_" + tag + "_msgps", l.p50_ms, "ms");
  emit("lns_mqtt_latency_p99_at_" + tag + "_msgps", l.p99_ms, "ms");
  emit("lns_mqtt_latency_max_at_" + tag + "_msgps", l.max_ms, "ms");
  emit("lns_mqtt_latency_lost_at_" + tag + "_msgps", static_cast<double>(l.sent - l.received),
       "messages");
  return 0;
}
