#include <gtest/gtest.h>

#include <random>

#include "ranbridge/lorawan/frm_payload.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"

using namespace ranbridge::lorawan;
using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes hexb(std::string_view h) {
  return parse_hex_bytes(h).value();
}

ParseErrc parse_error(const Bytes& b) {
  auto r = parse_phy_payload(b);
  EXPECT_FALSE(r) << "parsed: " << to_hex(b);
  return r ? ParseErrc::Empty : r.error().code;
}

struct Rng {
  std::mt19937 gen{12345};
  std::uint64_t u64() { return (std::uint64_t{gen()} << 32) | gen(); }
  std::uint32_t u32() { return gen(); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(gen()); }
  std::uint8_t u8() { return static_cast<std::uint8_t>(gen()); }
  bool coin() { return gen() & 1; }
  std::size_t below(std::size_t n) { return gen() % n; }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = u8();
    return b;
  }
  AesKey key() {
    AesKey k;
    for (auto& x : k.bytes) x = u8();
    return k;
  }
};

}  // namespace

TEST(PhyPayload, EmptyAndOversized) {
  EXPECT_EQ(parse_error({}), ParseErrc::Empty);
  EXPECT_EQ(parse_error(Bytes(256, 0x40)), ParseErrc::TooLong);
  EXPECT_TRUE(parse_phy_payload(Bytes(255, 0x40)));  // the largest frame parses
}

TEST(PhyPayload, UnsupportedMajor) {
  for (std::uint8_t major : {1, 2, 3}) {
    Bytes b(23, 0);
    b[0] = major;
    auto r = parse_phy_payload(b);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ParseErrc::UnsupportedMajor);
    EXPECT_NE(r.error().message.find("Major"), std::string::npos);
  }
}

TEST(PhyPayload, EveryMalformedJoinRequestLength) {
  for (std::size_t n = 1; n <= 40; ++n) {
    if (n == 23) continue;
    Bytes b(n, 0);
    b[0] = 0x00;
    auto r = parse_phy_payload(b);
    ASSERT_FALSE(r) << n;
    EXPECT_EQ(r.error().code, n < 5 ? ParseErrc::TooShort : ParseErrc::BadLength) << n;
  }
  auto r = parse_phy_payload(Bytes(22, 0));
  EXPECT_EQ(r.error().message, "join request must be 23 bytes, got 22");
}

TEST(PhyPayload, EveryMalformedJoinAcceptLength) {
  for (std::size_t n = 1; n <= 40; ++n) {
    Bytes b(n, 0);
    b[0] = 0x20;
    auto r = parse_phy_payload(b);
    EXPECT_EQ(static_cast<bool>(r), n == 17 || n == 33) << n;
    if (!r) {
      EXPECT_TRUE(r.error().code == ParseErrc::BadLength || r.error().code == ParseErrc::TooShort);
    }
  }
}

TEST(PhyPayload, EveryMalformedRejoinLength) {
  for (std::uint8_t type = 0; type <= 2; ++type) {
    const std::size_t good = type == 1 ? 24 : 19;
    for (std::size_t n = 2; n <= 40; ++n) {
      Bytes b(n, 0);
      b[0] = 0xC0;
      b[1] = type;
      auto r = parse_phy_payload(b);
      EXPECT_EQ(static_cast<bool>(r), n == good) << "type " << int(type) << " len " << n;
      if (!r && n >= 5) {
        EXPECT_EQ(r.error().code, ParseErrc::BadLength);
      }
    }
  }
  Bytes b(19, 0);
  b[0] = 0xC0;
  b[1] = 3;
  auto r = parse_phy_payload(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ParseErrc::BadRejoinType);
  EXPECT_EQ(parse_error(Bytes{0xC0}), ParseErrc::TooShort);
}

TEST(PhyPayload, EveryShortDataFrame) {
  for (std::uint8_t mhdr : {0x40, 0x60, 0x80, 0xA0}) {
    for (std::size_t n = 1; n < 12; ++n) {
      Bytes b(n, 0);
      b[0] = mhdr;
      EXPECT_EQ(parse_error(b), ParseErrc::TooShort) << n;
    }
    Bytes ok(12, 0);
    ok[0] = mhdr;
    auto r = parse_phy_payload(ok);
    ASSERT_TRUE(r);
    EXPECT_FALSE(r->data()->fport);
    EXPECT_TRUE(r->data()->frm_payload.empty());
  }
}

TEST(PhyPayload, FOptsLenBeyondTheFrame) {
  // FOptsLen 3 but only 2 bytes before the MIC.
  Bytes b = hexb("4004030201030000aabb00000000");
  auto r = parse_phy_payload(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ParseErrc::FOptsOverflow);
  EXPECT_EQ(r.error().message, "FOptsLen 3 exceeds the 2 bytes before the MIC");
  // Exactly filling is fine: FOpts, no FPort.
  b = hexb("4004030201020000aabb00000000");
  r = parse_phy_payload(b);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data()->fopts, hexb("aabb"));
  EXPECT_FALSE(r->data()->fport);
}

TEST(PhyPayload, FOptsWithPortZero) {
  auto r = parse_phy_payload(hexb("4004030201010000aa0001020304"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ParseErrc::FOptsWithPortZero);
}

TEST(PhyPayload, ProprietaryNeedsRoomForAMic) {
  for (std::size_t n = 1; n < 5; ++n) EXPECT_EQ(parse_error(Bytes(n, 0xE0)), ParseErrc::TooShort);
  auto r = parse_phy_payload(hexb("e0aabbcc01020304"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->proprietary()->payload, hexb("aabbcc"));
  EXPECT_EQ(r->mic, (Mic{1, 2, 3, 4}));
}

TEST(PhyPayload, FCtrlBitsByDirection) {
  // FCtrl 0xF0: ADR, ADRACKReq/RFU, ACK, ClassB/FPending.
  auto up = parse_phy_payload(hexb("4004030201f0010001020304"));
  ASSERT_TRUE(up);
  EXPECT_TRUE(up->data()->fctrl.adr && up->data()->fctrl.adr_ack_req && up->data()->fctrl.ack &&
              up->data()->fctrl.class_b);
  EXPECT_FALSE(up->data()->fctrl.f_pending);
  EXPECT_EQ(up->data()->fcnt, 1);
  auto down = parse_phy_payload(hexb("6004030201f0010001020304"));
  ASSERT_TRUE(down);
  EXPECT_TRUE(down->data()->fctrl.f_pending && down->data()->fctrl.rfu);
  EXPECT_FALSE(down->data()->fctrl.class_b || down->data()->fctrl.adr_ack_req);
}

TEST(PhyPayload, BuildRejectsWhatCannotBeEncoded) {
  PhyPayload f;
  f.mtype = MType::UnconfirmedDataUp;
  DataFrame d;
  d.fopts = Bytes(16, 0);
  f.body = d;
  EXPECT_EQ(build_phy_payload(f).error().code, ParseErrc::FOptsOverflow);
  d.fopts = Bytes(1, 0);
  d.fport = 0;
  f.body = d;
  EXPECT_EQ(build_phy_payload(f).error().code, ParseErrc::FOptsWithPortZero);
  d.fopts.clear();
  d.fport.reset();
  d.frm_payload = Bytes(1, 0);
  f.body = d;
  EXPECT_EQ(build_phy_payload(f).error().code, ParseErrc::BadLength);
  d.fport = 1;
  d.frm_payload = Bytes(243, 0);  // 1 + 7 + 1 + 243 + 4 = 256
  f.body = d;
  EXPECT_EQ(build_phy_payload(f).error().code, ParseErrc::TooLong);
  f.mtype = MType::JoinRequest;  // body of another kind
  EXPECT_EQ(build_phy_payload(f).error().code, ParseErrc::BadLength);
  f.mtype = MType::RejoinRequest;
  f.body = RejoinRequest{3, {}, {}, {}, 0};
  EXPECT_EQ(build_phy_payload(f).error().code, ParseErrc::BadRejoinType);
  f.mtype = MType::JoinAccept;
  f.body = JoinAcceptEncrypted{Bytes(15, 0)};
  EXPECT_EQ(build_phy_payload(f).error().code, ParseErrc::BadLength);
}

// build -> parse over random frames of every MType.
TEST(PhyPayload, RandomRoundTripEveryMType) {
  Rng rng;
  for (int i = 0; i < 2000; ++i) {
    PhyPayload f;
    f.mtype = static_cast<MType>(i % 8);
    f.mic = Mic{rng.u8(), rng.u8(), rng.u8(), rng.u8()};
    f.rfu = static_cast<std::uint8_t>(rng.below(8));
    switch (f.mtype) {
      case MType::JoinRequest:
        f.body = JoinRequest{JoinEui{rng.u64()}, DevEui{rng.u64()}, rng.u16()};
        break;
      case MType::JoinAccept: {
        Bytes enc = rng.bytes(rng.coin() ? 16 : 32);
        std::copy(enc.end() - 4, enc.end(), f.mic.begin());
        f.body = JoinAcceptEncrypted{enc};
        break;
      }
      case MType::RejoinRequest: {
        RejoinRequest r;
        r.type = static_cast<std::uint8_t>(rng.below(3));
        if (r.type == 1)
          r.join_eui = JoinEui{rng.u64()};
        else
          r.net_id = NetId{rng.u32() & 0xFFFFFF};
        r.dev_eui = DevEui{rng.u64()};
        r.rj_count = rng.u16();
        f.body = r;
        break;
      }
      case MType::Proprietary:
        f.body = Proprietary{rng.bytes(rng.below(40))};
        break;
      default: {
        DataFrame d;
        d.dev_addr = DevAddr{rng.u32()};
        d.fctrl.adr = rng.coin();
        d.fctrl.ack = rng.coin();
        if (is_uplink(f.mtype)) {
          d.fctrl.adr_ack_req = rng.coin();
          d.fctrl.class_b = rng.coin();
        } else {
          d.fctrl.f_pending = rng.coin();
          d.fctrl.rfu = rng.coin();
        }
        d.fcnt = rng.u16();
        if (rng.coin()) {
          d.fport = rng.u8();
          d.frm_payload = rng.bytes(rng.below(60));
        }
        if (!d.fport || *d.fport != 0) d.fopts = rng.bytes(rng.below(16));
        f.body = d;
      }
    }
    auto bytes = build_phy_payload(f);
    ASSERT_TRUE(bytes) << bytes.error().message;
    auto back = parse_phy_payload(*bytes);
    ASSERT_TRUE(back) << back.error().message << " " << to_hex(*bytes);
    EXPECT_EQ(*back, f) << to_string(f.mtype) << " " << to_hex(*bytes);
  }
}

// A device and a network server agree: build a data frame, encrypt, MIC, parse, verify, decrypt.
TEST(PhyPayload, RandomDataFramesVerifyIn10And11) {
  Rng rng;
  for (int i = 0; i < 400; ++i) {
    const bool v11 = i % 2 == 1;
    const bool up = (i / 2) % 2 == 0;
    const AesKey fkey = rng.key(), skey = v11 ? rng.key() : fkey, app = rng.key();
    const std::uint32_t fcnt32 = rng.u32();
    const std::uint16_t conf = rng.u16();
    const std::uint8_t dr = static_cast<std::uint8_t>(rng.below(16));
    const std::uint8_t ch = static_cast<std::uint8_t>(rng.below(72));
    PhyPayload f;
    f.mtype = up ? (rng.coin() ? MType::ConfirmedDataUp : MType::UnconfirmedDataUp)
                 : (rng.coin() ? MType::ConfirmedDataDown : MType::UnconfirmedDataDown);
    DataFrame d;
    d.dev_addr = DevAddr{rng.u32()};
    d.fctrl.ack = rng.coin();
    d.fcnt = static_cast<std::uint16_t>(fcnt32);
    d.fport = static_cast<std::uint8_t>(1 + rng.below(223));
    const Bytes plain = rng.bytes(rng.below(50));
    d.frm_payload = crypt_frm_payload(app, up ? Direction::Uplink : Direction::Downlink, d.dev_addr,
                                      fcnt32, plain);
    f.body = d;
    auto bytes = build_phy_payload(f).value();
    Cmac fc(fkey), sc(skey);
    auto msg = mic_message(bytes);
    Mic mic = up ? (v11 ? data_uplink_mic_1_1(fc, sc, d.dev_addr, fcnt32, conf, dr, ch, msg)
                        : data_uplink_mic_1_0(fc, d.dev_addr, fcnt32, msg))
                 : (v11 ? data_downlink_mic_1_1(sc, d.dev_addr, fcnt32, conf, msg)
                        : data_downlink_mic_1_0(fc, d.dev_addr, fcnt32, msg));
    set_mic(bytes, mic);

    auto parsed = parse_phy_payload(bytes);
    ASSERT_TRUE(parsed);
    const DataFrame& p = *parsed->data();
    // The receiver only knows the 16 bits plus the high half it tracks.
    const std::uint32_t rebuilt = (fcnt32 & 0xFFFF0000u) | p.fcnt;
    auto m2 = mic_message(bytes);
    Mic expect = up ? (v11 ? combine_mic_1_1(
                                 data_uplink_mic_1_1_s(sc, p.dev_addr, rebuilt, conf, dr, ch, m2),
                                 data_uplink_mic_1_1_f(fc, p.dev_addr, rebuilt, m2))
                           : data_uplink_mic_1_0(fc, p.dev_addr, rebuilt, m2))
                    : (v11 ? data_downlink_mic_1_1(sc, p.dev_addr, rebuilt, conf, m2)
                           : data_downlink_mic_1_0(fc, p.dev_addr, rebuilt, m2));
    EXPECT_EQ(parsed->mic, expect);
    // A wrong 32-bit counter, a wrong channel or a wrong key does not verify.
    if (up) {
      EXPECT_NE(v11 ? data_uplink_mic_1_1(fc, sc, p.dev_addr, rebuilt + 0x10000, conf, dr, ch, m2)
                    : data_uplink_mic_1_0(fc, p.dev_addr, rebuilt + 0x10000, m2),
                parsed->mic);
      if (v11) {
        EXPECT_NE(data_uplink_mic_1_1(fc, sc, p.dev_addr, rebuilt, conf, dr,
                                      static_cast<std::uint8_t>(ch + 1), m2),
                  parsed->mic);
      }
    }
    EXPECT_NE(data_uplink_mic_1_0(Cmac(rng.key()), p.dev_addr, rebuilt, m2), parsed->mic);
    EXPECT_EQ(crypt_frm_payload(app, up ? Direction::Uplink : Direction::Downlink, p.dev_addr,
                                rebuilt, p.frm_payload),
              plain);
  }
}

TEST(PhyPayload, JoinRoundTrip10And11) {
  Rng rng;
  for (int i = 0; i < 100; ++i) {
    const bool v11 = i % 2 == 1;
    const AesKey nwk_key = rng.key(), app_key = rng.key();
    const DevEui dev{rng.u64()};
    const JoinEui join{rng.u64()};
    const std::uint16_t dev_nonce = rng.u16();
    // Join request: device side builds, network side verifies.
    PhyPayload jr;
    jr.mtype = MType::JoinRequest;
    jr.body = JoinRequest{join, dev, dev_nonce};
    auto jr_bytes = build_phy_payload(jr).value();
    Cmac nk(nwk_key);
    set_mic(jr_bytes, join_request_mic(nk, mic_message(jr_bytes)));
    auto jr_parsed = parse_phy_payload(jr_bytes);
    ASSERT_TRUE(jr_parsed);
    EXPECT_EQ(jr_parsed->mic, join_request_mic(nk, mic_message(jr_bytes)));
    EXPECT_EQ(jr_parsed->join_request()->dev_nonce, dev_nonce);

    // Join accept: network builds, device decrypts and verifies.
    JoinAccept ja;
    ja.join_nonce = rng.u32() & 0xFFFFFF;
    ja.net_id = NetId{rng.u32() & 0xFFFFFF};
    ja.dev_addr = DevAddr{rng.u32()};
    ja.dl_settings = static_cast<std::uint8_t>((v11 ? 0x80 : 0) | (rng.u8() & 0x7F));
    ja.rx_delay = static_cast<std::uint8_t>(rng.below(16));
    if (rng.coin()) {
      std::array<std::uint8_t, 16> cf;
      for (auto& x : cf) x = rng.u8();
      ja.cf_list = cf;
    }
    JoinAcceptBuildKeys keys;
    keys.enc_key = v11 ? nwk_key : app_key;
    keys.nwk_key = v11 ? nwk_key : app_key;
    keys.js_int_key = derive_js_int_key(nwk_key, dev);
    keys.join_eui = join;
    keys.dev_nonce = dev_nonce;
    auto on_air = build_join_accept(ja, keys);
    auto frame = parse_phy_payload(on_air);
    ASSERT_TRUE(frame);
    ASSERT_NE(frame->join_accept(), nullptr);
    auto dec = decrypt_join_accept(keys.enc_key, on_air);
    ASSERT_TRUE(dec) << dec.error().message;
    EXPECT_EQ(dec->fields, ja);
    auto msg = mic_message(dec->plaintext);
    EXPECT_EQ(dec->mic,
              v11 ? join_accept_mic_1_1(keys.js_int_key, kJoinReqTypeJoin, join, dev_nonce, msg)
                  : join_accept_mic_1_0(keys.nwk_key, msg));
    // Both sides derive the same keys, and the keys differ per version as they should.
    auto sk = v11 ? derive_session_keys_1_1(nwk_key, app_key, ja.join_nonce, join, dev_nonce)
                  : derive_session_keys_1_0(app_key, ja.join_nonce, ja.net_id, dev_nonce);
    if (v11) {
      EXPECT_NE(sk.f_nwk_s_int_key, sk.s_nwk_s_int_key);
    } else {
      EXPECT_EQ(sk.f_nwk_s_int_key, sk.s_nwk_s_int_key);
    }
    EXPECT_NE(sk.app_s_key, sk.f_nwk_s_int_key);
  }
}

TEST(PhyPayload, RejoinRoundTripWithMic) {
  Rng rng;
  for (std::uint8_t type = 0; type <= 2; ++type) {
    PhyPayload f;
    f.mtype = MType::RejoinRequest;
    f.body = RejoinRequest{type, NetId{type == 1 ? 0u : 0x123456u},
                           JoinEui{type == 1 ? rng.u64() : 0}, DevEui{rng.u64()}, rng.u16()};
    auto b = build_phy_payload(f).value();
    Cmac k(rng.key());
    set_mic(b, rejoin_request_mic(k, mic_message(b)));
    auto p = parse_phy_payload(b);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->mic, rejoin_request_mic(k, mic_message(b)));
    EXPECT_EQ(*p->rejoin_request(), std::get<RejoinRequest>(f.body));
  }
}

TEST(JoinAcceptCodec, RejectsBadShapes) {
  AesKey k{};
  EXPECT_EQ(decrypt_join_accept(k, Bytes{}).error().code, ParseErrc::Empty);
  EXPECT_EQ(decrypt_join_accept(k, Bytes(16, 0x20)).error().code, ParseErrc::TooShort);
  EXPECT_EQ(decrypt_join_accept(k, Bytes(18, 0x20)).error().code, ParseErrc::BadLength);
  Bytes not_ja(17, 0x40);
  auto r = decrypt_join_accept(k, not_ja);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("not a join accept"), std::string::npos);
  Bytes major(17, 0x21);
  EXPECT_EQ(decrypt_join_accept(k, major).error().code, ParseErrc::UnsupportedMajor);
  EXPECT_FALSE(encrypt_join_accept(k, Bytes(20, 0x20)));
  EXPECT_FALSE(parse_join_accept_plaintext(Bytes(5, 0x20)));
}

TEST(PhyPayload, ErrorNames) {
  EXPECT_EQ(to_string(ParseErrc::FOptsOverflow), "fopts_overflow");
  EXPECT_EQ(to_string(MType::RejoinRequest), "RejoinRequest");
}
