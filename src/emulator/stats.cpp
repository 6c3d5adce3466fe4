#include "ranbridge/emulator/stats.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace ranbridge::emulator {
namespace json = boost::json;

void UpstreamTracker::add(std::uint64_t tx, ExpectedAnswer e) {
  std::lock_guard lk(mu_);
  pending_[tx] = e;
}

void UpstreamTracker::remove(std::uint64_t tx) {
  std::lock_guard lk(mu_);
  pending_.erase(tx);
}

AnswerOutcome UpstreamTracker::on_ack(std::uint64_t tx, lorawan::DevEui dev_eui, std::uint32_t mic,
                                      Clock::time_point now) {
  std::lock_guard lk(mu_);
  auto it = pending_.find(tx);
  if (it == pending_.end()) return {};
  AnswerOutcome o;
  o.expected = it->second;
  pending_.erase(it);
  o.latency = std::chrono::duration_cast<std::chrono::microseconds>(now - o.expected->sent);
  // Right DevEUI *and* right MIC: an LNS that acks a decoy, or credits the frame to another
  // device sharing the DevAddr, is wrong.
  o.kind = (dev_eui == o.expected->dev_eui && mic == o.expected->mic) ? AnswerKind::kAck
                                                                      : AnswerKind::kWrongAck;
  return o;
}

AnswerOutcome UpstreamTracker::on_reject(std::uint64_t tx, Clock::time_point now) {
  std::lock_guard lk(mu_);
  auto it = pending_.find(tx);
  if (it == pending_.end()) return {};
  AnswerOutcome o;
  o.expected = it->second;
  pending_.erase(it);
  o.latency = std::chrono::duration_cast<std::chrono::microseconds>(now - o.expected->sent);
  o.kind = AnswerKind::kReject;
  return o;
}

std::vector<ExpectedAnswer> UpstreamTracker::expire(Clock::time_point now,
                                                    Clock::duration timeout) {
  std::lock_guard lk(mu_);
  std::vector<ExpectedAnswer> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->second.sent >= timeout) {
      out.push_back(it->second);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::size_t UpstreamTracker::pending() const {
  std::lock_guard lk(mu_);
  return pending_.size();
}

void LatencyRecorder::add(std::chrono::microseconds d) {
  std::lock_guard lk(mu_);
  double us = static_cast<double>(d.count());
  auto v = static_cast<std::uint32_t>(std::clamp<std::int64_t>(d.count(), 0, UINT32_MAX));
  ++seen_;
  sum_ += us;
  max_ = std::max(max_, us);
  if (samples_.size() < cap_) {
    samples_.push_back(v);
  } else {
    std::uniform_int_distribution<std::uint64_t> pick(0, seen_ - 1);
    auto i = pick(rng_);
    if (i < cap_) samples_[i] = v;
  }
}

LatencyRecorder::Summary LatencyRecorder::summary() const {
  std::vector<std::uint32_t> s;
  Summary out;
  {
    std::lock_guard lk(mu_);
    s = samples_;
    out.count = seen_;
    out.max_us = max_;
    out.mean_us = seen_ ? sum_ / static_cast<double>(seen_) : 0;
  }
  if (s.empty()) return out;
  auto pct = [&](double p) {
    auto idx = static_cast<std::size_t>(p * static_cast<double>(s.size() - 1) + 0.5);
    std::nth_element(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(idx), s.end());
    return static_cast<double>(s[idx]);
  };
  out.p50_us = pct(0.50);
  out.p99_us = pct(0.99);
  return out;
}

void Stats::upstream_sent(std::uint64_t socket_id, bool join) {
  std::lock_guard lk(mu_);
  ++up_sent_;
  if (join) ++up_join_sent_;
  if (auto it = sockets_.find(socket_id); it != sockets_.end()) ++it->second.sent;
}

void Stats::answer(const AnswerOutcome& o, const std::string& reject_code) {
  if (o.kind != AnswerKind::kUnknownTx) latency_.add(o.latency);
  std::lock_guard lk(mu_);
  switch (o.kind) {
    case AnswerKind::kAck:
      ++acked_;
      break;
    case AnswerKind::kWrongAck:
      ++wrong_ack_;
      break;
    case AnswerKind::kReject:
      ++rejected_[reject_code];
      break;
    case AnswerKind::kUnknownTx:
      ++unknown_tx_;
      break;
  }
}

void Stats::unanswered(std::size_t n) {
  std::lock_guard lk(mu_);
  unanswered_ += n;
}
void Stats::not_sent_no_socket() {
  std::lock_guard lk(mu_);
  ++no_socket_;
}
void Stats::malformed_upstream_frame() {
  std::lock_guard lk(mu_);
  ++up_malformed_;
}
void Stats::join_accept(bool ok) {
  std::lock_guard lk(mu_);
  ++(ok ? join_accepts_ : join_accept_errors_);
}
void Stats::downstream_received(bool multicast) {
  std::lock_guard lk(mu_);
  ++down_received_;
  if (multicast) ++down_multicast_;
}
void Stats::downstream_malformed() {
  std::lock_guard lk(mu_);
  ++down_malformed_;
}
void Stats::downstream_result(const std::string& code) {
  std::lock_guard lk(mu_);
  ++down_results_[code];
}
void Stats::socket_opened(std::uint64_t id, const std::string& kind) {
  std::lock_guard lk(mu_);
  sockets_[id] = SocketCounters{kind, 0, 0, true};
}
void Stats::socket_closed(std::uint64_t id) {
  std::lock_guard lk(mu_);
  if (auto it = sockets_.find(id); it != sockets_.end()) it->second.open = false;
}
void Stats::socket_frame_in(std::uint64_t id) {
  std::lock_guard lk(mu_);
  if (auto it = sockets_.find(id); it != sockets_.end()) ++it->second.received;
}
void Stats::socket_frame_out(std::uint64_t id) {
  std::lock_guard lk(mu_);
  if (auto it = sockets_.find(id); it != sockets_.end()) ++it->second.sent;
}

json::object Stats::to_json(std::size_t pending, std::size_t routing_table_size,
                            std::size_t simulated_devices) const {
  auto lat = latency_.summary();
  std::lock_guard lk(mu_);
  json::object rejected;
  std::uint64_t rejected_total = 0;
  for (const auto& [code, n] : rejected_) {
    rejected[code] = n;
    rejected_total += n;
  }
  json::object up{{"sent", up_sent_},
                  {"join_requests_sent", up_join_sent_},
                  {"acked", acked_},
                  {"wrong_ack", wrong_ack_},
                  {"rejected", rejected_total},
                  {"rejected_by_code", rejected},
                  {"unanswered", unanswered_},
                  {"pending", pending},
                  {"unknown_tx", unknown_tx_},
                  {"malformed_frames", up_malformed_},
                  {"not_sent_no_socket", no_socket_}};
  auto us = [](double v) { return static_cast<std::uint64_t>(std::llround(v)); };
  json::object latency{{"count", lat.count},
                       {"p50_us", us(lat.p50_us)},
                       {"p99_us", us(lat.p99_us)},
                       {"max_us", us(lat.max_us)},
                       {"mean_us", us(lat.mean_us)}};
  json::object results;
  for (const auto& [code, n] : down_results_) results[code] = n;
  json::object down{{"received", down_received_},
                    {"multicast", down_multicast_},
                    {"malformed_frames", down_malformed_},
                    {"results", results}};
  json::array up_sockets, down_sockets;
  std::uint64_t up_open = 0, down_open = 0;
  for (const auto& [id, s] : sockets_) {
    json::object o{{"id", id}, {"sent", s.sent}, {"received", s.received}, {"open", s.open}};
    if (s.kind == "upstream") {
      up_sockets.push_back(o);
      up_open += s.open;
    } else {
      down_sockets.push_back(o);
      down_open += s.open;
    }
  }
  return json::object{
      {"upstream", up},
      {"answer_latency", latency},
      {"joins", json::object{{"accepts", join_accepts_}, {"accept_errors", join_accept_errors_}}},
      {"downstream", down},
      {"sockets", json::object{{"upstream_open", up_open},
                               {"downstream_open", down_open},
                               {"upstream", up_sockets},
                               {"downstream", down_sockets}}},
      {"devices",
       json::object{{"routing_table", routing_table_size}, {"simulated", simulated_devices}}}};
}

}  // namespace ranbridge::emulator
