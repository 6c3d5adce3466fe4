#pragma once
// Downlink planning, as pure functions (issue 5 §1-2; docs/bridge.md "Downlinks"):
// a ChirpStack DownlinkFrame plus what the bridge knows (uplink context, sessions, multicast
// groups, last-heard regions) -> which device or group, which region, and per item the RAN
// TxWindow; RAN's result codes -> TxAck statuses. No I/O, no clock reads (`now` is a
// parameter), so every rule is unit-tested (tests/unit/bridge/downlink_plan_test.cpp).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ranbridge/bridge/uplink_context.hpp"
#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/lorawan/types.hpp"
#include "ranbridge/ops/config.hpp"
#include "ranbridge/ops/metrics.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::bridge {

// Why the bridge itself cannot send (an item of) a downlink: the TxAck status for that item,
// the metric label and a reason for the debug log.
struct DownlinkFailure {
  gw::TxAckStatus status = gw::INTERNAL_ERROR;
  ops::DownlinkResult result = ops::DownlinkResult::UnknownDevice;
  std::string reason;
};

struct UnicastTarget {
  lorawan::DevEui dev_eui;
  bool join_accept = false;  // MType 001: needs mic::accept_join and TargetDevAddr
};
struct MulticastTarget {
  lorawan::DevAddr addr;
};

struct DownlinkTarget {
  std::variant<UnicastTarget, MulticastTarget> who;
  std::size_t region_index = 0;
  ops::DownlinkClass cls = ops::DownlinkClass::A;
  std::optional<UplinkContext> context;  // decoded from the first item, when it is ours
};

// What the planner may look up (the service binds these to its stores).
struct TargetLookups {
  std::size_t region_count = 0;
  std::size_t command_region = 0;              // the region whose command topic carried it
  std::optional<std::size_t> fallback_region;  // downlink.fallback_region
  std::function<bool(lorawan::DevAddr)> is_multicast_group;
  // The DevEUI of the device whose active (else pending) session uses this DevAddr.
  std::function<std::optional<lorawan::DevEui>(lorawan::DevAddr)> dev_eui_of_addr;
  std::function<std::optional<std::uint8_t>(lorawan::DevEui)> last_region;
  // Whether the devices files hold this DevEUI: a context naming another device is refused
  // (RAN would only answer GatewayNotFound after a round trip). Unset = every device known.
  std::function<bool(lorawan::DevEui)> is_known_device;
};

using TargetPlan = std::variant<DownlinkTarget, DownlinkFailure>;
// Device: the context's DevEUI (class A replies, join accepts; ChirpStack also echoes the
// last uplink's context on class B/C), else the data frame's DevAddr -> multicast group or
// session. Region: class A -> the context's region; otherwise the region that last heard the
// device, else the context's region, else fallback_region; multicast -> command_region.
TargetPlan resolve_target(const gw::DownlinkFrame& frame, const TargetLookups& lookups);

// The class a frame's item asks for: delay -> A, gps_epoch -> B, immediately -> C.
std::optional<ops::DownlinkClass> class_of(const gw::DownlinkFrameItem& item);

struct ItemPlanOptions {
  ops::DeadlinePolicy deadline_policy = ops::DeadlinePolicy::RanDefault;
  std::chrono::seconds class_c_deadline{0};  // Absolute only
  // How long an `immediately` item under ran-default may wait for a downstream socket
  // (ChirpStack forgets a downlink after 30 s, so a later TxAck is useless).
  std::chrono::seconds immediate_window{30};
};

struct PlannedItem {
  ran::TxWindow window;
  std::int64_t window_end_unix_us = 0;  // after this the item cannot make its window
  bool power_dropped = false;           // tx_info.power was set (RAN has no power field)
};
using ItemPlan = std::variant<PlannedItem, DownlinkFailure>;

// How far ahead a class B ping slot may be: RAN schedules at most 512 s ahead (its Deadline
// maximum), and a ping slot is never more than one 128 s beacon period away.
inline constexpr std::int64_t kMaxClassBAheadSeconds = 512;

// Timing: delay -> Delay (whole seconds, 1..15; 0 -> TOO_EARLY, above -> TOO_LATE);
// gps_epoch -> TMMS = [the ping slot's GPS time in ms] (past -> TOO_LATE, beyond
// kMaxClassBAheadSeconds -> TOO_EARLY); immediately -> Deadline (ran-default: 1, what
// Everynet's bridge sends; absolute: now + class_c_deadline).
// Radio: frequency and LoRa SF/BW or FSK, else TX_FREQ.
ItemPlan plan_item(const gw::DownlinkFrameItem& item, const std::optional<UplinkContext>& context,
                   std::int64_t now_unix_us, const ItemPlanOptions& options);

// The RAN message for one planned item under transaction id `tx`.
ran::DownstreamRequest make_request(const DownlinkTarget& target, ran::TransactionId tx,
                                    const PlannedItem& item, std::vector<std::uint8_t> phy_payload,
                                    std::optional<lorawan::DevAddr> target_dev_addr);

// RAN result code -> TxAck status (docs/bridge.md): Success OK; TooLate, WindowNotFound
// TOO_LATE; GatewayNotFound, NoAck, GatewayError INTERNAL_ERROR.
gw::TxAckStatus tx_ack_status(ran::ResultCode code);
ops::DownlinkResult downlink_result(ran::ResultCode code);
// TooLate / WindowNotFound: the next item (RX2) may still make its window.
bool worth_next_item(ran::ResultCode code);

// One status per frame item (items never tried stay IGNORED).
gw::DownlinkTxAck make_tx_ack(const std::string& gateway_id_hex, std::uint32_t downlink_id,
                              const std::vector<gw::TxAckStatus>& statuses);
// All IGNORED but `status` at `index` (bridge-side failures).
std::vector<gw::TxAckStatus> statuses_with(std::size_t item_count, std::size_t index,
                                           gw::TxAckStatus status);

}  // namespace ranbridge::bridge
