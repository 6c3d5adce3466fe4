#include "ranbridge/ops/logging.hpp"

#include <cmath>
#include <ctime>
#include <span>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ranbridge::ops {
namespace {

// Fields of the event being logged on this thread: set by log_event around the synchronous
// logger call, read by the formatter. Plain spdlog calls see an empty span.
thread_local std::span<const LogField> t_fields;

struct FieldsScope {
  explicit FieldsScope(std::span<const LogField> f) { t_fields = f; }
  ~FieldsScope() { t_fields = {}; }
};

void append_timestamp(std::string& out, std::chrono::system_clock::time_point tp) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(tp);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(tp - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ms);
}

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

// Text values: bare when safe, else quoted with the same escapes as JSON.
bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  return false;
}

void append_double(std::string& out, double v, bool json) {
  if (!std::isfinite(v)) {
    out += json ? "null" : (std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf"));
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", v);
}

void append_value(std::string& out, const LogField::Value& v, bool json) {
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          if (json || needs_quotes(x))
            append_json_string(out, x);
          else
            out += x;
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, x, json);
        } else {
          fmt::format_to(std::back_inserter(out), "{}", x);
        }
      },
      v);
}

// The message of a text line: printable as is, control characters escaped.
void append_text_message(std::string& out, std::string_view msg) {
  bool plain = true;
  for (unsigned char c : msg)
    if (c < ' ' || c == 0x7f) plain = false;
  if (plain) {
    out += msg;
    return;
  }
  std::string quoted;
  append_json_string(quoted, msg);
  out.append(quoted, 1, quoted.size() - 2);  // escapes without the surrounding quotes
}

class EventFormatter final : public spdlog::formatter {
 public:
  explicit EventFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& m, spdlog::memory_buf_t& dest) override {
    std::string out;
    std::string_view msg(m.payload.data(), m.payload.size());
    if (format_ == LogFormat::Json) {
      out += "{\"ts\":\"";
      append_timestamp(out, m.time);
      out += "\",\"level\":\"";
      out += level_name(m.level);
      out += "\",\"msg\":";
      append_json_string(out, msg);
      for (const auto& f : t_fields) {
        out += ',';
        append_json_string(out, f.key);
        out += ':';
        append_value(out, f.value, true);
      }
      out += "}\n";
    } else {
      append_timestamp(out, m.time);
      out += ' ';
      auto name = level_name(m.level);
      out += name;
      out.append(name.size() < 5 ? 5 - name.size() : 0, ' ');
      out += ' ';
      append_text_message(out, msg);
      for (const auto& f : t_fields) {
        out += ' ';
        out += f.key;
        out += '=';
        append_value(out, f.value, false);
      }
      out += '\n';
    }
    dest.append(out.data(), out.data() + out.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<EventFormatter>(format_);
  }

 private:
  LogFormat format_;
};

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  std::size_t len = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  // Overlong forms, surrogates and values past U+10FFFF are invalid too.
  if (len == 2 && c < 0xc2) return 0;
  if (len == 3 && c == 0xe0 && b(i + 1) < 0xa0) return 0;
  if (len == 3 && c == 0xed && b(i + 1) >= 0xa0) return 0;
  if (len == 4 && (c > 0xf4 || (c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) >= 0x90)))
    return 0;
  return len;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
      ++i;
      continue;
    }
    std::size_t len = utf8_sequence(s, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  out += '"';
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::Trace:
      return spdlog::level::trace;
    case LogLevel::Debug:
      return spdlog::level::debug;
    case LogLevel::Info:
      return spdlog::level::info;
    case LogLevel::Warn:
      return spdlog::level::warn;
    case LogLevel::Error:
      return spdlog::level::err;
    case LogLevel::Critical:
      return spdlog::level::critical;
    case LogLevel::Off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format) {
  return std::make_unique<EventFormatter>(format);
}

void setup_logging(LogLevel level, LogFormat format) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(make_log_formatter(format));
  auto logger = std::make_shared<spdlog::logger>("ran-bridge", std::move(sink));
  logger->set_level(to_spdlog(level));
  // Warnings and worse reach the journal at once even if the process dies right after.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

void log_event(spdlog::logger& logger, spdlog::level::level_enum level, std::string_view msg,
               std::initializer_list<LogField> fields) {
  if (!logger.should_log(level)) return;
  FieldsScope scope({fields.begin(), fields.size()});
  logger.log(level, spdlog::string_view_t(msg.data(), msg.size()));
}

void log_event(spdlog::level::level_enum level, std::string_view msg,
               std::initializer_list<LogField> fields) {
  log_event(*spdlog::default_logger_raw(), level, msg, fields);
}

}  // namespace ranbridge::ops
