// libFuzzer target: the PHYPayload parser, the join-accept decoder and every MIC over
// arbitrary bytes. Invariants: no crash, no out-of-bounds read (ASan), and anything that
// parses re-serialises to exactly the same bytes.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"

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
  return 0;
}
