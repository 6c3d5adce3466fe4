#pragma once
// PHYPayload parse and build for every MType (LoRaWAN 1.0.x and 1.1, Major 0).
//
//   PHYPayload = MHDR(1) | MACPayload or join message | MIC(4)
//
// parse() never throws and never reads past its input: a malformed frame gives a ParseError
// with a precise code and a human-readable message. build() is its inverse; it validates the
// fields that have a bounded size (FOpts <= 15 bytes, frame <= kMaxPhyPayloadSize).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ranbridge/expected.hpp"
#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::lorawan {

// LoRa's largest PHY payload (255 bytes); no region allows more.
inline constexpr std::size_t kMaxPhyPayloadSize = 255;

enum class MType : std::uint8_t {
  JoinRequest = 0,
  JoinAccept = 1,
  UnconfirmedDataUp = 2,
  UnconfirmedDataDown = 3,
  ConfirmedDataUp = 4,
  ConfirmedDataDown = 5,
  RejoinRequest = 6,
  Proprietary = 7,
};
std::string_view to_string(MType m);
inline bool is_data(MType m) {
  return m >= MType::UnconfirmedDataUp && m <= MType::ConfirmedDataDown;
}
inline bool is_uplink(MType m) {
  return m == MType::JoinRequest || m == MType::UnconfirmedDataUp || m == MType::ConfirmedDataUp ||
         m == MType::RejoinRequest;
}
inline bool is_confirmed(MType m) {
  return m == MType::ConfirmedDataUp || m == MType::ConfirmedDataDown;
}

// FCtrl. Bit 6 is ADRACKReq on uplinks (RFU on downlinks); bit 4 is ClassB on uplinks and
// FPending on downlinks. build() writes the field that belongs to the frame's direction.
struct FCtrl {
  bool adr = false;
  bool adr_ack_req = false;  // uplink only
  bool ack = false;
  bool class_b = false;    // uplink only
  bool f_pending = false;  // downlink only
  bool rfu = false;        // downlink bit 6, kept so that build(parse(x)) == x
  // FOptsLen is the size of DataFrame::fopts; it is not stored twice.
  bool operator==(const FCtrl&) const = default;
};

struct DataFrame {
  DevAddr dev_addr;
  FCtrl fctrl;
  std::uint16_t fcnt = 0;                 // the 16 bits on air
  std::vector<std::uint8_t> fopts;        // 0..15 bytes (encrypted in 1.1)
  std::optional<std::uint8_t> fport;      // absent when there is no FRMPayload
  std::vector<std::uint8_t> frm_payload;  // as on air (encrypted)
  bool operator==(const DataFrame&) const = default;
};

struct JoinRequest {
  JoinEui join_eui;
  DevEui dev_eui;
  std::uint16_t dev_nonce = 0;
  bool operator==(const JoinRequest&) const = default;
};

// Rejoin type 0 and 2 carry NetID, type 1 carries JoinEUI; the other is left zero.
struct RejoinRequest {
  std::uint8_t type = 0;  // 0, 1 or 2
  NetId net_id;           // types 0 and 2
  JoinEui join_eui;       // type 1
  DevEui dev_eui;
  std::uint16_t rj_count = 0;  // RJcount0 (types 0/2) or RJcount1 (type 1)
  bool operator==(const RejoinRequest&) const = default;
};

// A join accept as on air: everything after MHDR (16 or 32 bytes) including the MIC, still
// encrypted. join.hpp decrypts and parses it. PhyPayload::mic holds its last 4 (encrypted) bytes.
struct JoinAcceptEncrypted {
  std::vector<std::uint8_t> bytes;
  bool operator==(const JoinAcceptEncrypted&) const = default;
};

// Proprietary frames: the bytes between MHDR and the MIC, uninterpreted.
struct Proprietary {
  std::vector<std::uint8_t> payload;
  bool operator==(const Proprietary&) const = default;
};

struct PhyPayload {
  MType mtype = MType::UnconfirmedDataUp;
  std::uint8_t major = 0;  // only 0 (LoRaWAN R1) is accepted
  std::variant<DataFrame, JoinRequest, RejoinRequest, JoinAcceptEncrypted, Proprietary> body;
  Mic mic{};
  std::uint8_t rfu = 0;  // MHDR bits 4..2 (shifted down), kept so that build(parse(x)) == x
  bool operator==(const PhyPayload&) const = default;

  // Convenience accessors: nullptr when the body is of another kind.
  const DataFrame* data() const { return std::get_if<DataFrame>(&body); }
  const JoinRequest* join_request() const { return std::get_if<JoinRequest>(&body); }
  const RejoinRequest* rejoin_request() const { return std::get_if<RejoinRequest>(&body); }
  const JoinAcceptEncrypted* join_accept() const { return std::get_if<JoinAcceptEncrypted>(&body); }
  const Proprietary* proprietary() const { return std::get_if<Proprietary>(&body); }
};

enum class ParseErrc : std::uint8_t {
  Empty,              // no byte at all
  UnsupportedMajor,   // Major != 0
  TooShort,           // shorter than the MType's minimum
  TooLong,            // longer than kMaxPhyPayloadSize, or than a fixed-size message
  BadLength,          // join request / rejoin / join accept not of an allowed exact length
  FOptsOverflow,      // FOptsLen runs into the MIC
  FOptsWithPortZero,  // MAC commands both in FOpts and in FRMPayload (FPort 0)
  BadRejoinType,      // rejoin type not 0, 1 or 2
};
std::string_view to_string(ParseErrc e);

struct ParseError {
  ParseErrc code = ParseErrc::Empty;
  std::string message;  // e.g. "join request must be 23 bytes, got 22"
};

template <class T>
using Parsed = Expected<T, ParseError>;

Parsed<PhyPayload> parse_phy_payload(std::span<const std::uint8_t> bytes);

// Serialises a frame (with its `mic` field as the last 4 bytes). Errors: FOpts > 15 bytes,
// FOpts with FPort 0, FRMPayload without FPort, rejoin type > 2, join accept body not 16/32
// bytes, frame > kMaxPhyPayloadSize.
Parsed<std::vector<std::uint8_t>> build_phy_payload(const PhyPayload& frame);

// The bytes a MIC covers: the frame without its last 4 bytes (empty if shorter than 4).
inline std::span<const std::uint8_t> mic_message(std::span<const std::uint8_t> phy) {
  return phy.size() < 4 ? std::span<const std::uint8_t>{} : phy.first(phy.size() - 4);
}
// Reads the last 4 bytes as the MIC (zero if shorter).
Mic mic_of(std::span<const std::uint8_t> phy);
// Overwrites the last 4 bytes (no-op if shorter).
void set_mic(std::span<std::uint8_t> phy, const Mic& mic);

// Little-endian helpers for the on-air encoding.
inline void put_le16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline void put_le32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint16_t get_le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | p[1] << 8);
}
inline std::uint32_t get_le32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
         std::uint32_t{p[3]} << 24;
}

}  // namespace ranbridge::lorawan
