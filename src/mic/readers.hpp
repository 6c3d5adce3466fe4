#pragma once
// Front ends of the devices file: each turns its format into DocTree entries for the builder.

#include <cstddef>
#include <functional>
#include <string_view>

#include "registry_builder.hpp"

namespace ranbridge::mic::detail {

// Small files written by people; the whole document is converted at once.
void read_yaml(std::string_view text, RegistryBuilder& builder);

// Large fleets: streamed in chunks through Boost.JSON's SAX parser; each device entry is
// validated as soon as it is complete and then dropped from the tree, so memory stays flat.
// `read` fills the buffer and returns the byte count (0 at the end).
using ChunkReader = std::function<std::size_t(char* buffer, std::size_t size)>;
void read_json(const ChunkReader& read, RegistryBuilder& builder);

}  // namespace ranbridge::mic::detail
