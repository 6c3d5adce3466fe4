// ranctl stream upstream and send downlink|multicast: the websocket half of the RAN Routing
// API. Upstream messages are printed as JSON lines (flushed one by one, for pipes).
#include <iostream>
#include <type_traits>
#include <variant>

#include <boost/json.hpp>

#include "ran_cli.hpp"
#include "ranbridge/lorawan/hex.hpp"
#include "ranbridge/ran/codec.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ranbridge::ranctl::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

// ---- stream upstream -----------------------------------------------------------------------

json::object modulation_json(const ran::Modulation& m) {
  if (const auto* l = std::get_if<ran::LoRa>(&m))
    return {{"lora", json::object{{"spreading", l->spreading}, {"bandwidth", l->bandwidth}}}};
  if (const auto* f = std::get_if<ran::Fsk>(&m))
    return {{"fsk", json::object{{"frequency_deviation", f->frequency_deviation},
                                 {"bit_rate", f->bit_rate}}}};
  const auto& h = std::get<ran::Fhss>(m);
  return {{"fhss", json::object{{"ocw", h.ocw}, {"coding_rate", h.coding_rate}}}};
}

// Readable and script-safe: EUIs and payloads as hex strings (RAN's wire form writes EUIs as
// JSON integers, which tools such as jq round above 2^53).
json::object upstream_json(const ran::Upstream& u) {
  json::array euis;
  for (const auto& e : u.dev_euis) euis.emplace_back(e.to_hex());
  json::array challenge;
  for (auto m : u.mic_challenge) challenge.emplace_back(m);
  json::object radio{{"frequency", u.radio.frequency}};
  for (const auto& kv : modulation_json(u.radio.modulation)) radio[kv.key()] = kv.value();
  if (u.radio.rssi) radio["rssi"] = *u.radio.rssi;
  if (u.radio.snr) radio["snr"] = *u.radio.snr;
  json::object o{{"transaction_id", u.transaction_id},
                 {"outdated", u.outdated},
                 {"dev_euis", std::move(euis)},
                 {"radio", std::move(radio)},
                 {"phy_payload_no_mic", lorawan::to_hex(u.phy_payload_no_mic)},
                 {"mic_challenge", std::move(challenge)}};
  if (u.gps) {
    json::object g{{"lat", u.gps->lat}, {"lng", u.gps->lng}};
    if (u.gps->alt) g["alt"] = *u.gps->alt;
    o["gps"] = std::move(g);
  }
  return o;
}

int stream_upstream(Context& ctx, const Args& args) {
  auto p = parse(args, {{"--count", "--timeout"}, {"--reject", "--raw", "--json"}, {}, 0});
  std::optional<std::uint64_t> count;
  if (auto c = p.get("--count")) count = number("--count", *c, 1, UINT64_MAX);
  std::optional<Clock::time_point> deadline;
  if (auto t = p.get("--timeout")) deadline = Clock::now() + seconds("--timeout", *t);
  const bool reject = p.has("--reject");

  auto up = ctx.run_movable(ctx.core().upstream());
  std::uint64_t printed = 0;
  while (!count || printed < *count) {
    // Without --timeout, wake up now and then only to keep the loop simple.
    auto wait = std::chrono::milliseconds(1000);
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0) break;
      wait = std::min(wait, left);
    }
    std::optional<ran::Upstream> msg;
    try {
      msg = ctx.run(up.recv(wait));
    } catch (const ran::TransportError& e) {
      if (e.kind() == ran::TransportError::Kind::Closed)
        throw CommandFailed("RAN closed the upstream socket after " + std::to_string(printed) +
                            " messages: " + up.close_status().reason);
      throw;
    }
    if (!msg) continue;
    if (reject) ctx.run(up.send_reject(msg->transaction_id, ran::RejectCode::Other, "ranctl"));
    std::cout << (p.has("--raw") ? ran::encode(*msg) : json::serialize(upstream_json(*msg)))
              << std::endl;  // flushed: consumers read line by line
    ++printed;
  }
  ctx.run(up.close());
  return kOk;
}

// ---- send downlink / multicast -------------------------------------------------------------

const OptionSpec kSendSpec{
    {"--dev-eui", "--addr", "--payload", "--frequency", "--sf", "--bw", "--fsk-deviation",
     "--fsk-bitrate", "--fhss-ocw", "--fhss-coding-rate", "--delay", "--tmms", "--deadline",
     "--target-dev-addr", "--tx-id", "--timeout"},
    {"--wait", "--json"},
    {},
    0};

std::uint64_t now_unix_seconds() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// --tmms GPS_MS[,GPS_MS...] (1..8 ping slots in GPS milliseconds) or +S (one slot S seconds
// from now, at most 512).
ran::Tmms tmms_slots(const std::string& text) {
  ran::Tmms t;
  if (!text.empty() && text[0] == '+') {
    const auto at_unix_s = now_unix_seconds() + number("--tmms", text.substr(1), 1, 512);
    t.gps_ms.push_back(static_cast<std::uint64_t>(
        ran::unix_to_gps_us(static_cast<std::int64_t>(at_unix_s) * 1'000'000) / 1000));
    return t;
  }
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    t.gps_ms.push_back(number("--tmms", text.substr(start, comma - start), 1, UINT64_MAX));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (t.gps_ms.size() > ran::kMaxTmmsSlots)
    throw UsageError("--tmms: at most " + std::to_string(ran::kMaxTmmsSlots) + " ping slots");
  return t;
}

ran::TxWindow tx_window(const Parsed& p) {
  ran::TxWindow w;
  w.radio.frequency = number("--frequency", required(p, "--frequency"), 1, UINT32_MAX);
  const bool lora = p.has("--sf") || p.has("--bw");
  const bool fsk = p.has("--fsk-deviation") || p.has("--fsk-bitrate");
  const bool fhss = p.has("--fhss-ocw") || p.has("--fhss-coding-rate");
  if (lora + fsk + fhss != 1)
    throw UsageError(
        "give exactly one modulation: --sf N --bw HZ (LoRa), --fsk-deviation HZ --fsk-bitrate "
        "BPS (FSK) or --fhss-ocw HZ --fhss-coding-rate CR (FHSS)");
  if (lora) {
    ran::LoRa l;
    l.spreading = static_cast<std::uint32_t>(
        number("--sf", required(p, "--sf"), ran::kMinSpreading, ran::kMaxSpreading));
    l.bandwidth = static_cast<std::uint32_t>(number("--bw", required(p, "--bw"), 1, UINT32_MAX));
    w.radio.modulation = l;
  } else if (fsk) {
    ran::Fsk f;
    f.frequency_deviation = static_cast<std::uint32_t>(
        number("--fsk-deviation", required(p, "--fsk-deviation"), 1, UINT32_MAX));
    f.bit_rate = static_cast<std::uint32_t>(
        number("--fsk-bitrate", required(p, "--fsk-bitrate"), 1, UINT32_MAX));
    w.radio.modulation = f;
  } else {
    ran::Fhss h;
    h.ocw =
        static_cast<std::uint32_t>(number("--fhss-ocw", required(p, "--fhss-ocw"), 1, UINT32_MAX));
    h.coding_rate = required(p, "--fhss-coding-rate");
    w.radio.modulation = h;
  }
  const int timings = p.has("--delay") + p.has("--tmms") + p.has("--deadline");
  if (timings != 1)
    throw UsageError(
        "give exactly one of --delay S (class A), --tmms GPS_MS[,...]|+S (class B) or "
        "--deadline UNIX|+S (class C)");
  if (auto d = p.get("--delay")) {
    w.timing = ran::Delay{
        static_cast<std::uint32_t>(number("--delay", *d, ran::kMinDelay, ran::kMaxDelay))};
  } else if (auto t = p.get("--tmms")) {
    w.timing = tmms_slots(*t);
  } else {
    const std::string text = *p.get("--deadline");
    std::uint64_t unix_seconds = 0;
    if (!text.empty() && text[0] == '+') {
      // "+S": S seconds from now, the usual way to say "class C, soon".
      unix_seconds = now_unix_seconds() + number("--deadline", text.substr(1), 1, 512);
    } else {
      unix_seconds = number("--deadline", text, 1, UINT64_MAX);
    }
    w.timing = ran::Deadline{unix_seconds};
  }
  return w;
}

std::vector<std::uint8_t> payload(const Parsed& p) {
  auto b = lorawan::parse_hex_bytes(required(p, "--payload"));
  if (!b || b->empty())
    throw UsageError("--payload must be a non-empty even number of hex digits (the PHYPayload)");
  return *b;
}

ran::TransactionId tx_id(const Parsed& p) {
  if (auto t = p.get("--tx-id")) return number("--tx-id", *t, 1, UINT64_MAX);
  // Unique enough for a hand-sent downlink and never 0: microseconds since the epoch.
  return static_cast<ran::TransactionId>(std::chrono::duration_cast<std::chrono::microseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
}

void print_answer(const ran::DownstreamAnswer& a, bool as_json) {
  if (const auto* ack = std::get_if<ran::DownstreamAck>(&a)) {
    if (as_json)
      std::cout << json::serialize(json::object{{"type", "ack"},
                                                {"transaction_id", ack->transaction_id},
                                                {"mailbox_id", ack->mailbox_id}})
                << std::endl;
    else
      std::cout << "ack     transaction_id=" << ack->transaction_id
                << " mailbox_id=" << ack->mailbox_id << std::endl;
    return;
  }
  const auto& r = std::get<ran::DownstreamResult>(a);
  if (as_json)
    std::cout << json::serialize(json::object{{"type", "result"},
                                              {"transaction_id", r.transaction_id},
                                              {"result", ran::to_string(r.code)},
                                              {"message", r.message},
                                              {"mailbox_id", r.mailbox_id}})
              << std::endl;
  else
    std::cout << "result  transaction_id=" << r.transaction_id
              << " result=" << ran::to_string(r.code) << " mailbox_id=" << r.mailbox_id
              << " message=" << json::serialize(json::string(r.message)) << std::endl;
}

// Sends through `send` and prints RAN's answers for this transaction: the DownstreamAck, and
// with --wait the DownstreamResult too. A result other than Success, or no answer in time,
// fails the command (exit 1).
template <class Message>
int send_and_report(Context& ctx, const Parsed& p, Message m) {
  const bool as_json = p.has("--json");
  const bool wait_result = p.has("--wait");
  const auto timeout =
      p.get("--timeout") ? seconds("--timeout", *p.get("--timeout")) : std::chrono::seconds(30);
  if (auto bad = ran::validate(m)) throw UsageError(bad->reason);

  auto down = ctx.run_movable(ctx.core().downstream());
  if constexpr (std::is_same_v<Message, ran::Downstream>)
    ctx.run(down.send_downstream(m));
  else
    ctx.run(down.send_multicast_downstream(m));

  const auto deadline = Clock::now() + timeout;
  bool acked = false;
  std::optional<ran::DownstreamResult> result;
  while (!result && !(acked && !wait_result)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    std::optional<ran::DownstreamAnswer> a;
    try {
      a = ctx.run(down.recv(left));
    } catch (const ran::TransportError& e) {
      if (e.kind() != ran::TransportError::Kind::Closed) throw;
      throw CommandFailed("RAN closed the downstream socket before answering: " +
                          down.close_status().reason);
    }
    if (!a) break;
    const auto tx = std::visit([](const auto& x) { return x.transaction_id; }, *a);
    if (tx != m.transaction_id) continue;  // not ours (cannot happen on a private socket)
    print_answer(*a, as_json);
    if (std::holds_alternative<ran::DownstreamAck>(*a))
      acked = true;
    else
      result = std::get<ran::DownstreamResult>(*a);
  }
  ctx.run(down.close());
  if (result && result->code != ran::ResultCode::Success)
    throw CommandFailed(std::string("downstream ") + std::to_string(m.transaction_id) +
                        " failed: " + ran::to_string(result->code) +
                        (result->message.empty() ? "" : ": " + result->message));
  if (!acked && !result)
    throw CommandFailed("no DownstreamAck for transaction " + std::to_string(m.transaction_id) +
                        " within the timeout");
  if (wait_result && !result)
    throw CommandFailed("no DownstreamResult for transaction " + std::to_string(m.transaction_id) +
                        " within the timeout");
  return kOk;
}

int send_downlink(Context& ctx, const Args& args) {
  auto p = parse(args, kSendSpec);
  if (p.has("--addr")) throw UsageError("--addr is for `send multicast`");
  ran::Downstream m;
  m.dev_eui = dev_eui("--dev-eui", required(p, "--dev-eui"));
  if (auto t = p.get("--target-dev-addr")) m.target_dev_addr = dev_addr("--target-dev-addr", *t);
  m.tx_window = tx_window(p);
  m.phy_payload = payload(p);
  m.transaction_id = tx_id(p);
  return send_and_report(ctx, p, std::move(m));
}

int send_multicast(Context& ctx, const Args& args) {
  auto p = parse(args, kSendSpec);
  if (p.has("--dev-eui") || p.has("--target-dev-addr"))
    throw UsageError("--dev-eui and --target-dev-addr are for `send downlink`");
  ran::MulticastDownstream m;
  m.addr = dev_addr("--addr", required(p, "--addr"));
  m.tx_window = tx_window(p);
  m.phy_payload = payload(p);
  m.transaction_id = tx_id(p);
  return send_and_report(ctx, p, std::move(m));
}

const char* kRadioHelp =
    "Radio: --frequency HZ and one modulation: --sf 5..12 --bw HZ (LoRa), or\n"
    "  --fsk-deviation HZ --fsk-bitrate BPS (FSK), or --fhss-ocw HZ --fhss-coding-rate CR.\n"
    "Timing, exactly one: --delay 1..15 (class A: seconds after the device's last acked\n"
    "  uplink), --tmms GPS_MS[,GPS_MS...] (class B: 1..8 ping slots as GPS time in\n"
    "  milliseconds; +S = one slot S seconds from now, at most 512), --deadline UNIX|+S\n"
    "  (class C: send before this Unix time in seconds; +S = S seconds from now, at most 512).\n"
    "--tx-id N: the TransactionID (default: microseconds since the epoch).\n"
    "Prints RAN's DownstreamAck (and with --wait the DownstreamResult), one line each:\n"
    "  ack     transaction_id=N mailbox_id=M\n"
    "  result  transaction_id=N result=Success mailbox_id=M message=\"...\"\n"
    "or JSON lines with --json. Exit 1 when no ack (or, with --wait, no result) arrives\n"
    "within --timeout S (default 30), or when the result is not Success.\n";

}  // namespace

std::vector<Command> stream_commands() {
  return {
      {"stream", "upstream", "[--count N] [--timeout S] [--reject] [--raw]",
       "Opens an upstream websocket and prints each Upstream message as one JSON line:\n"
       "  {\"transaction_id\", \"outdated\", \"dev_euis\": [hex], \"radio\": {\"frequency\", "
       "\"lora\"|\n"
       "   \"fsk\"|\"fhss\", \"rssi\", \"snr\"}, \"phy_payload_no_mic\": hex, \"mic_challenge\": "
       "[n],\n"
       "   \"gps\"?}\n"
       "--raw prints RAN's wire JSON instead (EUIs as JSON integers).\n"
       "Stops after --count messages or --timeout seconds (else runs until interrupted).\n"
       "RAN expects an answer (ack or reject) to every Upstream; this command does not ack,\n"
       "and without an answer RAN may unsubscribe the device. --reject answers each message\n"
       "with UpstreamReject \"Other\". RAN also spreads upstream traffic over all open sockets\n"
       "of the account, so a running ran-bridge receives less while this runs.\n"
       "Exit 1 when RAN closes the socket.\n",
       stream_upstream},
      {"send", "downlink",
       "--dev-eui X --payload HEX --frequency HZ (--sf N --bw HZ | --fsk-deviation HZ\n"
       "      --fsk-bitrate BPS) (--delay S | --tmms GPS_MS|+S | --deadline UNIX|+S)\n"
       "      [--target-dev-addr A] [--tx-id N] [--wait] [--timeout S] [--json]",
       std::string("Sends one Downstream (a PHYPayload, e.g. a join accept with\n"
                   "--target-dev-addr = the DevAddr inside it) to a device.\n") +
           kRadioHelp,
       send_downlink},
      {"send", "multicast",
       "--addr A --payload HEX --frequency HZ (--sf N --bw HZ | --fsk-deviation HZ\n"
       "      --fsk-bitrate BPS) (--delay S | --tmms GPS_MS|+S | --deadline UNIX|+S)\n"
       "      [--tx-id N] [--wait] [--timeout S] [--json]",
       std::string("Sends one MulticastDownstream to group A.\n") + kRadioHelp, send_multicast},
  };
}

}  // namespace ranbridge::ranctl::cli
