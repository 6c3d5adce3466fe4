#pragma once
// The RAN Routing API v1 wire codec: domain types (types.hpp) <-> JSON text, for both sides
// (the client in src/ran and the emulator). Contract: shared/protocol/ran-routing-api-v1.md.
//
// Rules kept here so that nobody else has to:
//  - stream messages: CamelCase keys, EUIs/addresses as bare JSON integers kept exact
//    (Boost.JSON uint64/int64 kinds; a number written with a fraction or exponent is
//    rejected), byte strings as arrays of 0..255, absent optionals omitted, "ProtocolVersion": 1;
//  - REST: hex strings, lowercase and zero-padded when written, any case/padding/"0x" when read;
//    Device objects always carry all six keys with explicit nulls;
//  - decoding never throws: it returns Result<T> whose error names the offending field;
//  - unknown keys are ignored; FHSS "OCW" is written, "OCW" and "Ocw" are read.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <boost/json/value.hpp>

#include "ranbridge/expected.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::ran {

// Why a frame or body could not be decoded or does not satisfy the contract.
struct CodecError {
  std::string
      reason;  // human-readable, names the field, e.g. "Radio.LoRa.Spreading: 13 not in 5..12"
  std::string
      field;  // path of the offending field ("" = the whole text), e.g. "Radio.LoRa.Spreading"
  std::optional<TransactionId> transaction_id;  // stream frames: when it could be read
};

template <class T>
using Result = Expected<T, CodecError>;

// ---- validation (the contract's ranges; also applied by every decode_* and by the client
// before sending). nullopt = valid. ------------------------------------------------------

inline constexpr std::size_t kMinChallenge = 2;
inline constexpr std::size_t kMaxChallenge = 4096;
inline constexpr std::uint32_t kMinSpreading = 5, kMaxSpreading = 12;
inline constexpr std::uint32_t kMinDelay = 1, kMaxDelay = 15;
inline constexpr std::size_t kMinTmmsSlots = 1, kMaxTmmsSlots = 8;
inline constexpr std::size_t kMaxGroupName = 255;

// `signal_allowed`: RSSI/SNR belong to upstream radios only.
std::optional<CodecError> validate(const Radio& r, bool signal_allowed);
std::optional<CodecError> validate(const TxWindow& w);
std::optional<CodecError> validate(const Upstream& m);
std::optional<CodecError> validate(const UpstreamAck& m);
std::optional<CodecError> validate(const UpstreamReject& m);
std::optional<CodecError> validate(const Downstream& m);
std::optional<CodecError> validate(const MulticastDownstream& m);
std::optional<CodecError> validate(const DownstreamAck& m);
std::optional<CodecError> validate(const DownstreamResult& m);

// ---- stream messages -----------------------------------------------------------------------
// encode() writes the message as given (validate first when the values come from outside).

std::string encode(const Upstream& m);
std::string encode(const UpstreamAck& m);
std::string encode(const UpstreamReject& m);
std::string encode(const Downstream& m);
std::string encode(const MulticastDownstream& m);
std::string encode(const DownstreamAck& m);
std::string encode(const DownstreamResult& m);

// Decoders by socket and direction. Each checks JSON syntax, types, exact integers and the
// contract's ranges.
Result<Upstream> decode_upstream(std::string_view text);                     // LNS receives
Result<UpstreamAnswer> decode_upstream_answer(std::string_view text);        // RAN receives
Result<DownstreamRequest> decode_downstream_request(std::string_view text);  // RAN receives
Result<DownstreamAnswer> decode_downstream_answer(std::string_view text);    // LNS receives

// Any stream message, told apart by its keys: MICChallenge -> Upstream, MIC -> UpstreamAck,
// TxWindow+Addr -> MulticastDownstream, TxWindow -> Downstream, MailboxID/ResultCode in
// Success..GatewayError -> DownstreamAck/Result, ResultCode MICFailed/Other -> UpstreamReject.
using AnyMessage = std::variant<Upstream, UpstreamAck, UpstreamReject, Downstream,
                                MulticastDownstream, DownstreamAck, DownstreamResult>;
Result<AnyMessage> decode_any(std::string_view text);

// ---- REST: routing table -------------------------------------------------------------------

// GET devices/select?DevEUIs=..&DevEUIs=..&offset=..&limit=..
struct SelectDevicesQuery {
  std::vector<DevEui> dev_euis;  // empty = all devices
  std::optional<std::uint64_t> offset;
  std::optional<std::uint64_t> limit;
  bool operator==(const SelectDevicesQuery&) const = default;
};
// Query string without '?', parts in the order above; "" when everything is empty.
std::string encode_query(const SelectDevicesQuery& q);
// Accepts a raw (percent-encoded) query string, with or without a leading '?'.
Result<SelectDevicesQuery> decode_select_query(std::string_view query);

// POST devices/insert: OTAA (JoinEUI) or ABP (DevAddr).
struct InsertDeviceRequest {
  DevEui dev_eui;
  std::variant<JoinEui, DevAddr> identity;
  std::optional<std::string> details;  // JSON text
  bool operator==(const InsertDeviceRequest&) const = default;
};
std::string encode(const InsertDeviceRequest& r);
Result<InsertDeviceRequest> decode_insert_device(std::string_view body);

// POST devices/update. At least one address; absent = unchanged.
struct UpdateDeviceRequest {
  DevEui dev_eui;
  JoinEui join_eui;
  std::optional<DevAddr> active_dev_addr;
  std::optional<DevAddr> target_dev_addr;
  bool operator==(const UpdateDeviceRequest&) const = default;
};
std::optional<CodecError> validate(const UpdateDeviceRequest& r);
std::string encode(const UpdateDeviceRequest& r);
Result<UpdateDeviceRequest> decode_update_device(std::string_view body);

// POST devices/drop.
struct DropDevicesRequest {
  std::vector<DevEui> dev_euis;
  bool operator==(const DropDevicesRequest&) const = default;
};
std::string encode(const DropDevicesRequest& r);
Result<DropDevicesRequest> decode_drop_devices(std::string_view body);

boost::json::value to_json(const Device& d);
std::string encode(const Device& d);
std::string encode(const std::vector<Device>& ds);
Result<Device> device_from_json(const boost::json::value& v);
Result<Device> decode_device(std::string_view body);
Result<std::vector<Device>> decode_devices(std::string_view body);

// ---- REST: multicast groups ----------------------------------------------------------------

struct CreateGroupRequest {
  std::string name;
  DevAddr addr;
  bool operator==(const CreateGroupRequest&) const = default;
};
std::optional<CodecError> validate(const CreateGroupRequest& r);
std::string encode(const CreateGroupRequest& r);
Result<CreateGroupRequest> decode_create_group(std::string_view body);

// {"addr": h8, "update": {"name"?: str, "addr"?: h8}}; at least one of name/new_addr.
struct UpdateGroupRequest {
  DevAddr addr;
  std::optional<std::string> name;
  std::optional<DevAddr> new_addr;
  bool operator==(const UpdateGroupRequest&) const = default;
};
std::optional<CodecError> validate(const UpdateGroupRequest& r);
std::string encode(const UpdateGroupRequest& r);
Result<UpdateGroupRequest> decode_update_group(std::string_view body);

// multicast-groups/get and multicast-groups/delete: {"addrs": [h8, ...]} (get: empty = all).
struct GroupAddrsRequest {
  std::vector<DevAddr> addrs;
  bool operator==(const GroupAddrsRequest&) const = default;
};
std::string encode(const GroupAddrsRequest& r);
Result<GroupAddrsRequest> decode_group_addrs(std::string_view body);

// multicast-groups/add-device and remove-device: {"addr": h8, "dev_eui": h16}.
struct GroupDeviceRequest {
  DevAddr addr;
  DevEui dev_eui;
  bool operator==(const GroupDeviceRequest&) const = default;
};
std::string encode(const GroupDeviceRequest& r);
Result<GroupDeviceRequest> decode_group_device(std::string_view body);

boost::json::value to_json(const MulticastGroup& g);
std::string encode(const MulticastGroup& g);
std::string encode(const std::vector<MulticastGroup>& gs);
Result<MulticastGroup> group_from_json(const boost::json::value& v);
Result<MulticastGroup> decode_group(std::string_view body);
Result<std::vector<MulticastGroup>> decode_groups(std::string_view body);

// ---- REST: small answers -------------------------------------------------------------------

std::string encode_deleted(std::uint64_t n);  // {"deleted": n}
Result<std::uint64_t> decode_deleted(std::string_view body);
std::string encode_is_added(bool b);  // {"is_added": b}
Result<bool> decode_is_added(std::string_view body);
std::string encode_is_removed(bool b);  // {"is_removed": b}
Result<bool> decode_is_removed(std::string_view body);

// ---- REST: error body ----------------------------------------------------------------------
// {"detail": {"error_code": str, "error_description": str, "error_detail": [...]}}

struct ValidationDetail {
  std::vector<std::string> loc;  // path; integer parts are written back as strings
  std::string msg;
  std::string type;
  bool operator==(const ValidationDetail&) const = default;
};
struct ErrorBody {
  std::string code;  // "Unknown", "Unauthorized", "ValidationFailed", "Device.NotFound", ...
  std::string description;
  std::vector<ValidationDetail> details;  // error_detail entries of the {loc,msg,type} form
  bool operator==(const ErrorBody&) const = default;
};
std::string encode(const ErrorBody& e);
Result<ErrorBody> decode_error_body(std::string_view body);

}  // namespace ranbridge::ran
