#pragma once
// Durations as people write them in the config: "300s", "200ms", "5m", "1.5s", "1h", "250us".

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ranbridge::ops {

using Duration = std::chrono::microseconds;

// A non-negative decimal number followed by one unit: us, ms, s, m, h. No spaces, no sign,
// no bare numbers (a unit is required: "30" is ambiguous). Sub-microsecond precision and
// values above 100 days give nullopt.
std::optional<Duration> parse_duration(std::string_view text);

// The shortest exact spelling: 1500ms -> "1500ms", 300s -> "5m", 0 -> "0s".
std::string format_duration(Duration d);

}  // namespace ranbridge::ops
