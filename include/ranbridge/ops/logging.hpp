#pragma once
// Logging setup (spdlog) and one-event-with-fields helper. Text by default:
//   2026-11-25T06:40:00.123Z info  region connected region=eu sockets=4
// JSON lines with format json, one object per line:
//   {"ts":"2026-11-25T06:40:00.123Z","level":"info","msg":"region
//   connected","region":"eu","sockets":4}
// Plain spdlog calls from any module render the same way (without fields). Messages and
// values are escaped (no raw newline can split an event). Secrets: pass Secret/AesKey only
// through their "***" formatters, never reveal() into a field.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include "ranbridge/ops/config.hpp"

namespace ranbridge::ops {

// One key=value field of an event. Keys are short snake_case literals; "ts", "level" and
// "msg" are taken by the event itself.
struct LogField {
  using Value = std::variant<std::string_view, std::int64_t, std::uint64_t, double, bool>;
  std::string_view key;
  Value value;

  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
  // A secret field always renders as "***" (so logging one by mistake leaks nothing).
  LogField(std::string_view k, const Secret&) : key(k), value(std::string_view("***")) {}
  LogField(std::string_view k, double v) : key(k), value(v) {}
  template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) LogField(std::string_view k, T v)
      : key(k) {
    if constexpr (std::is_signed_v<T>)
      value = static_cast<std::int64_t>(v);
    else
      value = static_cast<std::uint64_t>(v);
  }
};

spdlog::level::level_enum to_spdlog(LogLevel level);

// The formatter for `format` (used by setup_logging; tests attach it to their own sinks).
std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format);

// Replaces spdlog's default logger with one that writes to stderr in `format` at `level`
// (journald and docker logs both read stderr). Safe to call again (SIGHUP, CLI override).
void setup_logging(LogLevel level, LogFormat format);

// Logs one event with fields on `logger` (default: spdlog's default logger). Fields render
// as key=value in text and as JSON members in json. Synchronous loggers only (the fields
// reach the formatter on the calling thread).
void log_event(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view msg,
               std::initializer_list<LogField> fields = {});
void log_event(spdlog::level::level_enum level, std::string_view msg,
               std::initializer_list<LogField> fields = {});

// JSON string escaping (quotes included); invalid UTF-8 becomes U+FFFD.
void append_json_string(std::string& out, std::string_view s);

}  // namespace ranbridge::ops
