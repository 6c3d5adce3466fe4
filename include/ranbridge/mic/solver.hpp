#pragma once
// The MIC-challenge solver: given one RAN upstream (its frame without MIC, the candidate
// DevEUIs and the challenge), find the device that sent it and its true MIC, using keys held
// locally (registry: root and ABP keys; session store: joined sessions).
//
// One MIC is computed per candidate (device x session x FCnt guess x TxDr/TxCh guess), never
// per challenge entry; the challenge is scanned once against the candidate set. solve() never
// throws. docs/mic.md lists the reject reasons and the tie-break rule.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "ranbridge/lorawan/fcnt.hpp"
#include "ranbridge/lorawan/region.hpp"
#include "ranbridge/mic/registry.hpp"
#include "ranbridge/mic/session_store.hpp"

namespace ranbridge::mic {

// How RAN's uint32 challenge values map to the 4 on-air MIC bytes. Big: the uint32 read
// big-endian is the MIC (what Everynet's bridges do); Little: the other way round.
enum class MicByteOrder : std::uint8_t { Big, Little };
std::optional<MicByteOrder> mic_byte_order_from_string(std::string_view s);  // "big"/"little"
std::uint32_t encode_mic(const lorawan::Mic& mic, MicByteOrder order);

struct Uplink {
  std::span<const DevEui> dev_euis;                  // RAN's DevEUIs
  std::span<const std::uint8_t> phy_payload_no_mic;  // PHYPayloadNoMIC
  std::span<const std::uint32_t> challenge;          // MICChallenge
  lorawan::UplinkRadio radio;                        // for the 1.1 TxDr/TxCh candidates
  std::optional<lorawan::Region> region;             // the region's channel plan (1.1 only)
  MicByteOrder byte_order = MicByteOrder::Big;
};

enum class FrameKind : std::uint8_t {
  JoinRequest,
  RejoinRequest,
  UnconfirmedDataUp,
  ConfirmedDataUp
};
std::string_view to_string(FrameKind k);

struct Ack {
  DevEui dev_eui;
  std::uint32_t mic = 0;  // the value to send back: as found in the challenge
  FrameKind kind = FrameKind::UnconfirmedDataUp;
  LorawanVersion version = LorawanVersion::V1_0_3;  // of the session (or device for joins)
  DevAddr dev_addr;                                 // data frames
  std::uint32_t fcnt = 0;         // data frames: the full 32-bit FCntUp, now committed
  bool retransmission = false;    // data frames: FCnt equals the last accepted one (the same
                                  // frame again: NbTrans, or several sockets/regions)
  std::uint16_t dev_nonce = 0;    // join requests (RJcount for rejoins)
  bool promoted_pending = false;  // the uplink made a pending session active
  std::size_t matches = 1;        // > 1: several candidates were in the challenge (tie-break)
};

enum class RejectCode : std::uint8_t { MICFailed, Other };
std::string_view to_string(RejectCode c);  // "MICFailed" / "Other", as RAN spells them

enum class RejectReason : std::uint8_t {
  MicMismatch,       // MICFailed: no candidate MIC is in the challenge
  Malformed,         // the frame does not parse (length, FOpts, ...)
  UnsupportedFrame,  // downlink MType, join accept, proprietary, Major != 0
  EmptyChallenge,    // no value to choose from
  UnknownDevice,     // no registered device or session matches the frame
  MissingKey,        // the device is known but lacks what the frame needs (no session, ...)
  NoChannelPlan,     // 1.1 uplink without a region plan, or radio not in the plan
  Replay,            // the MIC verifies but the FCnt is not newer than the last accepted
  FcntGap,           // the MIC verifies but the FCnt jumped more than the allowed gap
  FcntExhausted,     // the 32-bit counter would wrap
  Internal,          // an unexpected failure (out of memory, crypto library error)
};
std::string_view to_string(RejectReason r);  // snake_case, bounded (metric label)

struct Reject {
  RejectCode code = RejectCode::Other;
  RejectReason reason = RejectReason::MicMismatch;
  std::string message;  // short, no key material
};

using Outcome = std::variant<Ack, Reject>;

struct SolverOptions {
  lorawan::FcntPolicy fcnt;  // max gap (16384) and whether C == L is accepted
  // Remember accepted join requests' DevNonces in the session store (needed by accept_join).
  bool record_join_requests = true;
};

class Solver {
 public:
  Solver(const RegistryHandle& registry, SessionStore& sessions, SolverOptions options = {});
  Outcome solve(const Uplink& uplink) const noexcept;

 private:
  Outcome solve_impl(const Uplink& uplink) const;
  const RegistryHandle& registry_;
  SessionStore& sessions_;
  SolverOptions options_;
};

}  // namespace ranbridge::mic
