#include "ranbridge/lns/gateway_codec.hpp"

#include <google/protobuf/util/json_util.h>

#include <stdexcept>

namespace ranbridge::lns {

namespace pb = google::protobuf;

std::optional<Marshaler> parse_marshaler(std::string_view name) {
  if (name == "protobuf") return Marshaler::protobuf;
  if (name == "json") return Marshaler::json;
  return std::nullopt;
}

std::string_view to_string(Marshaler m) {
  return m == Marshaler::json ? "json" : "protobuf";
}

std::string marshal(const pb::Message& message, Marshaler marshaler) {
  std::string out;
  if (marshaler == Marshaler::protobuf) {
    message.SerializeToString(&out);
    return out;
  }
  pb::util::JsonPrintOptions options;
  // Defaults printed: "gatewayId" must always be present, and a reader sees "state": "OFFLINE"
  // rather than a missing field.
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;  // lowerCamelCase, as ChirpStack expects
  auto status = pb::util::MessageToJsonString(message, &out, options);
  if (!status.ok())
    throw std::invalid_argument("cannot encode " + message.GetTypeName() +
                                " as JSON: " + std::string(status.message()));
  return out;
}

Marshaler detect_marshaler(std::string_view payload) {
  for (char c : payload) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' ? Marshaler::json : Marshaler::protobuf;
  }
  return Marshaler::protobuf;
}

namespace {

// Binary parsing accepts many byte strings (unknown fields are kept, not rejected), so a
// message that parsed but set none of its own fields is treated as garbage.
std::optional<DecodeError> parse_binary(std::string_view payload, pb::Message& out) {
  out.Clear();
  if (!out.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return DecodeError{"protobuf: not a valid " + out.GetTypeName()};
  std::vector<const pb::FieldDescriptor*> set_fields;
  out.GetReflection()->ListFields(out, &set_fields);
  if (set_fields.empty())
    return DecodeError{"protobuf: no field of " + out.GetTypeName() + " is set"};
  return std::nullopt;
}

std::optional<DecodeError> parse_json(std::string_view payload, pb::Message& out) {
  out.Clear();
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status =
      pb::util::JsonStringToMessage(pb::StringPiece(payload.data(), payload.size()), &out, options);
  if (!status.ok())
    return DecodeError{"json: " + std::string(status.message()) + " (as " + out.GetTypeName() +
                       ")"};
  return std::nullopt;
}

template <class M>
Result<M> decode(std::string_view payload) {
  M m;
  if (auto err = unmarshal_into(payload, m)) return std::move(*err);
  return m;
}

}  // namespace

std::optional<DecodeError> unmarshal_into(std::string_view payload, pb::Message& out) {
  if (payload.empty()) return DecodeError{"empty payload"};
  if (payload.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return DecodeError{"payload too large"};
  if (detect_marshaler(payload) == Marshaler::protobuf) return parse_binary(payload, out);
  auto json_error = parse_json(payload, out);
  if (!json_error) return std::nullopt;
  // A binary message may begin with '{' when its first field is length-delimited with
  // length 123 (e.g. an UplinkFrame with a 123-byte PHYPayload): give binary a chance.
  if (!parse_binary(payload, out)) return std::nullopt;
  out.Clear();
  return json_error;
}

Result<gw::UplinkFrame> unmarshal_uplink_frame(std::string_view payload) {
  return decode<gw::UplinkFrame>(payload);
}
Result<gw::GatewayStats> unmarshal_gateway_stats(std::string_view payload) {
  return decode<gw::GatewayStats>(payload);
}
Result<gw::DownlinkTxAck> unmarshal_downlink_tx_ack(std::string_view payload) {
  return decode<gw::DownlinkTxAck>(payload);
}
Result<gw::ConnState> unmarshal_conn_state(std::string_view payload) {
  return decode<gw::ConnState>(payload);
}

Result<gw::DownlinkFrame> unmarshal_downlink_frame(std::string_view payload) {
  auto r = decode<gw::DownlinkFrame>(payload);
  if (r && r->items_size() == 0) return DecodeError{"DownlinkFrame has no items"};
  return r;
}

}  // namespace ranbridge::lns
