#include "ranbridge/ops/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <system_error>

namespace ranbridge::ops {
namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path, int err) {
  throw std::system_error(err, std::generic_category(), what + " " + path.string());
}

// Closes the descriptor and removes the temp file unless released.
struct TempFile {
  std::filesystem::path path;
  int fd = -1;
  bool keep = false;
  ~TempFile() {
    if (fd >= 0) ::close(fd);
    if (!keep) ::unlink(path.c_str());
  }
};

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms permissions) {
  auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  // mkstemp gives a unique name, so concurrent writers never share a temp file.
  std::string pattern = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  TempFile tmp;
  tmp.fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (tmp.fd < 0) fail("cannot create a temporary file for", path, errno);
  tmp.path = pattern;
  if (::fchmod(tmp.fd, static_cast<mode_t>(permissions)) != 0)
    fail("cannot chmod", tmp.path, errno);
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(tmp.fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot write", tmp.path, errno);
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(tmp.fd) != 0) fail("cannot fsync", tmp.path, errno);
  if (::close(tmp.fd) != 0) {
    tmp.fd = -1;
    fail("cannot close", tmp.path, errno);
  }
  tmp.fd = -1;
  if (::rename(tmp.path.c_str(), path.c_str()) != 0) fail("cannot rename over", path, errno);
  tmp.keep = true;
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail("cannot open directory", dir, errno);
  int rc = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (rc != 0) fail("cannot fsync directory", dir, err);
}

}  // namespace ranbridge::ops
