#include "ranbridge/lns/backoff.hpp"

#include <algorithm>
#include <stdexcept>

namespace ranbridge::lns {

Backoff::Backoff(std::chrono::milliseconds min, std::chrono::milliseconds max,
                 std::function<double()> uniform01)
    : min_(min), max_(max), uniform01_(std::move(uniform01)) {
  if (min_.count() <= 0 || max_ < min_) throw std::invalid_argument("backoff: need 0 < min <= max");
}

std::chrono::milliseconds Backoff::next() {
  // Base doubles per attempt; computed in double to avoid overflow after many attempts.
  double base = static_cast<double>(min_.count());
  for (unsigned i = 0; i < attempt_ && base < static_cast<double>(max_.count()); ++i) base *= 2;
  base = std::min(base, static_cast<double>(max_.count()));
  ++attempt_;
  double jitter = 0.8 + 0.4 * std::clamp(uniform01_(), 0.0, 1.0);  // [0.8, 1.2]
  double ms = std::clamp(base * jitter, static_cast<double>(min_.count()),
                         static_cast<double>(max_.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace ranbridge::lns
