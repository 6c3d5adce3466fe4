#include "registry_builder.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "ranbridge/lorawan/hex.hpp"

namespace ranbridge::mic {

using detail::DocTree;
using Kind = DocTree::Kind;

namespace {

constexpr std::size_t kMaxRegions = 32;           // bits of Device::region_mask
constexpr std::size_t kMaxGroupsPerDevice = 255;  // Device::multicast_count

// The fields of one mapping, looked up by name; unknown keys are reported.
class Fields {
 public:
  Fields(const DocTree& t, std::uint32_t map, std::initializer_list<std::string_view> allowed,
         std::string_view what, RegistryBuilder& b)
      : t_(t) {
    t.for_each_child(map, [&](std::uint32_t i, const DocTree::Node& n) {
      const std::string_view key = t.key(n);
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        b.error(n.key_line, std::string(what) + ": unknown key '" + std::string(key) + "'");
        return;
      }
      for (const auto& [k, idx] : found_) {
        if (k == key) {
          b.error(n.key_line, std::string(what) + ": key '" + std::string(key) + "' given twice");
          return;
        }
      }
      found_.emplace_back(key, i);
    });
  }
  const DocTree::Node* get(std::string_view key) const {
    for (const auto& [k, idx] : found_)
      if (k == key) return &t_.node(idx);
    return nullptr;
  }
  std::uint32_t index(std::string_view key) const {
    for (const auto& [k, idx] : found_)
      if (k == key) return idx;
    return DocTree::npos;
  }

 private:
  const DocTree& t_;
  std::vector<std::pair<std::string_view, std::uint32_t>> found_;
};

// Shared by every entry kind: reports one error and returns nullopt on a bad value.
class Checker {
 public:
  Checker(const DocTree& t, RegistryBuilder& b, std::string prefix)
      : t_(t), b_(b), prefix_(std::move(prefix)) {}

  void fail(const DocTree::Node& n, const std::string& msg) {
    b_.error(n.key_line ? n.key_line : n.line, prefix_ + msg);
    ok_ = false;
  }
  void fail_at(std::uint32_t line, const std::string& msg) {
    b_.error(line, prefix_ + msg);
    ok_ = false;
  }
  bool ok() const { return ok_; }
  void set_prefix(std::string p) { prefix_ = std::move(p); }

  std::optional<std::string_view> string(const DocTree::Node& n, std::string_view name) {
    if (n.kind != Kind::String) {
      fail(n, std::string(name) + " must be a string, not " + detail::kind_name(n.kind));
      return std::nullopt;
    }
    return t_.text(n);
  }
  // Hex identifiers: strings only (a JSON number would lose digits and leading zeros).
  std::optional<std::uint64_t> hex_id(const DocTree::Node& n, std::string_view name,
                                      unsigned digits) {
    if (n.kind != Kind::String) {
      fail(n, std::string(name) + " must be a hex string, not " + detail::kind_name(n.kind));
      return std::nullopt;
    }
    auto v = lorawan::parse_hex_uint(t_.text(n), digits);
    if (!v) {
      fail(n, std::string(name) + " must be at most " + std::to_string(digits) +
                  " hex digits, got '" + std::string(t_.text(n)) + "'");
      return std::nullopt;
    }
    return v;
  }
  // Keys are secrets: the messages never quote the value.
  std::optional<AesKey> key(const DocTree::Node& n, std::string_view name) {
    if (n.kind != Kind::String) {
      fail(n, std::string(name) + " must be a hex string, not " + detail::kind_name(n.kind));
      return std::nullopt;
    }
    auto bytes = lorawan::parse_hex_bytes(t_.text(n));
    if (!bytes) {
      fail(n, std::string(name) + " is not valid hex (32 hex digits expected)");
      return std::nullopt;
    }
    if (bytes->size() != 16) {
      fail(n, std::string(name) + " must be 16 bytes (32 hex digits), got " +
                  std::to_string(bytes->size()) + " bytes");
      return std::nullopt;
    }
    AesKey k;
    std::copy(bytes->begin(), bytes->end(), k.bytes.begin());
    return k;
  }
  std::optional<std::uint32_t> uint32(const DocTree::Node& n, std::string_view name) {
    if (n.kind != Kind::Number && n.kind != Kind::String) {
      fail(n, std::string(name) + " must be a number, not " + detail::kind_name(n.kind));
      return std::nullopt;
    }
    const std::string_view s = t_.text(n);
    std::uint32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) {
      fail(n,
           std::string(name) + " must be an integer 0..4294967295, got '" + std::string(s) + "'");
      return std::nullopt;
    }
    return v;
  }
  bool is_map(const DocTree::Node& n, std::string_view name) {
    if (n.kind == Kind::Map) return true;
    fail(n, std::string(name) + " must be a mapping, not " + detail::kind_name(n.kind));
    return false;
  }
  bool is_seq(const DocTree::Node& n, std::string_view name) {
    if (n.kind == Kind::Seq) return true;
    fail(n, std::string(name) + " must be a list, not " + detail::kind_name(n.kind));
    return false;
  }

 private:
  const DocTree& t_;
  RegistryBuilder& b_;
  std::string prefix_;
  bool ok_ = true;
};

}  // namespace

RegistryBuilder::RegistryBuilder() : reg_(std::make_shared<Registry>()) {}

void RegistryBuilder::begin_file(std::string name) {
  files_.push_back(std::move(name));
  file_ = static_cast<std::uint32_t>(files_.size() - 1);
}

void RegistryBuilder::error(std::uint32_t line, std::string message) {
  errors_.push_back(RegistryError{files_.empty() ? std::string("<input>") : files_[file_], line,
                                  std::move(message)});
}

std::string RegistryBuilder::where(const Where& w) const {
  return files_[w.file] + ":" + std::to_string(w.line);
}

void RegistryBuilder::reserve(std::size_t devices) {
  reg_->devices_.reserve(devices);
  device_where_.reserve(devices);
  reg_->by_eui_.reserve(devices);
}

void RegistryBuilder::add_document(const DocTree& t, std::uint32_t root) {
  const auto& r = t.node(root);
  if (r.kind != Kind::Map) {
    error(r.line, std::string("the top level must be a mapping with a 'devices' list, not ") +
                      detail::kind_name(r.kind));
    return;
  }
  Fields f(t, root, {"devices", "multicast_groups"}, "top level", *this);
  for (const char* list : {"devices", "multicast_groups"}) {
    const auto* n = f.get(list);
    if (n == nullptr) continue;
    if (n->kind == Kind::Null) continue;  // "devices:" with nothing under it: empty
    if (n->kind != Kind::Seq) {
      error(n->key_line, std::string(list) + " must be a list, not " + detail::kind_name(n->kind));
      continue;
    }
    const bool devices = std::string_view(list) == "devices";
    t.for_each_child(f.index(list), [&](std::uint32_t i, const DocTree::Node&) {
      if (devices)
        add_device(t, i);
      else
        add_group(t, i);
    });
  }
  if (f.get("devices") == nullptr && f.get("multicast_groups") == nullptr)
    error(r.line, "no 'devices' list in this file");
}

std::uint32_t RegistryBuilder::intern_region(std::string_view name, std::uint32_t line) {
  auto& names = reg_->region_names_;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return std::uint32_t{1} << i;
  if (names.size() == kMaxRegions) {
    error(line, "more than 32 distinct region names in the devices files");
    return 0;
  }
  names.emplace_back(name);
  return std::uint32_t{1} << (names.size() - 1);
}

void RegistryBuilder::add_device(const DocTree& t, std::uint32_t node) {
  ++device_entries_;
  const auto& n = t.node(node);
  Checker c(t, *this, "device #" + std::to_string(device_entries_) + ": ");
  if (n.kind != Kind::Map) {
    c.fail_at(n.line, std::string("must be a mapping, not ") + detail::kind_name(n.kind));
    return;
  }
  Fields f(t, node,
           {"dev_eui", "name", "lorawan_version", "otaa", "abp", "fcnt_up", "regions",
            "multicast_groups"},
           "device #" + std::to_string(device_entries_), *this);
  Device d;
  const std::uint32_t line = n.line;

  const auto* eui = f.get("dev_eui");
  if (eui == nullptr) {
    c.fail_at(line, "dev_eui is missing");
  } else if (auto v = c.hex_id(*eui, "dev_eui", 16)) {
    d.dev_eui = DevEui{*v};
    c.set_prefix("device " + d.dev_eui.to_hex() + ": ");
  }

  const auto* ver = f.get("lorawan_version");
  bool version_ok = false;
  if (ver == nullptr) {
    c.fail_at(line, "lorawan_version is missing (1.0.0 .. 1.0.4 or 1.1)");
  } else if (ver->kind != Kind::String && ver->kind != Kind::Number) {
    c.fail(*ver,
           std::string("lorawan_version must be a string, not ") + detail::kind_name(ver->kind));
  } else if (auto v = version_from_string(t.text(*ver))) {
    d.version = *v;
    version_ok = true;
  } else {
    c.fail(*ver, "unknown lorawan_version '" + std::string(t.text(*ver)) +
                     "' (1.0.0, 1.0.1, 1.0.2, 1.0.3, 1.0.4 or 1.1)");
  }
  const bool v11 = is_1_1(d.version);

  if (const auto* nm = f.get("name")) {
    if (auto s = c.string(*nm, "name")) {
      if (s->size() > 0xFFFF) {
        c.fail(*nm, "name is longer than 65535 characters");
      } else {
        d.name_offset = static_cast<std::uint32_t>(reg_->names_.size());
        d.name_length = static_cast<std::uint16_t>(s->size());
        reg_->names_.append(*s);
      }
    }
  }

  const auto* otaa = f.get("otaa");
  const auto* abp = f.get("abp");
  if (otaa != nullptr && abp != nullptr) {
    c.fail(*abp, "has both otaa and abp: give exactly one");
  } else if (otaa == nullptr && abp == nullptr) {
    c.fail_at(line, "needs either otaa (join_eui, app_key[, nwk_key]) or abp (dev_addr, keys)");
  } else if (otaa != nullptr && c.is_map(*otaa, "otaa")) {
    d.activation = Activation::Otaa;
    Fields o(t, f.index("otaa"), {"join_eui", "app_key", "nwk_key"}, "otaa", *this);
    if (const auto* je = o.get("join_eui")) {
      if (auto v = c.hex_id(*je, "otaa.join_eui", 16)) d.join_eui = JoinEui{*v};
    } else {
      c.fail(*otaa, "otaa.join_eui is missing");
    }
    const auto* ak = o.get("app_key");
    const auto* nk = o.get("nwk_key");
    if (ak != nullptr) {
      if (auto k = c.key(*ak, "otaa.app_key")) d.keys[0] = *k;
    } else if (!v11) {
      c.fail(*otaa, "otaa.app_key is missing (LoRaWAN 1.0.x root key)");
    }
    if (v11) {
      if (nk == nullptr) {
        c.fail(*otaa, "otaa.nwk_key is missing (required for LoRaWAN 1.1)");
      } else if (auto k = c.key(*nk, "otaa.nwk_key")) {
        d.keys[1] = *k;
      }
    } else {
      if (nk != nullptr && version_ok)
        c.fail(*nk, "otaa.nwk_key is a LoRaWAN 1.1 key; a " + std::string(to_string(d.version)) +
                        " device uses app_key only");
      d.keys[1] = d.keys[0];  // in 1.0.x the AppKey plays the NwkKey
    }
    if (const auto* fc = f.get("fcnt_up"))
      c.fail(*fc, "fcnt_up applies to ABP devices only (OTAA devices start at 0 after a join)");
  } else if (abp != nullptr && c.is_map(*abp, "abp")) {
    d.activation = Activation::Abp;
    Fields a(t, f.index("abp"),
             {"dev_addr", "nwk_s_key", "f_nwk_s_int_key", "s_nwk_s_int_key", "nwk_s_enc_key",
              "app_s_key"},
             "abp", *this);
    if (const auto* da = a.get("dev_addr")) {
      if (auto v = c.hex_id(*da, "abp.dev_addr", 8))
        d.dev_addr = DevAddr{static_cast<std::uint32_t>(*v)};
    } else {
      c.fail(*abp, "abp.dev_addr is missing");
    }
    if (v11) {
      if (const auto* k = a.get("nwk_s_key"))
        c.fail(*k,
               "abp.nwk_s_key is the LoRaWAN 1.0.x key; a 1.1 device needs "
               "f_nwk_s_int_key, s_nwk_s_int_key and nwk_s_enc_key");
      const char* names[3] = {"f_nwk_s_int_key", "s_nwk_s_int_key", "nwk_s_enc_key"};
      for (int i = 0; i < 3; ++i) {
        if (const auto* k = a.get(names[i])) {
          if (auto key = c.key(*k, std::string("abp.") + names[i])) d.keys[i] = *key;
        } else {
          c.fail(*abp, std::string("abp.") + names[i] + " is missing (required for LoRaWAN 1.1)");
        }
      }
    } else {
      for (const char* name : {"f_nwk_s_int_key", "s_nwk_s_int_key", "nwk_s_enc_key"})
        if (const auto* k = a.get(name); k != nullptr && version_ok)
          c.fail(*k, std::string("abp.") + name + " is a LoRaWAN 1.1 key; a " +
                         std::string(to_string(d.version)) + " device uses nwk_s_key");
      if (const auto* k = a.get("nwk_s_key")) {
        if (auto key = c.key(*k, "abp.nwk_s_key")) d.keys[0] = d.keys[1] = d.keys[2] = *key;
      } else {
        c.fail(*abp, "abp.nwk_s_key is missing");
      }
    }
    // The AppSKey is optional: the bridge never decrypts application payloads.
    if (const auto* k = a.get("app_s_key")) {
      if (auto key = c.key(*k, "abp.app_s_key")) d.keys[3] = *key;
    }
    if (const auto* fc = f.get("fcnt_up")) {
      if (auto v = c.uint32(*fc, "fcnt_up")) d.fcnt_up_start = *v;
    }
  }

  if (const auto* rg = f.get("regions"); rg != nullptr && c.is_seq(*rg, "regions")) {
    t.for_each_child(f.index("regions"), [&](std::uint32_t, const DocTree::Node& r) {
      auto s = c.string(r, "each region");
      if (!s) return;
      if (s->empty()) {
        c.fail(r, "a region name is empty");
        return;
      }
      d.region_mask |= intern_region(*s, r.line);
    });
  }

  const auto membership_start = reg_->memberships_.size();
  if (const auto* mg = f.get("multicast_groups");
      mg != nullptr && c.is_seq(*mg, "multicast_groups")) {
    t.for_each_child(f.index("multicast_groups"), [&](std::uint32_t, const DocTree::Node& g) {
      auto v = c.hex_id(g, "a multicast group address", 8);
      if (!v) return;
      if (reg_->memberships_.size() - membership_start == kMaxGroupsPerDevice) {
        c.fail(g, "more than 255 multicast groups");
        return;
      }
      const DevAddr addr{static_cast<std::uint32_t>(*v)};
      for (auto i = membership_start; i < reg_->memberships_.size(); ++i)
        if (reg_->memberships_[i] == addr) {
          c.fail(g, "multicast group " + addr.to_hex() + " listed twice");
          return;
        }
      reg_->memberships_.push_back(addr);
      membership_where_.push_back(
          {static_cast<std::uint32_t>(reg_->devices_.size()), file_, g.line});
    });
  }

  if (!c.ok()) {
    // Keep the pools in step with the devices that are kept.
    reg_->memberships_.resize(membership_start);
    membership_where_.resize(membership_start);
    return;
  }
  d.multicast_offset = static_cast<std::uint32_t>(membership_start);
  d.multicast_count = static_cast<std::uint8_t>(reg_->memberships_.size() - membership_start);

  const auto index = static_cast<std::uint32_t>(reg_->devices_.size());
  if (!reg_->by_eui_.insert(d.dev_eui.value, index)) {
    const auto first = *reg_->by_eui_.find(d.dev_eui.value);
    error(line, "duplicate dev_eui " + d.dev_eui.to_hex() + " (first defined at " +
                    where(device_where_[first]) + ")");
    reg_->memberships_.resize(membership_start);
    membership_where_.resize(membership_start);
    return;
  }
  reg_->devices_.push_back(d);
  device_where_.push_back({file_, line});
}

void RegistryBuilder::add_group(const DocTree& t, std::uint32_t node) {
  const auto& n = t.node(node);
  Checker c(t, *this, "multicast group: ");
  if (n.kind != Kind::Map) {
    c.fail_at(n.line, std::string("must be a mapping, not ") + detail::kind_name(n.kind));
    return;
  }
  Fields f(t, node, {"addr", "name", "regions", "mc_nwk_s_key", "mc_app_s_key"}, "multicast group",
           *this);
  MulticastGroup g;
  const auto* addr = f.get("addr");
  if (addr == nullptr) {
    c.fail_at(n.line, "addr is missing");
  } else if (auto v = c.hex_id(*addr, "addr", 8)) {
    g.addr = DevAddr{static_cast<std::uint32_t>(*v)};
    c.set_prefix("multicast group " + g.addr.to_hex() + ": ");
  }
  std::string name;
  if (const auto* nm = f.get("name")) {
    if (auto s = c.string(*nm, "name")) name = *s;
  }
  if (const auto* rg = f.get("regions"); rg != nullptr && c.is_seq(*rg, "regions")) {
    t.for_each_child(f.index("regions"), [&](std::uint32_t, const DocTree::Node& r) {
      if (auto s = c.string(r, "each region")) g.region_mask |= intern_region(*s, r.line);
    });
  }
  const auto* nk = f.get("mc_nwk_s_key");
  const auto* ak = f.get("mc_app_s_key");
  if ((nk == nullptr) != (ak == nullptr)) {
    c.fail_at(n.line, "give both mc_nwk_s_key and mc_app_s_key, or neither");
  } else if (nk != nullptr) {
    auto k1 = c.key(*nk, "mc_nwk_s_key");
    auto k2 = c.key(*ak, "mc_app_s_key");
    if (k1 && k2) {
      g.has_keys = true;
      g.mc_nwk_s_key = *k1;
      g.mc_app_s_key = *k2;
    }
  }
  if (!c.ok()) return;
  const auto index = static_cast<std::uint32_t>(reg_->groups_.size());
  if (!reg_->group_by_addr_.insert(g.addr.value, index)) {
    error(n.line, "duplicate multicast group " + g.addr.to_hex() + " (first defined at " +
                      where(group_where_[*reg_->group_by_addr_.find(g.addr.value)]) + ")");
    return;
  }
  // Names live in the pool; the string_view is fixed up in finish() (the pool may move).
  reg_->groups_.push_back(g);
  group_names_.push_back(name.empty() ? g.addr.to_hex() : name);
  group_where_.push_back({file_, n.line});
}

RegistryLoad RegistryBuilder::finish() {
  auto& r = *reg_;
  // Every membership must name a declared group.
  for (std::size_t i = 0; i < r.memberships_.size(); ++i) {
    if (!r.group_by_addr_.find(r.memberships_[i].value)) {
      const auto& w = membership_where_[i];
      errors_.push_back(RegistryError{files_[w.file], w.line,
                                      "device " + r.devices_[w.device].dev_eui.to_hex() +
                                          ": multicast group " + r.memberships_[i].to_hex() +
                                          " is not declared in multicast_groups"});
    }
  }
  if (!errors_.empty()) {
    auto file_index = [&](const std::string& f) {
      return std::find(files_.begin(), files_.end(), f) - files_.begin();
    };
    std::stable_sort(errors_.begin(), errors_.end(), [&](const auto& a, const auto& b) {
      const auto fa = file_index(a.file), fb = file_index(b.file);
      return fa != fb ? fa < fb : a.line < b.line;
    });
    return RegistryLoad{nullptr, std::move(errors_)};
  }
  // Group names: owned by one string, viewed by the groups.
  std::size_t total = 0;
  for (const auto& n : group_names_) total += n.size();
  r.group_name_pool_.reserve(total);
  for (const auto& n : group_names_) r.group_name_pool_.append(n);
  std::size_t off = 0;
  for (std::size_t i = 0; i < r.groups_.size(); ++i) {
    r.groups_[i].name = std::string_view(r.group_name_pool_).substr(off, group_names_[i].size());
    off += group_names_[i].size();
  }
  // ABP index: device indexes sorted by DevAddr; the hash gives the first of each run.
  for (std::uint32_t i = 0; i < r.devices_.size(); ++i)
    if (r.devices_[i].abp()) r.abp_order_.push_back(i);
  std::stable_sort(r.abp_order_.begin(), r.abp_order_.end(), [&](std::uint32_t a, std::uint32_t b) {
    return r.devices_[a].dev_addr < r.devices_[b].dev_addr;
  });
  r.by_addr_.reserve(r.abp_order_.size());
  for (std::uint32_t i = 0; i < r.abp_order_.size(); ++i)
    r.by_addr_.insert(r.devices_[r.abp_order_[i]].dev_addr.value, i);  // keeps the first
  r.names_.shrink_to_fit();
  return RegistryLoad{std::move(reg_), {}};
}

}  // namespace ranbridge::mic
