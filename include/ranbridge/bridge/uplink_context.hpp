#pragma once
// The opaque `rx_info.context` attached to every published uplink. ChirpStack echoes it back
// in `tx_info.context` of a class A reply or join accept, so it carries what the downlink
// path (issue 5) needs to address the reply without any lookup: the region that delivered
// the uplink, the DevEUI that won the MIC challenge, the uplink id and the reception time
// (class A `delay` is relative to the uplink).
//
// Wire layout, 23 bytes, big-endian integers (docs/bridge.md):
//   [0] version (1)   [1] region index   [2] frame kind   [3..10] DevEUI
//   [11..14] uplink id   [15..22] reception time, Unix microseconds

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::bridge {

// What kind of frame the context belongs to (a join accept answers a JoinRequest).
enum class ContextFrameKind : std::uint8_t { Data = 0, JoinRequest = 1, RejoinRequest = 2 };

struct UplinkContext {
  std::uint8_t region_index = 0;  // index of the region in the config's `regions` list
  ContextFrameKind kind = ContextFrameKind::Data;
  lorawan::DevEui dev_eui;
  std::uint32_t uplink_id = 0;
  std::int64_t received_unix_us = 0;  // when the bridge received the upstream
  bool operator==(const UplinkContext&) const = default;
};

inline constexpr std::uint8_t kContextVersion = 1;
inline constexpr std::size_t kContextSize = 23;

std::array<std::uint8_t, kContextSize> encode_context(const UplinkContext& c);

// Either the context or why the bytes are not one of ours (wrong length, version, kind).
using ContextDecode = std::variant<UplinkContext, std::string>;
ContextDecode decode_context(std::span<const std::uint8_t> bytes);

}  // namespace ranbridge::bridge
