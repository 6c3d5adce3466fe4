#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ranbridge/emulator/config.hpp"
#include "ranbridge/emulator/stats.hpp"

using namespace ranbridge::emulator;
using ranbridge::lorawan::DevEui;

TEST(UpstreamTracker, ClassifiesAnswers) {
  UpstreamTracker t;
  auto t0 = Clock::now();
  t.add(1, ExpectedAnswer{DevEui{5}, 0xAABBCCDD, false, t0});
  t.add(2, ExpectedAnswer{DevEui{5}, 0x11, false, t0});
  t.add(3, ExpectedAnswer{DevEui{5}, 0x22, false, t0});
  t.add(4, ExpectedAnswer{DevEui{5}, 0x33, false, t0});
  EXPECT_EQ(t.on_ack(1, DevEui{5}, 0xAABBCCDD, t0 + std::chrono::milliseconds(3)).kind,
            AnswerKind::kAck);
  EXPECT_EQ(t.on_ack(1, DevEui{5}, 0xAABBCCDD, t0).kind, AnswerKind::kUnknownTx);  // twice
  EXPECT_EQ(t.on_ack(2, DevEui{6}, 0x11, t0).kind, AnswerKind::kWrongAck);         // other device
  EXPECT_EQ(t.on_ack(3, DevEui{5}, 0x23, t0).kind, AnswerKind::kWrongAck);         // decoy
  EXPECT_EQ(t.on_reject(99, t0).kind, AnswerKind::kUnknownTx);
  EXPECT_EQ(t.pending(), 1u);
  EXPECT_TRUE(t.expire(t0 + std::chrono::seconds(1), std::chrono::seconds(2)).empty());
  EXPECT_EQ(t.expire(t0 + std::chrono::seconds(2), std::chrono::seconds(2)).size(), 1u);
  EXPECT_EQ(t.on_reject(4, t0).kind, AnswerKind::kUnknownTx);  // expired
}

TEST(UpstreamTracker, LatencyIsAnswerMinusSend) {
  UpstreamTracker t;
  auto t0 = Clock::now();
  t.add(7, ExpectedAnswer{DevEui{1}, 1, false, t0});
  auto o = t.on_reject(7, t0 + std::chrono::microseconds(1500));
  EXPECT_EQ(o.kind, AnswerKind::kReject);
  EXPECT_EQ(o.latency.count(), 1500);
}

TEST(LatencyRecorder, Percentiles) {
  LatencyRecorder r;
  for (int i = 1; i <= 100; ++i) r.add(std::chrono::microseconds(i));
  auto s = r.summary();
  EXPECT_EQ(s.count, 100u);
  EXPECT_NEAR(s.p50_us, 50, 1);
  EXPECT_NEAR(s.p99_us, 99, 1);
  EXPECT_EQ(s.max_us, 100);
}

TEST(LatencyRecorder, BoundedMemoryKeepsCount) {
  LatencyRecorder r(10);
  for (int i = 0; i < 1000; ++i) r.add(std::chrono::microseconds(5));
  auto s = r.summary();
  EXPECT_EQ(s.count, 1000u);
  EXPECT_EQ(s.p99_us, 5);
}

namespace {
std::string write_tmp(const std::string& text) {
  auto p = std::filesystem::temp_directory_path() /
           ("emu_cfg_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            std::to_string(std::hash<std::string>{}(text)) + ".yaml");
  std::ofstream(p) << text;
  return p.string();
}
std::string load_error(const std::string& text) {
  auto p = write_tmp(text);
  try {
    load_config_file(p);
  } catch (const ConfigError& e) {
    std::filesystem::remove(p);
    return e.what();
  }
  std::filesystem::remove(p);
  return "";
}
}  // namespace

TEST(Config, LoadsEveryKey) {
  auto p = write_tmp(
      "listen: 0.0.0.0:9000\ntokens: [a, b]\nthreads: 3\nping_interval: 2\n"
      "traffic: {challenge_size: 4096, start_fcnt: 65530, fport: 10, answer_timeout: 1.5, "
      "region: US915}\ndownstream: {result: NoAck, result_delay: 0}\n"
      "load: {rate: 2000, duration: 10, generate_devices: 5}\n");
  auto c = load_config_file(p);
  std::filesystem::remove(p);
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.tokens.size(), 2u);
  EXPECT_EQ(c.traffic.challenge_size, 4096u);
  EXPECT_EQ(c.traffic.start_fcnt, 65530u);
  EXPECT_EQ(c.traffic.fport, 10);
  EXPECT_EQ(c.traffic.region, "US915");
  EXPECT_EQ(c.downstream.result, "NoAck");
  EXPECT_EQ(c.load.generate_devices, 5u);
}

TEST(Config, ErrorsNameFileLineAndProblem) {
  EXPECT_NE(load_error("tokens: [a]\nbogus: 1\n").find(":2: unknown key 'bogus'"),
            std::string::npos);
  EXPECT_NE(
      load_error("tokens: [a]\ntraffic:\n  fport: 0\n").find(":3: traffic.fport must be 1..223"),
      std::string::npos);
  EXPECT_NE(load_error("tokens: [a]\ntraffic: {challenge_size: 1}\n")
                .find("challenge_size must be 2..4096"),
            std::string::npos);
  EXPECT_NE(load_error("tokens: [a]\ntraffic: {challenge_size: 4097}\n").find("2..4096"),
            std::string::npos);
  EXPECT_NE(load_error("listen: 1.2.3.4\ntokens: [a]\n").find("HOST:PORT"), std::string::npos);
  EXPECT_NE(load_error("listen: h:99999\ntokens: [a]\n").find("port out of range"),
            std::string::npos);
  EXPECT_NE(load_error("threads: 1\n").find("token"), std::string::npos);
  EXPECT_NE(load_error("tokens: [a]\ndownstream: {result: Maybe}\n").find("unknown result code"),
            std::string::npos);
  EXPECT_NE(load_error("tokens: [a]\ntls: {cert: c.pem}\n").find("both cert and key"),
            std::string::npos);
  EXPECT_NE(load_error("tokens: [a]\nthreads: many\n").find("threads: wrong type"),
            std::string::npos);
  EXPECT_NE(load_error("tokens: [a\n").find(".yaml:"), std::string::npos);
}

TEST(Config, CommandLineOverridesAndHelp) {
  const char* argv[] = {
      "ran-emulator", "--listen", "127.0.0.1:0",      "--token", "x", "--token", "y",
      "--rate",       "100",      "--challenge-size", "2"};
  auto c = parse_command_line(11, argv);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen_port, 0);
  EXPECT_EQ(c->tokens, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(c->load.rate, 100);
  EXPECT_EQ(c->traffic.challenge_size, 2u);
  const char* help[] = {"ran-emulator", "--help"};
  testing::internal::CaptureStdout();
  EXPECT_FALSE(parse_command_line(2, help));
  EXPECT_NE(testing::internal::GetCapturedStdout().find("--devices-generate"), std::string::npos);
  const char* bad[] = {"ran-emulator", "--token", "x", "--no-such-flag"};
  EXPECT_THROW(parse_command_line(4, bad), ConfigError);
  const char* bad_code[] = {"ran-emulator", "--token", "x", "--downstream-result", "Nope"};
  EXPECT_THROW(parse_command_line(5, bad_code), ConfigError);
}
