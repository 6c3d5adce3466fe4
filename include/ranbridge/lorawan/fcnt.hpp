#pragma once
// 32-bit frame counter reconstruction from the 16 bits on air.
//
// Network side, as the bridge uses it: given the last accepted FCntUp L (or none for a device
// never heard) and the received 16 bits, the candidate is the smallest C > L with
// C & 0xFFFF == f16 (C >= L when retransmissions are allowed), accepted only if
// C - L <= max_gap. A wrong guess shows up as a MIC failure: next_rollover() gives the one
// other value worth trying before rejecting.

#include <cstdint>
#include <optional>
#include <string_view>

namespace ranbridge::lorawan {

inline constexpr std::uint32_t kDefaultMaxFcntGap = 16384;  // MAX_FCNT_GAP of LoRaWAN 1.0

struct FcntPolicy {
  std::uint32_t max_gap = kDefaultMaxFcntGap;
  // Accept C == L (an unconfirmed frame repeated with NbTrans > 1, or a confirmed retry).
  bool allow_retransmission = false;
};

enum class FcntStatus : std::uint8_t {
  New,             // C > L, within the gap (or the first frame of a device)
  Retransmission,  // C == L and the policy allows it
  Replay,          // C == L not allowed, or an older counter (at most max_gap behind L)
  GapTooLarge,     // C - L > max_gap
  Exhausted,       // C would pass 2^32 - 1
};
std::string_view to_string(FcntStatus s);

struct FcntResult {
  FcntStatus status = FcntStatus::New;
  std::uint32_t fcnt = 0;  // the reconstructed 32-bit value (meaningful when accepted)
  bool accepted() const {
    return status == FcntStatus::New || status == FcntStatus::Retransmission;
  }
};

// `last` = last accepted 32-bit FCntUp; nullopt for a device never heard (then C = f16).
FcntResult reconstruct_fcnt(std::optional<std::uint32_t> last, std::uint16_t f16,
                            const FcntPolicy& policy = {});

// For a device never heard with a configured initial counter `start` (ABP with a known FCnt):
// the smallest C >= start with the right low bits, within max_gap of start.
FcntResult first_fcnt(std::uint32_t start, std::uint16_t f16, const FcntPolicy& policy = {});

// The "try the next rollover once" candidate: fcnt + 0x10000, nullopt if that passes 2^32 - 1.
std::optional<std::uint32_t> next_rollover(std::uint32_t fcnt);

// ChirpStack's get_full_f_cnt_up(next_expected, f16): the nearest value at or after
// `next_expected` with the right low bits, or next_expected - 1 for a retransmission; no gap
// bound, wraps modulo 2^32. Kept for comparison with that implementation and for the emulator.
std::uint32_t full_fcnt_from_next_expected(std::uint32_t next_expected, std::uint16_t f16);

}  // namespace ranbridge::lorawan
