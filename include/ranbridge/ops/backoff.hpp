#pragma once
// Jittered exponential reconnect backoff, as a pure decision (no sleeping, no clock reads):
// the caller passes the time and gets the delay. Default schedule: 0.5 s doubling to 30 s,
// each delay jittered by +-20 %, and reset once a connection has stayed up for a minute.
// Randomness is injected so tests are deterministic.

#include <chrono>
#include <functional>
#include <optional>

namespace ranbridge::ops {

class Backoff {
 public:
  using Clock = std::chrono::steady_clock;
  using Millis = std::chrono::milliseconds;

  struct Options {
    Millis initial{500};
    Millis max{30'000};
    double multiplier = 2.0;      // > 1
    double jitter = 0.2;          // 0..1: delay * (1 +- jitter), never above max
    Millis stable_after{60'000};  // a connection up this long resets the schedule
  };
  // Returns a uniformly distributed value in [0, 1).
  using Uniform = std::function<double()>;

  Backoff();  // default options, random jitter from a seeded engine
  explicit Backoff(Options options, Uniform uniform = {});

  // A connection attempt failed or an established connection dropped at `now`: the delay
  // to wait before the next attempt. Resets first when the last connection was stable.
  Millis next_delay(Clock::time_point now);
  // A connection was established at `now`.
  void connected(Clock::time_point now);
  // Forget the history (e.g. after a config reload).
  void reset();

  // Failures since the last reset (0 = the next delay is the initial one).
  unsigned attempts() const { return attempts_; }
  const Options& options() const { return options_; }

 private:
  Options options_;
  Uniform uniform_;
  unsigned attempts_ = 0;
  std::optional<Clock::time_point> connected_at_;
};

}  // namespace ranbridge::ops
