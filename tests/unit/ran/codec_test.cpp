// Wire codec: round trips of every message and REST body, validation errors, hex edge cases.
#include "ranbridge/ran/codec.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace ran = ranbridge::ran;
namespace json = boost::json;
using ran::DevAddr;
using ran::DevEui;
using ran::JoinEui;

namespace {

constexpr std::uint64_t kMaxU64 = 18446744073709551615ull;

ran::Upstream sample_upstream() {
  ran::Upstream u;
  u.transaction_id = 4;
  u.dev_euis = {DevEui{8844537008791951183ull}, DevEui{kMaxU64}};
  u.radio.frequency = 868100000;
  u.radio.modulation = ran::LoRa{12, 125000};
  u.radio.rssi = -52.0;
  u.radio.snr = -3.5;
  u.phy_payload_no_mic = {64, 184, 174, 199, 114, 128, 1, 0, 1, 69, 180, 115, 127};
  u.mic_challenge = {1308830714, 114830713, 170883, 4294967295u};
  u.gps = ran::Gps{51.5, -0.11, 35.0};
  return u;
}

ran::TxWindow sample_window() {
  ran::TxWindow w;
  w.radio.frequency = 868100000;
  w.radio.modulation = ran::LoRa{7, 125000};
  w.timing = ran::Delay{1};
  return w;
}

// Reparses text as JSON so that tests compare structure, not formatting.
json::object obj(const std::string& text) {
  return json::parse(text).as_object();
}

}  // namespace

// ---- stream round trips ----

TEST(RanCodec, UpstreamRoundTripKeepsExactUint64) {
  auto u = sample_upstream();
  const std::string text = ran::encode(u);
  EXPECT_NE(text.find("18446744073709551615"), std::string::npos) << text;
  EXPECT_NE(text.find("\"ProtocolVersion\":1"), std::string::npos);
  auto back = ran::decode_upstream(text);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, u);
}

TEST(RanCodec, UpstreamContractExampleDecodes) {
  const char* text = R"({"ProtocolVersion":1,"TransactionID":4,"Outdated":false,
 "DevEUIs":[8844537008791951183],
 "Radio":{"Frequency":868100000,"LoRa":{"Spreading":12,"Bandwidth":125000},"RSSI":-52.0,"SNR":-3.0},
 "PHYPayloadNoMIC":[64,184,174,199,114,128,1,0,1,69,180,115,127],
 "MICChallenge":[1308830714,114830713,170883],
 "GPS":{"Lat":51.5,"Lng":-0.11,"Alt":35.0}, "SomethingNew": {"x": 1}})";
  auto u = ran::decode_upstream(text);
  ASSERT_TRUE(u.ok()) << u.error().reason;
  EXPECT_EQ(u->transaction_id, 4u);
  ASSERT_EQ(u->dev_euis.size(), 1u);
  EXPECT_EQ(u->dev_euis[0].to_hex(), "7abe1b8c93d7174f");
  EXPECT_EQ(std::get<ran::LoRa>(u->radio.modulation).spreading, 12u);
  EXPECT_EQ(u->mic_challenge.size(), 3u);
  ASSERT_TRUE(u->gps && u->gps->alt);
  EXPECT_DOUBLE_EQ(*u->gps->alt, 35.0);
}

TEST(RanCodec, UpstreamWithoutOptionalsOmitsThem) {
  auto u = sample_upstream();
  u.gps.reset();
  u.radio.rssi.reset();
  u.radio.snr.reset();
  auto o = obj(ran::encode(u));
  EXPECT_FALSE(o.contains("GPS"));
  EXPECT_FALSE(o["Radio"].as_object().contains("RSSI"));
  EXPECT_FALSE(o["Radio"].as_object().contains("SNR"));
  auto back = ran::decode_upstream(ran::encode(u));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, u);
}

TEST(RanCodec, UpstreamOutdatedAbsentMeansFalse) {
  auto o = obj(ran::encode(sample_upstream()));
  o.erase("Outdated");
  auto u = ran::decode_upstream(json::serialize(o));
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->outdated);
  o["Outdated"] = true;
  u = ran::decode_upstream(json::serialize(o));
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->outdated);
}

TEST(RanCodec, FskAndFhssRadiosRoundTrip) {
  auto u = sample_upstream();
  u.radio.modulation = ran::Fsk{25000, 50000};
  auto back = ran::decode_upstream(ran::encode(u));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, u);
  u.radio.modulation = ran::Fhss{137000, "1/3"};
  const auto text = ran::encode(u);
  EXPECT_NE(text.find("\"OCW\":137000"), std::string::npos) << text;
  back = ran::decode_upstream(text);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, u);
}

TEST(RanCodec, FhssOcwSpelledLikeTheReferenceClientIsAccepted) {
  auto o = obj(ran::encode(sample_upstream()));
  o["Radio"].as_object().erase("LoRa");
  o["Radio"].as_object()["FHSS"] = json::object{{"Ocw", 1523}, {"CodingRate", "2/3"}};
  auto u = ran::decode_upstream(json::serialize(o));
  ASSERT_TRUE(u.ok()) << u.error().reason;
  EXPECT_EQ(std::get<ran::Fhss>(u->radio.modulation), (ran::Fhss{1523, "2/3"}));
}

TEST(RanCodec, UpstreamAckAndRejectRoundTrip) {
  ran::UpstreamAck ack{4, DevEui{kMaxU64}, 4294967295u};
  auto a = ran::decode_upstream_answer(ran::encode(ack));
  ASSERT_TRUE(a.ok()) << a.error().reason;
  EXPECT_EQ(std::get<ran::UpstreamAck>(*a), ack);

  ran::UpstreamReject rej{5, ran::RejectCode::MicFailed, "no key"};
  auto r = ran::decode_upstream_answer(ran::encode(rej));
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(std::get<ran::UpstreamReject>(*r), rej);

  ran::UpstreamReject other{6, ran::RejectCode::Other, std::nullopt};
  const auto text = ran::encode(other);
  EXPECT_EQ(text.find("ResultMessage"), std::string::npos);
  EXPECT_NE(text.find("\"ResultCode\":\"Other\""), std::string::npos);
  r = ran::decode_upstream_answer(text);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<ran::UpstreamReject>(*r), other);
}

TEST(RanCodec, DownstreamRoundTripEveryTiming) {
  ran::Downstream d;
  d.transaction_id = 77;
  d.dev_eui = DevEui{0x0004a30b001c0530ull};
  d.target_dev_addr = DevAddr{5};
  d.tx_window = sample_window();
  d.phy_payload = {32, 1, 2};
  for (ran::TxTiming t :
       {ran::TxTiming{ran::Delay{15}}, ran::TxTiming{ran::Tmms{{1448085220500, 1448085221500}}},
        ran::TxTiming{ran::Deadline{1760000000}}}) {
    d.tx_window.timing = t;
    const auto text = ran::encode(d);
    auto back = ran::decode_downstream_request(text);
    ASSERT_TRUE(back.ok()) << back.error().reason << " " << text;
    EXPECT_EQ(std::get<ran::Downstream>(*back), d);
  }
  d.target_dev_addr.reset();
  auto o = obj(ran::encode(d));
  EXPECT_FALSE(o.contains("TargetDevAddr"));
  EXPECT_FALSE(o["TxWindow"].as_object()["Radio"].as_object().contains("RSSI"));
}

TEST(RanCodec, TmmsIsAnArrayOfGpsMilliseconds) {
  ran::Downstream d{77, DevEui{1}, std::nullopt, sample_window(), {1}};
  d.tx_window.timing = ran::Tmms{{1448085220500}};
  EXPECT_EQ(json::serialize(obj(ran::encode(d))["TxWindow"].as_object()["TMMS"]),
            "[1448085220500]");
  // Exact beyond 2^53 (a double would round it).
  d.tx_window.timing = ran::Tmms{{18446744073709551615ull}};
  EXPECT_EQ(json::serialize(obj(ran::encode(d))["TxWindow"].as_object()["TMMS"]),
            "[18446744073709551615]");
  auto back = ran::decode_downstream_request(ran::encode(d));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<ran::Downstream>(*back), d);
}

TEST(RanCodec, MulticastDownstreamRoundTrip) {
  ran::MulticastDownstream m{78, DevAddr{0xffffffffu}, sample_window(), {1, 2, 3}};
  const auto text = ran::encode(m);
  EXPECT_NE(text.find("\"Addr\":4294967295"), std::string::npos);
  auto back = ran::decode_downstream_request(text);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(std::get<ran::MulticastDownstream>(*back), m);
}

TEST(RanCodec, DownstreamAckAndResultRoundTrip) {
  ran::DownstreamAck ack{77, 9};
  auto a = ran::decode_downstream_answer(ran::encode(ack));
  ASSERT_TRUE(a.ok()) << a.error().reason;
  EXPECT_EQ(std::get<ran::DownstreamAck>(*a), ack);
  for (auto code :
       {ran::ResultCode::Success, ran::ResultCode::WindowNotFound, ran::ResultCode::GatewayNotFound,
        ran::ResultCode::TooLate, ran::ResultCode::NoAck, ran::ResultCode::GatewayError}) {
    ran::DownstreamResult r{kMaxU64, code, "msg", 9};
    auto back = ran::decode_downstream_answer(ran::encode(r));
    ASSERT_TRUE(back.ok()) << back.error().reason;
    EXPECT_EQ(std::get<ran::DownstreamResult>(*back), r);
  }
}

TEST(RanCodec, DecodeAnyTellsMessagesApart) {
  EXPECT_EQ(ran::decode_any(ran::encode(sample_upstream()))->index(), 0u);
  EXPECT_EQ(ran::decode_any(ran::encode(ran::UpstreamAck{1, DevEui{1}, 2}))->index(), 1u);
  EXPECT_EQ(
      ran::decode_any(ran::encode(ran::UpstreamReject{1, ran::RejectCode::Other, {}}))->index(),
      2u);
  EXPECT_EQ(ran::decode_any(ran::encode(ran::Downstream{1, DevEui{1}, {}, sample_window(), {1}}))
                ->index(),
            3u);
  EXPECT_EQ(
      ran::decode_any(ran::encode(ran::MulticastDownstream{1, DevAddr{1}, sample_window(), {1}}))
          ->index(),
      4u);
  EXPECT_EQ(ran::decode_any(ran::encode(ran::DownstreamAck{1, 2}))->index(), 5u);
  EXPECT_EQ(ran::decode_any(ran::encode(ran::DownstreamResult{1, ran::ResultCode::TooLate, "", 2}))
                ->index(),
            6u);
  auto none = ran::decode_any(R"({"ProtocolVersion":1,"TransactionID":3})");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().transaction_id, 3u);
}

// ---- stream decode errors ----

namespace {
std::string upstream_with(const std::function<void(json::object&)>& edit) {
  auto o = obj(ran::encode(sample_upstream()));
  edit(o);
  return json::serialize(o);
}
void expect_upstream_error(const std::string& text, const std::string& field,
                           std::optional<std::uint64_t> tx = 4) {
  auto r = ran::decode_upstream(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.error().field, field) << r.error().reason;
  EXPECT_EQ(r.error().transaction_id, tx) << r.error().reason;
  EXPECT_FALSE(r.error().reason.empty());
}
}  // namespace

TEST(RanCodecErrors, NotJsonOrNotObject) {
  auto r = ran::decode_upstream("{not json");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().reason.find("invalid JSON"), std::string::npos);
  EXPECT_FALSE(r.error().transaction_id);
  EXPECT_FALSE(ran::decode_upstream("[1,2]").ok());
  EXPECT_FALSE(ran::decode_downstream_answer("").ok());
}

TEST(RanCodecErrors, TransactionIdMissingZeroNegativeOrFloat) {
  expect_upstream_error(upstream_with([](auto& o) { o.erase("TransactionID"); }), "TransactionID",
                        std::nullopt);
  expect_upstream_error(upstream_with([](auto& o) { o["TransactionID"] = 0; }), "TransactionID",
                        std::nullopt);
  expect_upstream_error(upstream_with([](auto& o) { o["TransactionID"] = -1; }), "TransactionID",
                        std::nullopt);
  expect_upstream_error(upstream_with([](auto& o) { o["TransactionID"] = 4.0; }), "TransactionID",
                        std::nullopt);
  // 2^64 overflows uint64: Boost.JSON makes it a double, which we refuse instead of rounding.
  auto text = ran::encode(sample_upstream());
  text.replace(text.find("\"TransactionID\":4"), 17, "\"TransactionID\":18446744073709551616");
  expect_upstream_error(text, "TransactionID", std::nullopt);
}

TEST(RanCodecErrors, WrongProtocolVersion) {
  expect_upstream_error(upstream_with([](auto& o) { o["ProtocolVersion"] = 2; }),
                        "ProtocolVersion");
}

TEST(RanCodecErrors, ChallengeSize) {
  expect_upstream_error(upstream_with([](auto& o) { o["MICChallenge"] = json::array{1}; }),
                        "MICChallenge");
  expect_upstream_error(upstream_with([](auto& o) {
                          json::array a;
                          for (int i = 0; i < 4097; ++i) a.emplace_back(i);
                          o["MICChallenge"] = a;
                        }),
                        "MICChallenge");
  expect_upstream_error(upstream_with([](auto& o) {
                          o["MICChallenge"] = json::array{1, 4294967296};
                        }),
                        "MICChallenge[1]");
  auto ok = ran::decode_upstream(upstream_with([](auto& o) {
    json::array a;
    for (int i = 0; i < 4096; ++i) a.emplace_back(i);
    o["MICChallenge"] = a;
  }));
  EXPECT_TRUE(ok.ok());
}

TEST(RanCodecErrors, SpreadingFactorRange) {
  for (int sf : {4, 13}) {
    expect_upstream_error(upstream_with([sf](auto& o) {
                            o["Radio"].as_object()["LoRa"].as_object()["Spreading"] = sf;
                          }),
                          "Radio.LoRa.Spreading");
  }
  for (int sf : {5, 12}) {
    auto r = ran::decode_upstream(upstream_with(
        [sf](auto& o) { o["Radio"].as_object()["LoRa"].as_object()["Spreading"] = sf; }));
    EXPECT_TRUE(r.ok()) << sf;
  }
}

TEST(RanCodecErrors, ExactlyOneModulation) {
  expect_upstream_error(upstream_with([](auto& o) { o["Radio"].as_object().erase("LoRa"); }),
                        "Radio");
  expect_upstream_error(
      upstream_with([](auto& o) {
        o["Radio"].as_object()["FSK"] = json::object{{"FrequencyDeviation", 1}, {"BitRate", 2}};
      }),
      "Radio");
}

TEST(RanCodecErrors, BadBytesAndEuis) {
  expect_upstream_error(upstream_with([](auto& o) {
                          o["PHYPayloadNoMIC"] = json::array{1, 256};
                        }),
                        "PHYPayloadNoMIC[1]");
  expect_upstream_error(upstream_with([](auto& o) { o["PHYPayloadNoMIC"] = "4041"; }),
                        "PHYPayloadNoMIC");
  expect_upstream_error(upstream_with([](auto& o) { o["PHYPayloadNoMIC"] = json::array{}; }),
                        "PHYPayloadNoMIC");
  expect_upstream_error(
      upstream_with([](auto& o) { o["DevEUIs"] = json::array{"7abe1b8c93d7174f"}; }), "DevEUIs[0]");
  expect_upstream_error(upstream_with([](auto& o) { o["DevEUIs"] = json::array{}; }), "DevEUIs");
  expect_upstream_error(upstream_with([](auto& o) { o["Outdated"] = "no"; }), "Outdated");
  expect_upstream_error(upstream_with([](auto& o) {
                          o["GPS"] = json::object{{"Lat", 1}};
                        }),
                        "GPS.Lng");
}

namespace {
std::string downstream_with(const std::function<void(json::object&)>& edit) {
  auto o = obj(ran::encode(ran::Downstream{77, DevEui{1}, DevAddr{5}, sample_window(), {1}}));
  edit(o);
  return json::serialize(o);
}
void expect_downstream_error(const std::string& text, const std::string& field) {
  auto r = ran::decode_downstream_request(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_EQ(r.error().field, field) << r.error().reason;
  EXPECT_EQ(r.error().transaction_id, 77u);
}
}  // namespace

TEST(RanCodecErrors, TxWindowTimingRangesAndExactlyOne) {
  auto set = [](const char* key, json::value v) {
    return downstream_with([&](auto& o) {
      auto& w = o["TxWindow"].as_object();
      w.erase("Delay");
      w[key] = v;
    });
  };
  expect_downstream_error(set("Delay", 0), "TxWindow.Delay");
  expect_downstream_error(set("Delay", 16), "TxWindow.Delay");
  expect_downstream_error(set("TMMS", json::array{}), "TxWindow.TMMS");
  expect_downstream_error(set("TMMS", json::array{1, 2, 3, 4, 5, 6, 7, 8, 9}), "TxWindow.TMMS");
  expect_downstream_error(set("TMMS", json::array{5, 0}), "TxWindow.TMMS[1]");
  expect_downstream_error(set("TMMS", json::array{1.5}), "TxWindow.TMMS[0]");
  expect_downstream_error(set("TMMS", json::array{-1}), "TxWindow.TMMS[0]");
  expect_downstream_error(set("TMMS", 1448085220500), "TxWindow.TMMS");  // not an array
  expect_downstream_error(set("Deadline", 0), "TxWindow.Deadline");
  expect_downstream_error(
      downstream_with([](auto& o) { o["TxWindow"].as_object()["TMMS"] = json::array{2}; }),
      "TxWindow");
  expect_downstream_error(
      downstream_with([](auto& o) { o["TxWindow"].as_object().erase("Delay"); }), "TxWindow");
  expect_downstream_error(
      downstream_with([](auto& o) { o["TxWindow"].as_object()["Radio"].as_object()["RSSI"] = -3; }),
      "TxWindow.Radio");
  EXPECT_TRUE(ran::decode_downstream_request(set("Delay", 15)).ok());
  EXPECT_TRUE(ran::decode_downstream_request(set("TMMS", json::array{1})).ok());
  EXPECT_TRUE(
      ran::decode_downstream_request(set("TMMS", json::array{1, 2, 3, 4, 5, 6, 7, 8})).ok());
}

TEST(RanCodecErrors, DownstreamAnswerErrors) {
  auto r = ran::decode_downstream_answer(
      R"({"ProtocolVersion":1,"TransactionID":7,"ResultCode":"Maybe"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "ResultCode");
  EXPECT_EQ(r.error().transaction_id, 7u);
  r = ran::decode_downstream_answer(R"({"ProtocolVersion":1,"TransactionID":7,"MailboxID":0})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "MailboxID");
  r = ran::decode_downstream_answer(R"({"ProtocolVersion":1,"TransactionID":7})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "MailboxID");
  auto rej = ran::decode_upstream_answer(R"({"TransactionID":7,"ResultCode":"Success"})");
  ASSERT_FALSE(rej.ok());
  EXPECT_EQ(rej.error().field, "ResultCode");
}

TEST(RanCodecValidation, EncoderSideChecks) {
  auto u = sample_upstream();
  u.transaction_id = 0;
  ASSERT_TRUE(ran::validate(u));
  EXPECT_EQ(ran::validate(u)->field, "TransactionID");
  EXPECT_FALSE(ran::validate(sample_upstream()));
  EXPECT_TRUE(ran::validate(ran::UpstreamAck{0, DevEui{1}, 1}));
  EXPECT_TRUE(ran::validate(ran::UpstreamReject{0, ran::RejectCode::Other, {}}));
  EXPECT_TRUE(ran::validate(ran::DownstreamAck{1, 0}));
  EXPECT_TRUE(ran::validate(ran::DownstreamResult{0, ran::ResultCode::Success, "", 1}));
  ran::Downstream d{1, DevEui{1}, {}, sample_window(), {}};
  EXPECT_EQ(ran::validate(d)->field, "PHYPayload");
  ran::MulticastDownstream m{1, DevAddr{1}, sample_window(), {1}};
  m.tx_window.radio.frequency = 0;
  EXPECT_EQ(ran::validate(m)->field, "TxWindow.Radio.Frequency");
  ran::Radio r;
  r.frequency = 1;
  r.modulation = ran::Fsk{1, 0};
  EXPECT_EQ(ran::validate(r, true)->field, "Radio.FSK.BitRate");
  r.modulation = ran::Fhss{1, ""};
  EXPECT_EQ(ran::validate(r, true)->field, "Radio.FHSS.CodingRate");
  r.modulation = ran::LoRa{7, 0};
  EXPECT_EQ(ran::validate(r, true)->field, "Radio.LoRa.Bandwidth");
}

// ---- REST ----

TEST(RanRest, DeviceWithExplicitNullsAndLeadingZeros) {
  ran::Device d;
  d.dev_eui = DevEui{0x0004a30b001c0530ull};
  d.join_eui = JoinEui{0};
  d.created_at = "2022-05-31T07:14:04.473749";
  auto o = obj(ran::encode(d));
  EXPECT_EQ(o.size(), 6u);
  EXPECT_EQ(o["DevEUI"].as_string(), "0004a30b001c0530");
  EXPECT_EQ(o["JoinEUI"].as_string(), "0000000000000000");
  EXPECT_TRUE(o["ActiveDevAddr"].is_null());
  EXPECT_TRUE(o["TargetDevAddr"].is_null());
  EXPECT_TRUE(o["Details"].is_null());
  auto back = ran::decode_device(ran::encode(d));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, d);
  d.active_dev_addr = DevAddr{0x00000001};
  d.target_dev_addr = DevAddr{0xffffffffu};
  d.details = R"({"a":1})";
  auto list = ran::decode_devices(ran::encode(std::vector<ran::Device>{d, d}));
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1], d);
  EXPECT_NE(ran::encode(d).find("\"ActiveDevAddr\":\"00000001\""), std::string::npos);
}

TEST(RanRest, HexAcceptedInAnyFormOnInput) {
  auto d = ran::decode_device(
      R"({"DevEUI":"0xFFFFFFFFFFFFFFFF","JoinEUI":"4A30B001C0530","ActiveDevAddr":"0X1",)"
      R"("TargetDevAddr":"ABCDEF01","Details":null,"CreatedAt":"x"})");
  ASSERT_TRUE(d.ok()) << d.error().reason;
  EXPECT_EQ(d->dev_eui.value, 18446744073709551615ull);
  EXPECT_EQ(d->join_eui->value, 0x0004a30b001c0530ull);
  EXPECT_EQ(d->active_dev_addr->value, 1u);
  EXPECT_EQ(d->target_dev_addr->value, 0xabcdef01u);
  auto bad = ran::decode_device(R"({"DevEUI":"1FFFFFFFFFFFFFFFF"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "DevEUI");
  bad = ran::decode_device(R"({"DevEUI":"00000000000000zz"})");
  ASSERT_FALSE(bad.ok());
  bad = ran::decode_device(R"({"DevEUI":"01","ActiveDevAddr":"100000000"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "ActiveDevAddr");
  auto badlist = ran::decode_devices(R"([{"DevEUI":"01"},{"DevEUI":5}])");
  ASSERT_FALSE(badlist.ok());
  EXPECT_EQ(badlist.error().field, "[1].DevEUI");
  EXPECT_FALSE(ran::decode_devices(R"({"DevEUI":"01"})").ok());
}

TEST(RanRest, InsertOtaaAbpAndDetails) {
  ran::InsertDeviceRequest otaa{DevEui{0x0004a30b001c0530ull}, JoinEui{1}, std::nullopt};
  EXPECT_EQ(ran::encode(otaa), R"({"DevEUI":"0004a30b001c0530","JoinEUI":"0000000000000001"})");
  ran::InsertDeviceRequest abp{DevEui{2}, DevAddr{0x26011f00}, R"({"k":"v"})"};
  for (const auto& r : {otaa, abp}) {
    auto back = ran::decode_insert_device(ran::encode(r));
    ASSERT_TRUE(back.ok()) << back.error().reason;
    EXPECT_EQ(*back, r);
  }
  auto both = ran::decode_insert_device(R"({"DevEUI":"01","JoinEUI":"01","DevAddr":"01"})");
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.error().field, "JoinEUI");
  EXPECT_FALSE(ran::decode_insert_device(R"({"DevEUI":"01"})").ok());
  auto missing = ran::decode_insert_device(R"({"JoinEUI":"01"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "DevEUI");
  EXPECT_FALSE(ran::decode_insert_device(R"({"DevEUI":"01","JoinEUI":"01","Details":5})").ok());
}

TEST(RanRest, UpdateNeedsAnAddressAndRefusesNull) {
  ran::UpdateDeviceRequest u{DevEui{1}, JoinEui{2}, DevAddr{3}, std::nullopt};
  EXPECT_EQ(
      ran::encode(u),
      R"({"DevEUI":"0000000000000001","JoinEUI":"0000000000000002","ActiveDevAddr":"00000003"})");
  auto back = ran::decode_update_device(ran::encode(u));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, u);
  u.target_dev_addr = DevAddr{4};
  EXPECT_EQ(*ran::decode_update_device(ran::encode(u)), u);
  auto none = ran::decode_update_device(R"({"DevEUI":"01","JoinEUI":"02"})");
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(ran::validate(ran::UpdateDeviceRequest{DevEui{1}, JoinEui{2}, {}, {}}));
  auto null = ran::decode_update_device(R"({"DevEUI":"01","JoinEUI":"02","TargetDevAddr":null})");
  ASSERT_FALSE(null.ok());
  EXPECT_EQ(null.error().field, "TargetDevAddr");
}

TEST(RanRest, DropAndSelectQuery) {
  ran::DropDevicesRequest drop{{DevEui{0x0004a30b001c0530ull}, DevEui{kMaxU64}}};
  EXPECT_EQ(ran::encode(drop), R"({"DevEUIs":["0004a30b001c0530","ffffffffffffffff"]})");
  EXPECT_EQ(*ran::decode_drop_devices(ran::encode(drop)), drop);
  EXPECT_FALSE(ran::decode_drop_devices(R"({"DevEUIs":"01"})").ok());

  ran::SelectDevicesQuery q{{DevEui{1}, DevEui{kMaxU64}}, 10, 100};
  EXPECT_EQ(ran::encode_query(q),
            "DevEUIs=0000000000000001&DevEUIs=ffffffffffffffff&offset=10&limit=100");
  auto back = ran::decode_select_query("?" + ran::encode_query(q));
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, q);
  EXPECT_EQ(ran::encode_query({}), "");
  EXPECT_EQ(*ran::decode_select_query(""), ran::SelectDevicesQuery{});
  auto upper = ran::decode_select_query("DevEUIs=0X0004A30B001C0530&other=1");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->dev_euis.at(0).value, 0x0004a30b001c0530ull);
  auto bad = ran::decode_select_query("limit=-1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "limit");
  EXPECT_EQ(ran::decode_select_query("DevEUIs=xyz").error().field, "DevEUIs");
}

TEST(RanRest, MulticastBodies) {
  ran::CreateGroupRequest c{"group one", DevAddr{0x00ab0001}};
  EXPECT_EQ(ran::encode(c), R"({"name":"group one","addr":"00ab0001"})");
  EXPECT_EQ(*ran::decode_create_group(ran::encode(c)), c);
  auto long_name =
      ran::decode_create_group(R"({"name":")" + std::string(256, 'x') + R"(","addr":"01"})");
  ASSERT_FALSE(long_name.ok());
  EXPECT_EQ(long_name.error().field, "name");

  ran::UpdateGroupRequest u{DevAddr{1}, "new", DevAddr{2}};
  EXPECT_EQ(ran::encode(u), R"({"addr":"00000001","update":{"name":"new","addr":"00000002"}})");
  EXPECT_EQ(*ran::decode_update_group(ran::encode(u)), u);
  ran::UpdateGroupRequest only_name{DevAddr{1}, "n", std::nullopt};
  EXPECT_EQ(*ran::decode_update_group(ran::encode(only_name)), only_name);
  auto empty = ran::decode_update_group(R"({"addr":"01","update":{}})");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().field, "update");

  ran::GroupAddrsRequest g{{DevAddr{1}, DevAddr{0xffffffffu}}};
  EXPECT_EQ(ran::encode(g), R"({"addrs":["00000001","ffffffff"]})");
  EXPECT_EQ(*ran::decode_group_addrs(ran::encode(g)), g);
  EXPECT_TRUE(ran::decode_group_addrs("{}")->addrs.empty());
  EXPECT_EQ(ran::decode_group_addrs(R"({"addrs":["zz"]})").error().field, "addrs[0]");

  ran::GroupDeviceRequest gd{DevAddr{1}, DevEui{0x0004a30b001c0530ull}};
  EXPECT_EQ(ran::encode(gd), R"({"addr":"00000001","dev_eui":"0004a30b001c0530"})");
  EXPECT_EQ(*ran::decode_group_device(ran::encode(gd)), gd);
  EXPECT_EQ(ran::decode_group_device(R"({"addr":"01"})").error().field, "dev_eui");

  ran::MulticastGroup grp{
      DevAddr{1}, "g", "2022-05-31T07:14:04.473749", {DevEui{1}, DevEui{kMaxU64}}};
  EXPECT_EQ(*ran::decode_group(ran::encode(grp)), grp);
  auto groups = ran::decode_groups(ran::encode(std::vector<ran::MulticastGroup>{grp}));
  ASSERT_TRUE(groups.ok());
  EXPECT_EQ(groups->at(0), grp);
  EXPECT_FALSE(ran::decode_groups(R"([{"addr":1}])").ok());
  // A bad element names its index, as for devices.
  auto badgroups = ran::decode_groups(R"([{"addr":"01"},{"addr":"zz"}])");
  ASSERT_FALSE(badgroups.ok());
  EXPECT_EQ(badgroups.error().field, "[1].addr");
  EXPECT_FALSE(ran::decode_groups(R"({"addr":"01"})").ok());
}

TEST(RanRest, SmallAnswers) {
  EXPECT_EQ(ran::encode_deleted(3), R"({"deleted":3})");
  EXPECT_EQ(*ran::decode_deleted(ran::encode_deleted(kMaxU64)), kMaxU64);
  EXPECT_FALSE(ran::decode_deleted(R"({"deleted":-1})").ok());
  EXPECT_FALSE(ran::decode_deleted("{}").ok());
  EXPECT_EQ(ran::encode_is_added(true), R"({"is_added":true})");
  EXPECT_TRUE(*ran::decode_is_added(ran::encode_is_added(true)));
  EXPECT_FALSE(*ran::decode_is_added(ran::encode_is_added(false)));
  EXPECT_FALSE(ran::decode_is_added(R"({"is_added":1})").ok());
  EXPECT_EQ(ran::encode_is_removed(false), R"({"is_removed":false})");
  EXPECT_FALSE(*ran::decode_is_removed(ran::encode_is_removed(false)));
  EXPECT_FALSE(ran::decode_is_removed(R"({"is_added":true})").ok());
}

TEST(RanRest, ErrorBodyEveryCode) {
  for (const char* code :
       {"Unknown", "Unauthorized", "ValidationFailed", "Device.AlreadyExists",
        "Device.LimitExhausted", "Device.NotFound", "MulticastGroup.AlreadyExists",
        "MulticastGroup.NotFound", "MulticastGroup.AlreadyContainsTheDevice"}) {
    ran::ErrorBody e{code, std::string("description of ") + code, {}};
    if (std::string(code) == "ValidationFailed")
      e.details = {{{"body", "DevEUI"}, "field required", "value_error.missing"}};
    auto back = ran::decode_error_body(ran::encode(e));
    ASSERT_TRUE(back.ok()) << back.error().reason;
    EXPECT_EQ(*back, e);
  }
}

TEST(RanRest, ErrorBodyVariants) {
  auto fastapi = ran::decode_error_body(
      R"({"detail":[{"loc":["query","limit",0],"msg":"bad","type":"type_error.integer"}]})");
  ASSERT_TRUE(fastapi.ok());
  EXPECT_EQ(fastapi->code, "ValidationFailed");
  EXPECT_EQ(fastapi->details.at(0).loc, (std::vector<std::string>{"query", "limit", "0"}));
  EXPECT_FALSE(ran::decode_error_body("Internal Server Error").ok());
  EXPECT_FALSE(ran::decode_error_body(R"({"detail":{"error_description":"x"}})").ok());
  EXPECT_FALSE(ran::decode_error_body(R"({"message":"x"})").ok());
  auto no_desc = ran::decode_error_body(R"({"detail":{"error_code":"Unknown"}})");
  ASSERT_TRUE(no_desc.ok());
  EXPECT_EQ(no_desc->description, "");
}

TEST(RanNames, CodesRoundTrip) {
  EXPECT_EQ(ran::reject_code_from_string("MICFailed"), ran::RejectCode::MicFailed);
  EXPECT_FALSE(ran::reject_code_from_string("micfailed"));
  EXPECT_EQ(ran::result_code_from_string("NoAck"), ran::ResultCode::NoAck);
  EXPECT_FALSE(ran::result_code_from_string("Unknown"));
}
