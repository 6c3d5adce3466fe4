#pragma once
// Validates device and multicast-group entries (one DocTree each) and assembles a Registry.
// Collects every error instead of stopping at the first one.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "doc_tree.hpp"
#include "ranbridge/mic/registry.hpp"

namespace ranbridge::mic {

class RegistryBuilder {
 public:
  RegistryBuilder();

  // Errors and entries that follow belong to this file.
  void begin_file(std::string name);
  void error(std::uint32_t line, std::string message);

  // Validates the top level of a document (a mapping with `devices` and optionally
  // `multicast_groups`) and dispatches the entries still in the tree.
  void add_document(const detail::DocTree& tree, std::uint32_t root);
  // One element of `devices` / `multicast_groups`.
  void add_device(const detail::DocTree& tree, std::uint32_t node);
  void add_group(const detail::DocTree& tree, std::uint32_t node);

  void reserve(std::size_t devices);
  bool has_errors() const { return !errors_.empty(); }
  RegistryLoad finish();

 private:
  struct Where {
    std::uint32_t file;
    std::uint32_t line;
  };
  struct PendingMembership {
    std::uint32_t device;
    std::uint32_t file;
    std::uint32_t line;
  };

  std::uint32_t intern_region(std::string_view name, std::uint32_t line);
  std::string where(const Where& w) const;

  std::shared_ptr<Registry> reg_;
  std::vector<std::string> files_;
  std::uint32_t file_ = 0;
  std::vector<RegistryError> errors_;
  std::vector<Where> device_where_;  // parallel to reg_->devices_, dropped at finish()
  std::vector<Where> group_where_;
  std::vector<std::string> group_names_;             // parallel to reg_->groups_ until finish()
  std::vector<PendingMembership> membership_where_;  // parallel to reg_->memberships_
  std::size_t device_entries_ = 0;                   // entries seen, valid or not (for "device #N")
};

}  // namespace ranbridge::mic
