#pragma once
// Hex text <-> integers and bytes, in one place for the whole project.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ranbridge::lorawan {

// Parses an unsigned integer written in hex the way people and RAN's REST API write it:
// any case, optional "0x"/"0X" prefix, with or without zero padding. At most `max_digits`
// significant digits (16 for EUIs, 8 for DevAddr). Empty input, other characters or a
// too-large value give nullopt. With `exact_width`, exactly `max_digits` digits are required.
std::optional<std::uint64_t> parse_hex_uint(std::string_view text, unsigned max_digits,
                                            bool exact_width = false);

// Lowercase, zero-padded to `digits`.
std::string to_hex(std::uint64_t value, unsigned digits);

// Even number of hex digits, optional "0x" prefix, any case. Whitespace is not allowed.
std::optional<std::vector<std::uint8_t>> parse_hex_bytes(std::string_view text);

// Lowercase, two digits per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace ranbridge::lorawan
