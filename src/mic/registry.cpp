#include "ranbridge/mic/registry.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

#include "readers.hpp"
#include "registry_builder.hpp"

namespace ranbridge::mic {

namespace {

// splitmix64 finaliser: EUIs are often sequential, so the raw value would cluster.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

FileFormat detect(std::string_view name, std::string_view head) {
  auto ends_with = [&](std::string_view suffix) {
    if (name.size() < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i) {
      char c = name[name.size() - suffix.size() + i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != suffix[i]) return false;
    }
    return true;
  };
  if (ends_with(".json")) return FileFormat::Json;
  if (ends_with(".yaml") || ends_with(".yml")) return FileFormat::Yaml;
  for (char c : head) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[' ? FileFormat::Json : FileFormat::Yaml;
  }
  return FileFormat::Yaml;
}

}  // namespace

std::optional<LorawanVersion> version_from_string(std::string_view t) {
  if (t == "1.0.0" || t == "1.0") return LorawanVersion::V1_0_0;
  if (t == "1.0.1") return LorawanVersion::V1_0_1;
  if (t == "1.0.2") return LorawanVersion::V1_0_2;
  if (t == "1.0.3") return LorawanVersion::V1_0_3;
  if (t == "1.0.4") return LorawanVersion::V1_0_4;
  if (t == "1.1" || t == "1.1.0") return LorawanVersion::V1_1;
  return std::nullopt;
}

std::string_view to_string(LorawanVersion v) {
  switch (v) {
    case LorawanVersion::V1_0_0:
      return "1.0.0";
    case LorawanVersion::V1_0_1:
      return "1.0.1";
    case LorawanVersion::V1_0_2:
      return "1.0.2";
    case LorawanVersion::V1_0_3:
      return "1.0.3";
    case LorawanVersion::V1_0_4:
      return "1.0.4";
    case LorawanVersion::V1_1:
      return "1.1";
  }
  return "?";
}

std::string RegistryError::to_string() const {
  return file + ":" + std::to_string(line) + ": " + message;
}

// ---- FlatIndex ----------------------------------------------------------------------------

void FlatIndex::reserve(std::size_t n) {
  std::size_t cap = 16;
  while (cap < 2 * n) cap *= 2;
  if (cap <= slots_.size()) return;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(cap, Slot{0, kEmpty});
  mask_ = cap - 1;
  size_ = 0;
  for (const auto& s : old)
    if (s.value != kEmpty) insert(s.key, s.value);
}

void FlatIndex::grow() {
  reserve(slots_.empty() ? 8 : slots_.size());
}

bool FlatIndex::insert(std::uint64_t key, std::uint32_t value) {
  if (2 * (size_ + 1) > slots_.size()) grow();
  for (std::size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    Slot& s = slots_[i];
    if (s.value == kEmpty) {
      s = Slot{key, value};
      ++size_;
      return true;
    }
    if (s.key == key) return false;
  }
}

std::optional<std::uint32_t> FlatIndex::find(std::uint64_t key) const {
  if (slots_.empty()) return std::nullopt;
  for (std::size_t i = mix(key) & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.value == kEmpty) return std::nullopt;
    if (s.key == key) return s.value;
  }
}

// ---- Registry -----------------------------------------------------------------------------

const Device* Registry::find(DevEui dev_eui) const {
  auto i = by_eui_.find(dev_eui.value);
  return i ? &devices_[*i] : nullptr;
}

std::vector<const Device*> Registry::find_abp(DevAddr dev_addr) const {
  std::vector<const Device*> out;
  auto first = by_addr_.find(dev_addr.value);
  if (!first) return out;
  for (std::size_t i = *first; i < abp_order_.size(); ++i) {
    const Device& d = devices_[abp_order_[i]];
    if (d.dev_addr != dev_addr) break;
    out.push_back(&d);
  }
  return out;
}

const MulticastGroup* Registry::find_multicast_group(DevAddr addr) const {
  auto i = group_by_addr_.find(addr.value);
  return i ? &groups_[*i] : nullptr;
}

bool Registry::in_region(const Device& d, std::string_view region) const {
  if (d.region_mask == 0) return true;
  for (std::size_t i = 0; i < region_names_.size(); ++i)
    if ((d.region_mask >> i & 1u) && region_names_[i] == region) return true;
  return false;
}

Registry::Summary Registry::summary() const {
  Summary s;
  s.devices = devices_.size();
  s.multicast_groups = groups_.size();
  for (const auto& d : devices_) {
    (d.otaa() ? s.otaa : s.abp) += 1;
    s.by_version[static_cast<std::size_t>(d.version)] += 1;
  }
  return s;
}

std::size_t Registry::memory_bytes() const {
  return devices_.capacity() * sizeof(Device) + groups_.capacity() * sizeof(MulticastGroup) +
         memberships_.capacity() * sizeof(DevAddr) + names_.capacity() +
         group_name_pool_.capacity() + by_eui_.memory_bytes() + by_addr_.memory_bytes() +
         abp_order_.capacity() * sizeof(std::uint32_t) + group_by_addr_.memory_bytes();
}

namespace {

void read_one(std::string_view text, std::string_view name, FileFormat format, RegistryBuilder& b) {
  if (format == FileFormat::Auto) format = detect(name, text.substr(0, 64));
  if (format == FileFormat::Yaml) {
    detail::read_yaml(text, b);
    return;
  }
  std::size_t pos = 0;
  detail::read_json(
      [&](char* buf, std::size_t size) {
        const std::size_t n = std::min(size, text.size() - pos);
        std::copy_n(text.data() + pos, n, buf);
        pos += n;
        return n;
      },
      b);
}

}  // namespace

RegistryLoad Registry::parse(std::string_view text, std::string_view file_name, FileFormat format) {
  RegistryBuilder b;
  b.begin_file(std::string(file_name));
  read_one(text, file_name, format, b);
  return b.finish();
}

RegistryLoad Registry::load_files(const std::vector<std::filesystem::path>& files) {
  RegistryBuilder b;
  for (const auto& path : files) {
    const std::string name = path.string();
    b.begin_file(name);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(name.c_str(), "rb"), &std::fclose);
    if (!f) {
      b.error(0, std::string("cannot open: ") + std::strerror(errno));
      continue;
    }
    char head[64];
    const std::size_t head_n = std::fread(head, 1, sizeof head, f.get());
    const FileFormat format = detect(name, std::string_view(head, head_n));
    std::rewind(f.get());
    if (format == FileFormat::Json) {
      // Large fleets: stream, never hold the whole file.
      std::error_code ec;
      const auto size = std::filesystem::file_size(path, ec);
      if (!ec) b.reserve(static_cast<std::size_t>(size / 128));  // a compact entry is ~110 bytes
      detail::read_json(
          [&](char* buf, std::size_t size) { return std::fread(buf, 1, size, f.get()); }, b);
      if (std::ferror(f.get())) b.error(0, "read error");
    } else {
      std::string text;
      char buf[65536];
      for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) text.append(buf, n);
      if (std::ferror(f.get())) {
        b.error(0, "read error");
        continue;
      }
      detail::read_yaml(text, b);
    }
  }
  return b.finish();
}

}  // namespace ranbridge::mic
