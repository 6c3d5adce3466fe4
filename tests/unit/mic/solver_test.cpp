#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "frames.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/mic/solver.hpp"
#include "ranbridge_test/support.hpp"

using namespace ranbridge::mic;
using namespace mictest;

namespace {

constexpr const char* kNwkSKey = "eff570746c7ee4d1390aa448afc41eed";

AesKey key(const char* hex) {
  return *AesKey::from_hex(hex);
}

class SolverTest : public ::testing::Test {
 protected:
  void load(const std::string& yaml) {
    auto r = Registry::parse(yaml, "test.yaml");
    ASSERT_TRUE(r.ok()) << (r.errors.empty() ? "" : r.errors[0].to_string());
    registry.replace(r.registry);
  }
  void load_sample() {
    auto r = Registry::load_files({ranbridge::testing::source_path("config/devices.yaml")});
    ASSERT_TRUE(r.ok());
    registry.replace(r.registry);
  }
  Outcome solve(const std::vector<std::uint8_t>& msg, const std::vector<std::uint32_t>& ch,
                std::vector<DevEui> euis = {}) {
    euis_ = std::move(euis);
    Uplink u;
    u.dev_euis = euis_;
    u.phy_payload_no_mic = msg;
    u.challenge = ch;
    u.radio = radio;
    u.region = region;
    u.byte_order = order;
    return solver.solve(u);
  }
  static Ack ack(const Outcome& o) {
    if (auto* r = std::get_if<Reject>(&o))
      ADD_FAILURE() << "rejected: " << to_string(r->reason) << ": " << r->message;
    return std::holds_alternative<Ack>(o) ? std::get<Ack>(o) : Ack{};
  }
  static Reject rej(const Outcome& o) {
    if (std::holds_alternative<Ack>(o)) {
      ADD_FAILURE() << "acked " << std::get<Ack>(o).dev_eui;
      return {};
    }
    return std::get<Reject>(o);
  }

  RegistryHandle registry;
  MemorySessionStore store;
  Solver solver{registry, store};
  lw::UplinkRadio radio{868100000, lw::Modulation::LoRa, 7, 125000, 0};
  std::optional<lw::Region> region = lw::Region::EU868;
  MicByteOrder order = MicByteOrder::Big;
  std::vector<DevEui> euis_;
};

std::string abp_device(std::uint64_t eui, std::uint32_t addr, const std::string& key_hex,
                       const char* version = "1.0.3", int fcnt = -1) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "  - dev_eui: \"%016llx\"\n    lorawan_version: \"%s\"\n    abp: {dev_addr: "
                "\"%08x\", nwk_s_key: \"%s\"}\n%s",
                static_cast<unsigned long long>(eui), version, addr, key_hex.c_str(),
                fcnt >= 0 ? ("    fcnt_up: " + std::to_string(fcnt) + "\n").c_str() : "");
  return buf;
}

const DevAddr kAddr{0x26011bff};

}  // namespace

TEST_F(SolverTest, AbpUplinkAckedAndCounterCommitted) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  const auto msg = data_up(kAddr, 5);
  const auto truth = mic10(key(kNwkSKey), kAddr, 5, msg);
  const auto& a = ack(solve(msg, challenge(truth, 4096), {DevEui{1}}));
  EXPECT_EQ(a.dev_eui, DevEui{1});
  EXPECT_EQ(a.mic, truth);
  EXPECT_EQ(a.fcnt, 5u);
  EXPECT_EQ(a.kind, FrameKind::UnconfirmedDataUp);
  EXPECT_EQ(a.version, LorawanVersion::V1_0_3);
  EXPECT_FALSE(a.promoted_pending);
  EXPECT_EQ(store.get(DevEui{1})->abp_fcnt_up, 5u);
}

TEST_F(SolverTest, WrongKeyIsMicFailed) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  const auto msg = data_up(kAddr, 5);
  const auto other = mic10(key("0b3569797765412d29950462bcf710cc"), kAddr, 5, msg);
  auto r = rej(solve(msg, challenge(other), {DevEui{1}}));
  EXPECT_EQ(r.code, RejectCode::MICFailed);
  EXPECT_EQ(r.reason, RejectReason::MicMismatch);
  EXPECT_FALSE(store.get(DevEui{1}).has_value()) << "no counter advance on failure";
}

TEST_F(SolverTest, LittleEndianByteOrder) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  order = MicByteOrder::Little;
  const auto msg = data_up(kAddr, 1);
  const auto be = mic10(key(kNwkSKey), kAddr, 1, msg);
  const std::uint32_t le = __builtin_bswap32(be);
  EXPECT_EQ(ack(solve(msg, challenge(le))).mic, le);
  EXPECT_EQ(
      rej(solve(data_up(kAddr, 2),
                challenge(__builtin_bswap32(mic10(key(kNwkSKey), kAddr, 2, data_up(kAddr, 2))) ^
                          0x01000000)))
          .code,
      RejectCode::MICFailed);
}

TEST_F(SolverTest, FcntRolloverFfffTo10000) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  ASSERT_EQ(store.commit_uplink(DevEui{1}, SessionSlot::Abp, kAddr, 0xFFFF),
            CommitResult::Committed);
  const auto msg = data_up(kAddr, 0x0000);
  const auto& a = ack(solve(msg, challenge(mic10(key(kNwkSKey), kAddr, 0x10000, msg))));
  EXPECT_EQ(a.fcnt, 0x10000u);
  EXPECT_EQ(store.get(DevEui{1})->abp_fcnt_up, 0x10000u);
  // And the next one continues above 65535.
  const auto msg2 = data_up(kAddr, 0x0001);
  EXPECT_EQ(ack(solve(msg2, challenge(mic10(key(kNwkSKey), kAddr, 0x10001, msg2)))).fcnt, 0x10001u);
}

TEST_F(SolverTest, ConfiguredInitialCounterAbove16Bits) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey, "1.0.2", 200000));
  const auto f = 200005u;
  const auto msg = data_up(kAddr, static_cast<std::uint16_t>(f));
  EXPECT_EQ(ack(solve(msg, challenge(mic10(key(kNwkSKey), kAddr, f, msg)))).fcnt, f);
}

TEST_F(SolverTest, GapsWithinTheLimitAreAcceptedBeyondItRejected) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  store.commit_uplink(DevEui{1}, SessionSlot::Abp, kAddr, 10);
  const auto ok = data_up(kAddr, 10 + 16384);
  EXPECT_EQ(ack(solve(ok, challenge(mic10(key(kNwkSKey), kAddr, 10 + 16384, ok)))).fcnt, 16394u);
  const std::uint32_t far = 16394 + 16385;
  const auto bad = data_up(kAddr, static_cast<std::uint16_t>(far));
  auto r = rej(solve(bad, challenge(mic10(key(kNwkSKey), kAddr, far, bad))));
  EXPECT_EQ(r.code, RejectCode::Other);
  EXPECT_EQ(r.reason, RejectReason::FcntGap);
  EXPECT_EQ(store.get(DevEui{1})->abp_fcnt_up, 16394u);
}

TEST_F(SolverTest, ReplaysAreRejectedAsOther) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  const auto msg = data_up(kAddr, 5);
  const auto ch = challenge(mic10(key(kNwkSKey), kAddr, 5, msg));
  ack(solve(msg, ch));
  auto again = rej(solve(msg, ch));
  EXPECT_EQ(again.code, RejectCode::Other);
  EXPECT_EQ(again.reason, RejectReason::Replay);
  const auto older = data_up(kAddr, 3);
  auto r = rej(solve(older, challenge(mic10(key(kNwkSKey), kAddr, 3, older))));
  EXPECT_EQ(r.reason, RejectReason::Replay);
  EXPECT_EQ(store.get(DevEui{1})->abp_fcnt_up, 5u);
}

TEST_F(SolverTest, RetransmissionAcceptedWhenThePolicyAllowsIt) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  SolverOptions opts;
  opts.fcnt.allow_retransmission = true;
  Solver lenient(registry, store, opts);
  store.commit_uplink(DevEui{1}, SessionSlot::Abp, kAddr, 5);
  const auto msg = data_up(kAddr, 5);
  Uplink u;
  const auto ch = challenge(mic10(key(kNwkSKey), kAddr, 5, msg));
  u.phy_payload_no_mic = msg;
  u.challenge = ch;
  // The same frame again is acked (marked) and the counter stays; older ones stay replays.
  for (int i = 0; i < 2; ++i) {
    auto o = lenient.solve(u);
    ASSERT_TRUE(std::holds_alternative<Ack>(o));
    EXPECT_TRUE(std::get<Ack>(o).retransmission);
    EXPECT_EQ(std::get<Ack>(o).fcnt, 5u);
  }
  EXPECT_EQ(store.get(DevEui{1})->abp_fcnt_up, 5u);
  const auto older = data_up(kAddr, 4);
  const auto older_ch = challenge(mic10(key(kNwkSKey), kAddr, 4, older));
  u.phy_payload_no_mic = older;  // Uplink holds spans: the vectors outlive the solves
  u.challenge = older_ch;
  EXPECT_EQ(std::get<Reject>(lenient.solve(u)).reason, RejectReason::Replay);
  // A new frame is not a retransmission.
  const auto next = data_up(kAddr, 6);
  const auto next_ch = challenge(mic10(key(kNwkSKey), kAddr, 6, next));
  u.phy_payload_no_mic = next;
  u.challenge = next_ch;
  auto o = lenient.solve(u);
  ASSERT_TRUE(std::holds_alternative<Ack>(o));
  EXPECT_FALSE(std::get<Ack>(o).retransmission);
  EXPECT_EQ(store.get(DevEui{1})->abp_fcnt_up, 6u);
}

TEST_F(SolverTest, SharedDevAddrWith100Devices) {
  std::string yaml = "devices:\n";
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) {
    char k[33];
    std::snprintf(k, sizeof k, "%08x%08x%08x%08x", i * 2654435761u, i + 1, 0xabcdef01u ^ i, i * 7);
    keys.emplace_back(k);
    yaml += abp_device(1000 + i, kAddr.value, k);
  }
  load(yaml);
  for (int who : {0, 57, 99}) {
    const auto msg = data_up(kAddr, 1, false, false, {static_cast<std::uint8_t>(who)});
    const auto truth = mic10(key(keys[who].c_str()), kAddr, 1, msg);
    std::vector<DevEui> all;
    for (int i = 0; i < 100; ++i) all.push_back(DevEui{1000ull + i});
    const auto& a = ack(solve(msg, challenge(truth, 4096, who), all));
    EXPECT_EQ(a.dev_eui, DevEui{1000ull + who});
    EXPECT_EQ(a.mic, truth);
  }
  // Only the winners' counters moved.
  EXPECT_EQ(store.get(DevEui{1057})->abp_fcnt_up, 1u);
  EXPECT_FALSE(store.get(DevEui{1058}).has_value());
}

TEST_F(SolverTest, PendingAndActiveSessionOnOneDevice) {
  load_sample();
  const DevEui dev = *DevEui::from_hex("0004a30b001c0530");
  Session old_s;
  old_s.dev_addr = DevAddr{0x01000001};
  old_s.keys.f_nwk_s_int_key = key("17409e723adb420db342c595b5aa2294");
  old_s.fcnt_up = 40;
  Session new_s;
  new_s.dev_addr = DevAddr{0x01000002};
  new_s.keys.f_nwk_s_int_key = key("22e90e8816038528fd1b5b5779ba4869");
  store.put_active(dev, old_s);
  store.put_pending(dev, new_s);

  // Uplinks under the old session keep working while the join is pending.
  auto m_old = data_up(old_s.dev_addr, 41);
  auto a1 = ack(
      solve(m_old, challenge(mic10(old_s.keys.f_nwk_s_int_key, old_s.dev_addr, 41, m_old)), {dev}));
  EXPECT_FALSE(a1.promoted_pending);
  EXPECT_TRUE(store.get(dev)->pending.has_value());

  // The first uplink under the new session makes it active.
  auto m_new = data_up(new_s.dev_addr, 0);
  auto a2 = ack(
      solve(m_new, challenge(mic10(new_s.keys.f_nwk_s_int_key, new_s.dev_addr, 0, m_new)), {dev}));
  EXPECT_TRUE(a2.promoted_pending);
  EXPECT_EQ(a2.fcnt, 0u);
  auto st = store.get(dev);
  EXPECT_FALSE(st->pending.has_value());
  EXPECT_EQ(st->active->dev_addr, new_s.dev_addr);

  // The old session is gone: its DevAddr no longer leads to the device.
  auto m_old2 = data_up(old_s.dev_addr, 42);
  auto r = rej(solve(
      m_old2, challenge(mic10(old_s.keys.f_nwk_s_int_key, old_s.dev_addr, 42, m_old2)), {dev}));
  EXPECT_EQ(r.reason, RejectReason::MissingKey);
  EXPECT_EQ(r.code, RejectCode::Other);
}

TEST_F(SolverTest, NeverHeardSessionTriesTheNextRollover) {
  load_sample();
  const DevEui dev = *DevEui::from_hex("0004a30b001c0530");
  Session s;
  s.dev_addr = DevAddr{0x01000003};
  s.keys.f_nwk_s_int_key = key("17409e723adb420db342c595b5aa2294");
  store.put_active(dev, s);
  const auto msg = data_up(s.dev_addr, 5);
  EXPECT_EQ(
      ack(solve(msg, challenge(mic10(s.keys.f_nwk_s_int_key, s.dev_addr, 0x10005, msg)))).fcnt,
      0x10005u);
}

TEST_F(SolverTest, Lorawan11WithSeveralChannelCandidates) {
  load_sample();
  const DevEui dev = *DevEui::from_hex("c4e57f9442a5f060");
  const auto* d = registry.get()->find(dev);
  ASSERT_NE(d, nullptr);
  // 867.1 MHz is not a default EU868 channel: every index 3..15 is a candidate.
  radio.frequency_hz = 867100000;
  const auto cands = lw::uplink_tx_candidates(lw::Region::EU868, radio);
  ASSERT_GT(cands.size(), 5u);
  const std::uint8_t ch = 9, dr = 5;  // SF7/125 kHz = DR5
  for (bool confirmed_ack : {false, true}) {
    const std::uint32_t f = confirmed_ack ? 2 : 1;
    const auto msg = data_up(d->dev_addr, static_cast<std::uint16_t>(f), false, confirmed_ack);
    if (confirmed_ack) store.note_confirmed_downlink(dev, d->dev_addr, 3);  // no session: ignored
    const auto truth = lw::mic_to_uint32(lw::data_uplink_mic_1_1(lw::Cmac(d->f_nwk_s_int_key()),
                                                                 lw::Cmac(d->s_nwk_s_int_key()),
                                                                 d->dev_addr, f, 0, dr, ch, msg));
    const auto& a = ack(solve(msg, challenge(truth, 4096), {dev}));
    EXPECT_EQ(a.dev_eui, dev);
    EXPECT_EQ(a.version, LorawanVersion::V1_1);
    EXPECT_EQ(a.mic, truth);
  }
  // Without a region plan a 1.1 uplink cannot be verified.
  region.reset();
  const auto msg = data_up(d->dev_addr, 9);
  auto r = rej(solve(msg, challenge(1)));
  EXPECT_EQ(r.reason, RejectReason::NoChannelPlan);
  // Nor with a frequency outside the plan.
  region = lw::Region::EU868;
  radio.frequency_hz = 915000000;
  EXPECT_EQ(rej(solve(msg, challenge(1))).reason, RejectReason::NoChannelPlan);
}

TEST_F(SolverTest, Lorawan11SessionUsesConfFcntWhenAckSet) {
  load_sample();
  const DevEui dev = *DevEui::from_hex("4bca6a24b73d987c");
  Session s;
  s.version = LorawanVersion::V1_1;
  s.dev_addr = DevAddr{0x01000009};
  s.keys.f_nwk_s_int_key = key("3e60de1f6d19effcbcd00bf9a07c2441");
  s.keys.s_nwk_s_int_key = key("74457cf1c0fca6dfa981d69ce09551f4");
  store.put_active(dev, s);
  store.note_confirmed_downlink(dev, s.dev_addr, 17);
  const auto msg = data_up(s.dev_addr, 4, false, true);
  const auto truth = lw::mic_to_uint32(lw::data_uplink_mic_1_1(lw::Cmac(s.keys.f_nwk_s_int_key),
                                                               lw::Cmac(s.keys.s_nwk_s_int_key),
                                                               s.dev_addr, 4, 17, 5, 0, msg));
  EXPECT_EQ(ack(solve(msg, challenge(truth))).fcnt, 4u);
}

TEST_F(SolverTest, JoinRequests) {
  load_sample();
  const DevEui dev = *DevEui::from_hex("0004a30b001c0530");
  const auto* d = registry.get()->find(dev);
  const auto msg = join_request(d->join_eui, dev, 0x0102);
  const auto truth = lw::mic_to_uint32(lw::join_request_mic(lw::Cmac(d->app_key()), msg));
  const auto& a = ack(solve(msg, challenge(truth), {dev}));
  EXPECT_EQ(a.kind, FrameKind::JoinRequest);
  EXPECT_EQ(a.dev_nonce, 0x0102);
  EXPECT_EQ(store.get(dev)->recent_joins.back().dev_nonce, 0x0102);

  // 1.1: NwkKey, not AppKey.
  const DevEui d11e = *DevEui::from_hex("4bca6a24b73d987c");
  const auto* d11 = registry.get()->find(d11e);
  const auto m11 = join_request(d11->join_eui, d11e, 1);
  EXPECT_EQ(
      rej(solve(m11,
                challenge(lw::mic_to_uint32(lw::join_request_mic(lw::Cmac(d11->app_key()), m11)))))
          .code,
      RejectCode::MICFailed);
  ack(solve(m11,
            challenge(lw::mic_to_uint32(lw::join_request_mic(lw::Cmac(d11->nwk_key()), m11)))));

  // Unknown DevEUI, wrong JoinEUI, ABP device.
  auto unknown = rej(solve(join_request(d->join_eui, DevEui{0x99}, 1), challenge(5)));
  EXPECT_EQ(unknown.code, RejectCode::Other);
  EXPECT_EQ(unknown.reason, RejectReason::UnknownDevice);
  EXPECT_EQ(rej(solve(join_request(JoinEui{1}, dev, 1), challenge(5))).reason,
            RejectReason::UnknownDevice);
  EXPECT_EQ(
      rej(solve(join_request(JoinEui{1}, *DevEui::from_hex("d25644d493c4178a"), 1), challenge(5)))
          .reason,
      RejectReason::MissingKey);
}

TEST_F(SolverTest, RejoinRequests) {
  load_sample();
  const DevEui dev = *DevEui::from_hex("4bca6a24b73d987c");
  const auto* d = registry.get()->find(dev);
  lw::PhyPayload p;
  p.mtype = lw::MType::RejoinRequest;
  p.body = lw::RejoinRequest{1, {}, d->join_eui, dev, 3};
  auto msg = lw::build_phy_payload(p).value();
  msg.resize(msg.size() - 4);
  const auto js_int = lw::derive_js_int_key(d->nwk_key(), dev);
  const auto& a =
      ack(solve(msg, challenge(lw::mic_to_uint32(lw::rejoin_request_mic(lw::Cmac(js_int), msg)))));
  EXPECT_EQ(a.kind, FrameKind::RejoinRequest);
  EXPECT_EQ(a.dev_nonce, 3);
  // Recorded so that the join accept answering it can be checked: type 1 names its JoinEUI.
  ASSERT_TRUE(store.get(dev).has_value());
  EXPECT_EQ(store.get(dev)->recent_joins.back(), (JoinRequestSeen{d->join_eui, 3, 1}));
  // Type 0 needs a session: none yet.
  p.body = lw::RejoinRequest{0, lw::NetId{1}, {}, dev, 3};
  auto m0 = lw::build_phy_payload(p).value();
  m0.resize(m0.size() - 4);
  EXPECT_EQ(rej(solve(m0, challenge(1))).reason, RejectReason::MissingKey);
  // With a session, type 2 (no JoinEUI in the frame) is MIC'd with SNwkSIntKey and recorded
  // under the device's JoinEUI with its RJcount0.
  Session s;
  s.dev_addr = DevAddr{0x01000009};
  s.keys.s_nwk_s_int_key = key("22e90e8816038528fd1b5b5779ba4869");
  store.put_active(dev, s);
  p.body = lw::RejoinRequest{2, lw::NetId{1}, {}, dev, 7};
  auto m2 = lw::build_phy_payload(p).value();
  m2.resize(m2.size() - 4);
  ack(solve(m2, challenge(lw::mic_to_uint32(
                    lw::rejoin_request_mic(lw::Cmac(s.keys.s_nwk_s_int_key), m2)))));
  EXPECT_EQ(store.get(dev)->recent_joins.back(), (JoinRequestSeen{d->join_eui, 7, 2}));
  // A 1.0.x device never sends rejoins.
  p.body = lw::RejoinRequest{1, {}, JoinEui{1}, *DevEui::from_hex("0004a30b001c0530"), 3};
  auto m10 = lw::build_phy_payload(p).value();
  m10.resize(m10.size() - 4);
  EXPECT_EQ(rej(solve(m10, challenge(1))).reason, RejectReason::UnsupportedFrame);
}

TEST_F(SolverTest, UnknownDevAddrAndUnknownDevice) {
  load_sample();
  const auto msg = data_up(DevAddr{0x0badbad0}, 1);
  auto r = rej(solve(msg, challenge(1)));
  EXPECT_EQ(r.code, RejectCode::Other);
  EXPECT_EQ(r.reason, RejectReason::UnknownDevice);
  // RAN names an OTAA device that has not joined through us: it is known, the session is not.
  EXPECT_EQ(rej(solve(msg, challenge(1), {*DevEui::from_hex("0004a30b001c0530")})).reason,
            RejectReason::MissingKey);
}

TEST_F(SolverTest, EmptyChallenge) {
  load_sample();
  auto r = rej(solve(data_up(kAddr, 1), {}));
  EXPECT_EQ(r.reason, RejectReason::EmptyChallenge);
}

TEST_F(SolverTest, EveryMalformedLengthIsRejectedAsOther) {
  load_sample();
  // Minimum sizes without the MIC: data 8 (MHDR+FHDR), join request exactly 19, rejoin 0/2
  // exactly 15, rejoin 1 exactly 20.
  auto check = [&](std::vector<std::uint8_t> msg, const char* what) {
    auto r = rej(solve(msg, challenge(1)));
    EXPECT_EQ(r.code, RejectCode::Other) << what << " len " << msg.size();
    EXPECT_TRUE(r.reason == RejectReason::Malformed)
        << what << " len " << msg.size() << ": " << r.message;
  };
  check({}, "empty");
  for (std::uint8_t mhdr : {0x40, 0x80}) {
    for (std::size_t n = 1; n < 8; ++n) {
      std::vector<std::uint8_t> m(n, 0);
      m[0] = mhdr;
      check(m, "data");
    }
    // FOptsLen = 15 with no room for it.
    std::vector<std::uint8_t> m = {mhdr, 1, 2, 3, 4, 0x0F, 0, 0, 9, 9};
    check(m, "fopts overflow");
  }
  for (std::size_t n = 1; n < 30; ++n) {
    if (n == 19) continue;
    std::vector<std::uint8_t> m(n, 0);
    m[0] = 0x00;
    check(m, "join request");
  }
  for (std::uint8_t type : {0, 1, 2}) {
    const std::size_t good = type == 1 ? 20 : 15;
    for (std::size_t n = 1; n < 25; ++n) {
      if (n == good) continue;
      std::vector<std::uint8_t> m(n, 0);
      m[0] = 0xC0;
      if (n > 1) m[1] = type;
      check(m, "rejoin");
    }
  }
  check(std::vector<std::uint8_t>(252, 0x40), "too long");
}

TEST_F(SolverTest, UnsupportedFrames) {
  load_sample();
  auto check = [&](std::vector<std::uint8_t> msg) {
    auto r = rej(solve(msg, challenge(1)));
    EXPECT_EQ(r.code, RejectCode::Other);
    EXPECT_EQ(r.reason, RejectReason::UnsupportedFrame) << r.message;
  };
  check({0x60, 1, 2, 3, 4, 0, 0, 0});          // unconfirmed data down
  check({0xA0, 1, 2, 3, 4, 0, 0, 0});          // confirmed data down
  check({0xE0, 1, 2, 3});                      // proprietary
  check(std::vector<std::uint8_t>(13, 0x20));  // join accept
  check({0x41, 1, 2, 3, 4, 0, 0, 0});          // Major 1
}

// Four threads solve the same frame at once.
static std::vector<Outcome> solve_at_once(const Solver& solver,
                                          const std::vector<std::uint8_t>& msg,
                                          const std::vector<std::uint32_t>& challenge) {
  std::vector<Outcome> out(4);
  std::vector<std::thread> threads;
  for (auto& o : out)
    threads.emplace_back([&] {
      Uplink u;
      u.phy_payload_no_mic = msg;
      u.challenge = challenge;
      o = solver.solve(u);
    });
  for (auto& th : threads) th.join();
  return out;
}

TEST_F(SolverTest, ConcurrentSolvesOfOneFrameAckItOnce) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  for (std::uint16_t f = 1; f <= 20; ++f) {
    const auto msg = data_up(kAddr, f);
    int acks = 0, replays = 0;
    for (const auto& o : solve_at_once(solver, msg, challenge(mic10(key(kNwkSKey), kAddr, f, msg))))
      if (std::holds_alternative<Ack>(o))
        ++acks;
      else if (std::get<Reject>(o).reason == RejectReason::Replay)
        ++replays;
    EXPECT_EQ(acks, 1) << "fcnt " << f;
    EXPECT_EQ(replays, 3) << "fcnt " << f;
  }
  EXPECT_EQ(store.get(DevEui{1})->abp_fcnt_up, 20u);
}

// The bridge's policy: one frame reaching it through several sockets at once is acked on
// each (the bridge publishes it once); exactly one solve advances the counter.
TEST_F(SolverTest, ConcurrentSolvesOfOneFrameAckEachWhenRetransmissionsAreAllowed) {
  load("devices:\n" + abp_device(1, kAddr.value, kNwkSKey));
  SolverOptions opts;
  opts.fcnt.allow_retransmission = true;
  Solver lenient(registry, store, opts);
  for (std::uint16_t f = 1; f <= 20; ++f) {
    const auto msg = data_up(kAddr, f);
    int first = 0, again = 0;
    for (const auto& o :
         solve_at_once(lenient, msg, challenge(mic10(key(kNwkSKey), kAddr, f, msg))))
      if (const auto* a = std::get_if<Ack>(&o)) ++(a->retransmission ? again : first);
    EXPECT_EQ(first, 1) << "fcnt " << f;
    EXPECT_EQ(again, 3) << "fcnt " << f;
  }
  EXPECT_EQ(store.get(DevEui{1})->abp_fcnt_up, 20u);
}
