// ranctl lorawan decode|mic|join-accept: operator tools over the lorawan module.
// Exit codes: 0 ok (MIC matches), 1 invalid frame or MIC mismatch, 2 usage error.
#include <boost/json.hpp>
#include <charconv>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "commands.hpp"
#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"

namespace ranbridge::ranctl {
namespace {

namespace lw = ranbridge::lorawan;
namespace json = boost::json;

constexpr int kOk = 0, kFailed = 1, kUsage = 2;

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// --name value options, --flag switches and positional arguments.
struct Parsed {
  std::map<std::string, std::string> options;
  std::set<std::string> flags;
  std::vector<std::string> positional;

  std::optional<std::string> get(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
  }
};

Parsed parse_args(const Args& args, std::size_t from, const std::set<std::string>& with_value,
                  const std::set<std::string>& switches) {
  Parsed p;
  for (std::size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      p.positional.push_back(a);
    } else if (with_value.count(a)) {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      p.options[a] = args[++i];
    } else if (switches.count(a)) {
      p.flags.insert(a);
    } else {
      throw UsageError("unknown option " + a);
    }
  }
  return p;
}

std::vector<std::uint8_t> frame_arg(const Parsed& p) {
  if (p.positional.size() != 1) throw UsageError("expected exactly one hex frame");
  auto b = lw::parse_hex_bytes(p.positional[0]);
  if (!b) throw UsageError("frame is not an even number of hex digits");
  return *b;
}

lw::AesKey key_arg(const Parsed& p, const std::string& name) {
  auto v = p.get(name);
  if (!v) throw UsageError(name + " is required");
  auto k = lw::AesKey::from_hex(*v);
  if (!k) throw UsageError(name + " must be 32 hex digits");
  return *k;
}

// Decimal, or hex with a 0x prefix.
std::uint64_t number(const std::string& name, const std::string& text, std::uint64_t max) {
  std::optional<std::uint64_t> v;
  if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) {
    v = lw::parse_hex_uint(text, 16);
  } else {
    std::uint64_t x = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) v = x;
  }
  if (!v || *v > max) throw UsageError(name + " must be a number from 0 to " + std::to_string(max));
  return *v;
}

std::optional<std::uint64_t> number_arg(const Parsed& p, const std::string& name,
                                        std::uint64_t max) {
  auto v = p.get(name);
  if (!v) return std::nullopt;
  return number(name, *v, max);
}

bool version_11(const Parsed& p) {
  auto v = p.get("--version").value_or("1.0");
  if (v == "1.0" || v == "1.0.x" || v.rfind("1.0.", 0) == 0) return false;
  if (v == "1.1") return true;
  throw UsageError("--version must be 1.0 or 1.1");
}

// Ordered output fields: "key: value" lines, or one JSON object with --json.
class Output {
 public:
  void add(std::string key, json::value v) { fields_.emplace_back(std::move(key), std::move(v)); }
  void print(bool as_json) const {
    if (as_json) {
      json::object o;
      for (const auto& [k, v] : fields_) o[k] = v;
      std::cout << json::serialize(o) << "\n";
      return;
    }
    for (const auto& [k, v] : fields_)
      std::cout << k << ": " << (v.is_string() ? std::string(v.as_string()) : json::serialize(v))
                << "\n";
  }

 private:
  std::vector<std::pair<std::string, json::value>> fields_;
};

std::string hex(std::span<const std::uint8_t> b) {
  return lw::to_hex(b);
}

void describe(const lw::PhyPayload& f, Output& out) {
  out.add("mtype", json::string(lw::to_string(f.mtype)));
  out.add("major", f.major);
  if (f.rfu != 0) out.add("mhdr_rfu", f.rfu);
  if (const auto* d = f.data()) {
    const bool up = lw::is_uplink(f.mtype);
    out.add("dev_addr", json::string(d->dev_addr.to_hex()));
    out.add("adr", d->fctrl.adr);
    if (up) out.add("adr_ack_req", d->fctrl.adr_ack_req);
    out.add("ack", d->fctrl.ack);
    if (up) out.add("class_b", d->fctrl.class_b);
    if (!up) out.add("f_pending", d->fctrl.f_pending);
    out.add("fopts_len", d->fopts.size());
    out.add("fcnt", d->fcnt);
    out.add("fopts", json::string(hex(d->fopts)));
    if (d->fport) out.add("fport", *d->fport);
    out.add("frm_payload", json::string(hex(d->frm_payload)));
  } else if (const auto* j = f.join_request()) {
    out.add("join_eui", json::string(j->join_eui.to_hex()));
    out.add("dev_eui", json::string(j->dev_eui.to_hex()));
    out.add("dev_nonce", j->dev_nonce);
  } else if (const auto* r = f.rejoin_request()) {
    out.add("rejoin_type", r->type);
    if (r->type == 1)
      out.add("join_eui", json::string(r->join_eui.to_hex()));
    else
      out.add("net_id", json::string(r->net_id.to_hex()));
    out.add("dev_eui", json::string(r->dev_eui.to_hex()));
    out.add("rj_count", r->rj_count);
  } else if (const auto* a = f.join_accept()) {
    out.add("encrypted", json::string(hex(a->bytes)));
  } else if (const auto* pr = f.proprietary()) {
    out.add("payload", json::string(hex(pr->payload)));
  }
  out.add("mic", json::string(hex(f.mic)));
}

int decode(const Args& args) {
  Parsed p = parse_args(args, 1, {}, {"--json"});
  auto bytes = frame_arg(p);
  auto f = lw::parse_phy_payload(bytes);
  if (!f) {
    std::cerr << "ranctl: invalid frame (" << lw::to_string(f.error().code)
              << "): " << f.error().message << "\n";
    return kFailed;
  }
  Output out;
  out.add("size", bytes.size());
  describe(*f, out);
  out.print(p.flags.count("--json") > 0);
  return kOk;
}

int mic(const Args& args) {
  Parsed p = parse_args(
      args, 1, {"--key", "--fcnt32", "--version", "--s-key", "--tx-dr", "--tx-ch", "--conf-fcnt"},
      {"--json"});
  auto bytes = frame_arg(p);
  const lw::AesKey key = key_arg(p, "--key");
  const bool v11 = version_11(p);
  auto f = lw::parse_phy_payload(bytes);
  if (!f) {
    std::cerr << "ranctl: invalid frame (" << lw::to_string(f.error().code)
              << "): " << f.error().message << "\n";
    return kFailed;
  }
  const auto msg = lw::mic_message(bytes);
  const lw::Cmac k(key);
  Output out;
  out.add("mtype", json::string(lw::to_string(f->mtype)));
  lw::Mic computed{};
  if (f->join_request()) {
    computed = lw::join_request_mic(k, msg);
  } else if (f->rejoin_request()) {
    computed = lw::rejoin_request_mic(k, msg);
  } else if (const auto* d = f->data()) {
    std::uint32_t fcnt = d->fcnt;
    if (auto full = number_arg(p, "--fcnt32", 0xFFFFFFFF)) {
      if ((*full & 0xFFFF) != d->fcnt)
        throw UsageError("--fcnt32 " + std::to_string(*full) +
                         " does not end in the frame's 16-bit FCnt " + std::to_string(d->fcnt));
      fcnt = static_cast<std::uint32_t>(*full);
    }
    out.add("fcnt32", fcnt);
    const auto conf = static_cast<std::uint16_t>(number_arg(p, "--conf-fcnt", 0xFFFF).value_or(0));
    const bool up = lw::is_uplink(f->mtype);
    if (!v11) {
      computed = up ? lw::data_uplink_mic_1_0(k, d->dev_addr, fcnt, msg)
                    : lw::data_downlink_mic_1_0(k, d->dev_addr, fcnt, msg);
    } else {
      const lw::Cmac s(p.get("--s-key") ? key_arg(p, "--s-key") : key);
      if (up) {
        const auto dr = static_cast<std::uint8_t>(number_arg(p, "--tx-dr", 255).value_or(0));
        const auto ch = static_cast<std::uint8_t>(number_arg(p, "--tx-ch", 255).value_or(0));
        out.add("tx_dr", dr);
        out.add("tx_ch", ch);
        computed = lw::data_uplink_mic_1_1(k, s, d->dev_addr, fcnt, conf, dr, ch, msg);
      } else {
        computed = lw::data_downlink_mic_1_1(s, d->dev_addr, fcnt, conf, msg);
      }
    }
  } else if (f->join_accept()) {
    std::cerr << "ranctl: a join accept is encrypted; use `ranctl lorawan join-accept`\n";
    return kUsage;
  } else {
    std::cerr << "ranctl: proprietary frames have no standard MIC\n";
    return kFailed;
  }
  const bool match = computed == f->mic;
  out.add("computed_mic", json::string(hex(computed)));
  out.add("computed_mic_uint32", lw::mic_to_uint32(computed));
  out.add("frame_mic", json::string(hex(f->mic)));
  out.add("match", match);
  out.print(p.flags.count("--json") > 0);
  if (!match && f->data() && !p.get("--fcnt32"))
    std::cerr << "hint: the MIC covers the 32-bit FCnt; try --fcnt32 after a rollover\n";
  return match ? kOk : kFailed;
}

int join_accept(const Args& args) {
  Parsed p = parse_args(
      args, 1,
      {"--key", "--dev-nonce", "--join-eui", "--version", "--app-key", "--dev-eui", "--js-int-key"},
      {"--json"});
  auto bytes = frame_arg(p);
  const lw::AesKey key = key_arg(p, "--key");
  const bool v11 = version_11(p);
  const auto dev_nonce_arg = number_arg(p, "--dev-nonce", 0xFFFF);
  if (!dev_nonce_arg) throw UsageError("--dev-nonce is required");
  const auto dev_nonce = static_cast<std::uint16_t>(*dev_nonce_arg);
  auto dec = lw::decrypt_join_accept(key, bytes);
  if (!dec) {
    std::cerr << "ranctl: invalid join accept (" << lw::to_string(dec.error().code)
              << "): " << dec.error().message << "\n";
    return kFailed;
  }
  const lw::JoinAccept& ja = dec->fields;
  Output out;
  out.add("plaintext", json::string(hex(dec->plaintext)));
  out.add("join_nonce", ja.join_nonce);
  out.add("net_id", json::string(ja.net_id.to_hex()));
  out.add("dev_addr", json::string(ja.dev_addr.to_hex()));
  out.add("dl_settings", ja.dl_settings);
  out.add("opt_neg", ja.opt_neg());
  out.add("rx1_dr_offset", ja.rx1_dr_offset());
  out.add("rx2_data_rate", ja.rx2_data_rate());
  out.add("rx_delay", ja.rx_delay);
  if (ja.cf_list) out.add("cf_list", json::string(hex(*ja.cf_list)));
  out.add("mic", json::string(hex(dec->mic)));

  const auto msg = lw::mic_message(dec->plaintext);
  const bool opt_neg = v11 && ja.opt_neg();
  std::optional<lw::JoinEui> join_eui;
  if (auto j = p.get("--join-eui")) {
    join_eui = lw::JoinEui::from_hex(*j);
    if (!join_eui) throw UsageError("--join-eui must be at most 16 hex digits");
  }
  lw::Mic computed{};
  if (opt_neg) {
    // 1.1 with OptNeg: the MIC key is JSIntKey, derived from NwkKey and DevEUI.
    if (!join_eui) throw UsageError("--join-eui is required for a 1.1 join accept with OptNeg");
    lw::AesKey js_int;
    if (p.get("--js-int-key")) {
      js_int = key_arg(p, "--js-int-key");
    } else if (auto d = p.get("--dev-eui")) {
      auto dev_eui = lw::DevEui::from_hex(*d);
      if (!dev_eui) throw UsageError("--dev-eui must be at most 16 hex digits");
      js_int = lw::derive_js_int_key(key, *dev_eui);
    } else {
      throw UsageError("--dev-eui (or --js-int-key) is required for a 1.1 join accept with OptNeg");
    }
    computed = lw::join_accept_mic_1_1(js_int, lw::kJoinReqTypeJoin, *join_eui, dev_nonce, msg);
  } else {
    computed = lw::join_accept_mic_1_0(key, msg);
  }
  const bool match = computed == dec->mic;
  out.add("computed_mic", json::string(hex(computed)));
  out.add("match", match);

  // Derived session keys: showing them is this tool's purpose (never done in logs).
  if (!v11) {
    auto sk = lw::derive_session_keys_1_0(key, ja.join_nonce, ja.net_id, dev_nonce);
    out.add("nwk_s_key", json::string(sk.nwk_s_key().reveal_hex()));
    out.add("app_s_key", json::string(sk.app_s_key.reveal_hex()));
  } else if (!opt_neg) {
    auto sk = lw::derive_session_keys_1_1_optneg0(key, ja.join_nonce, ja.net_id, dev_nonce);
    out.add("f_nwk_s_int_key", json::string(sk.f_nwk_s_int_key.reveal_hex()));
    out.add("s_nwk_s_int_key", json::string(sk.s_nwk_s_int_key.reveal_hex()));
    out.add("nwk_s_enc_key", json::string(sk.nwk_s_enc_key.reveal_hex()));
    out.add("app_s_key", json::string(sk.app_s_key.reveal_hex()));
  } else {
    // AppSKey needs the AppKey; without it only the network keys are shown.
    const bool have_app = p.get("--app-key").has_value();
    auto sk = lw::derive_session_keys_1_1(key, have_app ? key_arg(p, "--app-key") : key,
                                          ja.join_nonce, *join_eui, dev_nonce);
    out.add("f_nwk_s_int_key", json::string(sk.f_nwk_s_int_key.reveal_hex()));
    out.add("s_nwk_s_int_key", json::string(sk.s_nwk_s_int_key.reveal_hex()));
    out.add("nwk_s_enc_key", json::string(sk.nwk_s_enc_key.reveal_hex()));
    if (have_app) out.add("app_s_key", json::string(sk.app_s_key.reveal_hex()));
  }
  out.print(p.flags.count("--json") > 0);
  return match ? kOk : kFailed;
}

}  // namespace

std::string lorawan_usage() {
  return "LoRaWAN frames (offline):\n"
         "  lorawan decode <hex> [--json]\n"
         "  lorawan mic --key K <hex> [--fcnt32 N] [--version 1.0|1.1 --s-key K2 --tx-dr N\n"
         "              --tx-ch N --conf-fcnt N] [--json]\n"
         "      K: NwkKey/AppKey (join request), NwkSKey (1.0 data), FNwkSIntKey (1.1 uplink),\n"
         "      K2: SNwkSIntKey (1.1). Exit 1 when the frame's MIC does not match.\n"
         "  lorawan join-accept --key K --dev-nonce N [--version 1.0|1.1 --join-eui X\n"
         "              --dev-eui X | --js-int-key K --app-key K] [--json] <hex>\n"
         "      decrypts, verifies the MIC and prints the derived session keys.\n";
}

int run_lorawan_command(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << lorawan_usage();
    return args.empty() ? kUsage : kOk;
  }
  try {
    if (args[0] == "decode") return decode(args);
    if (args[0] == "mic") return mic(args);
    if (args[0] == "join-accept") return join_accept(args);
    throw UsageError("unknown lorawan command " + args[0]);
  } catch (const UsageError& e) {
    std::cerr << "ranctl lorawan: " << e.what() << "\n\n" << lorawan_usage();
    return kUsage;
  }
}

}  // namespace ranbridge::ranctl
