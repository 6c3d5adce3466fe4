#pragma once
// Which region last delivered an acked uplink of each device: class B/C downlinks go out
// through that region (issue 5 §1). Written by every upstream socket, read by the downlink
// path: sharded so that sockets rarely meet on one mutex. In memory only (after a restart
// the first uplink fills it again; until then downlink.fallback_region applies).

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::bridge {

class LastHeard {
 public:
  void note(lorawan::DevEui dev_eui, std::uint8_t region_index) {
    auto& s = shard(dev_eui);
    std::lock_guard lock(s.mutex);
    s.map[dev_eui.value] = region_index;
  }
  std::optional<std::uint8_t> region_of(lorawan::DevEui dev_eui) const {
    auto& s = shard(dev_eui);
    std::lock_guard lock(s.mutex);
    auto it = s.map.find(dev_eui.value);
    if (it == s.map.end()) return std::nullopt;
    return it->second;
  }

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::uint64_t, std::uint8_t> map;
  };
  Shard& shard(lorawan::DevEui e) const { return shards_[(e.value ^ (e.value >> 29)) % kShards]; }
  static constexpr std::size_t kShards = 16;
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace ranbridge::bridge
