#pragma once
// Crash-safe file replacement: after a crash at any point the file holds either the old or
// the new content, never a mix (session snapshots, the tx-id high-water mark).

#include <filesystem>
#include <string_view>

namespace ranbridge::ops {

// Writes `content` to a temporary file next to `path`, fsyncs it, renames it over `path`
// and fsyncs the directory so the rename itself survives a power loss. The new file gets
// `permissions` (0600 by default: state may hold session keys). Throws std::system_error
// naming the path on any failure; the temporary file is removed then.
void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms permissions = std::filesystem::perms::owner_read |
                                                            std::filesystem::perms::owner_write);

}  // namespace ranbridge::ops
