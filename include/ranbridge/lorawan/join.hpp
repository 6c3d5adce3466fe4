#pragma once
// Join accept (encryption, MIC, fields) and session key derivation, LoRaWAN 1.0.x and 1.1.
//
// On air: MHDR | Enc(JoinNonce(3) | NetID(3) | DevAddr(4) | DLSettings | RxDelay | [CFList(16)]
// | MIC(4)). The network "encrypts" with AES *decrypt*, so the device (and we) recover the
// plaintext with AES encrypt per block.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"
#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::lorawan {

// JoinReqType byte of the 1.1 join-accept MIC: 0xFF answers a join request, 0/1/2 a rejoin.
inline constexpr std::uint8_t kJoinReqTypeJoin = 0xFF;

struct JoinAccept {
  std::uint32_t join_nonce = 0;  // 24 bits (AppNonce in 1.0.x)
  NetId net_id;
  DevAddr dev_addr;
  std::uint8_t dl_settings = 0;  // OptNeg(7) | RX1DRoffset(6..4) | RX2DataRate(3..0)
  std::uint8_t rx_delay = 0;
  std::optional<std::array<std::uint8_t, 16>> cf_list;
  bool operator==(const JoinAccept&) const = default;

  bool opt_neg() const { return (dl_settings & 0x80) != 0; }
  std::uint8_t rx1_dr_offset() const { return (dl_settings >> 4) & 0x07; }
  std::uint8_t rx2_data_rate() const { return dl_settings & 0x0F; }
};

// A decrypted join accept: fields plus the MIC found in it.
struct DecryptedJoinAccept {
  JoinAccept fields;
  Mic mic{};
  std::vector<std::uint8_t> plaintext;  // whole PHYPayload in clear: MHDR | fields | MIC
};

// Decrypts an on-air join accept (17 or 33 bytes, MType JoinAccept) with `key`
// (1.0.x: AppKey; 1.1: NwkKey, or JSEncKey when answering a rejoin). Checks lengths and MHDR,
// not the MIC.
Parsed<DecryptedJoinAccept> decrypt_join_accept(const AesKey& key,
                                                std::span<const std::uint8_t> phy);
// The inverse: encrypts a plaintext join accept PHYPayload (MHDR | fields | MIC).
Parsed<std::vector<std::uint8_t>> encrypt_join_accept(const AesKey& key,
                                                      std::span<const std::uint8_t> plaintext);

// MHDR | fields (without MIC) of a join accept in clear: the MIC input of 1.0.x.
std::vector<std::uint8_t> join_accept_message(const JoinAccept& ja);
// Parses MHDR | fields | MIC in clear.
Parsed<DecryptedJoinAccept> parse_join_accept_plaintext(std::span<const std::uint8_t> plaintext);

// MIC 1.0.x (and 1.1 with OptNeg = 0): cmac(NwkKey, msg)[0..3], msg = MHDR | fields.
Mic join_accept_mic_1_0(const AesKey& nwk_key, std::span<const std::uint8_t> msg);
// MIC 1.1 with OptNeg = 1: cmac(JSIntKey, JoinReqType | JoinEUI(LE) | DevNonce(LE) | msg).
Mic join_accept_mic_1_1(const AesKey& js_int_key, std::uint8_t join_req_type, JoinEui join_eui,
                        std::uint16_t dev_nonce, std::span<const std::uint8_t> msg);

// Builds the on-air join accept: plaintext with the MIC for the version (OptNeg taken from
// ja.dl_settings: 1.1 formula with `js_int_key` when set, else the 1.0 formula with `nwk_key`),
// then encrypted with `enc_key`.
struct JoinAcceptBuildKeys {
  AesKey enc_key;     // AppKey (1.0.x), NwkKey (1.1 join request) or JSEncKey (rejoin)
  AesKey nwk_key;     // MIC key when OptNeg = 0
  AesKey js_int_key;  // MIC key when OptNeg = 1
  std::uint8_t join_req_type = kJoinReqTypeJoin;
  JoinEui join_eui;
  std::uint16_t dev_nonce = 0;
};
std::vector<std::uint8_t> build_join_accept(const JoinAccept& ja, const JoinAcceptBuildKeys& keys);

// Session keys. In 1.0.x (and 1.1 with OptNeg = 0) the one NwkSKey fills the three network
// keys.
struct SessionKeys {
  AesKey f_nwk_s_int_key;
  AesKey s_nwk_s_int_key;
  AesKey nwk_s_enc_key;
  AesKey app_s_key;
  const AesKey& nwk_s_key() const { return f_nwk_s_int_key; }  // the 1.0.x name
};

// 1.0.x: NwkSKey/AppSKey = aes(AppKey, 0x01/0x02 | JoinNonce | NetID | DevNonce | pad16).
SessionKeys derive_session_keys_1_0(const AesKey& app_key, std::uint32_t join_nonce, NetId net_id,
                                    std::uint16_t dev_nonce);
// 1.1 device that got OptNeg = 0: the 1.0 derivation keyed by NwkKey.
inline SessionKeys derive_session_keys_1_1_optneg0(const AesKey& nwk_key, std::uint32_t join_nonce,
                                                   NetId net_id, std::uint16_t dev_nonce) {
  return derive_session_keys_1_0(nwk_key, join_nonce, net_id, dev_nonce);
}
// 1.1 with OptNeg = 1: F/S/NwkSEnc from NwkKey (0x01/0x03/0x04), AppSKey from AppKey (0x02),
// over JoinNonce | JoinEUI | DevNonce.
SessionKeys derive_session_keys_1_1(const AesKey& nwk_key, const AesKey& app_key,
                                    std::uint32_t join_nonce, JoinEui join_eui,
                                    std::uint16_t dev_nonce);

// Join server keys (1.1): aes(NwkKey, 0x06 / 0x05 | DevEUI(LE) | pad16).
AesKey derive_js_int_key(const AesKey& nwk_key, DevEui dev_eui);
AesKey derive_js_enc_key(const AesKey& nwk_key, DevEui dev_eui);

}  // namespace ranbridge::lorawan
