#include "ranbridge/lorawan/mic.hpp"

#include "ranbridge/lorawan/phy_payload.hpp"

namespace ranbridge::lorawan {
namespace {

Mic first4(const Block& b) {
  return Mic{b[0], b[1], b[2], b[3]};
}

// FCtrl sits right after MHDR(1) and DevAddr(4) in every data frame.
constexpr std::size_t kFCtrlOffset = 5;
constexpr std::uint8_t kFCtrlAck = 0x20;

}  // namespace

Mic join_request_mic(const Cmac& nwk_key, std::span<const std::uint8_t> msg) {
  return first4(nwk_key.compute(msg));
}

Mic rejoin_request_mic(const Cmac& key, std::span<const std::uint8_t> msg) {
  return first4(key.compute(msg));
}

Block data_b0(Direction dir, DevAddr addr, std::uint32_t fcnt, std::uint16_t conf_fcnt,
              std::size_t msg_len) {
  Block b{};
  b[0] = 0x49;
  put_le16(&b[1], conf_fcnt);
  b[5] = static_cast<std::uint8_t>(dir);
  put_le32(&b[6], addr.value);
  put_le32(&b[10], fcnt);
  b[15] = static_cast<std::uint8_t>(msg_len);
  return b;
}

Block data_b1(DevAddr addr, std::uint32_t fcnt, std::uint16_t conf_fcnt, std::uint8_t tx_dr,
              std::uint8_t tx_ch, std::size_t msg_len) {
  Block b = data_b0(Direction::Uplink, addr, fcnt, conf_fcnt, msg_len);
  b[3] = tx_dr;
  b[4] = tx_ch;
  return b;
}

bool data_msg_ack(std::span<const std::uint8_t> msg) {
  return msg.size() > kFCtrlOffset && (msg[kFCtrlOffset] & kFCtrlAck) != 0;
}

Mic data_uplink_mic_1_0(const Cmac& nwk_s_key, DevAddr addr, std::uint32_t fcnt,
                        std::span<const std::uint8_t> msg) {
  return first4(nwk_s_key.compute(data_b0(Direction::Uplink, addr, fcnt, 0, msg.size()), msg));
}

std::array<std::uint8_t, 2> data_uplink_mic_1_1_f(const Cmac& f_nwk_s_int_key, DevAddr addr,
                                                  std::uint32_t fcnt,
                                                  std::span<const std::uint8_t> msg) {
  Block c = f_nwk_s_int_key.compute(data_b0(Direction::Uplink, addr, fcnt, 0, msg.size()), msg);
  return {c[0], c[1]};
}

std::array<std::uint8_t, 2> data_uplink_mic_1_1_s(const Cmac& s_nwk_s_int_key, DevAddr addr,
                                                  std::uint32_t fcnt, std::uint16_t conf_fcnt,
                                                  std::uint8_t tx_dr, std::uint8_t tx_ch,
                                                  std::span<const std::uint8_t> msg) {
  // ConfFCnt only counts when this uplink acknowledges a confirmed downlink.
  std::uint16_t conf = data_msg_ack(msg) ? conf_fcnt : 0;
  Block c = s_nwk_s_int_key.compute(data_b1(addr, fcnt, conf, tx_dr, tx_ch, msg.size()), msg);
  return {c[0], c[1]};
}

Mic data_uplink_mic_1_1(const Cmac& f_nwk_s_int_key, const Cmac& s_nwk_s_int_key, DevAddr addr,
                        std::uint32_t fcnt, std::uint16_t conf_fcnt, std::uint8_t tx_dr,
                        std::uint8_t tx_ch, std::span<const std::uint8_t> msg) {
  return combine_mic_1_1(
      data_uplink_mic_1_1_s(s_nwk_s_int_key, addr, fcnt, conf_fcnt, tx_dr, tx_ch, msg),
      data_uplink_mic_1_1_f(f_nwk_s_int_key, addr, fcnt, msg));
}

Mic data_downlink_mic_1_0(const Cmac& nwk_s_key, DevAddr addr, std::uint32_t fcnt,
                          std::span<const std::uint8_t> msg) {
  return first4(nwk_s_key.compute(data_b0(Direction::Downlink, addr, fcnt, 0, msg.size()), msg));
}

Mic data_downlink_mic_1_1(const Cmac& s_nwk_s_int_key, DevAddr addr, std::uint32_t fcnt,
                          std::uint16_t conf_fcnt, std::span<const std::uint8_t> msg) {
  std::uint16_t conf = data_msg_ack(msg) ? conf_fcnt : 0;
  return first4(
      s_nwk_s_int_key.compute(data_b0(Direction::Downlink, addr, fcnt, conf, msg.size()), msg));
}

}  // namespace ranbridge::lorawan
