// libFuzzer target for the mic module: the solver on arbitrary frames and challenges, and the
// devices-file parsers on arbitrary text. Neither may crash, hang or throw.
//
// Input: byte 0 selects the mode. Mode "solve" (bit 7 clear): byte 1 = options (byte order,
// region, DevEUI list), byte 2 = challenge length / 4, then the challenge as uint32s, then the
// frame. Mode "parse" (bit 7 set): the rest is a devices file, YAML (bit 0 clear) or JSON.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "ranbridge/mic/solver.hpp"

namespace {

using namespace ranbridge::mic;
namespace lw = ranbridge::lorawan;

// Devices whose DevAddrs and DevEUIs small inputs can reach: ABP 1.0 and 1.1 on 0x00000000
// and 0x26011bff, OTAA 1.0.3 and 1.1 (with sessions) for joins and data.
constexpr const char* kDevices = R"(devices:
  - dev_eui: "0000000000000001"
    lorawan_version: "1.0.3"
    otaa: {join_eui: "0000000000000000", app_key: "829a7de594e02867cf54f5a7ca9cc87b"}
  - dev_eui: "0000000000000002"
    lorawan_version: "1.1"
    otaa: {join_eui: "0000000000000000", app_key: "5d9fad68e14cdfd6d599d68a48bce420",
           nwk_key: "1ca27304d692c157a19be3749c43e9bb"}
  - dev_eui: "0000000000000003"
    lorawan_version: "1.0.2"
    abp: {dev_addr: "00000000", nwk_s_key: "17409e723adb420db342c595b5aa2294"}
  - dev_eui: "0000000000000004"
    lorawan_version: "1.1"
    abp: {dev_addr: "00000000", f_nwk_s_int_key: "3e60de1f6d19effcbcd00bf9a07c2441",
          s_nwk_s_int_key: "74457cf1c0fca6dfa981d69ce09551f4",
          nwk_s_enc_key: "00867d3a624928559924a133dd36d22e"}
  - dev_eui: "0000000000000005"
    lorawan_version: "1.0.3"
    abp: {dev_addr: "26011bff", nwk_s_key: "eff570746c7ee4d1390aa448afc41eed"}
    fcnt_up: 65530
)";

struct World {
  RegistryHandle registry;
  MemorySessionStore store;
  Solver solver{registry, store};
  World() {
    auto r = Registry::parse(kDevices, "fuzz.yaml");
    if (!r.ok()) __builtin_trap();
    registry.replace(r.registry);
    Session s;
    s.dev_addr = DevAddr{0x00000000};
    s.version = LorawanVersion::V1_1;
    store.put_active(DevEui{2}, s);
    s.dev_addr = DevAddr{0x01000000};
    s.version = LorawanVersion::V1_0_3;
    store.put_pending(DevEui{1}, s);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  if (size < 1) return 0;
  if (data[0] & 0x80) {
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    auto r = Registry::parse(text, "fuzz", (data[0] & 1) ? FileFormat::Json : FileFormat::Yaml);
    if (r.ok() == r.errors.empty() && r.ok() != (r.registry != nullptr)) __builtin_trap();
    return 0;
  }
  if (size < 3) return 0;
  const std::uint8_t opts = data[1];
  std::size_t n = static_cast<std::size_t>(data[2]) * 4;
  std::size_t pos = 3;
  std::vector<std::uint32_t> challenge;
  for (std::size_t i = 0; i < n / 4 && pos + 4 <= size; ++i, pos += 4) {
    std::uint32_t v;
    std::memcpy(&v, data + pos, 4);
    challenge.push_back(v);
  }
  const std::vector<std::uint8_t> frame(data + pos, data + size);
  std::vector<DevEui> euis;
  for (std::uint64_t e = 1; e <= (opts >> 4 & 7); ++e) euis.push_back(DevEui{e});
  Uplink u;
  u.dev_euis = euis;
  u.phy_payload_no_mic = frame;
  u.challenge = challenge;
  u.byte_order = (opts & 1) ? MicByteOrder::Little : MicByteOrder::Big;
  static constexpr lw::Region kRegions[] = {lw::Region::EU868, lw::Region::US915,
                                            lw::Region::AS923_1};
  if ((opts >> 1 & 3) < 3) u.region = kRegions[opts >> 1 & 3];
  u.radio =
      lw::UplinkRadio{(opts & 8) ? 902300000u : 868100000u, lw::Modulation::LoRa, 7, 125000, 0};
  const Outcome o = world.solver.solve(u);
  if (const auto* a = std::get_if<Ack>(&o)) {
    // An ack always names a value that is in the challenge.
    bool found = false;
    for (auto v : challenge) found |= v == a->mic;
    if (!found) __builtin_trap();
  }
  return 0;
}
