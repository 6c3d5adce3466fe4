#include "ranbridge/mic/solver.hpp"

#include <algorithm>
#include <array>
#include <exception>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"

namespace ranbridge::mic {

namespace lw = ranbridge::lorawan;

std::optional<MicByteOrder> mic_byte_order_from_string(std::string_view s) {
  if (s == "big") return MicByteOrder::Big;
  if (s == "little") return MicByteOrder::Little;
  return std::nullopt;
}

std::uint32_t encode_mic(const lw::Mic& mic, MicByteOrder order) {
  const std::uint32_t be = lw::mic_to_uint32(mic);
  if (order == MicByteOrder::Big) return be;
  return (be >> 24) | ((be >> 8) & 0xFF00) | ((be << 8) & 0xFF0000) | (be << 24);
}

std::string_view to_string(FrameKind k) {
  switch (k) {
    case FrameKind::JoinRequest:
      return "join_request";
    case FrameKind::RejoinRequest:
      return "rejoin_request";
    case FrameKind::UnconfirmedDataUp:
      return "unconfirmed_data_up";
    case FrameKind::ConfirmedDataUp:
      return "confirmed_data_up";
  }
  return "?";
}

std::string_view to_string(RejectCode c) {
  return c == RejectCode::MICFailed ? "MICFailed" : "Other";
}

std::string_view to_string(RejectReason r) {
  switch (r) {
    case RejectReason::MicMismatch:
      return "mic_mismatch";
    case RejectReason::Malformed:
      return "malformed";
    case RejectReason::UnsupportedFrame:
      return "unsupported_frame";
    case RejectReason::EmptyChallenge:
      return "empty_challenge";
    case RejectReason::UnknownDevice:
      return "unknown_device";
    case RejectReason::MissingKey:
      return "missing_key";
    case RejectReason::NoChannelPlan:
      return "no_channel_plan";
    case RejectReason::Replay:
      return "replay";
    case RejectReason::FcntGap:
      return "fcnt_gap";
    case RejectReason::FcntExhausted:
      return "fcnt_exhausted";
    case RejectReason::Internal:
      return "internal";
  }
  return "?";
}

namespace {

Reject reject(RejectReason reason, std::string message) {
  return Reject{reason == RejectReason::MicMismatch ? RejectCode::MICFailed : RejectCode::Other,
                reason, std::move(message)};
}

// Which of the candidate values occur in the challenge. One pass over the challenge; small
// candidate sets are compared directly, larger ones through a little open-addressing table.
std::vector<std::uint32_t> matches_in(std::span<const std::uint32_t> challenge,
                                      std::span<const std::uint32_t> values) {
  std::vector<std::uint32_t> hits;  // candidate indexes, each at most once
  std::vector<bool> seen(values.size(), false);
  auto hit = [&](std::uint32_t i) {
    if (!seen[i]) {
      seen[i] = true;
      hits.push_back(i);
    }
  };
  if (values.size() <= 8) {
    for (std::uint32_t c : challenge)
      for (std::uint32_t i = 0; i < values.size(); ++i)
        if (values[i] == c) hit(i);
    return hits;
  }
  std::size_t cap = 16;
  while (cap < 4 * values.size()) cap *= 2;
  constexpr std::uint32_t kEmpty = 0xFFFFFFFF;
  std::vector<std::uint32_t> table(cap, kEmpty);
  auto slot_of = [&](std::uint32_t v) { return (v * 0x9E3779B1u) >> 7 & (cap - 1); };
  for (std::uint32_t i = 0; i < values.size(); ++i) {
    std::size_t s = slot_of(values[i]);
    while (table[s] != kEmpty) s = (s + 1) & (cap - 1);
    table[s] = i;
  }
  for (std::uint32_t c : challenge)
    for (std::size_t s = slot_of(c); table[s] != kEmpty; s = (s + 1) & (cap - 1))
      if (values[table[s]] == c) hit(table[s]);
  return hits;
}

bool contains(std::span<const DevEui> list, DevEui e) {
  return std::find(list.begin(), list.end(), e) != list.end();
}

// One way a data frame may have been produced: a device's session (or ABP keys) and what we
// know of its counter.
struct SessionCandidate {
  DevEui dev_eui;
  SessionSlot slot = SessionSlot::Active;
  LorawanVersion version = LorawanVersion::V1_0_3;
  lw::SessionKeys keys;
  std::optional<std::uint32_t> last;  // last accepted FCntUp
  std::uint32_t start = 0;            // ABP: configured first counter
  std::uint16_t conf_fcnt = 0;
  bool from_ran = false;
};

// One computed MIC with what it implies.
struct MicCandidate {
  std::uint32_t session = 0;
  std::uint32_t fcnt = 0;
  lw::FcntStatus status = lw::FcntStatus::New;  // New/Retransmission: acceptable
};

bool acceptable(lw::FcntStatus s) {
  return s == lw::FcntStatus::New || s == lw::FcntStatus::Retransmission;
}

RejectReason reason_of(lw::FcntStatus s) {
  switch (s) {
    case lw::FcntStatus::GapTooLarge:
      return RejectReason::FcntGap;
    case lw::FcntStatus::Exhausted:
      return RejectReason::FcntExhausted;
    default:
      return RejectReason::Replay;
  }
}

}  // namespace

Solver::Solver(const RegistryHandle& registry, SessionStore& sessions, SolverOptions options)
    : registry_(registry), sessions_(sessions), options_(options) {}

Outcome Solver::solve(const Uplink& uplink) const noexcept {
  try {
    return solve_impl(uplink);
  } catch (const std::exception& e) {
    try {
      return reject(RejectReason::Internal, std::string("internal error: ") + e.what());
    } catch (...) {
    }
  } catch (...) {
  }
  return Reject{RejectCode::Other, RejectReason::Internal, {}};
}

Outcome Solver::solve_impl(const Uplink& u) const {
  if (u.challenge.empty()) return reject(RejectReason::EmptyChallenge, "empty MIC challenge");
  const auto msg = u.phy_payload_no_mic;
  if (msg.size() + 4 > lw::kMaxPhyPayloadSize)
    return reject(RejectReason::Malformed, "frame longer than 255 bytes with its MIC");
  // The parser wants the whole PHYPayload: append a placeholder MIC.
  std::array<std::uint8_t, lw::kMaxPhyPayloadSize> buf{};
  std::copy(msg.begin(), msg.end(), buf.begin());
  auto parsed = lw::parse_phy_payload(std::span<const std::uint8_t>(buf.data(), msg.size() + 4));
  if (!parsed) {
    const auto code = parsed.error().code;
    if (code == lw::ParseErrc::Empty) return reject(RejectReason::Malformed, "empty frame");
    return reject(code == lw::ParseErrc::UnsupportedMajor ? RejectReason::UnsupportedFrame
                                                          : RejectReason::Malformed,
                  parsed.error().message);
  }
  const auto& frame = *parsed;
  const auto reg = registry_.get();
  auto in_challenge = [&](const lw::Mic& m) {
    const std::uint32_t v = encode_mic(m, u.byte_order);
    return std::find(u.challenge.begin(), u.challenge.end(), v) != u.challenge.end();
  };

  switch (frame.mtype) {
    case lw::MType::JoinRequest: {
      const auto& jr = *frame.join_request();
      const Device* d = reg->find(jr.dev_eui);
      if (d == nullptr)
        return reject(RejectReason::UnknownDevice,
                      "join request from unregistered DevEUI " + jr.dev_eui.to_hex());
      if (!d->otaa())
        return reject(RejectReason::MissingKey,
                      "join request from ABP device " + jr.dev_eui.to_hex() + " (no root key)");
      if (d->join_eui != jr.join_eui)
        return reject(RejectReason::UnknownDevice, "join request with JoinEUI " +
                                                       jr.join_eui.to_hex() + ", registered " +
                                                       d->join_eui.to_hex());
      const lw::Mic m = lw::join_request_mic(lw::Cmac(d->nwk_key()), msg);
      if (!in_challenge(m))
        return reject(RejectReason::MicMismatch, "join request MIC not in challenge");
      if (options_.record_join_requests)
        sessions_.record_join_request(d->dev_eui, JoinRequestSeen{jr.join_eui, jr.dev_nonce});
      Ack a;
      a.dev_eui = d->dev_eui;
      a.mic = encode_mic(m, u.byte_order);
      a.kind = FrameKind::JoinRequest;
      a.version = d->version;
      a.dev_nonce = jr.dev_nonce;
      return a;
    }
    case lw::MType::RejoinRequest: {
      const auto& rj = *frame.rejoin_request();
      const Device* d = reg->find(rj.dev_eui);
      if (d == nullptr)
        return reject(RejectReason::UnknownDevice,
                      "rejoin request from unregistered DevEUI " + rj.dev_eui.to_hex());
      if (!is_1_1(d->version))
        return reject(RejectReason::UnsupportedFrame, "rejoin request from a LoRaWAN " +
                                                          std::string(to_string(d->version)) +
                                                          " device (1.1 only)");
      std::vector<AesKey> keys;
      if (rj.type == 1) {
        if (d->otaa()) keys.push_back(lw::derive_js_int_key(d->nwk_key(), d->dev_eui));
      } else if (d->abp()) {
        keys.push_back(d->s_nwk_s_int_key());
      } else if (auto st = sessions_.get(d->dev_eui)) {
        if (st->active) keys.push_back(st->active->keys.s_nwk_s_int_key);
        if (st->pending) keys.push_back(st->pending->keys.s_nwk_s_int_key);
      }
      if (keys.empty())
        return reject(RejectReason::MissingKey, "no key for a type " + std::to_string(rj.type) +
                                                    " rejoin of " + d->dev_eui.to_hex());
      for (const auto& k : keys) {
        const lw::Mic m = lw::rejoin_request_mic(lw::Cmac(k), msg);
        if (!in_challenge(m)) continue;
        if (options_.record_join_requests && d->otaa())
          // The join accept that answers it is checked against (type, JoinEUI, RJcount).
          sessions_.record_join_request(
              d->dev_eui,
              JoinRequestSeen{rj.type == 1 ? rj.join_eui : d->join_eui, rj.rj_count, rj.type});
        Ack a;
        a.dev_eui = d->dev_eui;
        a.mic = encode_mic(m, u.byte_order);
        a.kind = FrameKind::RejoinRequest;
        a.version = d->version;
        a.dev_nonce = rj.rj_count;
        return a;
      }
      return reject(RejectReason::MicMismatch, "rejoin request MIC not in challenge");
    }
    case lw::MType::UnconfirmedDataUp:
    case lw::MType::ConfirmedDataUp:
      break;
    default:
      return reject(RejectReason::UnsupportedFrame,
                    "not an uplink RAN should route: " + std::string(lw::to_string(frame.mtype)));
  }

  // ---- data uplink ----------------------------------------------------------------------
  const auto& df = *frame.data();
  const DevAddr addr = df.dev_addr;
  std::vector<SessionCandidate> cands;
  for (const Device* d : reg->find_abp(addr)) {
    SessionCandidate c;
    c.dev_eui = d->dev_eui;
    c.slot = SessionSlot::Abp;
    c.version = d->version;
    c.keys = lw::SessionKeys{d->f_nwk_s_int_key(), d->s_nwk_s_int_key(), d->nwk_s_enc_key(),
                             d->app_s_key()};
    c.start = d->fcnt_up_start;
    if (auto st = sessions_.get(d->dev_eui)) c.last = st->abp_fcnt_up;
    cands.push_back(c);
  }
  for (const auto& st : sessions_.find_by_dev_addr(addr)) {
    const Device* d = reg->find(st.dev_eui);
    if (d == nullptr || !d->otaa()) continue;  // removed from the registry (or now ABP)
    for (auto [sess, slot] : {std::pair{&st.active, SessionSlot::Active},
                              std::pair{&st.pending, SessionSlot::Pending}}) {
      if (!*sess || (*sess)->dev_addr != addr) continue;
      SessionCandidate c;
      c.dev_eui = st.dev_eui;
      c.slot = slot;
      c.version = (*sess)->version;
      c.keys = (*sess)->keys;
      c.last = (*sess)->fcnt_up;
      c.conf_fcnt = (*sess)->conf_fcnt_down;
      cands.push_back(c);
    }
  }
  if (cands.empty()) {
    for (auto e : u.dev_euis)
      if (reg->find(e) != nullptr)
        return reject(RejectReason::MissingKey,
                      "device " + e.to_hex() + " has no session on DevAddr " + addr.to_hex());
    return reject(RejectReason::UnknownDevice, "no device or session on DevAddr " + addr.to_hex());
  }
  for (auto& c : cands) c.from_ran = contains(u.dev_euis, c.dev_eui);

  const bool ack_bit = df.fctrl.ack;
  std::vector<lw::TxCandidate> tx;
  bool tx_computed = false;
  bool no_plan = false;
  std::vector<MicCandidate> mics;
  std::vector<std::uint32_t> values;

  // Appends the MIC(s) of one (session, FCnt) guess: one for 1.0.x, one per TxDr/TxCh
  // candidate for 1.1 (cmacF once, cmacS per candidate).
  auto add_guess = [&](std::uint32_t si, std::uint32_t fcnt, lw::FcntStatus status,
                       const lw::Cmac& f_key, const lw::Cmac* s_key) {
    const auto& c = cands[si];
    if (!is_1_1(c.version)) {
      mics.push_back({si, fcnt, status});
      values.push_back(encode_mic(lw::data_uplink_mic_1_0(f_key, addr, fcnt, msg), u.byte_order));
      return;
    }
    if (!tx_computed) {
      tx_computed = true;
      if (u.region) tx = lw::uplink_tx_candidates(*u.region, u.radio);
    }
    if (tx.empty()) {
      no_plan = true;
      return;
    }
    const auto f = lw::data_uplink_mic_1_1_f(f_key, addr, fcnt, msg);
    const std::uint16_t conf = ack_bit ? c.conf_fcnt : 0;
    for (const auto& t : tx) {
      const auto s = lw::data_uplink_mic_1_1_s(*s_key, addr, fcnt, conf, t.tx_dr, t.tx_ch, msg);
      mics.push_back({si, fcnt, status});
      values.push_back(encode_mic(lw::combine_mic_1_1(s, f), u.byte_order));
    }
  };

  struct Keys {
    lw::Cmac f;
    std::optional<lw::Cmac> s;
  };
  std::vector<Keys> keys;
  keys.reserve(cands.size());
  for (const auto& c : cands) {
    keys.push_back(Keys{lw::Cmac(c.keys.f_nwk_s_int_key), std::nullopt});
    if (is_1_1(c.version)) keys.back().s.emplace(c.keys.s_nwk_s_int_key);
  }

  // First pass: the counter each candidate's state predicts.
  for (std::uint32_t i = 0; i < cands.size(); ++i) {
    const auto& c = cands[i];
    lw::FcntResult r;
    if (c.last)
      r = lw::reconstruct_fcnt(c.last, df.fcnt, options_.fcnt);
    else if (c.slot == SessionSlot::Abp)
      r = lw::first_fcnt(c.start, df.fcnt, options_.fcnt);
    else
      r = lw::reconstruct_fcnt(std::nullopt, df.fcnt, options_.fcnt);
    if (r.status == lw::FcntStatus::Exhausted) continue;
    add_guess(i, r.fcnt, r.status, keys[i].f, keys[i].s ? &*keys[i].s : nullptr);
  }
  auto hits = matches_in(u.challenge, values);
  if (hits.empty()) {
    // Second pass, only when nothing matched: one rollover later. A device whose state was
    // lost (never heard) is accepted there; one with a known counter has jumped too far.
    const std::size_t first_pass = mics.size();
    for (std::size_t m = 0; m < first_pass; ++m) {
      if (m > 0 && mics[m].session == mics[m - 1].session && mics[m].fcnt == mics[m - 1].fcnt)
        continue;  // same guess, other TxCh: the rollover guess is added once per session
      const auto next = lw::next_rollover(mics[m].fcnt);
      if (!next) continue;
      const auto& c = cands[mics[m].session];
      const bool known = c.last.has_value();
      add_guess(mics[m].session, *next, known ? lw::FcntStatus::GapTooLarge : lw::FcntStatus::New,
                keys[mics[m].session].f,
                keys[mics[m].session].s ? &*keys[mics[m].session].s : nullptr);
    }
    hits = matches_in(u.challenge, std::span(values).subspan(first_pass));
    for (auto& h : hits) h += static_cast<std::uint32_t>(first_pass);
  }
  if (hits.empty()) {
    if (no_plan && values.empty())
      return reject(RejectReason::NoChannelPlan,
                    u.region ? "uplink radio parameters are not in the region's channel plan"
                             : "LoRaWAN 1.1 uplink without a region channel plan");
    return reject(RejectReason::MicMismatch, "no candidate MIC in challenge (" +
                                                 std::to_string(cands.size()) + " sessions on " +
                                                 addr.to_hex() + ")");
  }

  // Tie-break (a wrong device's MIC may land among thousands of decoys): acceptable counters
  // first, then devices RAN named, then the smallest counter step.
  auto rank = [&](std::uint32_t h) {
    const auto& m = mics[h];
    const auto& c = cands[m.session];
    const std::uint64_t step = c.last ? m.fcnt - *c.last : m.fcnt - c.start;
    return std::tuple(!acceptable(m.status), !c.from_ran, step);
  };
  std::sort(hits.begin(), hits.end(), [&](auto a, auto b) { return rank(a) < rank(b); });
  const auto& best = mics[hits.front()];
  const auto& winner = cands[best.session];
  if (!acceptable(best.status))
    return reject(reason_of(best.status),
                  "device " + winner.dev_eui.to_hex() + ": FCnt " + std::to_string(best.fcnt) +
                      " " + std::string(lw::to_string(best.status)) + " (last " +
                      (winner.last ? std::to_string(*winner.last) : "-") + ")");

  const CommitResult committed =
      sessions_.commit_uplink(winner.dev_eui, winner.slot, addr, best.fcnt);
  switch (committed) {
    case CommitResult::Committed:
      break;
    case CommitResult::Retransmission:  // the same frame again: acked again, nothing advances
      if (options_.fcnt.allow_retransmission) break;
      [[fallthrough]];
    case CommitResult::Stale:
      return reject(RejectReason::Replay, "device " + winner.dev_eui.to_hex() + ": FCnt " +
                                              std::to_string(best.fcnt) +
                                              " was taken by a concurrent frame");
    case CommitResult::Gone:
      return reject(RejectReason::MissingKey,
                    "device " + winner.dev_eui.to_hex() + ": session replaced during the solve");
  }
  Ack a;
  a.dev_eui = winner.dev_eui;
  a.mic = values[hits.front()];
  a.kind = frame.mtype == lw::MType::ConfirmedDataUp ? FrameKind::ConfirmedDataUp
                                                     : FrameKind::UnconfirmedDataUp;
  a.version = winner.version;
  a.dev_addr = addr;
  a.fcnt = best.fcnt;
  a.retransmission = committed == CommitResult::Retransmission;
  a.promoted_pending = winner.slot == SessionSlot::Pending && !a.retransmission;
  a.matches = static_cast<std::size_t>(
      std::count_if(hits.begin(), hits.end(), [&](auto h) { return acceptable(mics[h].status); }));
  return a;
}

}  // namespace ranbridge::mic
