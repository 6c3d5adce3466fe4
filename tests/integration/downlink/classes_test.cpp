// Each downlink class reaches the emulator as the right RAN message and comes back as one
// DownlinkTxAck: class A reply → Downstream with Delay; class B → TMMS; class C → Deadline;
// multicast → MulticastDownstream with Addr.
#include <gtest/gtest.h>

#include <thread>

#include "downlink_stack.hpp"

namespace t = ranbridge::testing;
namespace json = boost::json;
namespace lw = ranbridge::lorawan;
using namespace std::chrono_literals;

namespace {

std::vector<std::uint8_t> phy_of(const json::object& downstream) {
  std::vector<std::uint8_t> out;
  for (const auto& b : downstream.at("message").at("PHYPayload").as_array())
    out.push_back(static_cast<std::uint8_t>(t::json_u64(b)));
  return out;
}
std::vector<std::uint8_t> bytes(const std::string& s) {
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

// The downstream recorded for `phy` (payloads are unique per test: FCntDown grows).
std::optional<json::object> find_by_phy(t::DownlinkStack& s, const std::string& phy,
                                        std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  do {
    for (const auto& d : s.downstreams(0))
      if (phy_of(d.as_object()) == bytes(phy)) return d.as_object();
    std::this_thread::sleep_for(50ms);
  } while (std::chrono::steady_clock::now() < until);
  return std::nullopt;
}

// GPS time now + `ahead`, in ms (GPS epoch 1980-01-06, 18 leap seconds since).
std::chrono::milliseconds gps_time_ahead(std::chrono::seconds ahead) {
  auto unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return unix_ms - std::chrono::milliseconds(315964800000LL) + std::chrono::milliseconds(18000) +
         ahead;
}

// TMMS is the list of ping slots as GPS time in ms: the bridge sends the one slot the
// network server chose (as Everynet's own ChirpStack bridge does).
void expect_tmms(const json::object& window, std::chrono::milliseconds gps) {
  ASSERT_TRUE(window.contains("TMMS")) << json::serialize(window);
  EXPECT_EQ(json::serialize(window.at("TMMS")), "[" + std::to_string(gps.count()) + "]");
}

// Starts a stack and waits until the network server verified an uplink of `dev` (ABP):
// the bridge has then heard the device (class B/C go to the region that heard it last).
void start_with_heard(t::DownlinkStack& s, lw::DevEui dev) {
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(dev);
  ASSERT_TRUE(s.ns().wait_session(dev, 1, 30s)) << s.diagnostics();
}

void expect_single_ok(t::DownlinkStack& s, std::uint32_t id) {
  auto ack = s.ns().wait_ack(id, 15s);
  ASSERT_TRUE(ack) << "no TxAck for downlink " << id << "\n" << s.diagnostics();
  ASSERT_EQ(ack->ack.items_size(), 1);
  EXPECT_EQ(ack->ack.items(0).status(), gw::OK);
  EXPECT_EQ(ack->ack.gateway_id(), "00000000000e0001");
  EXPECT_EQ(ack->topic, "eu868/gateway/00000000000e0001/event/ack");
}

}  // namespace

TEST(DownlinkClasses, ClassAReplyIsDownstreamWithDelay) {
  t::StackOptions opt;
  opt.ns_answers_joins = false;  // only the reply goes down
  t::DownlinkStack s(opt);
  ASSERT_TRUE(s.start()) << s.why();
  s.ns().add_abp_session(t::devices::kAbp10);
  s.ns().reply_to_next(1);  // as ChirpStack: answered as soon as the uplink arrives
  auto reply = s.ns().wait_class_a_reply(1, 30s);
  ASSERT_TRUE(reply) << s.diagnostics();
  ASSERT_EQ(reply->items_size(), 2);

  auto ack = s.ns().wait_ack(reply->downlink_id(), 15s);
  ASSERT_TRUE(ack) << s.diagnostics();
  ASSERT_EQ(ack->ack.items_size(), 2);
  EXPECT_EQ(ack->ack.items(0).status(), gw::OK);
  EXPECT_EQ(ack->ack.items(1).status(), gw::IGNORED);
  EXPECT_EQ(ack->ack.downlink_id(), reply->downlink_id());

  auto d = find_by_phy(s, reply->items(0).phy_payload(), 5s);
  ASSERT_TRUE(d) << json::serialize(s.downstreams(0));
  const auto& m = d->at("message").as_object();
  EXPECT_EQ(t::json_u64(m.at("DevEUI")), t::devices::kAbp10.value);
  EXPECT_GT(t::json_u64(m.at("TransactionID")), 0u);
  EXPECT_TRUE(!m.contains("TargetDevAddr") || m.at("TargetDevAddr").is_null());
  const auto& w = m.at("TxWindow").as_object();
  ASSERT_TRUE(w.contains("Delay")) << json::serialize(w);
  EXPECT_EQ(t::json_u64(w.at("Delay")), 5u);
  EXPECT_FALSE(w.contains("TMMS"));
  EXPECT_FALSE(w.contains("Deadline"));
  const auto& radio = w.at("Radio").as_object();
  EXPECT_EQ(t::json_u64(radio.at("Frequency")), reply->items(0).tx_info().frequency());
  EXPECT_EQ(t::json_u64(radio.at("LoRa").at("Spreading")),
            reply->items(0).tx_info().modulation().lora().spreading_factor());
  EXPECT_EQ(t::json_u64(radio.at("LoRa").at("Bandwidth")), 125000u);
  // Exactly one Downstream for it (RX1 succeeded, RX2 not sent).
  EXPECT_EQ(t::downstreams_for(s.downstreams(0), t::devices::kAbp10.value).size(), 1u);
  EXPECT_EQ(s.ns().ack_count(reply->downlink_id()), 1u);
}

TEST(DownlinkClasses, ClassCIsDownstreamWithDeadline) {
  t::StackOptions opt;
  opt.ns_answers_joins = false;
  opt.ns_marshaler = ranbridge::lns::Marshaler::protobuf;
  t::DownlinkStack s(opt);
  start_with_heard(s, t::devices::kAbp10);
  auto frame = s.ns().class_c(t::devices::kAbp10);
  auto id = s.ns().send(frame);
  expect_single_ok(s, id);
  auto d = find_by_phy(s, frame.items(0).phy_payload(), 5s);
  ASSERT_TRUE(d) << json::serialize(s.downstreams(0));
  const auto& m = d->at("message").as_object();
  EXPECT_EQ(t::json_u64(m.at("DevEUI")), t::devices::kAbp10.value);
  const auto& w = m.at("TxWindow").as_object();
  EXPECT_TRUE(w.contains("Deadline")) << json::serialize(w);
  EXPECT_FALSE(w.contains("Delay"));
  EXPECT_FALSE(w.contains("TMMS"));
  EXPECT_EQ(t::json_u64(w.at("Radio").at("Frequency")), 869525000u);
}

TEST(DownlinkClasses, ClassBIsDownstreamWithTmms) {
  t::StackOptions opt;
  opt.ns_answers_joins = false;
  t::DownlinkStack s(opt);
  start_with_heard(s, t::devices::kAbp11);  // a 1.1 device: 1.1 downlink MIC from the server
  auto gps = gps_time_ahead(20s);
  auto frame = s.ns().class_b(t::devices::kAbp11, gps);
  auto id = s.ns().send(frame);
  expect_single_ok(s, id);
  auto d = find_by_phy(s, frame.items(0).phy_payload(), 5s);
  ASSERT_TRUE(d) << json::serialize(s.downstreams(0));
  const auto& m = d->at("message").as_object();
  EXPECT_EQ(t::json_u64(m.at("DevEUI")), t::devices::kAbp11.value);
  const auto& w = m.at("TxWindow").as_object();
  expect_tmms(w, gps);
  EXPECT_FALSE(w.contains("Delay"));
  EXPECT_FALSE(w.contains("Deadline"));
  EXPECT_EQ(t::json_u64(w.at("Radio").at("LoRa").at("Spreading")), 9u);
}

TEST(DownlinkClasses, MulticastIsMulticastDownstreamWithAddr) {
  t::StackOptions opt;
  opt.ns_answers_joins = false;
  t::DownlinkStack s(opt);
  ASSERT_TRUE(s.start()) << s.why();
  // The routing sync creates the group at RAN (after the devices).
  ASSERT_TRUE(s.wait_multicast_group(0, t::devices::kGroup, 20s)) << s.diagnostics();
  auto c = s.ns().multicast(t::devices::kGroup);
  auto id_c = s.ns().send(c);
  expect_single_ok(s, id_c);
  auto d = find_by_phy(s, c.items(0).phy_payload(), 5s);
  ASSERT_TRUE(d) << json::serialize(s.downstreams(0));
  const auto& m = d->at("message").as_object();
  EXPECT_EQ(t::json_u64(m.at("Addr")), t::devices::kGroup.value);
  EXPECT_FALSE(m.contains("DevEUI"));
  EXPECT_TRUE(m.at("TxWindow").as_object().contains("Deadline"));
}

TEST(DownlinkClasses, MulticastClassBIsMulticastDownstreamWithTmms) {
  t::StackOptions opt;
  opt.ns_answers_joins = false;
  t::DownlinkStack s(opt);
  ASSERT_TRUE(s.start()) << s.why();
  ASSERT_TRUE(s.wait_multicast_group(0, t::devices::kGroup, 20s)) << s.diagnostics();
  auto gps = gps_time_ahead(20s);
  auto b = s.ns().multicast(t::devices::kGroup, gps);
  auto id_b = s.ns().send(b);
  expect_single_ok(s, id_b);
  auto db = find_by_phy(s, b.items(0).phy_payload(), 5s);
  ASSERT_TRUE(db);
  const auto& mb = db->at("message").as_object();
  EXPECT_EQ(t::json_u64(mb.at("Addr")), t::devices::kGroup.value);
  expect_tmms(mb.at("TxWindow").as_object(), gps);
  EXPECT_GE(s.counter(0, "downstream", "multicast"), 1);
}
