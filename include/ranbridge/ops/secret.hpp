#pragma once
// A string that must never reach a log line (RAN tokens, MQTT passwords). Streaming or
// fmt-formatting it prints "***"; reveal() is the one explicit way to the value.

#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace ranbridge::ops {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  // The value, for the one place that sends it (an HTTP header, the MQTT CONNECT).
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  bool operator==(const Secret&) const = default;

  friend std::ostream& operator<<(std::ostream& os, const Secret&) { return os << "***"; }

 private:
  std::string value_;
};

}  // namespace ranbridge::ops

template <>
struct fmt::formatter<ranbridge::ops::Secret> : fmt::formatter<std::string_view> {
  template <class Ctx>
  auto format(const ranbridge::ops::Secret&, Ctx& ctx) const {
    return fmt::formatter<std::string_view>::format("***", ctx);
  }
};
