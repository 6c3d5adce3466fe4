#include "yaml_reader.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace ranbridge::ops::detail {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

void YamlReader::error(const YAML::Node& node, const std::string& message) {
  int line = 0;
  if (node.IsDefined()) {
    auto mark = node.Mark();
    if (mark.line >= 0) line = mark.line + 1;
  }
  error_at_line(line, message);
}

void YamlReader::error_at_line(int line, const std::string& message) {
  errors_.push_back(ConfigError{file_, line, message});
}

std::string YamlReader::join(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return std::string(path) + "." + std::string(key);
}

YAML::Node YamlReader::child(const YAML::Node& map, std::string_view key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node();
  auto n = map[std::string(key)];
  return n.IsDefined() ? n : YAML::Node();
}

bool YamlReader::has(const YAML::Node& map, std::string_view key) {
  if (!map.IsDefined() || !map.IsMap()) return false;
  auto n = map[std::string(key)];
  return n.IsDefined() && !n.IsNull();
}

YAML::Node YamlReader::node_or(const YAML::Node& map, std::string_view key) {
  if (map.IsDefined() && map.IsMap()) {
    auto n = map[std::string(key)];
    if (n.IsDefined()) return n;
  }
  return map;
}

bool YamlReader::check_map(const YAML::Node& node, const std::string& path,
                           std::span<const std::string_view> allowed) {
  if (!node.IsDefined() || node.IsNull()) return true;
  if (!node.IsMap()) {
    error(node, (path.empty() ? std::string("the file") : path) + " must be a mapping of keys");
    return false;
  }
  std::set<std::string, std::less<>> seen;
  for (const auto& kv : node) {
    const YAML::Node& key_node = kv.first;
    if (!key_node.IsScalar()) {
      error(key_node, join(path, "<key>") + ": keys must be plain strings");
      continue;
    }
    const std::string key = key_node.Scalar();
    if (!seen.insert(key).second) {
      error(key_node, "duplicate key '" + join(path, key) + "'");
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string message = "unknown key '" + join(path, key) + "'";
    std::string_view best;
    std::size_t best_distance = 3;  // suggest only near misses (typos)
    for (auto candidate : allowed) {
      auto d = edit_distance(key, candidate);
      if (d < best_distance) best = candidate, best_distance = d;
    }
    if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
    error(key_node, message);
  }
  return true;
}

bool YamlReader::read_string(const YAML::Node& map, std::string_view key, const std::string& path,
                             std::string& out) {
  if (!has(map, key)) return false;
  auto n = map[std::string(key)];
  if (!n.IsScalar()) {
    error(n, join(path, key) + " must be a string");
    return false;
  }
  out = n.Scalar();
  return true;
}

bool YamlReader::read_bool(const YAML::Node& map, std::string_view key, const std::string& path,
                           bool& out) {
  if (!has(map, key)) return false;
  auto n = map[std::string(key)];
  if (n.IsScalar()) {
    const auto& s = n.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return out = true, true;
    if (s == "false" || s == "False" || s == "FALSE") return out = false, true;
  }
  error(n, join(path, key) + " must be true or false");
  return false;
}

bool YamlReader::read_uint(const YAML::Node& map, std::string_view key, const std::string& path,
                           std::uint64_t min, std::uint64_t max, std::uint64_t& out) {
  if (!has(map, key)) return false;
  auto n = map[std::string(key)];
  const std::string range = " (" + std::to_string(min) + ".." + std::to_string(max) + ")";
  if (!n.IsScalar()) {
    error(n, join(path, key) + " must be an integer" + range);
    return false;
  }
  const auto& s = n.Scalar();
  std::uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec == std::errc::invalid_argument || ptr != s.data() + s.size()) {
    error(n, join(path, key) + ": '" + s + "' is not an integer" + range);
    return false;
  }
  if (ec == std::errc::result_out_of_range || v < min || v > max) {
    error(n, join(path, key) + ": " + s + " is out of range" + range);
    return false;
  }
  out = v;
  return true;
}

bool YamlReader::read_duration(const YAML::Node& map, std::string_view key, const std::string& path,
                               Duration min, Duration max, Duration& out) {
  if (!has(map, key)) return false;
  auto n = map[std::string(key)];
  const std::string range = " (" + format_duration(min) + ".." + format_duration(max) + ")";
  auto d = n.IsScalar() ? parse_duration(n.Scalar()) : std::nullopt;
  if (!d) {
    std::string shown = n.IsScalar() ? "'" + n.Scalar() + "' " : "";
    error(n, join(path, key) + ": " + shown +
                 "is not a duration (a number and a unit: us, ms, s, m, h, e.g. \"1.5s\")");
    return false;
  }
  if (*d < min || *d > max) {
    error(n, join(path, key) + ": " + n.Scalar() + " is out of range" + range);
    return false;
  }
  out = *d;
  return true;
}

bool YamlReader::read_choice(const YAML::Node& map, std::string_view key, const std::string& path,
                             std::initializer_list<std::string_view> choices, std::size_t& out) {
  if (!has(map, key)) return false;
  auto n = map[std::string(key)];
  std::string list;
  for (auto c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
  if (n.IsScalar()) {
    auto it = std::find(choices.begin(), choices.end(), n.Scalar());
    if (it != choices.end()) {
      out = static_cast<std::size_t>(it - choices.begin());
      return true;
    }
    error(n, join(path, key) + ": '" + n.Scalar() + "' is not one of " + list);
  } else {
    error(n, join(path, key) + " must be one of " + list);
  }
  return false;
}

}  // namespace ranbridge::ops::detail
