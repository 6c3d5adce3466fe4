// RAN's DownstreamResult codes → DownlinkTxAck statuses (the documented mapping), the RX2
// fallback under a new transaction id, the rx1-only policy, and a RAN that never answers.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "downlink_stack.hpp"

namespace t = ranbridge::testing;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const auto kDev = t::devices::kAbp10;

std::vector<json::object> downstreams_with_phy(t::DownlinkStack& s, const std::string& phy) {
  std::vector<json::object> out;
  for (const auto& d : s.downstreams(0)) {
    std::string p;
    for (const auto& b : d.at("message").at("PHYPayload").as_array())
      p.push_back(static_cast<char>(t::json_u64(b)));
    if (p == phy) out.push_back(d.as_object());
  }
  return out;
}

std::vector<gw::TxAckStatus> statuses(const t::NsAck& a) {
  std::vector<gw::TxAckStatus> out;
  for (const auto& i : a.ack.items()) out.push_back(i.status());
  return out;
}

// A class A reply (RX1 delay 5 s, RX2 6 s) to the device's next uplink, as ChirpStack sends it.
gw::DownlinkFrame next_class_a_reply(t::DownlinkStack& s, std::size_t& replies) {
  s.ns().reply_to_next(1);
  auto r = s.ns().wait_class_a_reply(++replies, 20s);
  if (!r) ADD_FAILURE() << "no uplink to reply to\n" << s.diagnostics();
  return r.value_or(gw::DownlinkFrame{});
}

t::StackOptions quiet_options() {
  t::StackOptions opt;
  opt.ns_answers_joins = false;  // no join accepts mixed into the scripted results
  return opt;
}

}  // namespace

TEST(DownlinkResults, EveryRanResultCodeMapsToDocumentedStatus) {
  t::DownlinkStack s(quiet_options());
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(kDev);
  ASSERT_TRUE(s.ns().wait_session(kDev, 1, 30s)) << s.diagnostics();

  // One-item class C downlinks: a failed item has no RX2 to fall back to.
  const std::pair<const char*, gw::TxAckStatus> cases[] = {
      {"Success", gw::OK},
      {"TooLate", gw::TOO_LATE},
      {"WindowNotFound", gw::TOO_LATE},
      {"GatewayNotFound", gw::INTERNAL_ERROR},
      {"NoAck", gw::INTERNAL_ERROR},
      {"GatewayError", gw::INTERNAL_ERROR},
  };
  for (const auto& [code, expected] : cases) {
    SCOPED_TRACE(code);
    ASSERT_EQ(s.queue_results(0, {code}), 200);
    auto id = s.ns().send(s.ns().class_c(kDev));
    auto ack = s.ns().wait_ack(id, 15s);
    ASSERT_TRUE(ack) << s.diagnostics();
    ASSERT_EQ(ack->ack.items_size(), 1);
    EXPECT_EQ(ack->ack.items(0).status(), expected)
        << gw::TxAckStatus_Name(ack->ack.items(0).status());
  }
  // Every downlink got exactly one TxAck.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(s.ns().acks_total(), std::size(cases));
}

TEST(DownlinkResults, Rx2FallbackUsesANewTransactionId) {
  t::DownlinkStack s(quiet_options());
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(kDev);
  std::size_t replies = 0;
  for (const char* code : {"TooLate", "WindowNotFound"}) {
    SCOPED_TRACE(code);
    ASSERT_EQ(s.queue_results(0, {code, "Success"}), 200);
    auto reply = next_class_a_reply(s, replies);
    ASSERT_EQ(reply.items_size(), 2);
    auto ack = s.ns().wait_ack(reply.downlink_id(), 15s);
    ASSERT_TRUE(ack) << s.diagnostics();
    EXPECT_EQ(statuses(*ack), (std::vector<gw::TxAckStatus>{gw::TOO_LATE, gw::OK}));

    auto sent = downstreams_with_phy(s, reply.items(0).phy_payload());
    ASSERT_EQ(sent.size(), 2u) << json::serialize(s.downstreams(0));
    const auto& rx1 = sent[0].at("message").as_object();
    const auto& rx2 = sent[1].at("message").as_object();
    EXPECT_NE(t::json_u64(rx1.at("TransactionID")), t::json_u64(rx2.at("TransactionID")));
    EXPECT_EQ(t::json_u64(rx1.at("TxWindow").at("Delay")), 5u);
    EXPECT_EQ(t::json_u64(rx2.at("TxWindow").at("Delay")), 6u);
    EXPECT_EQ(t::json_u64(rx2.at("TxWindow").at("Radio").at("Frequency")), 869525000u);
    EXPECT_EQ(t::json_u64(rx2.at("TxWindow").at("Radio").at("LoRa").at("Spreading")), 12u);
    EXPECT_EQ(s.ns().ack_count(reply.downlink_id()), 1u);
  }
  // A failure that is not about the window is not retried on RX2.
  ASSERT_EQ(s.queue_results(0, {"GatewayError"}), 200);
  auto reply = next_class_a_reply(s, replies);
  auto ack = s.ns().wait_ack(reply.downlink_id(), 15s);
  ASSERT_TRUE(ack) << s.diagnostics();
  EXPECT_EQ(statuses(*ack), (std::vector<gw::TxAckStatus>{gw::INTERNAL_ERROR, gw::IGNORED}));
  EXPECT_EQ(downstreams_with_phy(s, reply.items(0).phy_payload()).size(), 1u);
}

TEST(DownlinkResults, Rx1OnlyPolicyDoesNotTryRx2) {
  auto opt = quiet_options();
  opt.rx_policy = "rx1-only";
  t::DownlinkStack s(opt);
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(kDev);
  std::size_t replies = 0;
  ASSERT_EQ(s.queue_results(0, {"TooLate"}), 200);
  auto reply = next_class_a_reply(s, replies);
  auto ack = s.ns().wait_ack(reply.downlink_id(), 15s);
  ASSERT_TRUE(ack) << s.diagnostics();
  EXPECT_EQ(statuses(*ack), (std::vector<gw::TxAckStatus>{gw::TOO_LATE, gw::IGNORED}));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(downstreams_with_phy(s, reply.items(0).phy_payload()).size(), 1u);
}

TEST(DownlinkResults, NoResultFromRanGivesErrorTxAckAfterWindow) {
  // RAN acks the Downstream and then stays silent: the bridge must still answer, once, after
  // the window (5 s) + result_timeout_margin (2 s).
  t::DownlinkStack s(quiet_options());
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(kDev);
  std::size_t replies = 0;
  ASSERT_EQ(s.queue_results(0, {"none", "none"}), 200);
  auto reply = next_class_a_reply(s, replies);
  auto ack = s.ns().wait_ack(reply.downlink_id(), 30s);
  ASSERT_TRUE(ack) << "no TxAck although RAN never answered\n" << s.diagnostics();
  ASSERT_EQ(ack->ack.items_size(), 2);
  EXPECT_NE(ack->ack.items(0).status(), gw::OK);
  EXPECT_NE(ack->ack.items(0).status(), gw::IGNORED);
  EXPECT_NE(ack->ack.items(1).status(), gw::OK);
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(s.ns().ack_count(reply.downlink_id()), 1u);
}
