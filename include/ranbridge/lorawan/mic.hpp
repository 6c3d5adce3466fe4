#pragma once
// Message integrity codes. Every function takes `msg` = the PHYPayload without its MIC
// (mic_message(phy)) and the precomputed Cmac state of the right key; none allocates.

#include <array>
#include <cstdint>
#include <span>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::lorawan {

// Join request (MHDR | JoinEUI | DevEUI | DevNonce): key NwkKey (1.0.x: AppKey).
Mic join_request_mic(const Cmac& nwk_key, std::span<const std::uint8_t> msg);
// Rejoin request: type 0/2 key SNwkSIntKey, type 1 key JSIntKey; same formula.
Mic rejoin_request_mic(const Cmac& key, std::span<const std::uint8_t> msg);

// B0 for data frames: 0x49 | ConfFCnt(2 LE, 1.1 downlink only, else 0) | 0 | 0 | Dir |
// DevAddr(4 LE) | FCnt(4 LE) | 0 | len(msg).
Block data_b0(Direction dir, DevAddr addr, std::uint32_t fcnt, std::uint16_t conf_fcnt,
              std::size_t msg_len);
// B1 for 1.1 uplinks: 0x49 | ConfFCnt(2 LE) | TxDr | TxCh | Dir(0) | DevAddr | FCnt | 0 | len.
Block data_b1(DevAddr addr, std::uint32_t fcnt, std::uint16_t conf_fcnt, std::uint8_t tx_dr,
              std::uint8_t tx_ch, std::size_t msg_len);

// True when the FCtrl ACK bit of a data frame message is set (false if too short).
bool data_msg_ack(std::span<const std::uint8_t> msg);

// Data uplink 1.0.x: cmac(NwkSKey, B0 | msg)[0..3] with the full 32-bit FCntUp.
Mic data_uplink_mic_1_0(const Cmac& nwk_s_key, DevAddr addr, std::uint32_t fcnt,
                        std::span<const std::uint8_t> msg);

// Data uplink 1.1: cmacS(SNwkSIntKey, B1|msg)[0..1] | cmacF(FNwkSIntKey, B0|msg)[0..1].
// `conf_fcnt` is used only when the frame's ACK bit is set (else 0, as the spec says).
Mic data_uplink_mic_1_1(const Cmac& f_nwk_s_int_key, const Cmac& s_nwk_s_int_key, DevAddr addr,
                        std::uint32_t fcnt, std::uint16_t conf_fcnt, std::uint8_t tx_dr,
                        std::uint8_t tx_ch, std::span<const std::uint8_t> msg);
// The two halves separately, so that a solver computes cmacF once per FCnt and cmacS once per
// (TxDr, TxCh) candidate. mic = {s[0], s[1], f[0], f[1]}.
std::array<std::uint8_t, 2> data_uplink_mic_1_1_f(const Cmac& f_nwk_s_int_key, DevAddr addr,
                                                  std::uint32_t fcnt,
                                                  std::span<const std::uint8_t> msg);
std::array<std::uint8_t, 2> data_uplink_mic_1_1_s(const Cmac& s_nwk_s_int_key, DevAddr addr,
                                                  std::uint32_t fcnt, std::uint16_t conf_fcnt,
                                                  std::uint8_t tx_dr, std::uint8_t tx_ch,
                                                  std::span<const std::uint8_t> msg);
inline Mic combine_mic_1_1(std::array<std::uint8_t, 2> s, std::array<std::uint8_t, 2> f) {
  return Mic{s[0], s[1], f[0], f[1]};
}

// Data downlink 1.0.x: cmac(NwkSKey, B0(Dir=1) | msg)[0..3].
Mic data_downlink_mic_1_0(const Cmac& nwk_s_key, DevAddr addr, std::uint32_t fcnt,
                          std::span<const std::uint8_t> msg);
// Data downlink 1.1: key SNwkSIntKey, B0 carries ConfFCnt (the acknowledged uplink's FCnt,
// used only when the frame's ACK bit is set).
Mic data_downlink_mic_1_1(const Cmac& s_nwk_s_int_key, DevAddr addr, std::uint32_t fcnt,
                          std::uint16_t conf_fcnt, std::span<const std::uint8_t> msg);

}  // namespace ranbridge::lorawan
