#include "config_checks.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>

namespace ranbridge::ops::detail {

std::optional<std::string> check_url(std::string_view url,
                                     std::span<const std::string_view> schemes) {
  std::string list;
  for (auto s : schemes) list += (list.empty() ? "" : ", ") + std::string(s);
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "not an absolute URL (expected " + list + "://host[:port][/path])";
  const auto& u = *parsed;
  if (std::find(schemes.begin(), schemes.end(), u.scheme()) == schemes.end())
    return "scheme '" + std::string(u.scheme()) + "' is not supported (" + list + ")";
  if (!u.has_authority() || u.encoded_host().empty()) return "the URL has no host";
  if (u.has_userinfo()) return "credentials do not belong in the URL (use the token/password keys)";
  if (u.has_port() && (u.port().empty() || u.port_number() == 0)) return "port must be 1..65535";
  if (u.has_query() || u.has_fragment()) return "the URL must not have a query or fragment";
  return std::nullopt;
}

bool url_is_tls(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return false;
  auto s = parsed->scheme();
  return s == "https" || s == "wss" || s == "ssl" || s == "mqtts";
}

std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(std::string(host), ec);
    if (ec || !a.is_v6()) return std::nullopt;
  } else if (host != "localhost") {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(std::string(host), ec);
    if (ec || !a.is_v4()) return std::nullopt;  // bare IPv6 must be bracketed
  }
  unsigned p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || p > 65535)
    return std::nullopt;
  std::string h = host == "localhost" ? "127.0.0.1" : std::string(host);
  return std::pair{h, static_cast<std::uint16_t>(p)};
}

std::optional<std::string> unreadable_file(const std::filesystem::path& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec) return ec.message();
  if (std::filesystem::is_directory(status)) return "is a directory";
  if (!std::filesystem::is_regular_file(status)) return "not a regular file";
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::strerror(errno);
  return std::nullopt;
}

SecretFileResult read_secret_file(const std::filesystem::path& path) {
  if (auto problem = unreadable_file(path))
    return {std::nullopt, "cannot read " + path.string() + ": " + *problem};
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  std::string_view value = trim(content.view());
  if (value.empty()) return {std::nullopt, path.string() + " is empty"};
  if (value.size() > 64 * 1024) return {std::nullopt, path.string() + " is too large for a secret"};
  // A token with a newline or space inside is almost always a wrong file (a PEM, a list).
  if (std::any_of(value.begin(), value.end(),
                  [](unsigned char c) { return c <= ' ' || c == 0x7f; }))
    return {std::nullopt, path.string() + " must hold a single line without spaces"};
  return {std::string(value), {}};
}

bool valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

bool valid_topic_level(std::string_view level) {
  if (level.empty()) return false;
  return std::none_of(level.begin(), level.end(),
                      [](char c) { return c == '/' || c == '+' || c == '#' || c == '\0'; });
}

std::string_view trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace ranbridge::ops::detail
