#include "ranbridge/bridge/uplink_context.hpp"

namespace ranbridge::bridge {
namespace {

template <class T>
void put_be(std::uint8_t* out, T v, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * (n - 1 - i)));
}

std::uint64_t get_be(const std::uint8_t* in, std::size_t n) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v << 8 | in[i];
  return v;
}

}  // namespace

std::array<std::uint8_t, kContextSize> encode_context(const UplinkContext& c) {
  std::array<std::uint8_t, kContextSize> out{};
  out[0] = kContextVersion;
  out[1] = c.region_index;
  out[2] = static_cast<std::uint8_t>(c.kind);
  put_be(out.data() + 3, c.dev_eui.value, 8);
  put_be(out.data() + 11, c.uplink_id, 4);
  put_be(out.data() + 15, static_cast<std::uint64_t>(c.received_unix_us), 8);
  return out;
}

ContextDecode decode_context(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return std::string("context is empty");
  if (bytes.size() != kContextSize)
    return "context has " + std::to_string(bytes.size()) + " bytes, expected " +
           std::to_string(kContextSize);
  if (bytes[0] != kContextVersion)
    return "context version " + std::to_string(bytes[0]) + " is not supported";
  if (bytes[2] > static_cast<std::uint8_t>(ContextFrameKind::RejoinRequest))
    return "context frame kind " + std::to_string(bytes[2]) + " is unknown";
  UplinkContext c;
  c.region_index = bytes[1];
  c.kind = static_cast<ContextFrameKind>(bytes[2]);
  c.dev_eui = lorawan::DevEui{get_be(bytes.data() + 3, 8)};
  c.uplink_id = static_cast<std::uint32_t>(get_be(bytes.data() + 11, 4));
  c.received_unix_us = static_cast<std::int64_t>(get_be(bytes.data() + 15, 8));
  return c;
}

}  // namespace ranbridge::bridge
