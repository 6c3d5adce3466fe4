#pragma once
// Counters of the emulated RAN and the bookkeeping of Upstreams waiting for their answer.
// Thread-safe (one mutex; contention is negligible next to the I/O per message).

#include <boost/json/object.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::emulator {

using Clock = std::chrono::steady_clock;

// What the emulator expects back for one Upstream it sent.
struct ExpectedAnswer {
  lorawan::DevEui dev_eui;  // the device that really sent the frame
  std::uint32_t mic = 0;    // the true MIC as RAN's uint32 (MIC bytes big-endian)
  bool join = false;
  Clock::time_point sent{};
};

enum class AnswerKind { kAck, kWrongAck, kReject, kUnknownTx };

struct AnswerOutcome {
  AnswerKind kind = AnswerKind::kUnknownTx;
  std::optional<ExpectedAnswer> expected;
  std::chrono::microseconds latency{0};
};

// Pending Upstreams by TransactionID. Exactly one answer counts; a second one (or one after
// the timeout) is "unknown".
class UpstreamTracker {
 public:
  void add(std::uint64_t tx, ExpectedAnswer e);
  void remove(std::uint64_t tx);
  AnswerOutcome on_ack(std::uint64_t tx, lorawan::DevEui dev_eui, std::uint32_t mic,
                       Clock::time_point now);
  AnswerOutcome on_reject(std::uint64_t tx, Clock::time_point now);
  // Removes and returns the ones sent before `now - timeout`.
  std::vector<ExpectedAnswer> expire(Clock::time_point now, Clock::duration timeout);
  std::size_t pending() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::uint64_t, ExpectedAnswer> pending_;
};

// Latency samples in microseconds with a bounded memory (reservoir sampling past the cap),
// so that a long load run keeps unbiased percentiles.
class LatencyRecorder {
 public:
  explicit LatencyRecorder(std::size_t cap = 1'000'000) : cap_(cap) {}
  void add(std::chrono::microseconds d);
  struct Summary {
    std::uint64_t count = 0;
    double p50_us = 0, p99_us = 0, max_us = 0, mean_us = 0;
  };
  Summary summary() const;

 private:
  mutable std::mutex mu_;
  std::size_t cap_;
  std::uint64_t seen_ = 0;
  double sum_ = 0, max_ = 0;
  std::vector<std::uint32_t> samples_;
  std::mt19937_64 rng_{12345};
};

struct SocketCounters {
  std::string kind;  // "upstream" / "downstream"
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  bool open = true;
};

class Stats {
 public:
  // Upstream side.
  void upstream_sent(std::uint64_t socket_id, bool join);
  void answer(const AnswerOutcome& o, const std::string& reject_code = {});
  void unanswered(std::size_t n);
  void not_sent_no_socket();
  void malformed_upstream_frame();
  // Join handling by the simulated devices.
  void join_accept(bool ok);
  // Downstream side.
  void downstream_received(bool multicast);
  void downstream_malformed();
  void downstream_result(const std::string& code);
  // Sockets.
  void socket_opened(std::uint64_t id, const std::string& kind);
  void socket_closed(std::uint64_t id);
  void socket_frame_in(std::uint64_t id);
  void socket_frame_out(std::uint64_t id);

  LatencyRecorder& latency() { return latency_; }
  boost::json::object to_json(std::size_t pending, std::size_t routing_table_size,
                              std::size_t simulated_devices) const;

 private:
  mutable std::mutex mu_;
  std::uint64_t up_sent_ = 0, up_join_sent_ = 0, acked_ = 0, wrong_ack_ = 0, unknown_tx_ = 0,
                unanswered_ = 0, no_socket_ = 0, up_malformed_ = 0;
  std::map<std::string, std::uint64_t> rejected_;
  std::uint64_t join_accepts_ = 0, join_accept_errors_ = 0;
  std::uint64_t down_received_ = 0, down_multicast_ = 0, down_malformed_ = 0;
  std::map<std::string, std::uint64_t> down_results_;
  std::map<std::uint64_t, SocketCounters> sockets_;
  LatencyRecorder latency_;
};

}  // namespace ranbridge::emulator
