#pragma once
// Typed, error-collecting reads from a yaml-cpp tree: the generic half of config loading.
// Every failed read records "file:line: path: what is wrong" and leaves the target at its
// default, so one pass reports every problem in the file. Strings are never quoted by
// read_string, so a misplaced secret cannot leak into a message.

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "ranbridge/ops/config.hpp"
#include "ranbridge/ops/duration.hpp"

namespace ranbridge::ops::detail {

class YamlReader {
 public:
  YamlReader(std::string file, std::vector<ConfigError>& errors)
      : file_(std::move(file)), errors_(errors) {}

  // Records an error at `node`'s line (or `fallback`'s when the node has no mark).
  void error(const YAML::Node& node, const std::string& message);
  void error_at_line(int line, const std::string& message);
  const std::string& file() const { return file_; }

  // `node` must be a map (or null: treated as empty). Unknown and duplicate keys are errors
  // ("did you mean" for near misses). Returns false when `node` is not a map.
  bool check_map(const YAML::Node& node, const std::string& path,
                 std::span<const std::string_view> allowed);
  bool check_map(const YAML::Node& node, const std::string& path,
                 std::initializer_list<std::string_view> allowed) {
    return check_map(node, path,
                     std::span<const std::string_view>(allowed.begin(), allowed.size()));
  }

  // Readers: absent or null keys leave `out` unchanged and return false; a present key
  // that reads correctly sets `out` and returns true.
  bool read_string(const YAML::Node& map, std::string_view key, const std::string& path,
                   std::string& out);
  bool read_bool(const YAML::Node& map, std::string_view key, const std::string& path, bool& out);
  bool read_uint(const YAML::Node& map, std::string_view key, const std::string& path,
                 std::uint64_t min, std::uint64_t max, std::uint64_t& out);
  bool read_duration(const YAML::Node& map, std::string_view key, const std::string& path,
                     Duration min, Duration max, Duration& out);
  // One of `choices` (the enum's names); returns the index.
  bool read_choice(const YAML::Node& map, std::string_view key, const std::string& path,
                   std::initializer_list<std::string_view> choices, std::size_t& out);

  // The value of `key` in `map`, or a null node when `map` is not a map or lacks the key.
  // (yaml-cpp's const operator[] returns an "invalid" node for a missing key, and every
  // later access to it throws; this never does.)
  static YAML::Node child(const YAML::Node& map, std::string_view key);
  // Present and not null.
  static bool has(const YAML::Node& map, std::string_view key);
  // The node of a key (for marks), or the map itself when absent.
  static YAML::Node node_or(const YAML::Node& map, std::string_view key);
  static std::string join(std::string_view path, std::string_view key);

 private:
  std::string file_;
  std::vector<ConfigError>& errors_;
};

// Edit distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace ranbridge::ops::detail
