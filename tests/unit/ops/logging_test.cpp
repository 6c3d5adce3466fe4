#include "ranbridge/ops/logging.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

namespace ranbridge::ops {
namespace {

struct Captured {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger;

  explicit Captured(LogFormat format) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(out);
    sink->set_formatter(make_log_formatter(format));
    logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_level(spdlog::level::trace);
  }
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out.str());
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }
};

TEST(Logging, JsonLineIsValidJsonWithFields) {
  Captured c(LogFormat::Json);
  log_event(*c.logger, spdlog::level::warn, "upstream \"rejected\"\nnext",
            {{"region", "eu"},
             {"tx_id", 42u},
             {"delta", -3},
             {"ok", false},
             {"ratio", 0.5},
             {"path", std::string("a\\b\tc")}});
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u) << c.out.str();  // the newline in msg is escaped
  auto v = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(v.at("level"), "warn");
  EXPECT_EQ(v.at("msg"), "upstream \"rejected\"\nnext");
  EXPECT_EQ(v.at("region"), "eu");
  EXPECT_EQ(v.at("tx_id").to_number<std::uint64_t>(), 42u);
  EXPECT_EQ(v.at("delta").to_number<std::int64_t>(), -3);
  EXPECT_EQ(v.at("ok"), false);
  EXPECT_EQ(v.at("ratio").to_number<double>(), 0.5);
  EXPECT_EQ(v.at("path"), "a\\b\tc");
  auto ts = std::string(v.at("ts").as_string());
  ASSERT_EQ(ts.size(), 24u) << ts;  // 2026-11-25T06:40:00.123Z
  EXPECT_EQ(ts[10], 'T');
  EXPECT_EQ(ts.back(), 'Z');
}

TEST(Logging, PlainSpdlogCallsAreJsonToo) {
  Captured c(LogFormat::Json);
  c.logger->info("plain {} message", 7);
  auto v = boost::json::parse(c.lines().at(0)).as_object();
  EXPECT_EQ(v.at("msg"), "plain 7 message");
  EXPECT_EQ(v.size(), 3u);  // ts, level, msg: no fields leak from earlier events
}

TEST(Logging, InvalidUtf8AndControlCharactersAreEscaped) {
  Captured c(LogFormat::Json);
  log_event(*c.logger, spdlog::level::info, std::string("bad \xff\xfe utf8 \x01 ok \xc3\xa9"),
            {{"nan", std::numeric_limits<double>::quiet_NaN()}});
  auto line = c.lines().at(0);
  EXPECT_NE(line.find("\\ufffd\\ufffd"), std::string::npos) << line;
  EXPECT_NE(line.find("\\u0001"), std::string::npos) << line;
  auto v = boost::json::parse(line).as_object();  // throws on invalid JSON/UTF-8
  EXPECT_EQ(v.at("msg"), "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \x01 ok \xc3\xa9");
  EXPECT_TRUE(v.at("nan").is_null());
}

TEST(Logging, TextLineHasKeyValueFields) {
  Captured c(LogFormat::Text);
  log_event(*c.logger, spdlog::level::info, "region connected",
            {{"region", "eu"}, {"sockets", 4}, {"reason", "peer closed"}, {"empty", ""}});
  auto line = c.lines().at(0);
  // 2026-11-25T06:40:00.123Z info  region connected region=eu sockets=4 ...
  EXPECT_EQ(line.substr(24),
            " info  region connected region=eu sockets=4 "
            "reason=\"peer closed\" empty=\"\"")
      << line;
}

TEST(Logging, TextEscapesNewlinesSoOneEventIsOneLine) {
  Captured c(LogFormat::Text);
  c.logger->error("line1\nline2");
  auto lines = c.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("error line1\\nline2"), std::string::npos) << lines[0];
}

TEST(Logging, SecretsRenderAsStars) {
  Captured c(LogFormat::Json);
  Secret token("tok-123");
  log_event(*c.logger, spdlog::level::info, "connecting", {{"token", token}});
  c.logger->info("token {}", token);
  EXPECT_EQ(c.out.str().find("tok-123"), std::string::npos) << c.out.str();
  EXPECT_EQ(boost::json::parse(c.lines().at(0)).as_object().at("token"), "***");
}

TEST(Logging, FilteredLevelsAreSkipped) {
  Captured c(LogFormat::Text);
  c.logger->set_level(spdlog::level::warn);
  log_event(*c.logger, spdlog::level::info, "hidden", {{"a", 1}});
  EXPECT_TRUE(c.out.str().empty());
}

TEST(Logging, SetupInstallsDefaultLogger) {
  setup_logging(LogLevel::Error, LogFormat::Json);
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);
  EXPECT_EQ(to_spdlog(LogLevel::Warn), spdlog::level::warn);
  EXPECT_EQ(to_spdlog(LogLevel::Off), spdlog::level::off);
  log_event(spdlog::level::info, "below level, not printed");
  setup_logging(LogLevel::Info, LogFormat::Text);
}

}  // namespace
}  // namespace ranbridge::ops
