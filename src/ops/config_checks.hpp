#pragma once
// Value checks used by the config loader: URLs, listen addresses, names, files.

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace ranbridge::ops::detail {

inline constexpr std::array<std::string_view, 4> kRanSchemes = {"http", "https", "ws", "wss"};
inline constexpr std::array<std::string_view, 6> kMqttSchemes = {"tcp", "ssl",  "ws",
                                                                 "wss", "mqtt", "mqtts"};

// nullopt when `url` is an absolute URL with one of `schemes`, a host, a valid port and no
// credentials; else what is wrong. The URL itself is not repeated (it might hold a secret).
std::optional<std::string> check_url(std::string_view url,
                                     std::span<const std::string_view> schemes);
// https, wss, ssl, mqtts.
bool url_is_tls(std::string_view url);

// "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:0", "localhost:9464" -> {host, port}.
std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text);

// nullopt when `path` is a regular file we can open for reading; else why not.
std::optional<std::string> unreadable_file(const std::filesystem::path& path);

// A secret stored in a file: whole file, surrounding whitespace trimmed, one line.
struct SecretFileResult {
  std::optional<std::string> value;
  std::string error;  // never contains the file's content
};
SecretFileResult read_secret_file(const std::filesystem::path& path);

bool valid_env_name(std::string_view name);      // [A-Za-z_][A-Za-z0-9_]*
bool valid_name(std::string_view name);          // [A-Za-z0-9_-]{1,32}
bool valid_topic_level(std::string_view level);  // non-empty, no '/', '+', '#', NUL
std::string_view trim(std::string_view s);

}  // namespace ranbridge::ops::detail
