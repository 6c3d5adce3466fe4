#pragma once
// Domain types of the RAN Routing API v1 (contract: shared/protocol/ran-routing-api-v1.md).
// Plain values: no I/O, no JSON. The wire codec (codec.hpp) maps them to and from JSON and
// validates them against the contract's ranges.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::ran {

using lorawan::DevAddr;
using lorawan::DevEui;
using lorawan::JoinEui;

// A transaction id is a uint64 > 0 (RAN picks it for upstream, the LNS for downstream).
using TransactionId = std::uint64_t;

// ---- radio ---------------------------------------------------------------------------------

struct LoRa {
  std::uint32_t spreading = 7;       // spreading factor, 5..12
  std::uint32_t bandwidth = 125000;  // Hz
  bool operator==(const LoRa&) const = default;
};
struct Fsk {
  std::uint32_t frequency_deviation = 0;  // Hz
  std::uint32_t bit_rate = 0;             // bit/s
  bool operator==(const Fsk&) const = default;
};
struct Fhss {
  std::uint32_t ocw = 0;    // operating channel width (sent as "OCW"; "Ocw" accepted)
  std::string coding_rate;  // e.g. "1/3"
  bool operator==(const Fhss&) const = default;
};
// Exactly one modulation per radio: the variant makes "none" and "two" unrepresentable.
using Modulation = std::variant<LoRa, Fsk, Fhss>;

struct Radio {
  std::uint64_t frequency = 0;  // Hz
  Modulation modulation = LoRa{};
  std::optional<double> rssi;  // upstream only
  std::optional<double> snr;   // upstream only
  bool operator==(const Radio&) const = default;
};

struct Gps {
  double lat = 0;
  double lng = 0;
  std::optional<double> alt;
  bool operator==(const Gps&) const = default;
};

// ---- upstream socket -----------------------------------------------------------------------

// RAN -> LNS: one uplink frame with its MIC challenge.
struct Upstream {
  TransactionId transaction_id = 0;
  bool outdated =
      false;  // "Outdated" is optional on the wire; absent = false, encoded only when true
  std::vector<DevEui> dev_euis;
  Radio radio;
  std::vector<std::uint8_t> phy_payload_no_mic;
  std::vector<std::uint32_t> mic_challenge;  // 2..4096 candidates, one is the true MIC
  std::optional<Gps> gps;
  bool operator==(const Upstream&) const = default;
};

// LNS -> RAN: the MIC was found in the challenge and belongs to dev_eui.
struct UpstreamAck {
  TransactionId transaction_id = 0;
  DevEui dev_eui;
  std::uint32_t mic = 0;  // the 4 on-air MIC bytes read big-endian (lorawan::mic_to_uint32)
  bool operator==(const UpstreamAck&) const = default;
};

enum class RejectCode { MicFailed, Other };  // wire: "MICFailed", "Other"

// LNS -> RAN: the frame is not ours / cannot be handled.
struct UpstreamReject {
  TransactionId transaction_id = 0;
  RejectCode code = RejectCode::Other;
  std::optional<std::string> message;
  bool operator==(const UpstreamReject&) const = default;
};

// ---- downstream socket ---------------------------------------------------------------------

// Class A: seconds after the device's last acked uplink (1..15).
struct Delay {
  std::uint32_t seconds = 1;
  bool operator==(const Delay&) const = default;
};
// Class B: the ping slots RAN may use, as GPS time in milliseconds (time since the GPS epoch
// 1980-01-06), 1..8 of them (wire key "TMMS", a JSON array of integers, as Everynet's client
// and its ChirpStack bridge send it: one slot = gps_seconds * 1000 + milliseconds).
struct Tmms {
  std::vector<std::uint64_t> gps_ms;
  bool operator==(const Tmms&) const = default;
};
// Unix time <-> GPS time (since 1980-01-06; GPS does not count the 18 leap seconds since).
inline constexpr std::int64_t kGpsEpochUnixSeconds = 315964800;
inline constexpr std::int64_t kGpsLeapSeconds = 18;
constexpr std::int64_t gps_to_unix_us(std::int64_t gps_us) {
  return gps_us + (kGpsEpochUnixSeconds - kGpsLeapSeconds) * 1'000'000;
}
constexpr std::int64_t unix_to_gps_us(std::int64_t unix_us) {
  return unix_us - (kGpsEpochUnixSeconds - kGpsLeapSeconds) * 1'000'000;
}
// Class C: send before this moment, as integer Unix time in seconds (wire key "Deadline").
// The contract only says "send before this time" (RAN's default and maximum: now + 512 s);
// the official client carries it as an integer, and seconds is what its examples use.
struct Deadline {
  std::uint64_t unix_seconds = 0;
  bool operator==(const Deadline&) const = default;
};
using TxTiming = std::variant<Delay, Tmms, Deadline>;

struct TxWindow {
  Radio radio;  // rssi/snr must be absent
  TxTiming timing = Delay{};
  bool operator==(const TxWindow&) const = default;
};

// LNS -> RAN: unicast downlink (also join accepts, with target_dev_addr set).
struct Downstream {
  TransactionId transaction_id = 0;
  DevEui dev_eui;
  std::optional<DevAddr> target_dev_addr;
  TxWindow tx_window;
  std::vector<std::uint8_t> phy_payload;
  bool operator==(const Downstream&) const = default;
};

// LNS -> RAN: downlink to a multicast group.
struct MulticastDownstream {
  TransactionId transaction_id = 0;
  DevAddr addr;
  TxWindow tx_window;
  std::vector<std::uint8_t> phy_payload;
  bool operator==(const MulticastDownstream&) const = default;
};

// RAN -> LNS: received and scheduled.
struct DownstreamAck {
  TransactionId transaction_id = 0;
  std::uint64_t mailbox_id = 0;  // > 0
  bool operator==(const DownstreamAck&) const = default;
};

enum class ResultCode { Success, WindowNotFound, GatewayNotFound, TooLate, NoAck, GatewayError };

// RAN -> LNS: final outcome of a downstream.
struct DownstreamResult {
  TransactionId transaction_id = 0;
  ResultCode code = ResultCode::Success;
  std::string message;           // "ResultMessage"; may be empty
  std::uint64_t mailbox_id = 0;  // "MailboxID"; 0 when RAN did not send one
  bool operator==(const DownstreamResult&) const = default;
};

// What each socket receives.
using UpstreamAnswer = std::variant<UpstreamAck, UpstreamReject>;         // RAN side
using DownstreamRequest = std::variant<Downstream, MulticastDownstream>;  // RAN side
using DownstreamAnswer = std::variant<DownstreamAck, DownstreamResult>;   // LNS side

// ---- REST objects --------------------------------------------------------------------------

// A routing-table entry. Always has a JoinEUI or an ActiveDevAddr (or both).
struct Device {
  DevEui dev_eui;
  std::optional<JoinEui> join_eui;
  std::optional<DevAddr> active_dev_addr;
  std::optional<DevAddr> target_dev_addr;
  std::optional<std::string> details;  // free JSON text, stored by RAN as given
  std::string created_at;              // ISO-8601 without zone, e.g. 2022-05-31T07:14:04.473749
  bool operator==(const Device&) const = default;
};

struct MulticastGroup {
  DevAddr addr;
  std::string name;  // <= 255 chars
  std::string created_at;
  std::vector<DevEui> devices;
  bool operator==(const MulticastGroup&) const = default;
};

// Names used on the wire (also handy for logs).
const char* to_string(RejectCode c);
const char* to_string(ResultCode c);
std::optional<RejectCode> reject_code_from_string(std::string_view s);
std::optional<ResultCode> result_code_from_string(std::string_view s);

}  // namespace ranbridge::ran
