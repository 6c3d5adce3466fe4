// libFuzzer target: the PHYPayload parser, the join-accept decoder and every MIC over
// arbitrary bytes, plus FCnt reconstruction and region mapping driven by the same bytes.
// Invariants: no crash, no out-of-bounds read (ASan), anything that parses re-serialises to
// exactly the same bytes, an accepted FCnt keeps the 16 bits on air and respects the gap.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ranbridge/lorawan/fcnt.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"
#include "ranbridge/lorawan/region.hpp"

using namespace ranbridge::lorawan;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> in(data, size);
  auto parsed = parse_phy_payload(in);
  if (parsed) {
    auto again = build_phy_payload(*parsed);
    if (!again || again->size() != size || !std::equal(again->begin(), again->end(), data))
      std::abort();  // parse and build disagree
  } else if (parsed.error().message.empty()) {
    std::abort();  // every error explains itself
  }

  static const Cmac key(AesKey{});
  auto msg = mic_message(in);
  (void)join_request_mic(key, msg);
  (void)data_uplink_mic_1_0(key, DevAddr{1}, 2, msg);
  (void)data_uplink_mic_1_1(key, key, DevAddr{1}, 2, 3, 4, 5, msg);
  (void)data_downlink_mic_1_1(key, DevAddr{1}, 2, 3, msg);
  auto ja = decrypt_join_accept(AesKey{}, in);
  if (ja) (void)join_accept_mic_1_1(AesKey{}, 0xFF, JoinEui{1}, 2, mic_message(ja->plaintext));

  if (size >= 12) {
    const std::uint32_t last = get_le32(data);
    const std::uint16_t f16 = get_le16(data + 4);
    const FcntPolicy policy{get_le32(data + 6) >> (data[10] & 31), (data[11] & 1) != 0};
    const FcntResult r = reconstruct_fcnt(last, f16, policy);
    if (r.accepted() &&
        ((r.fcnt & 0xFFFF) != f16 || r.fcnt < last || r.fcnt - last > policy.max_gap))
      std::abort();
    if (r.status == FcntStatus::New && r.fcnt == last) std::abort();
  }
  if (size >= 8) {
    const auto region = static_cast<Region>(data[0] % 9);
    UplinkRadio radio{860000000ull + get_le32(data + 1) % 70000000ull,
                      static_cast<Modulation>(data[5] % 3), static_cast<std::uint8_t>(data[6] % 16),
                      data[7] & 1 ? 125000u : (data[7] & 2 ? 250000u : 500000u), 50000};
    for (const TxCandidate& c : uplink_tx_candidates(region, radio))
      if (c.tx_dr >= data_rates(region).size() || c.tx_ch > max_channel_index(region)) std::abort();
  }
  return 0;
}
