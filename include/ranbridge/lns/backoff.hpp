#pragma once
// Reconnect delays: doubling from `min` up to `max`, with +-20 % jitter so that many clients
// restarted together do not reconnect in lock-step. Pure (the random source is injected).

#include <chrono>
#include <cstdint>
#include <functional>

namespace ranbridge::lns {

class Backoff {
 public:
  // `uniform01` returns values in [0, 1); it decides the jitter.
  Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max,
          std::function<double()> uniform01);

  // The delay before the next attempt; each call doubles the base (capped at max).
  std::chrono::milliseconds next();
  // After a successful connection: the next failure waits `min` again.
  void reset() { attempt_ = 0; }
  unsigned attempts() const { return attempt_; }

 private:
  std::chrono::milliseconds min_, max_;
  std::function<double()> uniform01_;
  unsigned attempt_ = 0;
};

}  // namespace ranbridge::lns
