#pragma once
// ran::Upstream (+ the solved MIC) -> ChirpStack gw::UplinkFrame, pure.
//
// Field mapping (docs/bridge.md):
//  - phy_payload: PHYPayloadNoMIC + the 4 on-air MIC bytes of the winning challenge value;
//  - tx_info.frequency (Hz); LoRa: spreading_factor, bandwidth (Hz), code_rate CR_4_5 (RAN
//    reports none; LoRaWAN uplinks use 4/5 in every region); FSK: datarate, frequency
//    deviation; LR-FHSS: operating channel width and code rate (parsed from "a/b");
//  - rx_info: gateway_id (region's virtual gateway), a random uplink_id, rssi rounded to
//    int, snr, location from RAN's GPS (source GPS), gw_time and ns_time = when the bridge
//    received the upstream (RAN forwards no gateway timestamp), crc_status CRC_OK (RAN
//    delivers only frames with a good CRC), context = encode_context().

#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include "ranbridge/bridge/uplink_context.hpp"
#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/lns/topics.hpp"
#include "ranbridge/mic/solver.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::bridge {

// The on-air MIC bytes for a challenge value read with `order`.
lorawan::Mic on_air_mic(std::uint32_t challenge_value, mic::MicByteOrder order);

// PHYPayloadNoMIC followed by the MIC: the frame as the device sent it.
std::vector<std::uint8_t> full_phy_payload(std::span<const std::uint8_t> no_mic,
                                           const lorawan::Mic& mic);

struct UplinkMeta {
  lns::GatewayId gateway_id;
  UplinkContext context;  // its uplink_id and received time are used for rx_info too
};

gw::UplinkFrame make_uplink_frame(const ran::Upstream& up, std::span<const std::uint8_t> phy,
                                  const UplinkMeta& meta);

// The LoRaWAN radio description the solver needs (1.1 TxDr/TxCh candidates).
lorawan::UplinkRadio to_uplink_radio(const ran::Radio& radio);

}  // namespace ranbridge::bridge
