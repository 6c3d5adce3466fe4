#pragma once
// FRMPayload and 1.1 FOpts encryption (AES-CTR-like keystream over A blocks; encryption and
// decryption are the same operation).

#include <cstdint>
#include <span>
#include <vector>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::lorawan {

// FRMPayload: A_i = 0x01 | 0x00 x4 | Dir | DevAddr(LE) | FCnt(LE 32) | 0x00 | i (i from 1).
// Key: AppSKey for FPort > 0, NwkSKey (1.1: NwkSEncKey) for FPort 0. In place.
void crypt_frm_payload(const Aes128& key, Direction dir, DevAddr addr, std::uint32_t fcnt,
                       std::span<std::uint8_t> data);
std::vector<std::uint8_t> crypt_frm_payload(const AesKey& key, Direction dir, DevAddr addr,
                                            std::uint32_t fcnt, std::span<const std::uint8_t> data);

// Which counter a 1.1 downlink's FOpts were encrypted under (A block byte 4 in the amended
// 1.1 text: 0 uplink, 1 NFCntDown, 2 AFCntDown).
enum class FOptsCounter : std::uint8_t { Uplink = 0, NFCntDown = 1, AFCntDown = 2 };

// 1.1 FOpts encryption as amended (ChirpStack, brocaar/lorawan, lora-packet): key NwkSEncKey,
// A = 0x01 | 0 0 0 | counter | Dir | DevAddr | FCnt | 0x00 | 0x01. FOpts <= 15 bytes: one block.
void crypt_fopts_1_1(const Aes128& nwk_s_enc_key, FOptsCounter counter, Direction dir, DevAddr addr,
                     std::uint32_t fcnt, std::span<std::uint8_t> fopts);
std::vector<std::uint8_t> crypt_fopts_1_1(const AesKey& nwk_s_enc_key, FOptsCounter counter,
                                          Direction dir, DevAddr addr, std::uint32_t fcnt,
                                          std::span<const std::uint8_t> fopts);
// The A-block with bytes 4 and 15 given explicitly (the original 1.1 text uses 0 and 0):
// for testing both published variants. `fopts` at most 16 bytes.
void crypt_fopts_raw(const Aes128& key, Direction dir, DevAddr addr, std::uint32_t fcnt,
                     std::uint8_t a_byte4, std::uint8_t a_byte15, std::span<std::uint8_t> fopts);

}  // namespace ranbridge::lorawan
