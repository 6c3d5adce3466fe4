// Pending sessions from join accepts (issue 5 §3): the bridge holds root keys only and derives
// the session itself from the join accept it forwards.
#include <algorithm>

#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/mic/session_store.hpp"

namespace ranbridge::mic {

Session session_from_join_accept(const Device& device, const lorawan::JoinAccept& ja,
                                 JoinEui join_eui, std::uint16_t dev_nonce) {
  Session s;
  s.dev_addr = ja.dev_addr;
  if (!is_1_1(device.version)) {
    s.version = device.version;
    s.keys =
        lorawan::derive_session_keys_1_0(device.app_key(), ja.join_nonce, ja.net_id, dev_nonce);
  } else if (ja.opt_neg()) {
    s.version = LorawanVersion::V1_1;
    s.keys = lorawan::derive_session_keys_1_1(device.nwk_key(), device.app_key(), ja.join_nonce,
                                              join_eui, dev_nonce);
  } else {
    // A 1.1 device told OptNeg = 0 falls back to 1.0 behaviour: 1.0 keys (from NwkKey) and the
    // 1.0 uplink MIC. 1.0.4 stands for "a 1.0.x session".
    s.version = LorawanVersion::V1_0_4;
    s.keys = lorawan::derive_session_keys_1_1_optneg0(device.nwk_key(), ja.join_nonce, ja.net_id,
                                                      dev_nonce);
  }
  return s;
}

namespace {

// The recent request (newest first) whose 1.1 OptNeg MIC matches, if any.
std::optional<JoinRequestSeen> answered_1_1(const Device& device,
                                            const std::vector<JoinRequestSeen>& newest_first,
                                            bool rejoin,
                                            const lorawan::DecryptedJoinAccept& decrypted) {
  const auto& plain = decrypted.plaintext;
  const std::span<const std::uint8_t> msg(plain.data(), plain.size() - 4);
  const AesKey js_int = lorawan::derive_js_int_key(device.nwk_key(), device.dev_eui);
  for (const auto& j : newest_first) {
    if ((j.join_req_type != lorawan::kJoinReqTypeJoin) != rejoin) continue;
    if (lorawan::join_accept_mic_1_1(js_int, j.join_req_type, j.join_eui, j.dev_nonce, msg) ==
        decrypted.mic)
      return j;
  }
  return std::nullopt;
}

}  // namespace

JoinAcceptOutcome accept_join(SessionStore& store, const Device& device,
                              std::span<const std::uint8_t> join_accept_phy) {
  JoinAcceptOutcome out;
  if (!device.otaa()) {
    out.error = "device " + device.dev_eui.to_hex() + " is ABP: it cannot join";
    return out;
  }
  // 1.0.x: AppKey (stored in both slots); 1.1 answering a join request: NwkKey.
  auto decrypted = lorawan::decrypt_join_accept(device.nwk_key(), join_accept_phy);
  if (!decrypted) {
    out.error = "malformed join accept: " + decrypted.error().message;
    return out;
  }
  auto state = store.get(device.dev_eui);
  std::vector<JoinRequestSeen> joins = state ? state->recent_joins : std::vector<JoinRequestSeen>{};
  if (joins.empty()) {
    out.error = "no join or rejoin request from device " + device.dev_eui.to_hex() +
                " was accepted recently: the DevNonce is unknown";
    return out;
  }
  std::reverse(joins.begin(), joins.end());  // newest first

  std::optional<JoinRequestSeen> answered;
  const lorawan::JoinAccept* ja = &decrypted->fields;
  if (is_1_1(device.version) && ja->opt_neg()) {
    // The 1.1 MIC covers JoinEUI and DevNonce: it tells which join request this answers.
    answered = answered_1_1(device, joins, false, *decrypted);
  } else {
    const auto& plain = decrypted->plaintext;
    const std::span<const std::uint8_t> msg(plain.data(), plain.size() - 4);
    if (lorawan::join_accept_mic_1_0(device.nwk_key(), msg) == decrypted->mic)
      // The 1.0 MIC does not name the request: take the newest join request.
      for (const auto& j : joins)
        if (j.join_req_type == lorawan::kJoinReqTypeJoin) {
          answered = j;
          break;
        }
  }
  // A 1.1 join accept answering a rejoin request is encrypted with JSEncKey instead.
  std::optional<lorawan::DecryptedJoinAccept> rejoin_accept;
  if (!answered && is_1_1(device.version)) {
    auto r = lorawan::decrypt_join_accept(
        lorawan::derive_js_enc_key(device.nwk_key(), device.dev_eui), join_accept_phy);
    if (r && r->fields.opt_neg()) {
      answered = answered_1_1(device, joins, true, *r);
      if (answered) {
        rejoin_accept = std::move(*r);
        ja = &rejoin_accept->fields;
      }
    }
  }
  if (!answered) {
    out.error =
        "join accept MIC does not verify with the keys of device " + device.dev_eui.to_hex();
    return out;
  }
  store.put_pending(device.dev_eui,
                    session_from_join_accept(device, *ja, answered->join_eui, answered->dev_nonce));
  out.ok = true;
  out.dev_addr = ja->dev_addr;
  out.dev_nonce = answered->dev_nonce;
  return out;
}

}  // namespace ranbridge::mic
