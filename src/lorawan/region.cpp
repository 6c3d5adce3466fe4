#include "ranbridge/lorawan/region.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace ranbridge::lorawan {
namespace {

constexpr DataRate lora(std::uint8_t sf, std::uint32_t bw, bool up = true, bool down = true) {
  return DataRate{Modulation::LoRa, sf, bw, 0, up, down};
}
constexpr DataRate fsk() {
  return DataRate{Modulation::Fsk, 0, 0, 50000, true, true};
}
constexpr DataRate lr_fhss(std::uint32_t ocw_hz) {
  return DataRate{Modulation::LrFhss, 0, ocw_hz, 0, true, false};
}
constexpr DataRate rfu() {
  return DataRate{Modulation::LoRa, 0, 0, 0, false, false};
}

// RP002-1.0.4 data-rate tables.
constexpr std::array kEu868 = {
    lora(12, 125000), lora(11, 125000), lora(10, 125000), lora(9, 125000),
    lora(8, 125000),  lora(7, 125000),  lora(7, 250000),  fsk(),
    lr_fhss(137000),  lr_fhss(137000),  lr_fhss(336000),  lr_fhss(336000)};
constexpr std::array kUs915 = {lora(10, 125000, true, false),
                               lora(9, 125000, true, false),
                               lora(8, 125000, true, false),
                               lora(7, 125000, true, false),
                               lora(8, 500000, true, false),
                               lr_fhss(1523000),
                               lr_fhss(1523000),
                               rfu(),
                               lora(12, 500000, false, true),
                               lora(11, 500000, false, true),
                               lora(10, 500000, false, true),
                               lora(9, 500000, false, true),
                               lora(8, 500000, false, true),
                               lora(7, 500000, false, true)};
constexpr std::array kAu915 = {lora(12, 125000),
                               lora(11, 125000),
                               lora(10, 125000),
                               lora(9, 125000),
                               lora(8, 125000),
                               lora(7, 125000),
                               lora(8, 500000, true, false),
                               lr_fhss(1523000),
                               lora(12, 500000, false, true),
                               lora(11, 500000, false, true),
                               lora(10, 500000, false, true),
                               lora(9, 500000, false, true),
                               lora(8, 500000, false, true),
                               lora(7, 500000, false, true)};
constexpr std::array kAs923 = {
    lora(12, 125000), lora(11, 125000), lora(10, 125000), lora(9, 125000),
    lora(8, 125000),  lora(7, 125000),  lora(7, 250000),  fsk()};
constexpr std::array kIn865 = {lora(12, 125000),
                               lora(11, 125000),
                               lora(10, 125000),
                               lora(9, 125000),
                               lora(8, 125000),
                               lora(7, 125000),
                               rfu(),
                               fsk()};
constexpr std::array kKr920 = {lora(12, 125000), lora(11, 125000), lora(10, 125000),
                               lora(9, 125000),  lora(8, 125000),  lora(7, 125000)};

constexpr std::array<std::uint64_t, 3> kEu868Defaults = {868100000, 868300000, 868500000};
constexpr std::array<std::uint64_t, 2> kAs923_1Defaults = {923200000, 923400000};
constexpr std::array<std::uint64_t, 2> kAs923_2Defaults = {921400000, 921600000};
constexpr std::array<std::uint64_t, 2> kAs923_3Defaults = {916600000, 916800000};
constexpr std::array<std::uint64_t, 2> kAs923_4Defaults = {917300000, 917500000};
constexpr std::array<std::uint64_t, 3> kIn865Defaults = {865062500, 865402500, 865985000};
constexpr std::array<std::uint64_t, 3> kKr920Defaults = {922100000, 922300000, 922500000};

constexpr std::uint8_t kDynamicMaxChannel = 15;
constexpr std::uint8_t kFixedMaxChannel = 71;

struct Band {
  std::uint64_t low, high;
};
// Where a dynamic plan's channels may lie (the union over the countries using the plan).
Band band(Region r) {
  switch (r) {
    case Region::EU868:
      return {863000000, 870000000};
    case Region::IN865:
      return {865000000, 867000000};
    case Region::KR920:
      return {920900000, 923300000};
    case Region::US915:
      return {902000000, 928000000};
    case Region::AU915:
      return {915000000, 928000000};
    default:
      return {915000000, 928000000};  // AS923-1..4
  }
}

bool near(std::uint64_t a, std::uint64_t b) {
  return (a > b ? a - b : b - a) <= kFrequencyToleranceHz;
}

// Channel index on a regular grid (first + n*step, n < count), or nullopt.
std::optional<std::uint8_t> on_grid(std::uint64_t f, std::uint64_t first, std::uint64_t step,
                                    unsigned count) {
  if (f + kFrequencyToleranceHz < first) return std::nullopt;
  const std::uint64_t n = (f + step / 2 - first) / step;
  if (n >= count || !near(f, first + n * step)) return std::nullopt;
  return static_cast<std::uint8_t>(n);
}

bool is_fixed(Region r) {
  return r == Region::US915 || r == Region::AU915;
}

}  // namespace

std::optional<Region> region_from_string(std::string_view name) {
  std::string n;
  for (char c : name) n.push_back(c == '_' ? '-' : static_cast<char>(std::toupper(c)));
  if (n == "EU868") return Region::EU868;
  if (n == "US915") return Region::US915;
  if (n == "AU915") return Region::AU915;
  if (n == "AS923" || n == "AS923-1") return Region::AS923_1;
  if (n == "AS923-2") return Region::AS923_2;
  if (n == "AS923-3") return Region::AS923_3;
  if (n == "AS923-4") return Region::AS923_4;
  if (n == "IN865") return Region::IN865;
  if (n == "KR920") return Region::KR920;
  return std::nullopt;
}

std::string_view to_string(Region r) {
  switch (r) {
    case Region::EU868:
      return "EU868";
    case Region::US915:
      return "US915";
    case Region::AU915:
      return "AU915";
    case Region::AS923_1:
      return "AS923-1";
    case Region::AS923_2:
      return "AS923-2";
    case Region::AS923_3:
      return "AS923-3";
    case Region::AS923_4:
      return "AS923-4";
    case Region::IN865:
      return "IN865";
    case Region::KR920:
      return "KR920";
  }
  return "unknown";
}

std::span<const DataRate> data_rates(Region r) {
  switch (r) {
    case Region::EU868:
      return kEu868;
    case Region::US915:
      return kUs915;
    case Region::AU915:
      return kAu915;
    case Region::IN865:
      return kIn865;
    case Region::KR920:
      return kKr920;
    default:
      return kAs923;
  }
}

std::span<const std::uint64_t> default_channels(Region r) {
  switch (r) {
    case Region::EU868:
      return kEu868Defaults;
    case Region::AS923_1:
      return kAs923_1Defaults;
    case Region::AS923_2:
      return kAs923_2Defaults;
    case Region::AS923_3:
      return kAs923_3Defaults;
    case Region::AS923_4:
      return kAs923_4Defaults;
    case Region::IN865:
      return kIn865Defaults;
    case Region::KR920:
      return kKr920Defaults;
    default:
      return {};
  }
}

std::uint8_t max_channel_index(Region r) {
  return is_fixed(r) ? kFixedMaxChannel : kDynamicMaxChannel;
}

std::vector<std::uint8_t> uplink_data_rates(Region r, const UplinkRadio& radio) {
  std::vector<std::uint8_t> out;
  auto table = data_rates(r);
  for (std::size_t i = 0; i < table.size(); ++i) {
    const DataRate& d = table[i];
    if (!d.uplink || d.modulation != radio.modulation) continue;
    bool match = false;
    if (d.modulation == Modulation::LoRa)
      match = d.spreading_factor == radio.spreading_factor && d.bandwidth_hz == radio.bandwidth_hz;
    else if (d.modulation == Modulation::Fsk)
      match = d.bitrate == radio.bitrate;
    // LR-FHSS uplinks need the coding rate and grid to pick a DR: not supported here.
    if (match) out.push_back(static_cast<std::uint8_t>(i));
  }
  return out;
}

std::vector<TxCandidate> uplink_tx_candidates(Region r, const UplinkRadio& radio,
                                              std::span<const std::uint64_t> extra_channels) {
  std::vector<TxCandidate> out;
  const Band b = band(r);
  if (radio.frequency_hz + kFrequencyToleranceHz < b.low ||
      radio.frequency_hz > b.high + kFrequencyToleranceHz)
    return out;
  for (std::uint8_t dr : uplink_data_rates(r, radio)) {
    const DataRate& d = data_rates(r)[dr];
    if (is_fixed(r)) {
      // Fixed plans: 64 x 125 kHz channels then 8 x 500 kHz channels on fixed grids; the
      // bandwidth decides which grid applies.
      const bool wide = d.bandwidth_hz == 500000;
      const std::uint64_t first125 = r == Region::US915 ? 902300000 : 915200000;
      const std::uint64_t first500 = r == Region::US915 ? 903000000 : 915900000;
      auto ch = wide ? on_grid(radio.frequency_hz, first500, 1600000, 8)
                     : on_grid(radio.frequency_hz, first125, 200000, 64);
      if (ch) out.push_back({dr, static_cast<std::uint8_t>(wide ? 64 + *ch : *ch)});
      continue;
    }
    auto defaults = default_channels(r);
    auto is_at = [&](std::uint64_t f) { return near(f, radio.frequency_hz); };
    if (auto it = std::find_if(defaults.begin(), defaults.end(), is_at); it != defaults.end()) {
      out.push_back({dr, static_cast<std::uint8_t>(it - defaults.begin())});
      continue;
    }
    auto it = std::find_if(extra_channels.begin(), extra_channels.end(), is_at);
    const std::size_t ch = defaults.size() + static_cast<std::size_t>(it - extra_channels.begin());
    if (it != extra_channels.end() && ch <= kDynamicMaxChannel) {
      out.push_back({dr, static_cast<std::uint8_t>(ch)});
      continue;
    }
    // Unknown channel: any non-default index the network could have assigned.
    for (std::size_t c = defaults.size(); c <= kDynamicMaxChannel; ++c)
      out.push_back({dr, static_cast<std::uint8_t>(c)});
  }
  return out;
}

}  // namespace ranbridge::lorawan
