// JSON <-> domain types for the RAN Routing API v1. See codec.hpp for the rules.
#include "ranbridge/ran/codec.hpp"

#include <charconv>
#include <limits>

#include <boost/json.hpp>
#include <boost/url/parse_query.hpp>

namespace ranbridge::ran {

namespace json = boost::json;

// Every getter returns Result<T>; TRY unwraps one or returns its error from the enclosing
// function (whose return type is some Result<U>, constructible from CodecError).
#define RAN_TRY(var, expr)                               \
  auto var##_result_ = (expr);                           \
  if (!var##_result_.ok()) return var##_result_.error(); \
  auto var = std::move(var##_result_).value()

namespace {

CodecError fail(const std::string& field, const std::string& what) {
  return CodecError{field.empty() ? what : field + ": " + what, field, std::nullopt};
}

std::string join(const std::string& prefix, std::string_view key) {
  return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
}

Result<json::value> parse_text(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return fail("", "invalid JSON: " + ec.message());
  return v;
}

Result<const json::object*> as_object(const json::value& v, const std::string& field) {
  if (!v.is_object()) return fail(field, "expected an object");
  return &v.get_object();
}

Result<json::object> parse_object(std::string_view text) {
  RAN_TRY(v, parse_text(text));
  if (!v.is_object()) return fail("", "expected a JSON object");
  return std::move(v.get_object());
}

// Present and not null.
const json::value* find(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return (v && !v->is_null()) ? v : nullptr;
}

Result<const json::value*> need(const json::object& o, std::string_view key,
                                const std::string& prefix) {
  const json::value* v = find(o, key);
  if (!v) return fail(join(prefix, key), "missing");
  return v;
}

// Exact integers only: Boost.JSON keeps integers in int64/uint64; a double means the text had
// a fraction or exponent (or overflowed uint64), which we refuse rather than round.
Result<std::uint64_t> get_u64(const json::value& v, const std::string& field) {
  if (v.is_uint64()) return v.get_uint64();
  if (v.is_int64()) {
    if (v.get_int64() < 0) return fail(field, "must not be negative");
    return static_cast<std::uint64_t>(v.get_int64());
  }
  if (v.is_double()) return fail(field, "expected an exact integer, got a floating-point number");
  return fail(field, "expected an integer");
}

Result<std::uint32_t> get_u32(const json::value& v, const std::string& field) {
  RAN_TRY(n, get_u64(v, field));
  if (n > std::numeric_limits<std::uint32_t>::max())
    return fail(field, std::to_string(n) + " does not fit in 32 bits");
  return static_cast<std::uint32_t>(n);
}

Result<double> get_double(const json::value& v, const std::string& field) {
  if (!v.is_number()) return fail(field, "expected a number");
  return v.to_number<double>();
}

Result<bool> get_bool(const json::value& v, const std::string& field) {
  if (!v.is_bool()) return fail(field, "expected true or false");
  return v.get_bool();
}

Result<std::string> get_string(const json::value& v, const std::string& field) {
  if (!v.is_string()) return fail(field, "expected a string");
  return std::string(v.get_string());
}

Result<std::vector<std::uint8_t>> get_bytes(const json::value& v, const std::string& field) {
  if (!v.is_array()) return fail(field, "expected an array of bytes");
  std::vector<std::uint8_t> out;
  out.reserve(v.get_array().size());
  std::size_t i = 0;
  for (const auto& e : v.get_array()) {
    const std::string f = field + "[" + std::to_string(i++) + "]";
    RAN_TRY(n, get_u64(e, f));
    if (n > 255) return fail(f, std::to_string(n) + " is not a byte (0..255)");
    out.push_back(static_cast<std::uint8_t>(n));
  }
  return out;
}

json::array bytes_json(const std::vector<std::uint8_t>& b) {
  json::array a;
  a.reserve(b.size());
  for (auto x : b) a.emplace_back(static_cast<std::uint64_t>(x));
  return a;
}

// REST hex: any case, optional 0x, with or without padding.
Result<DevEui> get_dev_eui_hex(const json::value& v, const std::string& field) {
  RAN_TRY(s, get_string(v, field));
  auto e = DevEui::from_hex(s);
  if (!e) return fail(field, "'" + s + "' is not a 64-bit hex EUI");
  return *e;
}
Result<JoinEui> get_join_eui_hex(const json::value& v, const std::string& field) {
  RAN_TRY(s, get_string(v, field));
  auto e = JoinEui::from_hex(s);
  if (!e) return fail(field, "'" + s + "' is not a 64-bit hex EUI");
  return *e;
}
Result<DevAddr> get_addr_hex(const json::value& v, const std::string& field) {
  RAN_TRY(s, get_string(v, field));
  auto a = DevAddr::from_hex(s);
  if (!a) return fail(field, "'" + s + "' is not a 32-bit hex address");
  return *a;
}

Result<int> check_version(const json::object& o) {
  // Absent is tolerated (older peers); any other version than 1 is not ours to guess.
  if (const auto* v = find(o, "ProtocolVersion")) {
    RAN_TRY(n, get_u64(*v, "ProtocolVersion"));
    if (n != 1) return fail("ProtocolVersion", "unsupported version " + std::to_string(n));
  }
  return 1;
}

// ---- radio ----

json::object radio_json(const Radio& r) {
  json::object o;
  o["Frequency"] = r.frequency;
  std::visit(
      [&](const auto& m) {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, LoRa>) {
          o["LoRa"] = json::object{{"Spreading", m.spreading}, {"Bandwidth", m.bandwidth}};
        } else if constexpr (std::is_same_v<M, Fsk>) {
          o["FSK"] =
              json::object{{"FrequencyDeviation", m.frequency_deviation}, {"BitRate", m.bit_rate}};
        } else {
          // "OCW" as the spec names it (the reference client's "Ocw" is a defect, §7).
          o["FHSS"] = json::object{{"OCW", m.ocw}, {"CodingRate", m.coding_rate}};
        }
      },
      r.modulation);
  if (r.rssi) o["RSSI"] = *r.rssi;
  if (r.snr) o["SNR"] = *r.snr;
  return o;
}

Result<Radio> radio_from(const json::value& v, const std::string& p) {
  RAN_TRY(o, as_object(v, p));
  Radio r;
  RAN_TRY(fv, need(*o, "Frequency", p));
  RAN_TRY(freq, get_u64(*fv, join(p, "Frequency")));
  r.frequency = freq;
  int count = 0;
  if (const auto* m = find(*o, "LoRa")) {
    ++count;
    const std::string mp = join(p, "LoRa");
    RAN_TRY(mo, as_object(*m, mp));
    RAN_TRY(sv, need(*mo, "Spreading", mp));
    RAN_TRY(sf, get_u32(*sv, join(mp, "Spreading")));
    RAN_TRY(bv, need(*mo, "Bandwidth", mp));
    RAN_TRY(bw, get_u32(*bv, join(mp, "Bandwidth")));
    r.modulation = LoRa{sf, bw};
  }
  if (const auto* m = find(*o, "FSK")) {
    ++count;
    const std::string mp = join(p, "FSK");
    RAN_TRY(mo, as_object(*m, mp));
    RAN_TRY(dv, need(*mo, "FrequencyDeviation", mp));
    RAN_TRY(dev, get_u32(*dv, join(mp, "FrequencyDeviation")));
    RAN_TRY(bv, need(*mo, "BitRate", mp));
    RAN_TRY(br, get_u32(*bv, join(mp, "BitRate")));
    r.modulation = Fsk{dev, br};
  }
  if (const auto* m = find(*o, "FHSS")) {
    ++count;
    const std::string mp = join(p, "FHSS");
    RAN_TRY(mo, as_object(*m, mp));
    const json::value* ocw_v = find(*mo, "OCW");
    if (!ocw_v) ocw_v = find(*mo, "Ocw");
    if (!ocw_v) return fail(join(mp, "OCW"), "missing");
    RAN_TRY(ocw, get_u32(*ocw_v, join(mp, "OCW")));
    RAN_TRY(cv, need(*mo, "CodingRate", mp));
    RAN_TRY(cr, get_string(*cv, join(mp, "CodingRate")));
    r.modulation = Fhss{ocw, cr};
  }
  if (count != 1)
    return fail(p, "exactly one of LoRa, FSK, FHSS is required, got " + std::to_string(count));
  if (const auto* x = find(*o, "RSSI")) {
    RAN_TRY(d, get_double(*x, join(p, "RSSI")));
    r.rssi = d;
  }
  if (const auto* x = find(*o, "SNR")) {
    RAN_TRY(d, get_double(*x, join(p, "SNR")));
    r.snr = d;
  }
  return r;
}

json::object tx_window_json(const TxWindow& w) {
  json::object o;
  o["Radio"] = radio_json(w.radio);
  std::visit(
      [&](const auto& t) {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, Delay>)
          o["Delay"] = t.seconds;
        else if constexpr (std::is_same_v<T, Tmms>)
          o["TMMS"] = json::array(t.gps_ms.begin(), t.gps_ms.end());
        else
          o["Deadline"] = t.unix_seconds;
      },
      w.timing);
  return o;
}

Result<TxWindow> tx_window_from(const json::value& v, const std::string& p) {
  RAN_TRY(o, as_object(v, p));
  TxWindow w;
  RAN_TRY(rv, need(*o, "Radio", p));
  RAN_TRY(radio, radio_from(*rv, join(p, "Radio")));
  w.radio = std::move(radio);
  int count = 0;
  if (const auto* x = find(*o, "Delay")) {
    ++count;
    RAN_TRY(n, get_u32(*x, join(p, "Delay")));
    w.timing = Delay{n};
  }
  const json::value* tm = find(*o, "TMMS");
  if (!tm) tm = find(*o, "Tmms");
  if (tm) {
    ++count;
    const std::string f = join(p, "TMMS");
    if (!tm->is_array()) return fail(f, "expected an array of GPS times in milliseconds");
    Tmms t;
    std::size_t i = 0;
    for (const auto& e : tm->get_array()) {
      RAN_TRY(n, get_u64(e, f + "[" + std::to_string(i++) + "]"));
      t.gps_ms.push_back(n);
    }
    w.timing = std::move(t);
  }
  if (const auto* x = find(*o, "Deadline")) {
    ++count;
    RAN_TRY(n, get_u64(*x, join(p, "Deadline")));
    w.timing = Deadline{n};
  }
  if (count != 1)
    return fail(p,
                "exactly one of Delay, TMMS, Deadline is required, got " + std::to_string(count));
  return w;
}

json::object header(TransactionId tx) {
  json::object o;
  o["ProtocolVersion"] = 1;
  o["TransactionID"] = tx;
  return o;
}

Result<TransactionId> read_tx(const json::object& o) {
  RAN_TRY(v, need(o, "TransactionID", ""));
  return get_u64(*v, "TransactionID");
}

// Runs a message decoder; on error, attaches the transaction id when it was readable so that
// the receiver can still answer (Reject Other / TxAck error) for that transaction.
template <class T, class F>
Result<T> with_tx(const json::object& o, F&& decode) {
  Result<T> r = decode(o);
  if (r.ok()) {
    if (auto e = validate(r.value())) {
      if (auto tx = read_tx(o); tx.ok() && tx.value() != 0) e->transaction_id = tx.value();
      return *std::move(e);
    }
    return r;
  }
  CodecError e = r.error();
  if (auto tx = read_tx(o); tx.ok() && tx.value() != 0) e.transaction_id = tx.value();
  return e;
}

Result<Upstream> upstream_from(const json::object& o) {
  RAN_TRY(ver, check_version(o));
  (void)ver;
  Upstream m;
  RAN_TRY(tx, read_tx(o));
  m.transaction_id = tx;
  if (const auto* v = find(o, "Outdated")) {
    RAN_TRY(b, get_bool(*v, "Outdated"));
    m.outdated = b;
  }
  RAN_TRY(ev, need(o, "DevEUIs", ""));
  if (!ev->is_array()) return fail("DevEUIs", "expected an array of integers");
  std::size_t i = 0;
  for (const auto& e : ev->get_array()) {
    RAN_TRY(n, get_u64(e, "DevEUIs[" + std::to_string(i++) + "]"));
    m.dev_euis.push_back(DevEui{n});
  }
  RAN_TRY(rv, need(o, "Radio", ""));
  RAN_TRY(radio, radio_from(*rv, "Radio"));
  m.radio = std::move(radio);
  RAN_TRY(pv, need(o, "PHYPayloadNoMIC", ""));
  RAN_TRY(payload, get_bytes(*pv, "PHYPayloadNoMIC"));
  m.phy_payload_no_mic = std::move(payload);
  RAN_TRY(cv, need(o, "MICChallenge", ""));
  if (!cv->is_array()) return fail("MICChallenge", "expected an array of integers");
  m.mic_challenge.reserve(cv->get_array().size());
  i = 0;
  for (const auto& e : cv->get_array()) {
    RAN_TRY(n, get_u32(e, "MICChallenge[" + std::to_string(i++) + "]"));
    m.mic_challenge.push_back(n);
  }
  if (const auto* gv = find(o, "GPS")) {
    RAN_TRY(go, as_object(*gv, "GPS"));
    Gps g;
    RAN_TRY(lat_v, need(*go, "Lat", "GPS"));
    RAN_TRY(lat, get_double(*lat_v, "GPS.Lat"));
    RAN_TRY(lng_v, need(*go, "Lng", "GPS"));
    RAN_TRY(lng, get_double(*lng_v, "GPS.Lng"));
    g.lat = lat;
    g.lng = lng;
    if (const auto* av = find(*go, "Alt")) {
      RAN_TRY(alt, get_double(*av, "GPS.Alt"));
      g.alt = alt;
    }
    m.gps = g;
  }
  return m;
}

Result<UpstreamAck> upstream_ack_from(const json::object& o) {
  RAN_TRY(ver, check_version(o));
  (void)ver;
  UpstreamAck m;
  RAN_TRY(tx, read_tx(o));
  m.transaction_id = tx;
  RAN_TRY(ev, need(o, "DevEUI", ""));
  RAN_TRY(eui, get_u64(*ev, "DevEUI"));
  m.dev_eui = DevEui{eui};
  RAN_TRY(mv, need(o, "MIC", ""));
  RAN_TRY(mic, get_u32(*mv, "MIC"));
  m.mic = mic;
  return m;
}

Result<UpstreamReject> upstream_reject_from(const json::object& o) {
  RAN_TRY(ver, check_version(o));
  (void)ver;
  UpstreamReject m;
  RAN_TRY(tx, read_tx(o));
  m.transaction_id = tx;
  RAN_TRY(cv, need(o, "ResultCode", ""));
  RAN_TRY(code, get_string(*cv, "ResultCode"));
  auto c = reject_code_from_string(code);
  if (!c) return fail("ResultCode", "'" + code + "' is not MICFailed or Other");
  m.code = *c;
  if (const auto* v = find(o, "ResultMessage")) {
    RAN_TRY(msg, get_string(*v, "ResultMessage"));
    m.message = std::move(msg);
  }
  return m;
}

Result<Downstream> downstream_from(const json::object& o) {
  RAN_TRY(ver, check_version(o));
  (void)ver;
  Downstream m;
  RAN_TRY(tx, read_tx(o));
  m.transaction_id = tx;
  RAN_TRY(ev, need(o, "DevEUI", ""));
  RAN_TRY(eui, get_u64(*ev, "DevEUI"));
  m.dev_eui = DevEui{eui};
  if (const auto* v = find(o, "TargetDevAddr")) {
    RAN_TRY(a, get_u32(*v, "TargetDevAddr"));
    m.target_dev_addr = DevAddr{a};
  }
  RAN_TRY(wv, need(o, "TxWindow", ""));
  RAN_TRY(w, tx_window_from(*wv, "TxWindow"));
  m.tx_window = std::move(w);
  RAN_TRY(pv, need(o, "PHYPayload", ""));
  RAN_TRY(payload, get_bytes(*pv, "PHYPayload"));
  m.phy_payload = std::move(payload);
  return m;
}

Result<MulticastDownstream> multicast_downstream_from(const json::object& o) {
  RAN_TRY(ver, check_version(o));
  (void)ver;
  MulticastDownstream m;
  RAN_TRY(tx, read_tx(o));
  m.transaction_id = tx;
  RAN_TRY(av, need(o, "Addr", ""));
  RAN_TRY(a, get_u32(*av, "Addr"));
  m.addr = DevAddr{a};
  RAN_TRY(wv, need(o, "TxWindow", ""));
  RAN_TRY(w, tx_window_from(*wv, "TxWindow"));
  m.tx_window = std::move(w);
  RAN_TRY(pv, need(o, "PHYPayload", ""));
  RAN_TRY(payload, get_bytes(*pv, "PHYPayload"));
  m.phy_payload = std::move(payload);
  return m;
}

Result<DownstreamAck> downstream_ack_from(const json::object& o) {
  RAN_TRY(ver, check_version(o));
  (void)ver;
  DownstreamAck m;
  RAN_TRY(tx, read_tx(o));
  m.transaction_id = tx;
  RAN_TRY(mv, need(o, "MailboxID", ""));
  RAN_TRY(mb, get_u64(*mv, "MailboxID"));
  m.mailbox_id = mb;
  return m;
}

Result<DownstreamResult> downstream_result_from(const json::object& o) {
  RAN_TRY(ver, check_version(o));
  (void)ver;
  DownstreamResult m;
  RAN_TRY(tx, read_tx(o));
  m.transaction_id = tx;
  RAN_TRY(cv, need(o, "ResultCode", ""));
  RAN_TRY(code, get_string(*cv, "ResultCode"));
  auto c = result_code_from_string(code);
  if (!c) return fail("ResultCode", "'" + code + "' is not a downstream result code");
  m.code = *c;
  if (const auto* v = find(o, "ResultMessage")) {
    RAN_TRY(msg, get_string(*v, "ResultMessage"));
    m.message = std::move(msg);
  }
  if (const auto* v = find(o, "MailboxID")) {
    RAN_TRY(mb, get_u64(*v, "MailboxID"));
    m.mailbox_id = mb;
  }
  return m;
}

template <class V, class T>
Result<V> widen(Result<T> r) {
  if (!r.ok()) return r.error();
  return V(std::move(r).value());
}

Result<UpstreamAnswer> upstream_answer_from(const json::object& o) {
  if (o.contains("ResultCode"))
    return widen<UpstreamAnswer>(with_tx<UpstreamReject>(o, upstream_reject_from));
  return widen<UpstreamAnswer>(with_tx<UpstreamAck>(o, upstream_ack_from));
}

Result<DownstreamRequest> downstream_request_from(const json::object& o) {
  if (o.contains("Addr") && !o.contains("DevEUI"))
    return widen<DownstreamRequest>(with_tx<MulticastDownstream>(o, multicast_downstream_from));
  return widen<DownstreamRequest>(with_tx<Downstream>(o, downstream_from));
}

Result<DownstreamAnswer> downstream_answer_from(const json::object& o) {
  // The contract: a frame with ResultCode is a result; without it, an ack.
  if (o.contains("ResultCode"))
    return widen<DownstreamAnswer>(with_tx<DownstreamResult>(o, downstream_result_from));
  return widen<DownstreamAnswer>(with_tx<DownstreamAck>(o, downstream_ack_from));
}

std::string to_text(const json::value& v) {
  return json::serialize(v);
}

json::value opt_hex(const std::optional<DevAddr>& a) {
  return a ? json::value(a->to_hex()) : json::value(nullptr);
}

Result<std::vector<DevEui>> hex_eui_list(const json::value& v, const std::string& field) {
  if (!v.is_array()) return fail(field, "expected an array of hex strings");
  std::vector<DevEui> out;
  std::size_t i = 0;
  for (const auto& e : v.get_array()) {
    RAN_TRY(eui, get_dev_eui_hex(e, field + "[" + std::to_string(i++) + "]"));
    out.push_back(eui);
  }
  return out;
}

Result<std::vector<DevAddr>> hex_addr_list(const json::value& v, const std::string& field) {
  if (!v.is_array()) return fail(field, "expected an array of hex strings");
  std::vector<DevAddr> out;
  std::size_t i = 0;
  for (const auto& e : v.get_array()) {
    RAN_TRY(a, get_addr_hex(e, field + "[" + std::to_string(i++) + "]"));
    out.push_back(a);
  }
  return out;
}

Result<std::uint64_t> parse_decimal(std::string_view s, const std::string& field) {
  std::uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size())
    return fail(field, "'" + std::string(s) + "' is not a non-negative integer");
  return n;
}

}  // namespace

// ---- names ----

const char* to_string(RejectCode c) {
  return c == RejectCode::MicFailed ? "MICFailed" : "Other";
}

const char* to_string(ResultCode c) {
  switch (c) {
    case ResultCode::Success:
      return "Success";
    case ResultCode::WindowNotFound:
      return "WindowNotFound";
    case ResultCode::GatewayNotFound:
      return "GatewayNotFound";
    case ResultCode::TooLate:
      return "TooLate";
    case ResultCode::NoAck:
      return "NoAck";
    case ResultCode::GatewayError:
      return "GatewayError";
  }
  return "GatewayError";
}

std::optional<RejectCode> reject_code_from_string(std::string_view s) {
  if (s == "MICFailed") return RejectCode::MicFailed;
  if (s == "Other") return RejectCode::Other;
  return std::nullopt;
}

std::optional<ResultCode> result_code_from_string(std::string_view s) {
  for (auto c : {ResultCode::Success, ResultCode::WindowNotFound, ResultCode::GatewayNotFound,
                 ResultCode::TooLate, ResultCode::NoAck, ResultCode::GatewayError})
    if (s == to_string(c)) return c;
  return std::nullopt;
}

// ---- validation ----

namespace {
std::optional<CodecError> validate_radio_at(const Radio& r, bool signal_allowed,
                                            const std::string& p) {
  if (r.frequency == 0) return fail(join(p, "Frequency"), "must be > 0");
  if (const auto* l = std::get_if<LoRa>(&r.modulation)) {
    if (l->spreading < kMinSpreading || l->spreading > kMaxSpreading)
      return fail(join(p, "LoRa.Spreading"), std::to_string(l->spreading) + " not in 5..12");
    if (l->bandwidth == 0) return fail(join(p, "LoRa.Bandwidth"), "must be > 0");
  } else if (const auto* f = std::get_if<Fsk>(&r.modulation)) {
    if (f->bit_rate == 0) return fail(join(p, "FSK.BitRate"), "must be > 0");
  } else if (const auto* h = std::get_if<Fhss>(&r.modulation)) {
    if (h->coding_rate.empty()) return fail(join(p, "FHSS.CodingRate"), "must not be empty");
  }
  if (!signal_allowed && (r.rssi || r.snr))
    return fail(p, "RSSI/SNR are not allowed in a transmit window");
  return std::nullopt;
}
}  // namespace

std::optional<CodecError> validate(const Radio& r, bool signal_allowed) {
  return validate_radio_at(r, signal_allowed, "Radio");
}

std::optional<CodecError> validate(const TxWindow& w) {
  if (auto e = validate_radio_at(w.radio, false, "TxWindow.Radio")) return e;
  if (const auto* d = std::get_if<Delay>(&w.timing)) {
    if (d->seconds < kMinDelay || d->seconds > kMaxDelay)
      return fail("TxWindow.Delay", std::to_string(d->seconds) + " not in 1..15");
  } else if (const auto* t = std::get_if<Tmms>(&w.timing)) {
    if (t->gps_ms.size() < kMinTmmsSlots || t->gps_ms.size() > kMaxTmmsSlots)
      return fail("TxWindow.TMMS", std::to_string(t->gps_ms.size()) + " slots, expected 1..8");
    for (std::size_t i = 0; i < t->gps_ms.size(); ++i)
      if (t->gps_ms[i] == 0) return fail("TxWindow.TMMS[" + std::to_string(i) + "]", "must be > 0");
  } else if (const auto* dl = std::get_if<Deadline>(&w.timing)) {
    if (dl->unix_seconds == 0) return fail("TxWindow.Deadline", "must be > 0");
  }
  return std::nullopt;
}

namespace {
std::optional<CodecError> check_tx(TransactionId tx) {
  if (tx == 0) return fail("TransactionID", "must be > 0");
  return std::nullopt;
}
std::optional<CodecError> tagged(std::optional<CodecError> e, TransactionId tx) {
  if (e && tx != 0) e->transaction_id = tx;
  return e;
}
}  // namespace

std::optional<CodecError> validate(const Upstream& m) {
  if (auto e = check_tx(m.transaction_id)) return e;
  std::optional<CodecError> e;
  if (m.dev_euis.empty())
    e = fail("DevEUIs", "must not be empty");
  else if (m.mic_challenge.size() < kMinChallenge || m.mic_challenge.size() > kMaxChallenge)
    e = fail("MICChallenge",
             std::to_string(m.mic_challenge.size()) + " candidates, expected 2..4096");
  else if (m.phy_payload_no_mic.empty())
    e = fail("PHYPayloadNoMIC", "must not be empty");
  else
    e = validate_radio_at(m.radio, true, "Radio");
  return tagged(std::move(e), m.transaction_id);
}

std::optional<CodecError> validate(const UpstreamAck& m) {
  return check_tx(m.transaction_id);
}

std::optional<CodecError> validate(const UpstreamReject& m) {
  return check_tx(m.transaction_id);
}

std::optional<CodecError> validate(const Downstream& m) {
  if (auto e = check_tx(m.transaction_id)) return e;
  std::optional<CodecError> e;
  if (m.phy_payload.empty())
    e = fail("PHYPayload", "must not be empty");
  else
    e = validate(m.tx_window);
  return tagged(std::move(e), m.transaction_id);
}

std::optional<CodecError> validate(const MulticastDownstream& m) {
  if (auto e = check_tx(m.transaction_id)) return e;
  std::optional<CodecError> e;
  if (m.phy_payload.empty())
    e = fail("PHYPayload", "must not be empty");
  else
    e = validate(m.tx_window);
  return tagged(std::move(e), m.transaction_id);
}

std::optional<CodecError> validate(const DownstreamAck& m) {
  if (auto e = check_tx(m.transaction_id)) return e;
  if (m.mailbox_id == 0) return tagged(fail("MailboxID", "must be > 0"), m.transaction_id);
  return std::nullopt;
}

std::optional<CodecError> validate(const DownstreamResult& m) {
  return check_tx(m.transaction_id);
}

// ---- stream encode ----

std::string encode(const Upstream& m) {
  json::object o = header(m.transaction_id);
  o["Outdated"] = m.outdated;
  json::array euis;
  for (auto e : m.dev_euis) euis.emplace_back(e.value);
  o["DevEUIs"] = std::move(euis);
  o["Radio"] = radio_json(m.radio);
  o["PHYPayloadNoMIC"] = bytes_json(m.phy_payload_no_mic);
  json::array ch;
  ch.reserve(m.mic_challenge.size());
  for (auto c : m.mic_challenge) ch.emplace_back(static_cast<std::uint64_t>(c));
  o["MICChallenge"] = std::move(ch);
  if (m.gps) {
    json::object g{{"Lat", m.gps->lat}, {"Lng", m.gps->lng}};
    if (m.gps->alt) g["Alt"] = *m.gps->alt;
    o["GPS"] = std::move(g);
  }
  return to_text(o);
}

std::string encode(const UpstreamAck& m) {
  json::object o = header(m.transaction_id);
  o["DevEUI"] = m.dev_eui.value;
  o["MIC"] = m.mic;
  return to_text(o);
}

std::string encode(const UpstreamReject& m) {
  json::object o = header(m.transaction_id);
  o["ResultCode"] = to_string(m.code);
  if (m.message) o["ResultMessage"] = *m.message;
  return to_text(o);
}

std::string encode(const Downstream& m) {
  json::object o = header(m.transaction_id);
  o["DevEUI"] = m.dev_eui.value;
  if (m.target_dev_addr) o["TargetDevAddr"] = m.target_dev_addr->value;
  o["TxWindow"] = tx_window_json(m.tx_window);
  o["PHYPayload"] = bytes_json(m.phy_payload);
  return to_text(o);
}

std::string encode(const MulticastDownstream& m) {
  json::object o = header(m.transaction_id);
  o["Addr"] = m.addr.value;
  o["TxWindow"] = tx_window_json(m.tx_window);
  o["PHYPayload"] = bytes_json(m.phy_payload);
  return to_text(o);
}

std::string encode(const DownstreamAck& m) {
  json::object o = header(m.transaction_id);
  o["MailboxID"] = m.mailbox_id;
  return to_text(o);
}

std::string encode(const DownstreamResult& m) {
  json::object o = header(m.transaction_id);
  o["ResultCode"] = to_string(m.code);
  o["ResultMessage"] = m.message;
  if (m.mailbox_id != 0) o["MailboxID"] = m.mailbox_id;
  return to_text(o);
}

// ---- stream decode ----

Result<Upstream> decode_upstream(std::string_view text) {
  RAN_TRY(o, parse_object(text));
  return with_tx<Upstream>(o, upstream_from);
}

Result<UpstreamAnswer> decode_upstream_answer(std::string_view text) {
  RAN_TRY(o, parse_object(text));
  return upstream_answer_from(o);
}

Result<DownstreamRequest> decode_downstream_request(std::string_view text) {
  RAN_TRY(o, parse_object(text));
  return downstream_request_from(o);
}

Result<DownstreamAnswer> decode_downstream_answer(std::string_view text) {
  RAN_TRY(o, parse_object(text));
  return downstream_answer_from(o);
}

Result<AnyMessage> decode_any(std::string_view text) {
  RAN_TRY(o, parse_object(text));
  if (o.contains("MICChallenge")) return widen<AnyMessage>(with_tx<Upstream>(o, upstream_from));
  if (o.contains("MIC")) return widen<AnyMessage>(with_tx<UpstreamAck>(o, upstream_ack_from));
  if (o.contains("TxWindow")) {
    if (o.contains("Addr") && !o.contains("DevEUI"))
      return widen<AnyMessage>(with_tx<MulticastDownstream>(o, multicast_downstream_from));
    return widen<AnyMessage>(with_tx<Downstream>(o, downstream_from));
  }
  if (const auto* rc = find(o, "ResultCode");
      rc && rc->is_string() && reject_code_from_string(rc->get_string()))
    return widen<AnyMessage>(with_tx<UpstreamReject>(o, upstream_reject_from));
  if (o.contains("ResultCode"))
    return widen<AnyMessage>(with_tx<DownstreamResult>(o, downstream_result_from));
  if (o.contains("MailboxID"))
    return widen<AnyMessage>(with_tx<DownstreamAck>(o, downstream_ack_from));
  CodecError e = fail("",
                      "not a RAN stream message (no MICChallenge, MIC, TxWindow, ResultCode "
                      "or MailboxID)");
  if (auto tx = read_tx(o); tx.ok() && tx.value() != 0) e.transaction_id = tx.value();
  return e;
}

// ---- REST: routing table ----

std::string encode_query(const SelectDevicesQuery& q) {
  std::string s;
  auto add = [&](std::string_view k, const std::string& v) {
    if (!s.empty()) s += '&';
    s += k;
    s += '=';
    s += v;  // hex digits and decimal numbers need no percent-encoding
  };
  for (auto e : q.dev_euis) add("DevEUIs", e.to_hex());
  if (q.offset) add("offset", std::to_string(*q.offset));
  if (q.limit) add("limit", std::to_string(*q.limit));
  return s;
}

Result<SelectDevicesQuery> decode_select_query(std::string_view query) {
  if (!query.empty() && query.front() == '?') query.remove_prefix(1);
  SelectDevicesQuery q;
  if (query.empty()) return q;
  // Boost.URL 1.81's compiled parse_query() runs strlen() on its argument: give it a
  // NUL-terminated copy, never a view into a larger buffer.
  const std::string query_text(query);
  auto params = boost::urls::parse_query(query_text);
  if (!params) return fail("", "invalid query string: " + params.error().message());
  for (auto p : *params) {
    const std::string key = p.key.decode();
    const std::string value = p.has_value ? p.value.decode() : std::string();
    if (key == "DevEUIs") {
      auto e = DevEui::from_hex(value);
      if (!e) return fail("DevEUIs", "'" + value + "' is not a 64-bit hex EUI");
      q.dev_euis.push_back(*e);
    } else if (key == "offset") {
      RAN_TRY(n, parse_decimal(value, "offset"));
      q.offset = n;
    } else if (key == "limit") {
      RAN_TRY(n, parse_decimal(value, "limit"));
      q.limit = n;
    }
  }
  return q;
}

std::string encode(const InsertDeviceRequest& r) {
  json::object o;
  o["DevEUI"] = r.dev_eui.to_hex();
  if (const auto* j = std::get_if<JoinEui>(&r.identity))
    o["JoinEUI"] = j->to_hex();
  else
    o["DevAddr"] = std::get<DevAddr>(r.identity).to_hex();
  if (r.details) o["Details"] = *r.details;
  return to_text(o);
}

Result<InsertDeviceRequest> decode_insert_device(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  InsertDeviceRequest r;
  RAN_TRY(ev, need(o, "DevEUI", ""));
  RAN_TRY(eui, get_dev_eui_hex(*ev, "DevEUI"));
  r.dev_eui = eui;
  const auto* jv = find(o, "JoinEUI");
  const auto* av = find(o, "DevAddr");
  if ((jv != nullptr) == (av != nullptr))
    return fail("JoinEUI", "exactly one of JoinEUI (OTAA) and DevAddr (ABP) is required");
  if (jv) {
    RAN_TRY(j, get_join_eui_hex(*jv, "JoinEUI"));
    r.identity = j;
  } else {
    RAN_TRY(a, get_addr_hex(*av, "DevAddr"));
    r.identity = a;
  }
  if (const auto* dv = find(o, "Details")) {
    RAN_TRY(d, get_string(*dv, "Details"));
    r.details = std::move(d);
  }
  return r;
}

std::optional<CodecError> validate(const UpdateDeviceRequest& r) {
  if (!r.active_dev_addr && !r.target_dev_addr)
    return fail("ActiveDevAddr", "at least one of ActiveDevAddr and TargetDevAddr is required");
  return std::nullopt;
}

std::string encode(const UpdateDeviceRequest& r) {
  json::object o;
  o["DevEUI"] = r.dev_eui.to_hex();
  o["JoinEUI"] = r.join_eui.to_hex();
  if (r.active_dev_addr) o["ActiveDevAddr"] = r.active_dev_addr->to_hex();
  if (r.target_dev_addr) o["TargetDevAddr"] = r.target_dev_addr->to_hex();
  return to_text(o);
}

Result<UpdateDeviceRequest> decode_update_device(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  UpdateDeviceRequest r;
  RAN_TRY(ev, need(o, "DevEUI", ""));
  RAN_TRY(eui, get_dev_eui_hex(*ev, "DevEUI"));
  r.dev_eui = eui;
  RAN_TRY(jv, need(o, "JoinEUI", ""));
  RAN_TRY(j, get_join_eui_hex(*jv, "JoinEUI"));
  r.join_eui = j;
  for (auto [key, slot] : {std::pair{"ActiveDevAddr", &r.active_dev_addr},
                           std::pair{"TargetDevAddr", &r.target_dev_addr}}) {
    const json::value* v = o.if_contains(key);
    if (!v) continue;
    if (v->is_null()) return fail(key, "null is not allowed (omit the key to keep it)");
    RAN_TRY(a, get_addr_hex(*v, key));
    *slot = a;
  }
  if (auto e = validate(r)) return *e;
  return r;
}

std::string encode(const DropDevicesRequest& r) {
  json::array a;
  for (auto e : r.dev_euis) a.emplace_back(e.to_hex());
  return to_text(json::object{{"DevEUIs", std::move(a)}});
}

Result<DropDevicesRequest> decode_drop_devices(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  RAN_TRY(v, need(o, "DevEUIs", ""));
  RAN_TRY(list, hex_eui_list(*v, "DevEUIs"));
  return DropDevicesRequest{std::move(list)};
}

json::value to_json(const Device& d) {
  json::object o;
  o["DevEUI"] = d.dev_eui.to_hex();
  o["JoinEUI"] = d.join_eui ? json::value(d.join_eui->to_hex()) : json::value(nullptr);
  o["ActiveDevAddr"] = opt_hex(d.active_dev_addr);
  o["TargetDevAddr"] = opt_hex(d.target_dev_addr);
  o["Details"] = d.details ? json::value(*d.details) : json::value(nullptr);
  o["CreatedAt"] = d.created_at;
  return o;
}

namespace {

// A JSON array of REST objects (devices, groups) and back. A bad element is reported with
// its index: field "[i].DevEUI", reason "[i] ...".
template <class T>
std::string encode_list(const std::vector<T>& items) {
  json::array a;
  for (const auto& x : items) a.push_back(to_json(x));
  return to_text(a);
}

template <class T>
Result<std::vector<T>> decode_list(std::string_view body,
                                   Result<T> (*from_json)(const json::value&), const char* what) {
  RAN_TRY(v, parse_text(body));
  if (!v.is_array()) return fail("", std::string("expected an array of ") + what);
  std::vector<T> out;
  std::size_t i = 0;
  for (const auto& e : v.get_array()) {
    auto item = from_json(e);
    if (!item) {
      CodecError err = item.error();
      const std::string at = "[" + std::to_string(i) + "]";
      err.field = at + (err.field.empty() ? "" : "." + err.field);
      err.reason = at + " " + err.reason;
      return err;
    }
    out.push_back(std::move(item).value());
    ++i;
  }
  return out;
}

}  // namespace

std::string encode(const Device& d) {
  return to_text(to_json(d));
}

std::string encode(const std::vector<Device>& ds) {
  return encode_list(ds);
}

Result<Device> device_from_json(const json::value& v) {
  RAN_TRY(o, as_object(v, ""));
  Device d;
  RAN_TRY(ev, need(*o, "DevEUI", ""));
  RAN_TRY(eui, get_dev_eui_hex(*ev, "DevEUI"));
  d.dev_eui = eui;
  if (const auto* x = find(*o, "JoinEUI")) {
    RAN_TRY(j, get_join_eui_hex(*x, "JoinEUI"));
    d.join_eui = j;
  }
  if (const auto* x = find(*o, "ActiveDevAddr")) {
    RAN_TRY(a, get_addr_hex(*x, "ActiveDevAddr"));
    d.active_dev_addr = a;
  }
  if (const auto* x = find(*o, "TargetDevAddr")) {
    RAN_TRY(a, get_addr_hex(*x, "TargetDevAddr"));
    d.target_dev_addr = a;
  }
  if (const auto* x = find(*o, "Details")) {
    // Details is JSON text; tolerate a server that hands it back already parsed.
    d.details = x->is_string() ? std::string(x->get_string()) : json::serialize(*x);
  }
  if (const auto* x = find(*o, "CreatedAt")) {
    RAN_TRY(s, get_string(*x, "CreatedAt"));
    d.created_at = std::move(s);
  }
  return d;
}

Result<Device> decode_device(std::string_view body) {
  RAN_TRY(v, parse_text(body));
  return device_from_json(v);
}

Result<std::vector<Device>> decode_devices(std::string_view body) {
  return decode_list<Device>(body, device_from_json, "devices");
}

// ---- REST: multicast ----

std::optional<CodecError> validate(const CreateGroupRequest& r) {
  if (r.name.size() > kMaxGroupName) return fail("name", "longer than 255 characters");
  return std::nullopt;
}

std::string encode(const CreateGroupRequest& r) {
  return to_text(json::object{{"name", r.name}, {"addr", r.addr.to_hex()}});
}

Result<CreateGroupRequest> decode_create_group(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  CreateGroupRequest r;
  RAN_TRY(nv, need(o, "name", ""));
  RAN_TRY(name, get_string(*nv, "name"));
  r.name = std::move(name);
  RAN_TRY(av, need(o, "addr", ""));
  RAN_TRY(a, get_addr_hex(*av, "addr"));
  r.addr = a;
  if (auto e = validate(r)) return *e;
  return r;
}

std::optional<CodecError> validate(const UpdateGroupRequest& r) {
  if (!r.name && !r.new_addr) return fail("update", "at least one of name and addr is required");
  if (r.name && r.name->size() > kMaxGroupName)
    return fail("update.name", "longer than 255 characters");
  return std::nullopt;
}

std::string encode(const UpdateGroupRequest& r) {
  json::object u;
  if (r.name) u["name"] = *r.name;
  if (r.new_addr) u["addr"] = r.new_addr->to_hex();
  return to_text(json::object{{"addr", r.addr.to_hex()}, {"update", std::move(u)}});
}

Result<UpdateGroupRequest> decode_update_group(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  UpdateGroupRequest r;
  RAN_TRY(av, need(o, "addr", ""));
  RAN_TRY(a, get_addr_hex(*av, "addr"));
  r.addr = a;
  RAN_TRY(uv, need(o, "update", ""));
  RAN_TRY(u, as_object(*uv, "update"));
  if (const auto* nv = find(*u, "name")) {
    RAN_TRY(name, get_string(*nv, "update.name"));
    r.name = std::move(name);
  }
  if (const auto* nav = find(*u, "addr")) {
    RAN_TRY(na, get_addr_hex(*nav, "update.addr"));
    r.new_addr = na;
  }
  if (auto e = validate(r)) return *e;
  return r;
}

std::string encode(const GroupAddrsRequest& r) {
  json::array a;
  for (auto x : r.addrs) a.emplace_back(x.to_hex());
  return to_text(json::object{{"addrs", std::move(a)}});
}

Result<GroupAddrsRequest> decode_group_addrs(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  GroupAddrsRequest r;
  if (const auto* v = find(o, "addrs")) {
    RAN_TRY(list, hex_addr_list(*v, "addrs"));
    r.addrs = std::move(list);
  }
  return r;
}

std::string encode(const GroupDeviceRequest& r) {
  return to_text(json::object{{"addr", r.addr.to_hex()}, {"dev_eui", r.dev_eui.to_hex()}});
}

Result<GroupDeviceRequest> decode_group_device(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  GroupDeviceRequest r;
  RAN_TRY(av, need(o, "addr", ""));
  RAN_TRY(a, get_addr_hex(*av, "addr"));
  r.addr = a;
  RAN_TRY(ev, need(o, "dev_eui", ""));
  RAN_TRY(e, get_dev_eui_hex(*ev, "dev_eui"));
  r.dev_eui = e;
  return r;
}

json::value to_json(const MulticastGroup& g) {
  json::array devs;
  for (auto d : g.devices) devs.emplace_back(d.to_hex());
  return json::object{{"addr", g.addr.to_hex()},
                      {"name", g.name},
                      {"created_at", g.created_at},
                      {"devices", std::move(devs)}};
}

std::string encode(const MulticastGroup& g) {
  return to_text(to_json(g));
}

std::string encode(const std::vector<MulticastGroup>& gs) {
  return encode_list(gs);
}

Result<MulticastGroup> group_from_json(const json::value& v) {
  RAN_TRY(o, as_object(v, ""));
  MulticastGroup g;
  RAN_TRY(av, need(*o, "addr", ""));
  RAN_TRY(a, get_addr_hex(*av, "addr"));
  g.addr = a;
  if (const auto* x = find(*o, "name")) {
    RAN_TRY(s, get_string(*x, "name"));
    g.name = std::move(s);
  }
  if (const auto* x = find(*o, "created_at")) {
    RAN_TRY(s, get_string(*x, "created_at"));
    g.created_at = std::move(s);
  }
  if (const auto* x = find(*o, "devices")) {
    RAN_TRY(list, hex_eui_list(*x, "devices"));
    g.devices = std::move(list);
  }
  return g;
}

Result<MulticastGroup> decode_group(std::string_view body) {
  RAN_TRY(v, parse_text(body));
  return group_from_json(v);
}

Result<std::vector<MulticastGroup>> decode_groups(std::string_view body) {
  return decode_list<MulticastGroup>(body, group_from_json, "multicast groups");
}

// ---- REST: small answers ----

std::string encode_deleted(std::uint64_t n) {
  return to_text(json::object{{"deleted", n}});
}

Result<std::uint64_t> decode_deleted(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  RAN_TRY(v, need(o, "deleted", ""));
  return get_u64(*v, "deleted");
}

std::string encode_is_added(bool b) {
  return to_text(json::object{{"is_added", b}});
}

Result<bool> decode_is_added(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  RAN_TRY(v, need(o, "is_added", ""));
  return get_bool(*v, "is_added");
}

std::string encode_is_removed(bool b) {
  return to_text(json::object{{"is_removed", b}});
}

Result<bool> decode_is_removed(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  RAN_TRY(v, need(o, "is_removed", ""));
  return get_bool(*v, "is_removed");
}

// ---- REST: error body ----

std::string encode(const ErrorBody& e) {
  json::array details;
  for (const auto& d : e.details) {
    json::array loc;
    for (const auto& l : d.loc) loc.emplace_back(l);
    details.push_back(json::object{{"loc", std::move(loc)}, {"msg", d.msg}, {"type", d.type}});
  }
  return to_text(json::object{{"detail", json::object{{"error_code", e.code},
                                                      {"error_description", e.description},
                                                      {"error_detail", std::move(details)}}}});
}

namespace {
ValidationDetail detail_from(const json::value& v) {
  ValidationDetail d;
  if (!v.is_object()) {
    d.msg = v.is_string() ? std::string(v.get_string()) : json::serialize(v);
    return d;
  }
  const auto& o = v.get_object();
  if (const auto* loc = find(o, "loc"); loc && loc->is_array()) {
    for (const auto& l : loc->get_array())
      d.loc.push_back(l.is_string() ? std::string(l.get_string()) : json::serialize(l));
  }
  if (const auto* m = find(o, "msg"); m && m->is_string()) d.msg = m->get_string();
  if (const auto* t = find(o, "type"); t && t->is_string()) d.type = t->get_string();
  return d;
}
}  // namespace

Result<ErrorBody> decode_error_body(std::string_view body) {
  RAN_TRY(o, parse_object(body));
  RAN_TRY(dv, need(o, "detail", ""));
  ErrorBody e;
  if (dv->is_array()) {
    // A framework-level validation answer ({"detail": [{loc, msg, type}, ...]}) carries no
    // code; it means the same thing as ValidationFailed.
    e.code = "ValidationFailed";
    e.description = "request validation failed";
    for (const auto& x : dv->get_array()) e.details.push_back(detail_from(x));
    return e;
  }
  RAN_TRY(d, as_object(*dv, "detail"));
  RAN_TRY(cv, need(*d, "error_code", "detail"));
  RAN_TRY(code, get_string(*cv, "detail.error_code"));
  e.code = std::move(code);
  if (const auto* x = find(*d, "error_description")) {
    RAN_TRY(s, get_string(*x, "detail.error_description"));
    e.description = std::move(s);
  }
  if (const auto* x = find(*d, "error_detail"); x && x->is_array())
    for (const auto& item : x->get_array()) e.details.push_back(detail_from(item));
  return e;
}

}  // namespace ranbridge::ran
