#pragma once
// The device registry: an immutable snapshot of the devices file(s), built once, shared by
// std::shared_ptr<const Registry> and swapped atomically on reload (RegistryHandle).
//
// Lookups by DevEUI and by ABP DevAddr are O(1) through flat open-addressing indexes over
// one vector of compact Device records (docs/mic.md). The file format is docs/devices.md.

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ranbridge/mic/device.hpp"

namespace ranbridge::mic {

// One problem in a devices file. to_string() gives "file:line: message".
struct RegistryError {
  std::string file;
  std::uint32_t line = 0;  // 1-based; 0 when the problem concerns the whole file
  std::string message;
  std::string to_string() const;
};

enum class FileFormat : std::uint8_t { Auto, Yaml, Json };

// Open-addressing hash index: key -> uint32 payload; capacity a power of two, load <= 1/2.
class FlatIndex {
 public:
  void reserve(std::size_t n);
  // Inserts; returns false (and changes nothing) when the key is already present.
  bool insert(std::uint64_t key, std::uint32_t value);
  std::optional<std::uint32_t> find(std::uint64_t key) const;
  std::size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    std::uint64_t key;
    std::uint32_t value;  // kEmpty when unused
  };
  static constexpr std::uint32_t kEmpty = 0xFFFFFFFF;
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
  void grow();
};

class Registry;

struct RegistryLoad {
  std::shared_ptr<const Registry> registry;  // null when errors is not empty
  std::vector<RegistryError> errors;         // every problem found, in file order
  bool ok() const { return errors.empty() && registry != nullptr; }
};

class Registry {
 public:
  Registry() = default;
  // Views into its own pools: never copied or moved, only shared.
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Loads and validates the files together (a DevEUI may appear in only one of them).
  // The format follows the extension (.json / .yaml / .yml), else the first character.
  static RegistryLoad load_files(const std::vector<std::filesystem::path>& files);
  // Parses one document held in memory; `file_name` only labels the errors.
  static RegistryLoad parse(std::string_view text, std::string_view file_name,
                            FileFormat format = FileFormat::Auto);

  const Device* find(DevEui dev_eui) const;
  // ABP devices configured with this DevAddr (empty when none).
  std::vector<const Device*> find_abp(DevAddr dev_addr) const;
  const MulticastGroup* find_multicast_group(DevAddr addr) const;

  std::span<const Device> devices() const { return devices_; }
  std::span<const MulticastGroup> multicast_groups() const { return groups_; }
  // The group addresses a device belongs to.
  std::span<const DevAddr> multicast_groups_of(const Device& d) const {
    return std::span<const DevAddr>(memberships_).subspan(d.multicast_offset, d.multicast_count);
  }
  std::string_view name_of(const Device& d) const {
    return std::string_view(names_).substr(d.name_offset, d.name_length);
  }
  // Region names used by the devices' `regions` lists (bit i of Device::region_mask).
  std::span<const std::string> region_names() const { return region_names_; }
  // True when the device names no region (all of them) or names `region`.
  bool in_region(const Device& d, std::string_view region) const;

  struct Summary {
    std::size_t devices = 0, otaa = 0, abp = 0, multicast_groups = 0;
    std::array<std::size_t, 6> by_version{};  // index = LorawanVersion
  };
  Summary summary() const;
  // Bytes held by the registry's own vectors and indexes (for the metrics and the bench).
  std::size_t memory_bytes() const;

 private:
  friend class RegistryBuilder;
  std::vector<Device> devices_;
  std::vector<MulticastGroup> groups_;
  std::vector<DevAddr> memberships_;
  std::string names_;
  std::string group_name_pool_;  // MulticastGroup::name points here
  std::vector<std::string> region_names_;
  FlatIndex by_eui_;                      // DevEUI -> index in devices_
  FlatIndex by_addr_;                     // ABP DevAddr -> index of its first entry in abp_order_
  std::vector<std::uint32_t> abp_order_;  // ABP device indexes sorted by DevAddr
  FlatIndex group_by_addr_;
};

// The registry in force, replaced atomically on reload: readers take a snapshot with get()
// and keep using it even if a reload happens meanwhile.
class RegistryHandle {
 public:
  RegistryHandle() : current_(std::make_shared<const Registry>()) {}
  explicit RegistryHandle(std::shared_ptr<const Registry> r) : current_(std::move(r)) {}
  std::shared_ptr<const Registry> get() const { return current_.load(std::memory_order_acquire); }
  void replace(std::shared_ptr<const Registry> r) {
    current_.store(std::move(r), std::memory_order_release);
  }

 private:
  std::atomic<std::shared_ptr<const Registry>> current_;
};

}  // namespace ranbridge::mic
