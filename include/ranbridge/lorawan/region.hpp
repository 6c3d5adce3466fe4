#pragma once
// Regional parameters needed to verify 1.1 uplink MICs: the data-rate tables and the default
// channel plans, to turn an uplink's frequency + modulation into (TxDr, TxCh) candidates.
//
// Fixed plans (US915, AU915) give exactly one candidate. Dynamic plans (EU868, AS923-x, IN865,
// KR920) know only their default channels: a frequency outside them was added by CFList or
// NewChannelReq at an index the network chose, so every non-default index is a candidate,
// unless the caller passes the device's extra channels.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ranbridge::lorawan {

enum class Region : std::uint8_t {
  EU868,
  US915,
  AU915,
  AS923_1,
  AS923_2,
  AS923_3,
  AS923_4,
  IN865,
  KR920
};

// "EU868", "US915", "AU915", "AS923" (= AS923-1), "AS923-1".."AS923-4", "IN865", "KR920";
// case-insensitive, '_' accepted for '-'.
std::optional<Region> region_from_string(std::string_view name);
std::string_view to_string(Region r);

enum class Modulation : std::uint8_t { LoRa, Fsk, LrFhss };

struct DataRate {
  Modulation modulation = Modulation::LoRa;
  std::uint8_t spreading_factor = 0;  // LoRa
  std::uint32_t bandwidth_hz = 0;     // LoRa
  std::uint32_t bitrate = 0;          // FSK bit/s
  bool uplink = true;                 // usable for uplinks
  bool downlink = true;
};

// The region's data-rate table; index = DR number. RFU and LR-FHSS entries are present
// (LR-FHSS with modulation LrFhss) so that indices stay right.
std::span<const DataRate> data_rates(Region r);

// What the radio reported for an uplink.
struct UplinkRadio {
  std::uint64_t frequency_hz = 0;
  Modulation modulation = Modulation::LoRa;
  std::uint8_t spreading_factor = 0;  // LoRa
  std::uint32_t bandwidth_hz = 0;     // LoRa
  std::uint32_t bitrate = 0;          // FSK
};

// Uplink data rates matching the radio parameters (usually one).
std::vector<std::uint8_t> uplink_data_rates(Region r, const UplinkRadio& radio);

struct TxCandidate {
  std::uint8_t tx_dr = 0;
  std::uint8_t tx_ch = 0;
  bool operator==(const TxCandidate&) const = default;
};

// Frequencies are matched within this tolerance (a frequency from a float MHz value may be
// off by a few Hz).
inline constexpr std::uint32_t kFrequencyToleranceHz = 1000;

// All (TxDr, TxCh) pairs the uplink may have used, most likely first. `extra_channels` are the
// frequencies of the device's channels after the defaults (CFList order: index = number of
// default channels + position). Empty result: the frequency or modulation is not valid for
// the region.
std::vector<TxCandidate> uplink_tx_candidates(Region r, const UplinkRadio& radio,
                                              std::span<const std::uint64_t> extra_channels = {});

// Default uplink channels of dynamic plans (empty for US915/AU915), index = channel number.
std::span<const std::uint64_t> default_channels(Region r);
// Highest channel index of the region (15 for dynamic plans, 71 for US915/AU915).
std::uint8_t max_channel_index(Region r);

}  // namespace ranbridge::lorawan
