#include "ranbridge/ops/duration.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <utility>

namespace ranbridge::ops {
namespace {

constexpr std::int64_t kMaxMicros = 100LL * 24 * 3600 * 1'000'000;  // 100 days

struct Unit {
  std::string_view suffix;
  std::int64_t micros;
};
// Longest suffixes first so "ms" is not read as "m" + "s".
constexpr std::array<Unit, 5> kUnits{
    {{"us", 1}, {"ms", 1000}, {"s", 1'000'000}, {"m", 60'000'000}, {"h", 3'600'000'000}}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  for (const auto& unit : kUnits) {
    if (text.size() <= unit.suffix.size() || !text.ends_with(unit.suffix)) continue;
    std::string_view number = text.substr(0, text.size() - unit.suffix.size());
    // "1ms" ends with "s" too: the number part must then be all digits/dot, which "1m" is not.
    auto dot = number.find('.');
    std::string_view whole = number.substr(0, dot);
    std::string_view frac =
        dot == std::string_view::npos ? std::string_view{} : number.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && frac.empty())) continue;
    auto all_digits = [](std::string_view s) {
      for (char c : s)
        if (c < '0' || c > '9') return false;
      return true;
    };
    if (!all_digits(whole) || !all_digits(frac)) continue;
    if (whole.size() > 12) return std::nullopt;
    std::int64_t w = 0;
    std::from_chars(whole.data(), whole.data() + whole.size(), w);
    if (w > kMaxMicros / unit.micros) return std::nullopt;
    std::int64_t total = w * unit.micros;
    // Fraction: exact in microseconds or rejected (no silent rounding).
    std::int64_t scale = unit.micros;
    for (char c : frac) {
      if (scale % 10 != 0) {
        if (c != '0') return std::nullopt;
        continue;
      }
      scale /= 10;
      total += (c - '0') * scale;
    }
    if (total > kMaxMicros) return std::nullopt;
    return Duration{total};
  }
  return std::nullopt;
}

std::string format_duration(Duration d) {
  std::int64_t us = d.count();
  if (us == 0) return "0s";
  std::string sign = us < 0 ? "-" : "";
  if (us < 0) us = -us;
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    if (us % it->micros == 0)
      return sign + std::to_string(us / it->micros) + std::string(it->suffix);
  }
  return sign + std::to_string(us) + "us";
}

}  // namespace ranbridge::ops
