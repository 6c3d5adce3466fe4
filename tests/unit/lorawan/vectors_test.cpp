// Every vector of lorawan/vectors.json, read from the file (no copied expectations).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/fcnt.hpp"
#include "ranbridge/lorawan/frm_payload.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"
#include "ranbridge_test/support.hpp"

using namespace ranbridge::lorawan;
namespace json = boost::json;

namespace {

const json::array& all_vectors() {
  static const json::value doc = [] {
    std::ifstream in(ranbridge::testing::vectors_path());
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
  }();
  return doc.at("vectors").as_array();
}

std::vector<json::object> of_kind(std::string_view kind) {
  std::vector<json::object> out;
  for (const auto& v : all_vectors())
    if (v.at("kind").as_string() == kind) out.push_back(v.as_object());
  return out;
}

std::string str(const json::object& v, std::string_view key) {
  return std::string(v.at(key).as_string());
}
std::vector<std::uint8_t> bytes(const json::object& v, std::string_view key) {
  auto b = parse_hex_bytes(str(v, key));
  EXPECT_TRUE(b) << key;
  return b.value_or(std::vector<std::uint8_t>{});
}
AesKey key(const json::object& v, std::string_view name) {
  auto k = AesKey::from_hex(str(v, name));
  EXPECT_TRUE(k) << name;
  return k.value_or(AesKey{});
}
std::uint64_t num(const json::object& v, std::string_view key) {
  return json::value_to<std::uint64_t>(v.at(key));
}
std::string hex(std::span<const std::uint8_t> b) {
  return to_hex(b);
}
DevAddr addr(const json::object& v) {
  return *DevAddr::from_hex(str(v, "dev_addr"));
}

}  // namespace

TEST(Vectors, FileHasEveryKindThisTestKnows) {
  const std::set<std::string> known = {"aes_cmac_subkeys",
                                       "aes_cmac",
                                       "join_request_mic",
                                       "rejoin_request_mic",
                                       "data_uplink_mic_1_0",
                                       "data_downlink_mic_1_0",
                                       "data_uplink_mic_1_1",
                                       "data_downlink_mic_1_1",
                                       "join_accept",
                                       "join_accept_mic",
                                       "session_keys_1_0",
                                       "session_keys_1_1",
                                       "session_keys_1_1_optneg0",
                                       "js_keys_1_1",
                                       "frm_payload_encryption",
                                       "fopts_encryption_1_1",
                                       "fcnt_reconstruction"};
  ASSERT_FALSE(all_vectors().empty());
  for (const auto& v : all_vectors())
    EXPECT_TRUE(known.count(std::string(v.at("kind").as_string())))
        << "untested kind " << v.at("kind") << " in " << v.at("id");
}

TEST(Vectors, CmacSubkeys) {
  auto vs = of_kind("aes_cmac_subkeys");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    Cmac c(key(v, "key"));
    EXPECT_EQ(hex(aes128_encrypt(key(v, "key"), Block{})), str(v, "expected_aes_key_zero"));
    EXPECT_EQ(hex(c.k1()), str(v, "expected_k1"));
    EXPECT_EQ(hex(c.k2()), str(v, "expected_k2"));
  }
}

TEST(Vectors, Cmac) {
  auto vs = of_kind("aes_cmac");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    auto msg = bytes(v, "msg");
    EXPECT_EQ(hex(cmac(key(v, "key"), msg)), str(v, "expected_cmac"));
    // The prefix form must agree with the plain form whenever the message has a first block.
    if (msg.size() >= 16) {
      Block prefix;
      std::copy_n(msg.begin(), 16, prefix.begin());
      EXPECT_EQ(hex(Cmac(key(v, "key")).compute(prefix, std::span(msg).subspan(16))),
                str(v, "expected_cmac"));
    }
  }
}

TEST(Vectors, JoinRequestMic) {
  auto vs = of_kind("join_request_mic");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    Cmac k(key(v, "key"));
    EXPECT_EQ(hex(join_request_mic(k, bytes(v, "msg"))), str(v, "expected_mic"));
    if (v.contains("phy_payload")) {
      auto phy = bytes(v, "phy_payload");
      auto f = parse_phy_payload(phy);
      ASSERT_TRUE(f) << f.error().message;
      ASSERT_NE(f->join_request(), nullptr);
      EXPECT_EQ(hex(f->mic), str(v, "expected_mic"));
      if (v.contains("join_eui") && v.at("join_eui").is_string()) {
        EXPECT_EQ(f->join_request()->join_eui.to_hex(), str(v, "join_eui"));
        EXPECT_EQ(f->join_request()->dev_eui.to_hex(), str(v, "dev_eui"));
        EXPECT_EQ(f->join_request()->dev_nonce, num(v, "dev_nonce"));
      }
      EXPECT_EQ(hex(join_request_mic(k, mic_message(phy))), str(v, "expected_mic"));
      auto rebuilt = build_phy_payload(*f);
      ASSERT_TRUE(rebuilt);
      EXPECT_EQ(*rebuilt, phy);
    }
  }
}

TEST(Vectors, RejoinRequestMic) {
  auto vs = of_kind("rejoin_request_mic");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    auto msg = bytes(v, "msg");
    EXPECT_EQ(hex(rejoin_request_mic(Cmac(key(v, "key")), msg)), str(v, "expected_mic"));
    // The message plus its MIC is a well-formed rejoin request of the stated type.
    auto phy = msg;
    auto mic = parse_hex_bytes(str(v, "expected_mic")).value();
    phy.insert(phy.end(), mic.begin(), mic.end());
    auto f = parse_phy_payload(phy);
    ASSERT_TRUE(f) << f.error().message;
    ASSERT_NE(f->rejoin_request(), nullptr);
    EXPECT_EQ(f->rejoin_request()->type, num(v, "rejoin_type"));
    EXPECT_EQ(*build_phy_payload(*f), phy);
  }
}

TEST(Vectors, DataMic10) {
  for (std::string_view kind : {"data_uplink_mic_1_0", "data_downlink_mic_1_0"}) {
    auto vs = of_kind(kind);
    ASSERT_FALSE(vs.empty()) << kind;
    for (const auto& v : vs) {
      SCOPED_TRACE(str(v, "id"));
      Cmac k(key(v, "nwk_s_key"));
      auto phy = bytes(v, "phy_payload");
      auto msg = bytes(v, "msg");
      EXPECT_EQ(msg, std::vector<std::uint8_t>(mic_message(phy).begin(), mic_message(phy).end()));
      const auto fcnt = static_cast<std::uint32_t>(num(v, "fcnt_full"));
      const Direction dir = num(v, "dir") == 0 ? Direction::Uplink : Direction::Downlink;
      if (v.contains("b0_derived")) {
        EXPECT_EQ(hex(data_b0(dir, addr(v), fcnt, 0, msg.size())), str(v, "b0_derived"));
      }
      Mic mic = dir == Direction::Uplink ? data_uplink_mic_1_0(k, addr(v), fcnt, msg)
                                         : data_downlink_mic_1_0(k, addr(v), fcnt, msg);
      EXPECT_EQ(hex(mic), str(v, "expected_mic"));
      auto f = parse_phy_payload(phy);
      ASSERT_TRUE(f) << f.error().message;
      ASSERT_NE(f->data(), nullptr);
      EXPECT_EQ(f->data()->dev_addr, addr(v));
      EXPECT_EQ(f->data()->fcnt, num(v, "fcnt_on_air"));
      EXPECT_EQ(f->mic, mic_of(phy));
      // Some sources publish the message without its MIC; the file then carries a 00000000
      // placeholder (and may reuse uplink bytes for a downlink B0 check).
      const bool placeholder = hex(f->mic) == "00000000";
      if (!placeholder) {
        EXPECT_EQ(hex(f->mic), str(v, "expected_mic"));
        EXPECT_EQ(is_uplink(f->mtype), dir == Direction::Uplink);
      }
      EXPECT_EQ(*build_phy_payload(*f), phy);
      if (v.contains("mic_with_fcnt16_only_published")) {
        // The published wrong MIC: the same frame verified with only the 16 bits on air.
        EXPECT_EQ(hex(data_uplink_mic_1_0(k, addr(v), f->data()->fcnt, msg)),
                  str(v, "mic_with_fcnt16_only_published"));
      }
    }
  }
}

TEST(Vectors, DataUplinkMic11) {
  auto vs = of_kind("data_uplink_mic_1_1");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    Cmac f(key(v, "f_nwk_s_int_key")), s(key(v, "s_nwk_s_int_key"));
    auto phy = bytes(v, "phy_payload");
    auto msg = mic_message(phy);
    EXPECT_EQ(hex(msg), str(v, "msg"));
    const auto fcnt = static_cast<std::uint32_t>(num(v, "fcnt_full"));
    const auto conf = static_cast<std::uint16_t>(num(v, "conf_fcnt_param"));
    const auto dr = static_cast<std::uint8_t>(num(v, "tx_dr"));
    const auto ch = static_cast<std::uint8_t>(num(v, "tx_ch"));
    EXPECT_EQ(data_msg_ack(msg), v.at("ack").as_bool());
    EXPECT_EQ(hex(data_b1(addr(v), fcnt, static_cast<std::uint16_t>(num(v, "conf_fcnt_used")), dr,
                          ch, msg.size())),
              str(v, "b1_derived"));
    EXPECT_EQ(hex(data_uplink_mic_1_1(f, s, addr(v), fcnt, conf, dr, ch, msg)),
              str(v, "expected_mic"));
    EXPECT_EQ(hex(f.compute(data_b0(Direction::Uplink, addr(v), fcnt, 0, msg.size()), msg)),
              str(v, "cmacF_derived"));
    auto parsed = parse_phy_payload(phy);
    ASSERT_TRUE(parsed) << parsed.error().message;
    EXPECT_EQ(parsed->data()->fctrl.ack, v.at("ack").as_bool());
  }
}

TEST(Vectors, DataDownlinkMic11) {
  auto vs = of_kind("data_downlink_mic_1_1");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    Cmac s(key(v, "s_nwk_s_int_key"));
    auto phy = bytes(v, "phy_payload");
    auto msg = mic_message(phy);
    EXPECT_EQ(hex(msg), str(v, "msg"));
    const auto fcnt = static_cast<std::uint32_t>(num(v, "fcnt_full"));
    EXPECT_EQ(hex(data_downlink_mic_1_1(
                  s, addr(v), fcnt, static_cast<std::uint16_t>(num(v, "conf_fcnt_param")), msg)),
              str(v, "expected_mic"));
    EXPECT_EQ(hex(data_b0(Direction::Downlink, addr(v), fcnt,
                          static_cast<std::uint16_t>(num(v, "conf_fcnt_used")), msg.size())),
              str(v, "b0_derived"));
  }
}

TEST(Vectors, JoinAccept) {
  auto vs = of_kind("join_accept");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    auto enc = bytes(v, "phy_payload_encrypted");
    auto plain = bytes(v, "expected_plaintext");
    auto d = decrypt_join_accept(key(v, "encryption_key"), enc);
    ASSERT_TRUE(d) << d.error().message;
    EXPECT_EQ(hex(d->plaintext), hex(plain));
    EXPECT_EQ(hex(d->mic), str(v, "expected_mic"));
    // Encrypting the plaintext again gives the bytes on air.
    EXPECT_EQ(hex(*encrypt_join_accept(key(v, "encryption_key"), plain)), hex(enc));
    // The MIC recomputed from the parsed fields.
    auto msg = join_accept_message(d->fields);
    EXPECT_EQ(
        hex(msg),
        str(v, "mic_input_derived").substr(str(v, "mic_input_derived").size() - msg.size() * 2));
    Mic mic = v.at("join_req_type").is_null()
                  ? join_accept_mic_1_0(key(v, "mic_key"), msg)
                  : join_accept_mic_1_1(key(v, "mic_key"),
                                        static_cast<std::uint8_t>(num(v, "join_req_type")),
                                        *JoinEui::from_hex(str(v, "join_eui")),
                                        static_cast<std::uint16_t>(num(v, "dev_nonce")), msg);
    EXPECT_EQ(hex(mic), str(v, "expected_mic"));
    EXPECT_EQ(d->fields.opt_neg(), !v.at("join_req_type").is_null());
    // And the whole on-air frame rebuilt from the fields.
    JoinAcceptBuildKeys keys;
    keys.enc_key = key(v, "encryption_key");
    keys.nwk_key = keys.js_int_key = key(v, "mic_key");
    if (!v.at("join_req_type").is_null()) {
      keys.join_req_type = static_cast<std::uint8_t>(num(v, "join_req_type"));
      keys.join_eui = *JoinEui::from_hex(str(v, "join_eui"));
      keys.dev_nonce = static_cast<std::uint16_t>(num(v, "dev_nonce"));
    }
    EXPECT_EQ(hex(build_join_accept(d->fields, keys)), hex(enc));
  }
}

TEST(Vectors, JoinAcceptMic) {
  auto vs = of_kind("join_accept_mic");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    auto msg = bytes(v, "msg");
    Mic mic =
        v.at("join_req_type").is_null()
            ? join_accept_mic_1_0(key(v, "key"), msg)
            : join_accept_mic_1_1(key(v, "key"), static_cast<std::uint8_t>(num(v, "join_req_type")),
                                  *JoinEui::from_hex(str(v, "join_eui")),
                                  static_cast<std::uint16_t>(num(v, "dev_nonce")), msg);
    EXPECT_EQ(hex(mic), str(v, "expected_mic"));
  }
}

TEST(Vectors, SessionKeys10) {
  auto vs = of_kind("session_keys_1_0");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    auto k = derive_session_keys_1_0(
        key(v, "app_key"), static_cast<std::uint32_t>(num(v, "app_nonce")),
        *NetId::from_hex(str(v, "net_id")), static_cast<std::uint16_t>(num(v, "dev_nonce")));
    EXPECT_EQ(k.nwk_s_key().reveal_hex(), str(v, "expected_nwk_s_key"));
    EXPECT_EQ(k.s_nwk_s_int_key, k.f_nwk_s_int_key);
    EXPECT_EQ(k.nwk_s_enc_key, k.f_nwk_s_int_key);
    EXPECT_EQ(k.app_s_key.reveal_hex(), str(v, "expected_app_s_key"));
  }
}

TEST(Vectors, SessionKeys11) {
  auto vs = of_kind("session_keys_1_1");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    auto k = derive_session_keys_1_1(
        key(v, "nwk_key"), key(v, "app_key"), static_cast<std::uint32_t>(num(v, "join_nonce")),
        *JoinEui::from_hex(str(v, "join_eui")), static_cast<std::uint16_t>(num(v, "dev_nonce")));
    const auto& e = v.at("expected").as_object();
    EXPECT_EQ(k.app_s_key.reveal_hex(), str(e, "app_s_key"));
    EXPECT_EQ(k.f_nwk_s_int_key.reveal_hex(), str(e, "f_nwk_s_int_key"));
    EXPECT_EQ(k.s_nwk_s_int_key.reveal_hex(), str(e, "s_nwk_s_int_key"));
    EXPECT_EQ(k.nwk_s_enc_key.reveal_hex(), str(e, "nwk_s_enc_key"));
  }
}

TEST(Vectors, SessionKeys11OptNeg0) {
  auto vs = of_kind("session_keys_1_1_optneg0");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    auto k = derive_session_keys_1_1_optneg0(
        key(v, "nwk_key"), static_cast<std::uint32_t>(num(v, "join_nonce")),
        *NetId::from_hex(str(v, "net_id")), static_cast<std::uint16_t>(num(v, "dev_nonce")));
    EXPECT_EQ(k.f_nwk_s_int_key.reveal_hex(), str(v, "expected_f_nwk_s_int_key"));
    EXPECT_EQ(k.s_nwk_s_int_key, k.f_nwk_s_int_key);
    EXPECT_EQ(k.nwk_s_enc_key, k.f_nwk_s_int_key);
  }
}

TEST(Vectors, JoinServerKeys) {
  auto vs = of_kind("js_keys_1_1");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    auto dev = *DevEui::from_hex(str(v, "dev_eui"));
    EXPECT_EQ(derive_js_int_key(key(v, "nwk_key"), dev).reveal_hex(),
              str(v, "expected_js_int_key"));
    EXPECT_EQ(derive_js_enc_key(key(v, "nwk_key"), dev).reveal_hex(),
              str(v, "expected_js_enc_key"));
  }
}

TEST(Vectors, FrmPayloadEncryption) {
  auto vs = of_kind("frm_payload_encryption");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    const Direction dir = num(v, "dir") == 0 ? Direction::Uplink : Direction::Downlink;
    const auto fcnt = static_cast<std::uint32_t>(num(v, "fcnt_full"));
    EXPECT_EQ(hex(crypt_frm_payload(key(v, "key"), dir, addr(v), fcnt, bytes(v, "plaintext"))),
              str(v, "ciphertext"));
    EXPECT_EQ(hex(crypt_frm_payload(key(v, "key"), dir, addr(v), fcnt, bytes(v, "ciphertext"))),
              str(v, "plaintext"));
  }
}

TEST(Vectors, FOptsEncryption11) {
  auto vs = of_kind("fopts_encryption_1_1");
  ASSERT_FALSE(vs.empty());
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    const Direction dir = num(v, "dir") == 0 ? Direction::Uplink : Direction::Downlink;
    const auto fcnt = static_cast<std::uint32_t>(num(v, "fcnt_full"));
    const auto b4 = static_cast<std::uint8_t>(num(v, "a_byte4"));
    const auto b15 = static_cast<std::uint8_t>(num(v, "a_byte15"));
    auto data = bytes(v, "plaintext");
    crypt_fopts_raw(Aes128(key(v, "key")), dir, addr(v), fcnt, b4, b15, data);
    EXPECT_EQ(hex(data), str(v, "ciphertext"));
    // The amended variant is what crypt_fopts_1_1 implements: its vectors must match it.
    if (b15 == 1) {
      EXPECT_EQ(hex(crypt_fopts_1_1(key(v, "key"), static_cast<FOptsCounter>(b4), dir, addr(v),
                                    fcnt, bytes(v, "plaintext"))),
                str(v, "ciphertext"));
    }
  }
}

TEST(Vectors, FcntReconstruction) {
  auto vs = of_kind("fcnt_reconstruction");
  ASSERT_FALSE(vs.empty());
  int chirpstack = 0, strict = 0;
  for (const auto& v : vs) {
    SCOPED_TRACE(str(v, "id"));
    const auto f16 = static_cast<std::uint16_t>(num(v, "fcnt_on_air"));
    const std::string algorithm = str(v, "algorithm");
    if (v.contains("next_expected_fcnt")) {
      ++chirpstack;
      EXPECT_EQ(full_fcnt_from_next_expected(
                    static_cast<std::uint32_t>(num(v, "next_expected_fcnt")), f16),
                num(v, "expected_full_fcnt"));
    } else {
      ASSERT_NE(algorithm.find("16384"), std::string::npos) << "unknown algorithm " << algorithm;
      ++strict;
      std::optional<std::uint32_t> last;
      if (!v.at("last_seen_fcnt").is_null())
        last = static_cast<std::uint32_t>(num(v, "last_seen_fcnt"));
      auto r = reconstruct_fcnt(last, f16, FcntPolicy{16384, false});
      if (v.at("expected_full_fcnt").is_null()) {
        EXPECT_FALSE(r.accepted()) << "got " << r.fcnt;
      } else {
        EXPECT_TRUE(r.accepted()) << to_string(r.status);
        EXPECT_EQ(r.fcnt, num(v, "expected_full_fcnt"));
      }
    }
  }
  EXPECT_GT(chirpstack, 0);
  EXPECT_GT(strict, 0);
}
