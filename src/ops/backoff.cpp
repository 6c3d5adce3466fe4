#include "ranbridge/ops/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>

namespace ranbridge::ops {
namespace {

Backoff::Uniform default_uniform() {
  // One engine per Backoff object (each connection supervisor owns one), so no locking.
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace

Backoff::Backoff() : Backoff(Options{}) {}

Backoff::Backoff(Options options, Uniform uniform)
    : options_(options), uniform_(uniform ? std::move(uniform) : default_uniform()) {
  if (options_.initial.count() <= 0 || options_.max < options_.initial ||
      options_.multiplier <= 1.0 || options_.jitter < 0.0 || options_.jitter > 1.0)
    throw std::invalid_argument(
        "Backoff: initial > 0, max >= initial, multiplier > 1, jitter 0..1");
}

Backoff::Millis Backoff::next_delay(Clock::time_point now) {
  if (connected_at_ && now - *connected_at_ >= options_.stable_after) attempts_ = 0;
  connected_at_.reset();
  // initial * multiplier^attempts, computed in double and capped before it can overflow.
  double base = static_cast<double>(options_.initial.count()) *
                std::pow(options_.multiplier, static_cast<double>(std::min(attempts_, 64u)));
  base = std::min(base, static_cast<double>(options_.max.count()));
  double u = std::clamp(uniform_(), 0.0, 1.0);
  double delay = base * (1.0 + options_.jitter * (2.0 * u - 1.0));
  delay = std::clamp(delay, 1.0, static_cast<double>(options_.max.count()));
  ++attempts_;
  return Millis{static_cast<Millis::rep>(std::llround(delay))};
}

void Backoff::connected(Clock::time_point now) {
  connected_at_ = now;
}

void Backoff::reset() {
  attempts_ = 0;
  connected_at_.reset();
}

}  // namespace ranbridge::ops
