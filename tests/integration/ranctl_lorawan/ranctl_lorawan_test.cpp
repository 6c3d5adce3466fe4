// ranctl lorawan decode|mic|join-accept as a real process, over the frames of vectors.json.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"
#include "ranbridge_test/support.hpp"

using namespace ranbridge::testing;
namespace lw = ranbridge::lorawan;
namespace json = boost::json;

namespace {

RunResult ranctl(std::vector<std::string> args) {
  args.insert(args.begin(), "lorawan");
  return run(bin_path("ranctl"), args);
}

std::vector<json::object> of_kind(std::string_view kind) {
  static const json::value doc = [] {
    std::ifstream in(vectors_path());
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
  }();
  std::vector<json::object> out;
  for (const auto& v : doc.at("vectors").as_array())
    if (v.at("kind").as_string() == kind) out.push_back(v.as_object());
  return out;
}

std::string s(const json::object& v, std::string_view k) {
  return std::string(v.at(k).as_string());
}
std::string n(const json::object& v, std::string_view k) {
  return std::to_string(json::value_to<std::uint64_t>(v.at(k)));
}
bool has(const std::string& out, const std::string& needle) {
  return out.find(needle) != std::string::npos;
}
// The last line of the output that starts with '{'.
json::object json_line(const std::string& out) {
  std::istringstream in(out);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') last = line;
  return json::parse(last).as_object();
}

}  // namespace

TEST(RanctlLorawan, UsageErrorsExitTwo) {
  EXPECT_EQ(ranctl({}).exit_code, 2);
  EXPECT_EQ(ranctl({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(ranctl({"decode"}).exit_code, 2);
  auto r = ranctl({"decode", "40zz"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.output, "hex")) << r.output;
  EXPECT_EQ(ranctl({"decode", "400102", "--bogus"}).exit_code, 2);
  EXPECT_EQ(ranctl({"mic", "40f17dbe4900020001954378762b11ff0d"}).exit_code, 2);  // no --key
  r = ranctl({"mic", "--key", "0011", "40f17dbe4900020001954378762b11ff0d"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(has(r.output, "32 hex digits")) << r.output;
  r = ranctl({"mic", "--key", "44024241ed4ce9a68c6a8bc055233fd3", "--fcnt32", "3",
              "40f17dbe4900020001954378762b11ff0d"});
  EXPECT_EQ(r.exit_code, 2);  // 3 does not end in the frame's FCnt 2
  EXPECT_TRUE(has(r.output, "does not end")) << r.output;
  EXPECT_EQ(ranctl({"mic", "--key", "44024241ed4ce9a68c6a8bc055233fd3", "--version", "2.0",
                    "40f17dbe4900020001954378762b11ff0d"})
                .exit_code,
            2);
  EXPECT_EQ(ranctl({"join-accept", "--key", "00112233445566778899aabbccddeeff",
                    "20493eeb51fba2116f810edb3742975142"})
                .exit_code,
            2);  // no --dev-nonce
  EXPECT_EQ(ranctl({"join-accept", "--key", "00112233445566778899aabbccddeeff", "--dev-nonce",
                    "70000", "20493eeb51fba2116f810edb3742975142"})
                .exit_code,
            2);  // DevNonce is 16 bits
  auto help = ranctl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(has(help.output, "join-accept"));
}

TEST(RanctlLorawan, DecodesEveryVectorFrame) {
  int count = 0;
  for (auto kind : {"data_uplink_mic_1_0", "data_downlink_mic_1_0", "data_uplink_mic_1_1",
                    "data_downlink_mic_1_1", "join_request_mic"}) {
    for (const auto& v : of_kind(kind)) {
      if (!v.contains("phy_payload")) continue;
      SCOPED_TRACE(s(v, "id"));
      auto bytes = *lw::parse_hex_bytes(s(v, "phy_payload"));
      auto frame = lw::parse_phy_payload(bytes);
      ASSERT_TRUE(frame);
      auto r = ranctl({"decode", s(v, "phy_payload"), "--json"});
      ASSERT_EQ(r.exit_code, 0) << r.output;
      auto o = json_line(r.output);
      EXPECT_EQ(o.at("mtype").as_string(), lw::to_string(frame->mtype));
      EXPECT_EQ(o.at("mic").as_string(), lw::to_hex(frame->mic));
      if (const auto* d = frame->data()) {
        EXPECT_EQ(o.at("dev_addr").as_string(), d->dev_addr.to_hex());
        EXPECT_EQ(o.at("fcnt").as_int64(), d->fcnt);
        EXPECT_EQ(o.at("frm_payload").as_string(), lw::to_hex(d->frm_payload));
      } else {
        EXPECT_EQ(o.at("dev_eui").as_string(), frame->join_request()->dev_eui.to_hex());
      }
      ++count;
    }
  }
  EXPECT_GT(count, 20);
  auto text = ranctl({"decode", "40f17dbe4900020001954378762b11ff0d"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_TRUE(has(text.output, "dev_addr: 49be7df1")) << text.output;
  EXPECT_TRUE(has(text.output, "fport: 1")) << text.output;
}

TEST(RanctlLorawan, MalformedFramesExitOne) {
  auto r = ranctl({"decode", std::string(44, '0')});  // 22-byte join request
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.output, "join request must be 23 bytes, got 22")) << r.output;
  r = ranctl({"decode", "4004030201030000aabb00000000"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.output, "fopts_overflow")) << r.output;
  r = ranctl({"mic", "--key", "44024241ed4ce9a68c6a8bc055233fd3", "e0aabbcc01020304"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.output, "proprietary")) << r.output;
}

TEST(RanctlLorawan, MicOfDataUplinks10) {
  int checked = 0;
  for (const auto& v : of_kind("data_uplink_mic_1_0")) {
    SCOPED_TRACE(s(v, "id"));
    const auto phy = s(v, "phy_payload");
    if (phy.substr(phy.size() - 8) != s(v, "expected_mic")) continue;  // MIC placeholder
    auto r = ranctl({"mic", "--key", s(v, "nwk_s_key"), "--fcnt32", n(v, "fcnt_full"), phy});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(has(r.output, "computed_mic: " + s(v, "expected_mic"))) << r.output;
    EXPECT_TRUE(has(r.output, "match: true")) << r.output;
    // Another key does not match.
    auto bad = ranctl(
        {"mic", "--key", "000102030405060708090a0b0c0d0e0f", "--fcnt32", n(v, "fcnt_full"), phy});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_TRUE(has(bad.output, "match: false")) << bad.output;
    ++checked;
  }
  EXPECT_GT(checked, 5);
}

TEST(RanctlLorawan, MicNeedsTheFullCounterAfterARollover) {
  for (const auto& v : of_kind("data_uplink_mic_1_0")) {
    if (!v.contains("mic_with_fcnt16_only_published")) continue;
    auto r = ranctl({"mic", "--key", s(v, "nwk_s_key"), s(v, "phy_payload"), "--json"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(json_line(r.output).at("computed_mic").as_string(),
              s(v, "mic_with_fcnt16_only_published"));
    EXPECT_TRUE(has(r.output, "--fcnt32")) << r.output;
    r = ranctl({"mic", "--key", s(v, "nwk_s_key"), s(v, "phy_payload"), "--fcnt32",
                "0x" + lw::to_hex(json::value_to<std::uint64_t>(v.at("fcnt_full")), 8)});
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
}

TEST(RanctlLorawan, MicOfDataUplinks11AndJoinRequests) {
  for (const auto& v : of_kind("data_uplink_mic_1_1")) {
    SCOPED_TRACE(s(v, "id"));
    const auto phy = s(v, "phy_payload");
    if (phy.substr(phy.size() - 8) != s(v, "expected_mic")) continue;
    auto r = ranctl({"mic", "--version", "1.1", "--key", s(v, "f_nwk_s_int_key"), "--s-key",
                     s(v, "s_nwk_s_int_key"), "--tx-dr", n(v, "tx_dr"), "--tx-ch", n(v, "tx_ch"),
                     "--conf-fcnt", n(v, "conf_fcnt_param"), "--fcnt32", n(v, "fcnt_full"), phy});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    // The wrong channel gives another MIC.
    auto wrong = ranctl({"mic", "--version", "1.1", "--key", s(v, "f_nwk_s_int_key"), "--s-key",
                         s(v, "s_nwk_s_int_key"), "--tx-dr", n(v, "tx_dr"), "--tx-ch", "9",
                         "--conf-fcnt", n(v, "conf_fcnt_param"), phy});
    EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  }
  for (const auto& v : of_kind("join_request_mic")) {
    if (!v.contains("phy_payload")) continue;
    SCOPED_TRACE(s(v, "id"));
    auto r = ranctl({"mic", "--key", s(v, "key"), s(v, "phy_payload")});
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
}

TEST(RanctlLorawan, JoinAcceptDecryptsVerifiesAndDerivesKeys) {
  int checked = 0;
  for (const auto& v : of_kind("join_accept")) {
    SCOPED_TRACE(s(v, "id"));
    const bool v11 = !v.at("join_req_type").is_null();
    std::vector<std::string> args = {"join-accept", "--key", s(v, "encryption_key"), "--json"};
    std::uint16_t dev_nonce = 0x1234;
    if (v11) {
      dev_nonce = static_cast<std::uint16_t>(json::value_to<std::uint64_t>(v.at("dev_nonce")));
      args.insert(args.end(), {"--version", "1.1", "--join-eui", s(v, "join_eui"), "--js-int-key",
                               s(v, "mic_key"), "--app-key", "000102030405060708090a0b0c0d0e0f"});
    }
    args.insert(args.end(),
                {"--dev-nonce", std::to_string(dev_nonce), s(v, "phy_payload_encrypted")});
    auto r = ranctl(args);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto o = json_line(r.output);
    EXPECT_EQ(o.at("plaintext").as_string(), s(v, "expected_plaintext"));
    EXPECT_TRUE(o.at("match").as_bool());
    // The keys printed are the ones the library derives from the decrypted fields.
    auto dec = lw::decrypt_join_accept(*lw::AesKey::from_hex(s(v, "encryption_key")),
                                       *lw::parse_hex_bytes(s(v, "phy_payload_encrypted")));
    ASSERT_TRUE(dec);
    if (v11) {
      auto sk = lw::derive_session_keys_1_1(
          *lw::AesKey::from_hex(s(v, "encryption_key")),
          *lw::AesKey::from_hex("000102030405060708090a0b0c0d0e0f"), dec->fields.join_nonce,
          *lw::JoinEui::from_hex(s(v, "join_eui")), dev_nonce);
      EXPECT_EQ(o.at("s_nwk_s_int_key").as_string(), sk.s_nwk_s_int_key.reveal_hex());
      EXPECT_EQ(o.at("app_s_key").as_string(), sk.app_s_key.reveal_hex());
    } else {
      auto sk = lw::derive_session_keys_1_0(*lw::AesKey::from_hex(s(v, "encryption_key")),
                                            dec->fields.join_nonce, dec->fields.net_id, dev_nonce);
      EXPECT_EQ(o.at("nwk_s_key").as_string(), sk.nwk_s_key().reveal_hex());
      EXPECT_EQ(o.at("app_s_key").as_string(), sk.app_s_key.reveal_hex());
    }
    ++checked;
  }
  EXPECT_GT(checked, 3);
}

TEST(RanctlLorawan, JoinAcceptFailures) {
  const auto v = of_kind("join_accept").front();
  // Wrong key: decrypts to garbage whose MIC does not match.
  auto r = ranctl({"join-accept", "--key", "ffffffffffffffffffffffffffffffff", "--dev-nonce", "1",
                   s(v, "phy_payload_encrypted")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.output, "match: false")) << r.output;
  // Wrong length.
  r = ranctl({"join-accept", "--key", s(v, "encryption_key"), "--dev-nonce", "1",
              s(v, "phy_payload_encrypted") + "00"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(has(r.output, "17 or 33 bytes")) << r.output;
  // 1.1 with OptNeg needs JoinEUI and DevEUI (or JSIntKey).
  for (const auto& ja : of_kind("join_accept")) {
    if (ja.at("join_req_type").is_null()) continue;
    r = ranctl({"join-accept", "--version", "1.1", "--key", s(ja, "encryption_key"), "--dev-nonce",
                "1", s(ja, "phy_payload_encrypted")});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(has(r.output, "--join-eui")) << r.output;
  }
}
