#include "ranbridge/bridge/downlink_plan.hpp"

#include <cmath>

namespace ranbridge::bridge {
namespace {

using ops::DownlinkClass;
using ops::DownlinkResult;

constexpr std::uint8_t kMTypeJoinAccept = 1;
constexpr std::uint8_t kMTypeUnconfirmedDown = 3;
constexpr std::uint8_t kMTypeConfirmedDown = 5;

DownlinkFailure failure(gw::TxAckStatus status, DownlinkResult result, std::string reason) {
  return DownlinkFailure{status, result, std::move(reason)};
}

std::optional<UplinkContext> context_of(const gw::DownlinkFrameItem& item) {
  const auto& c = item.tx_info().context();
  if (c.empty()) return std::nullopt;
  auto decoded =
      decode_context(std::span(reinterpret_cast<const std::uint8_t*>(c.data()), c.size()));
  if (auto* ctx = std::get_if<UplinkContext>(&decoded)) return *ctx;
  return std::nullopt;  // not ours (another bridge's or a test's): fall back to the DevAddr
}

std::int64_t duration_us(const google::protobuf::Duration& d) {
  return d.seconds() * 1'000'000 + d.nanos() / 1000;
}

std::optional<DownlinkFailure> plan_radio(const gw::DownlinkTxInfo& tx, ran::Radio& radio) {
  if (tx.frequency() == 0)
    return failure(gw::TX_FREQ, DownlinkResult::Unsupported, "frequency is 0");
  radio.frequency = tx.frequency();
  const auto& m = tx.modulation();
  if (m.has_lora()) {
    const auto& l = m.lora();
    if (l.spreading_factor() < 5 || l.spreading_factor() > 12)
      return failure(
          gw::TX_FREQ, DownlinkResult::Unsupported,
          "LoRa spreading factor " + std::to_string(l.spreading_factor()) + " not in 5..12");
    if (l.bandwidth() == 0)
      return failure(gw::TX_FREQ, DownlinkResult::Unsupported, "LoRa bandwidth is 0");
    radio.modulation = ran::LoRa{l.spreading_factor(), l.bandwidth()};
  } else if (m.has_fsk()) {
    if (m.fsk().datarate() == 0)
      return failure(gw::TX_FREQ, DownlinkResult::Unsupported, "FSK datarate is 0");
    radio.modulation = ran::Fsk{m.fsk().frequency_deviation(), m.fsk().datarate()};
  } else if (m.has_lr_fhss()) {
    return failure(gw::TX_FREQ, DownlinkResult::Unsupported, "LR-FHSS downlinks are not supported");
  } else {
    return failure(gw::TX_FREQ, DownlinkResult::Unsupported, "no modulation");
  }
  return std::nullopt;
}

// 0 -> TOO_EARLY, above `max` -> TOO_LATE (too far ahead for RAN to take it).
std::optional<DownlinkFailure> check_range(std::int64_t v, std::int64_t max, const char* what) {
  if (v <= 0)
    return failure(gw::TOO_EARLY, DownlinkResult::BadTiming,
                   std::string(what) + " " + std::to_string(v) + " is below 1");
  if (v > max)
    return failure(
        gw::TOO_LATE, DownlinkResult::BadTiming,
        std::string(what) + " " + std::to_string(v) + " is above " + std::to_string(max));
  return std::nullopt;
}

}  // namespace

std::optional<DownlinkClass> class_of(const gw::DownlinkFrameItem& item) {
  const auto& t = item.tx_info().timing();
  if (t.has_delay()) return DownlinkClass::A;
  if (t.has_gps_epoch()) return DownlinkClass::B;
  if (t.has_immediately()) return DownlinkClass::C;
  return std::nullopt;
}

TargetPlan resolve_target(const gw::DownlinkFrame& frame, const TargetLookups& lookups) {
  if (frame.items_size() == 0)
    return failure(gw::INTERNAL_ERROR, DownlinkResult::Unsupported, "frame has no items");
  const auto& first = frame.items(0);
  auto cls = class_of(first);
  if (!cls) return failure(gw::INTERNAL_ERROR, DownlinkResult::BadTiming, "item has no timing");

  DownlinkTarget t;
  t.cls = *cls;
  t.context = context_of(first);
  const auto& phy = first.phy_payload();
  if (phy.empty())
    return failure(gw::INTERNAL_ERROR, DownlinkResult::Unsupported, "empty PHYPayload");
  const std::uint8_t mtype = static_cast<std::uint8_t>(phy[0]) >> 5;
  const bool join_accept = mtype == kMTypeJoinAccept;

  std::optional<lorawan::DevEui> dev_eui;
  if (t.context) {
    dev_eui = t.context->dev_eui;
  } else if (join_accept) {
    return failure(gw::INTERNAL_ERROR, DownlinkResult::UnknownDevice,
                   "join accept without the join request's context");
  } else if ((mtype == kMTypeUnconfirmedDown || mtype == kMTypeConfirmedDown) && phy.size() >= 5) {
    const auto* b = reinterpret_cast<const std::uint8_t*>(phy.data());
    const lorawan::DevAddr addr{
        static_cast<std::uint32_t>(b[1]) | static_cast<std::uint32_t>(b[2]) << 8 |
        static_cast<std::uint32_t>(b[3]) << 16 | static_cast<std::uint32_t>(b[4]) << 24};
    if (lookups.is_multicast_group && lookups.is_multicast_group(addr)) {
      t.who = MulticastTarget{addr};
      t.region_index = lookups.command_region;
      return t;
    }
    if (lookups.dev_eui_of_addr) dev_eui = lookups.dev_eui_of_addr(addr);
    if (!dev_eui)
      return failure(gw::INTERNAL_ERROR, DownlinkResult::UnknownDevice,
                     "no session or multicast group has DevAddr " + addr.to_hex());
  } else {
    return failure(gw::INTERNAL_ERROR, DownlinkResult::Unsupported,
                   "PHYPayload is not a downlink data frame or join accept (MType " +
                       std::to_string(mtype) + ")");
  }
  if (lookups.is_known_device && !lookups.is_known_device(*dev_eui))
    return failure(gw::INTERNAL_ERROR, DownlinkResult::UnknownDevice,
                   "DevEUI " + dev_eui->to_hex() + " is not in the devices files");
  t.who = UnicastTarget{*dev_eui, join_accept};

  std::optional<std::size_t> region;
  if (t.context && (t.cls == DownlinkClass::A || join_accept)) region = t.context->region_index;
  if (!region && lookups.last_region)
    if (auto r = lookups.last_region(*dev_eui)) region = *r;
  if (!region && t.context) region = t.context->region_index;
  if (!region) region = lookups.fallback_region;
  if (!region)
    return failure(gw::INTERNAL_ERROR, DownlinkResult::UnknownDevice,
                   "no region has heard device " + dev_eui->to_hex() +
                       " and downlink.fallback_region is not set");
  if (*region >= lookups.region_count)
    return failure(
        gw::INTERNAL_ERROR, DownlinkResult::UnknownDevice,
        "context names region index " + std::to_string(*region) + ", which is not configured");
  t.region_index = *region;
  return t;
}

ItemPlan plan_item(const gw::DownlinkFrameItem& item, const std::optional<UplinkContext>& context,
                   std::int64_t now_unix_us, const ItemPlanOptions& options) {
  PlannedItem p;
  const auto& tx = item.tx_info();
  if (auto f = plan_radio(tx, p.window.radio)) return *f;
  p.power_dropped = tx.power() != 0;
  const auto& timing = tx.timing();
  if (timing.has_delay()) {
    const std::int64_t us = duration_us(timing.delay().delay());
    const std::int64_t seconds = (us + 500'000) / 1'000'000;  // RAN takes whole seconds
    if (auto f = check_range(seconds, 15, "delay")) return *f;
    p.window.timing = ran::Delay{static_cast<std::uint32_t>(seconds)};
    const std::int64_t base = context ? context->received_unix_us : now_unix_us;
    p.window_end_unix_us = base + seconds * 1'000'000;
  } else if (timing.has_gps_epoch()) {
    const std::int64_t gps_us = duration_us(timing.gps_epoch().time_since_gps_epoch());
    const std::int64_t at = ran::gps_to_unix_us(gps_us);
    if (gps_us <= 0 || at <= now_unix_us)
      return failure(gw::TOO_LATE, DownlinkResult::BadTiming, "gps_epoch time is in the past");
    if (at - now_unix_us > kMaxClassBAheadSeconds * 1'000'000)
      return failure(
          gw::TOO_EARLY, DownlinkResult::BadTiming,
          "gps_epoch time is more than " + std::to_string(kMaxClassBAheadSeconds) + " s ahead");
    // The ping slot itself, in GPS milliseconds (what Everynet's bridge sends: one slot).
    p.window.timing = ran::Tmms{{static_cast<std::uint64_t>(gps_us / 1000)}};
    p.window_end_unix_us = at;
  } else if (timing.has_immediately()) {
    if (options.deadline_policy == ops::DeadlinePolicy::Absolute) {
      const std::int64_t end = now_unix_us + options.class_c_deadline.count() * 1'000'000;
      p.window.timing = ran::Deadline{static_cast<std::uint64_t>(end / 1'000'000)};
      p.window_end_unix_us = end;
    } else {
      p.window.timing = ran::Deadline{1};  // what Everynet's own ChirpStack bridge sends
      p.window_end_unix_us = now_unix_us + options.immediate_window.count() * 1'000'000;
    }
  } else {
    return failure(gw::INTERNAL_ERROR, DownlinkResult::BadTiming, "item has no timing");
  }
  return p;
}

ran::DownstreamRequest make_request(const DownlinkTarget& target, ran::TransactionId tx,
                                    const PlannedItem& item, std::vector<std::uint8_t> phy_payload,
                                    std::optional<lorawan::DevAddr> target_dev_addr) {
  if (const auto* m = std::get_if<MulticastTarget>(&target.who)) {
    ran::MulticastDownstream d;
    d.transaction_id = tx;
    d.addr = m->addr;
    d.tx_window = item.window;
    d.phy_payload = std::move(phy_payload);
    return d;
  }
  const auto& u = std::get<UnicastTarget>(target.who);
  ran::Downstream d;
  d.transaction_id = tx;
  d.dev_eui = u.dev_eui;
  d.target_dev_addr = target_dev_addr;
  d.tx_window = item.window;
  d.phy_payload = std::move(phy_payload);
  return d;
}

gw::TxAckStatus tx_ack_status(ran::ResultCode code) {
  switch (code) {
    case ran::ResultCode::Success:
      return gw::OK;
    case ran::ResultCode::TooLate:
    case ran::ResultCode::WindowNotFound:
      return gw::TOO_LATE;
    case ran::ResultCode::GatewayNotFound:
    case ran::ResultCode::NoAck:
    case ran::ResultCode::GatewayError:
      return gw::INTERNAL_ERROR;
  }
  return gw::INTERNAL_ERROR;
}

ops::DownlinkResult downlink_result(ran::ResultCode code) {
  switch (code) {
    case ran::ResultCode::Success:
      return DownlinkResult::Success;
    case ran::ResultCode::WindowNotFound:
      return DownlinkResult::WindowNotFound;
    case ran::ResultCode::GatewayNotFound:
      return DownlinkResult::GatewayNotFound;
    case ran::ResultCode::TooLate:
      return DownlinkResult::TooLate;
    case ran::ResultCode::NoAck:
      return DownlinkResult::NoAck;
    case ran::ResultCode::GatewayError:
      return DownlinkResult::GatewayError;
  }
  return DownlinkResult::GatewayError;
}

bool worth_next_item(ran::ResultCode code) {
  return code == ran::ResultCode::TooLate || code == ran::ResultCode::WindowNotFound;
}

std::vector<gw::TxAckStatus> statuses_with(std::size_t item_count, std::size_t index,
                                           gw::TxAckStatus status) {
  std::vector<gw::TxAckStatus> s(std::max<std::size_t>(item_count, 1), gw::IGNORED);
  s[std::min(index, s.size() - 1)] = status;
  return s;
}

gw::DownlinkTxAck make_tx_ack(const std::string& gateway_id_hex, std::uint32_t downlink_id,
                              const std::vector<gw::TxAckStatus>& statuses) {
  gw::DownlinkTxAck ack;
  ack.set_gateway_id(gateway_id_hex);
  ack.set_downlink_id(downlink_id);
  for (auto s : statuses) ack.add_items()->set_status(s);
  return ack;
}

}  // namespace ranbridge::bridge
