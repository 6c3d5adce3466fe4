#pragma once
// Strong value types for LoRaWAN identifiers and keys. Values hold the number as people and
// RAN's JSON write it (EUIs big-endian as text); on air the bytes are little-endian.

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "ranbridge/lorawan/hex.hpp"

namespace ranbridge::lorawan {

template <class Tag>
struct Eui64 {
  std::uint64_t value = 0;

  static std::optional<Eui64> from_hex(std::string_view text, bool exact_width = false) {
    auto v = parse_hex_uint(text, 16, exact_width);
    if (!v) return std::nullopt;
    return Eui64{*v};
  }
  std::string to_hex() const { return lorawan::to_hex(value, 16); }
  auto operator<=>(const Eui64&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const Eui64& e) { return os << e.to_hex(); }
};

struct DevEuiTag {};
struct JoinEuiTag {};
using DevEui = Eui64<DevEuiTag>;
using JoinEui = Eui64<JoinEuiTag>;

struct DevAddr {
  std::uint32_t value = 0;

  static std::optional<DevAddr> from_hex(std::string_view text, bool exact_width = false) {
    auto v = parse_hex_uint(text, 8, exact_width);
    if (!v) return std::nullopt;
    return DevAddr{static_cast<std::uint32_t>(*v)};
  }
  std::string to_hex() const { return lorawan::to_hex(value, 8); }
  auto operator<=>(const DevAddr&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const DevAddr& a) { return os << a.to_hex(); }
};

// 24-bit network identifier.
struct NetId {
  std::uint32_t value = 0;

  static std::optional<NetId> from_hex(std::string_view text, bool exact_width = false) {
    auto v = parse_hex_uint(text, 6, exact_width);
    if (!v) return std::nullopt;
    return NetId{static_cast<std::uint32_t>(*v)};
  }
  std::string to_hex() const { return lorawan::to_hex(value, 6); }
  auto operator<=>(const NetId&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const NetId& n) { return os << n.to_hex(); }
};

// An AES-128 key. Secret: streaming it prints "***"; reveal_hex() is for the operator
// tools that exist to show derived keys, never for logs.
struct AesKey {
  std::array<std::uint8_t, 16> bytes{};

  static std::optional<AesKey> from_hex(std::string_view text) {
    auto b = parse_hex_bytes(text);
    if (!b || b->size() != 16) return std::nullopt;
    AesKey k;
    std::copy(b->begin(), b->end(), k.bytes.begin());
    return k;
  }
  std::string reveal_hex() const { return lorawan::to_hex(bytes); }
  bool operator==(const AesKey&) const = default;
  friend std::ostream& operator<<(std::ostream& os, const AesKey&) { return os << "***"; }
};

// The 4 MIC bytes in on-air order.
using Mic = std::array<std::uint8_t, 4>;

// RAN sends each candidate MIC as a uint32 whose big-endian bytes are the on-air MIC bytes.
constexpr std::uint32_t mic_to_uint32(const Mic& m) {
  return std::uint32_t{m[0]} << 24 | std::uint32_t{m[1]} << 16 | std::uint32_t{m[2]} << 8 | m[3];
}
constexpr Mic mic_from_uint32(std::uint32_t v) {
  return Mic{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
             static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

// Direction of a data frame; the value is the Dir byte of the B0/A blocks.
enum class Direction : std::uint8_t { Uplink = 0, Downlink = 1 };

}  // namespace ranbridge::lorawan

template <class Tag>
struct std::hash<ranbridge::lorawan::Eui64<Tag>> {
  std::size_t operator()(const ranbridge::lorawan::Eui64<Tag>& e) const noexcept {
    return std::hash<std::uint64_t>{}(e.value);
  }
};
template <>
struct std::hash<ranbridge::lorawan::DevAddr> {
  std::size_t operator()(const ranbridge::lorawan::DevAddr& a) const noexcept {
    return std::hash<std::uint32_t>{}(a.value);
  }
};
