#pragma once
// One registered device, as the registry keeps it: compact (no heap node of its own), so that
// a million of them fit in about 100 MB.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::mic {

using lorawan::AesKey;
using lorawan::DevAddr;
using lorawan::DevEui;
using lorawan::JoinEui;

enum class LorawanVersion : std::uint8_t { V1_0_0, V1_0_1, V1_0_2, V1_0_3, V1_0_4, V1_1 };

// "1.0.0" .. "1.0.4", "1.1" ("1.0" is read as 1.0.0, "1.1.0" as 1.1).
std::optional<LorawanVersion> version_from_string(std::string_view text);
std::string_view to_string(LorawanVersion v);
inline bool is_1_1(LorawanVersion v) {
  return v == LorawanVersion::V1_1;
}

enum class Activation : std::uint8_t { Otaa, Abp };

struct Device {
  DevEui dev_eui;
  JoinEui join_eui;  // OTAA only
  DevAddr dev_addr;  // ABP only
  // OTAA: keys[0] = AppKey, keys[1] = NwkKey (1.0.x: a copy of the AppKey, which plays it).
  // ABP:  keys = FNwkSIntKey, SNwkSIntKey, NwkSEncKey, AppSKey (1.0.x: NwkSKey x3, AppSKey).
  std::array<AesKey, 4> keys{};
  std::uint32_t fcnt_up_start = 0;     // ABP: the first acceptable FCntUp (default 0)
  std::uint32_t region_mask = 0;       // bit i = Registry::region_names()[i]; 0 = every region
  std::uint32_t name_offset = 0;       // into the registry's name pool
  std::uint32_t multicast_offset = 0;  // into the registry's multicast membership pool
  std::uint16_t name_length = 0;
  std::uint8_t multicast_count = 0;
  LorawanVersion version = LorawanVersion::V1_0_3;
  Activation activation = Activation::Otaa;

  bool otaa() const { return activation == Activation::Otaa; }
  bool abp() const { return activation == Activation::Abp; }
  const AesKey& app_key() const { return keys[0]; }
  const AesKey& nwk_key() const { return keys[1]; }
  const AesKey& f_nwk_s_int_key() const { return keys[0]; }
  const AesKey& s_nwk_s_int_key() const { return keys[1]; }
  const AesKey& nwk_s_enc_key() const { return keys[2]; }
  const AesKey& app_s_key() const { return keys[3]; }
};

// A multicast group declared in the devices file; its members are the devices naming it.
struct MulticastGroup {
  DevAddr addr;
  std::string_view name;  // points into the registry's pool
  bool has_keys = false;  // McNwkSKey/McAppSKey given (for the emulator and test servers)
  AesKey mc_nwk_s_key;
  AesKey mc_app_s_key;
  std::uint32_t region_mask = 0;
};

}  // namespace ranbridge::mic
