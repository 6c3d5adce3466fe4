#pragma once
// ChirpStack v4 gateway messages (package gw) in both encodings ChirpStack accepts:
// binary protobuf (its default) and the protobuf JSON mapping. The message types are the
// protoc-generated ones (ranbridge/lns/proto/gw.pb.h): build them with the generated setters.
//
//   gw::UplinkFrame up; up.set_phy_payload(bytes); ...
//   std::string payload = lns::marshal(up, Marshaler::json);
//   auto down = lns::unmarshal_downlink_frame(payload);   // JSON or protobuf, detected
//   if (!down) log(down.error().reason);
//
// Decoding never throws. JSON input ignores unknown fields (a newer ChirpStack may add some).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "ranbridge/expected.hpp"
#include "ranbridge/lns/proto/common.pb.h"
#include "ranbridge/lns/proto/gw.pb.h"

namespace ranbridge::lns {

enum class Marshaler { protobuf, json };

// "protobuf" | "json" (the names ChirpStack's gateway bridge config uses).
std::optional<Marshaler> parse_marshaler(std::string_view name);
std::string_view to_string(Marshaler m);

// Why a payload could not be decoded.
struct DecodeError {
  std::string reason;  // e.g. "json: ... at items[0].txInfo" or "protobuf: not a gw.DownlinkFrame"
};

template <class T>
using Result = Expected<T, DecodeError>;

// Encodes any gw message. JSON: lowerCamelCase names, bytes base64, enums by name, Timestamp
// RFC 3339, Duration "1.500s", 64-bit ints as strings, fields at their default value included
// (so "gatewayId" is always there: ChirpStack only treats an event as JSON if it contains it).
// String fields must be valid UTF-8 (gateway ids are hex); otherwise JSON encoding throws
// std::invalid_argument.
std::string marshal(const google::protobuf::Message& message, Marshaler marshaler);

// Which encoding a payload uses: JSON when its first non-whitespace byte is '{'. (No field of
// our messages has number 15 with the deprecated group wire type, so binary never starts so.)
Marshaler detect_marshaler(std::string_view payload);

// Decodes `payload` (detected encoding) into `out`; nullopt on success. An empty payload,
// invalid protobuf, invalid JSON, or binary input that sets none of the message's fields
// (garbage that happens to parse) is an error. When the detected JSON fails but the bytes
// are valid protobuf with known fields (a binary message whose first length byte is '{'),
// the protobuf reading wins.
std::optional<DecodeError> unmarshal_into(std::string_view payload, google::protobuf::Message& out);

Result<gw::UplinkFrame> unmarshal_uplink_frame(std::string_view payload);
Result<gw::GatewayStats> unmarshal_gateway_stats(std::string_view payload);
Result<gw::DownlinkTxAck> unmarshal_downlink_tx_ack(std::string_view payload);
Result<gw::ConnState> unmarshal_conn_state(std::string_view payload);
// A command/down payload. Besides decoding, requires at least one item (a frame without
// items cannot be emitted and cannot be acked item by item).
Result<gw::DownlinkFrame> unmarshal_downlink_frame(std::string_view payload);

}  // namespace ranbridge::lns
