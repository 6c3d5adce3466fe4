// RAN transaction ids: one counter shared by every region and socket, never 0, never reused —
// also not after a graceful restart or a kill -9 (the high-water mark lives in state_dir).
#include <gtest/gtest.h>

#include <csignal>
#include <set>

#include "downlink_stack.hpp"

namespace t = ranbridge::testing;
namespace json = boost::json;
namespace lw = ranbridge::lorawan;
using namespace std::chrono_literals;

namespace {

// Sends `n` class C downlinks to `dev` on `region`'s topic and waits until all are acked OK.
void send_class_c_batch(t::DownlinkStack& s, lw::DevEui dev, std::size_t region, int n) {
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < n; ++i) ids.push_back(s.ns().send(s.ns().class_c(dev), region));
  for (auto id : ids) {
    auto ack = s.ns().wait_ack(id, 20s);
    ASSERT_TRUE(ack) << "downlink " << id << " not acked\n" << s.diagnostics();
    ASSERT_EQ(ack->ack.items_size(), 1);
    EXPECT_EQ(ack->ack.items(0).status(), gw::OK);
  }
}

void expect_unique_nonzero(const std::vector<std::uint64_t>& ids, std::size_t expected_count) {
  EXPECT_EQ(ids.size(), expected_count);
  std::set<std::uint64_t> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), ids.size()) << "a transaction id was reused";
  EXPECT_EQ(unique.count(0), 0u) << "transaction id 0 was sent";
}

// The bridge was restarted: wait until it serves the region again and has heard `dev`.
void wait_back(t::DownlinkStack& s, lw::DevEui dev) {
  ASSERT_TRUE(s.wait_downstream_open(0, 30s)) << s.diagnostics();
  ASSERT_TRUE(s.wait_bridge_ready(30s)) << s.diagnostics();
  auto before = s.ns().session(dev).value().uplinks_mic_ok;
  ASSERT_TRUE(s.ns().wait_session(dev, before + 1, 30s)) << s.diagnostics();
}

void restart_keeps_ids_unique(int sig) {
  t::StackOptions opt;
  opt.ns_answers_joins = false;
  t::DownlinkStack s(opt);
  ASSERT_TRUE(s.start()) << s.why();
  const auto dev = t::devices::kAbp10;
  s.ns().add_abp_session(dev);
  ASSERT_TRUE(s.ns().wait_session(dev, 1, 30s)) << s.diagnostics();
  send_class_c_batch(s, dev, 0, 10);

  for (int round = 0; round < 2; ++round) {
    auto code = s.stop_bridge(sig);
    ASSERT_TRUE(code.has_value()) << s.diagnostics();
    if (sig == SIGTERM)
      EXPECT_EQ(*code, 0) << s.diagnostics();
    else
      EXPECT_EQ(*code, 128 + SIGKILL);
    s.start_bridge();
    wait_back(s, dev);
    send_class_c_batch(s, dev, 0, 10);
  }
  // The emulator stayed up: it saw every id the three bridge lives sent.
  expect_unique_nonzero(t::transaction_ids(s.downstreams(0)), 30);
}

}  // namespace

TEST(DownlinkTxIds, UniqueAcrossTwoRegions) {
  t::StackOptions opt;
  opt.regions = 2;
  opt.ns_answers_joins = false;
  t::DownlinkStack s(opt);
  ASSERT_TRUE(s.start()) << s.why();
  // abp-1.1 is routed by region eu (emulator 0), abp-1.0.2 by region br (emulator 1).
  s.ns().add_abp_session(t::devices::kAbp11);
  s.ns().add_abp_session(t::devices::kAbp10);
  ASSERT_TRUE(s.ns().wait_session(t::devices::kAbp11, 1, 30s)) << s.diagnostics();
  ASSERT_TRUE(s.ns().wait_session(t::devices::kAbp10, 1, 30s)) << s.diagnostics();
  EXPECT_EQ(s.ns().session(t::devices::kAbp10)->region, 1u);

  // Interleaved, so that both regions draw from the counter at the same time.
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(s.ns().send(s.ns().class_c(t::devices::kAbp11), 0));
    ids.push_back(s.ns().send(s.ns().class_c(t::devices::kAbp10), 1));
  }
  for (auto id : ids) {
    auto ack = s.ns().wait_ack(id, 20s);
    ASSERT_TRUE(ack) << s.diagnostics();
    EXPECT_EQ(ack->ack.items(0).status(), gw::OK);
  }
  auto eu = s.downstreams(0);
  auto br = s.downstreams(1);
  EXPECT_EQ(t::downstreams_for(eu, t::devices::kAbp11.value).size(), 20u);
  EXPECT_EQ(t::downstreams_for(br, t::devices::kAbp10.value).size(), 20u);
  auto all = t::transaction_ids(eu);
  auto more = t::transaction_ids(br);
  all.insert(all.end(), more.begin(), more.end());
  expect_unique_nonzero(all, 40);
}

TEST(DownlinkTxIds, UniqueAcrossGracefulRestarts) {
  restart_keeps_ids_unique(SIGTERM);
}

TEST(DownlinkTxIds, UniqueAcrossKillDashNineRestarts) {
  restart_keeps_ids_unique(SIGKILL);
}
