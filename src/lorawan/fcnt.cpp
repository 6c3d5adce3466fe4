#include "ranbridge/lorawan/fcnt.hpp"

namespace ranbridge::lorawan {
namespace {

constexpr std::uint64_t kMaxFcnt = 0xFFFFFFFFull;

// Smallest C >= floor with C & 0xFFFF == f16, as 64 bits so that passing 2^32 is visible.
std::uint64_t at_or_after(std::uint64_t floor, std::uint16_t f16) {
  std::uint64_t c = (floor & ~std::uint64_t{0xFFFF}) | f16;
  if (c < floor) c += 0x10000;
  return c;
}

FcntResult judge(std::uint64_t c, std::uint64_t reference, const FcntPolicy& policy) {
  if (c > kMaxFcnt) return {FcntStatus::Exhausted, 0};
  if (c - reference > policy.max_gap)
    return {FcntStatus::GapTooLarge, static_cast<std::uint32_t>(c)};
  return {FcntStatus::New, static_cast<std::uint32_t>(c)};
}

}  // namespace

std::string_view to_string(FcntStatus s) {
  switch (s) {
    case FcntStatus::New:
      return "new";
    case FcntStatus::Retransmission:
      return "retransmission";
    case FcntStatus::Replay:
      return "replay";
    case FcntStatus::GapTooLarge:
      return "gap_too_large";
    case FcntStatus::Exhausted:
      return "exhausted";
  }
  return "unknown";
}

FcntResult reconstruct_fcnt(std::optional<std::uint32_t> last, std::uint16_t f16,
                            const FcntPolicy& policy) {
  if (!last) return {FcntStatus::New, f16};
  if (f16 == (*last & 0xFFFF)) {
    // The same counter again: a retransmission or a replay, never a full 2^16 jump (that
    // would be far beyond any allowed gap).
    if (policy.allow_retransmission) return {FcntStatus::Retransmission, *last};
    return {FcntStatus::Replay, *last};
  }
  const std::uint64_t c = at_or_after(std::uint64_t{*last} + 1, f16);
  FcntResult r = judge(c, *last, policy);
  // Too far ahead, but maybe just behind: an old frame replayed is the likelier reading when
  // the value one rollover earlier sits within max_gap below `last`.
  if (r.status == FcntStatus::GapTooLarge && c >= 0x10000 &&
      *last - (c - 0x10000) <= policy.max_gap)
    return {FcntStatus::Replay, static_cast<std::uint32_t>(c - 0x10000)};
  return r;
}

FcntResult first_fcnt(std::uint32_t start, std::uint16_t f16, const FcntPolicy& policy) {
  return judge(at_or_after(start, f16), start, policy);
}

std::optional<std::uint32_t> next_rollover(std::uint32_t fcnt) {
  if (std::uint64_t{fcnt} + 0x10000 > kMaxFcnt) return std::nullopt;
  return fcnt + 0x10000;
}

std::uint32_t full_fcnt_from_next_expected(std::uint32_t next_expected, std::uint16_t f16) {
  const std::uint16_t low = static_cast<std::uint16_t>(next_expected);
  if (f16 == static_cast<std::uint16_t>(low - 1)) return next_expected - 1;
  const std::uint32_t gap = static_cast<std::uint16_t>(f16 - low);  // modulo 2^16
  return next_expected + gap;
}

}  // namespace ranbridge::lorawan
