#include "ranbridge/lorawan/hex.hpp"

namespace ranbridge::lorawan {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string_view strip_prefix(std::string_view text) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
    text.remove_prefix(2);
  return text;
}

constexpr char kDigits[] = "0123456789abcdef";

}  // namespace

std::optional<std::uint64_t> parse_hex_uint(std::string_view text, unsigned max_digits,
                                            bool exact_width) {
  text = strip_prefix(text);
  if (text.empty()) return std::nullopt;
  if (exact_width && text.size() != max_digits) return std::nullopt;
  std::uint64_t value = 0;
  unsigned significant = 0;
  for (char c : text) {
    int d = hex_digit(c);
    if (d < 0) return std::nullopt;
    if (significant > 0 || d != 0) ++significant;
    if (significant > max_digits) return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(d);
  }
  return value;
}

std::string to_hex(std::uint64_t value, unsigned digits) {
  std::string out(digits, '0');
  for (unsigned i = digits; i-- > 0; value >>= 4) out[i] = kDigits[value & 0xF];
  return out;
}

std::optional<std::vector<std::uint8_t>> parse_hex_bytes(std::string_view text) {
  text = strip_prefix(text);
  if (text.size() % 2 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int hi = hex_digit(text[i]), lo = hex_digit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

}  // namespace ranbridge::lorawan
