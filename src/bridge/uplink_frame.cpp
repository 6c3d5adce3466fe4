#include "ranbridge/bridge/uplink_frame.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

namespace ranbridge::bridge {
namespace {

void set_timestamp(google::protobuf::Timestamp* ts, std::int64_t unix_us) {
  // Floor division keeps nanos in [0, 1e9) for times before 1970 too.
  std::int64_t secs = unix_us / 1'000'000;
  std::int64_t rem = unix_us % 1'000'000;
  if (rem < 0) {
    rem += 1'000'000;
    --secs;
  }
  ts->set_seconds(secs);
  ts->set_nanos(static_cast<std::int32_t>(rem * 1000));
}

// "1/3" -> the gw::CodeRate with the same ratio (1/3 is ChirpStack's CR_2_6).
gw::CodeRate fhss_code_rate(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return gw::CR_UNDEFINED;
  unsigned a = 0, b = 0;
  auto r1 = std::from_chars(text.data(), text.data() + slash, a);
  auto r2 = std::from_chars(text.data() + slash + 1, text.data() + text.size(), b);
  if (r1.ec != std::errc{} || r2.ec != std::errc{} || a == 0 || b == 0) return gw::CR_UNDEFINED;
  struct Entry {
    unsigned a, b;
    gw::CodeRate cr;
  };
  static constexpr Entry kRates[] = {{3, 8, gw::CR_3_8}, {2, 6, gw::CR_2_6}, {1, 4, gw::CR_1_4},
                                     {1, 6, gw::CR_1_6}, {5, 6, gw::CR_5_6}, {4, 5, gw::CR_4_5},
                                     {4, 6, gw::CR_4_6}, {4, 7, gw::CR_4_7}, {4, 8, gw::CR_4_8}};
  for (const auto& e : kRates)
    if (a * e.b == b * e.a) return e.cr;
  return gw::CR_UNDEFINED;
}

}  // namespace

lorawan::Mic on_air_mic(std::uint32_t v, mic::MicByteOrder order) {
  auto m = lorawan::mic_from_uint32(v);
  if (order == mic::MicByteOrder::Little) std::swap(m[0], m[3]), std::swap(m[1], m[2]);
  return m;
}

std::vector<std::uint8_t> full_phy_payload(std::span<const std::uint8_t> no_mic,
                                           const lorawan::Mic& mic) {
  std::vector<std::uint8_t> out;
  out.reserve(no_mic.size() + mic.size());
  out.insert(out.end(), no_mic.begin(), no_mic.end());
  out.insert(out.end(), mic.begin(), mic.end());
  return out;
}

gw::UplinkFrame make_uplink_frame(const ran::Upstream& up, std::span<const std::uint8_t> phy,
                                  const UplinkMeta& meta) {
  gw::UplinkFrame f;
  f.set_phy_payload(phy.data(), phy.size());

  auto* tx = f.mutable_tx_info();
  tx->set_frequency(static_cast<std::uint32_t>(up.radio.frequency));
  auto* mod = tx->mutable_modulation();
  if (const auto* lora = std::get_if<ran::LoRa>(&up.radio.modulation)) {
    auto* l = mod->mutable_lora();
    l->set_spreading_factor(lora->spreading);
    l->set_bandwidth(lora->bandwidth);
    l->set_code_rate(gw::CR_4_5);
  } else if (const auto* fsk = std::get_if<ran::Fsk>(&up.radio.modulation)) {
    auto* m = mod->mutable_fsk();
    m->set_datarate(fsk->bit_rate);
    m->set_frequency_deviation(fsk->frequency_deviation);
  } else if (const auto* fhss = std::get_if<ran::Fhss>(&up.radio.modulation)) {
    auto* m = mod->mutable_lr_fhss();
    m->set_operating_channel_width(fhss->ocw);
    m->set_code_rate(fhss_code_rate(fhss->coding_rate));
  }

  auto* rx = f.mutable_rx_info();
  rx->set_gateway_id(meta.gateway_id.to_hex());
  rx->set_uplink_id(meta.context.uplink_id);
  if (up.radio.rssi) rx->set_rssi(static_cast<std::int32_t>(std::lround(*up.radio.rssi)));
  if (up.radio.snr) rx->set_snr(static_cast<float>(*up.radio.snr));
  if (up.gps) {
    auto* loc = rx->mutable_location();
    loc->set_latitude(up.gps->lat);
    loc->set_longitude(up.gps->lng);
    if (up.gps->alt) loc->set_altitude(*up.gps->alt);
    loc->set_source(common::GPS);
  }
  set_timestamp(rx->mutable_gw_time(), meta.context.received_unix_us);
  set_timestamp(rx->mutable_ns_time(), meta.context.received_unix_us);
  rx->set_crc_status(gw::CRC_OK);
  auto ctx = encode_context(meta.context);
  rx->set_context(ctx.data(), ctx.size());
  return f;
}

lorawan::UplinkRadio to_uplink_radio(const ran::Radio& radio) {
  lorawan::UplinkRadio r;
  r.frequency_hz = radio.frequency;
  if (const auto* lora = std::get_if<ran::LoRa>(&radio.modulation)) {
    r.modulation = lorawan::Modulation::LoRa;
    r.spreading_factor = static_cast<std::uint8_t>(lora->spreading);
    r.bandwidth_hz = lora->bandwidth;
  } else if (const auto* fsk = std::get_if<ran::Fsk>(&radio.modulation)) {
    r.modulation = lorawan::Modulation::Fsk;
    r.bitrate = fsk->bit_rate;
  } else {
    r.modulation = lorawan::Modulation::LrFhss;
  }
  return r;
}

}  // namespace ranbridge::bridge
