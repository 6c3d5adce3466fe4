#include "ranbridge/ops/atomic_file.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <system_error>

#include "ranbridge_test/support.hpp"

namespace ranbridge::ops {
namespace {

namespace fs = std::filesystem;
using ranbridge::testing::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFile, WritesAndReplacesLeavingNoTempFiles) {
  TempDir dir;
  auto path = dir / "state.json";
  write_file_atomic(path, "first");
  EXPECT_EQ(slurp(path), "first");
  write_file_atomic(path, std::string("second\0binary", 13));
  EXPECT_EQ(slurp(path), std::string("second\0binary", 13));
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  auto perms = fs::status(path).permissions();
  EXPECT_EQ(perms & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST(AtomicFile, CustomPermissionsAndEmptyContent) {
  TempDir dir;
  auto path = dir / "x";
  write_file_atomic(path, "",
                    fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  EXPECT_EQ(slurp(path), "");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST(AtomicFile, MissingDirectoryThrowsWithPath) {
  TempDir dir;
  auto path = dir / "no-such-dir" / "state.json";
  try {
    write_file_atomic(path, "x");
    FAIL() << "expected an exception";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    EXPECT_EQ(e.code().value(), ENOENT);
  }
}

TEST(AtomicFile, RenameOntoDirectoryFailsAndCleansUp) {
  TempDir dir;
  fs::create_directory(dir / "target");
  fs::create_directory(dir / "target" / "child");  // non-empty: rename cannot replace it
  EXPECT_THROW(write_file_atomic(dir / "target", "x"), std::system_error);
  int entries = 0;
  for (auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);  // the temp file is gone
}

}  // namespace
}  // namespace ranbridge::ops
