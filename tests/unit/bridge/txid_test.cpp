#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <thread>

#include "ranbridge/bridge/transaction_ids.hpp"
#include "ranbridge_test/support.hpp"

using ranbridge::bridge::TransactionIds;
using ranbridge::testing::TempDir;

namespace {
std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

TEST(TransactionIds, StartsAtOneAndNeverHandsOutZero) {
  TempDir dir;
  TransactionIds ids(dir / "txid", 10);
  EXPECT_EQ(ids.next(), 1u);
  EXPECT_EQ(ids.next(), 2u);
}

TEST(TransactionIds, PersistsTheBlockMarkBeforeHandingOutIds) {
  TempDir dir;
  TransactionIds ids(dir / "txid", 10);
  EXPECT_FALSE(std::filesystem::exists(dir / "txid"));  // nothing handed out yet
  ids.next();
  EXPECT_EQ(TransactionIds::read_mark(dir / "txid"), 10u);
  for (int i = 0; i < 9; ++i) ids.next();  // ids 2..10: same block
  EXPECT_EQ(TransactionIds::read_mark(dir / "txid"), 10u);
  EXPECT_EQ(ids.next(), 11u);  // new block reserved first
  EXPECT_EQ(TransactionIds::read_mark(dir / "txid"), 20u);
}

TEST(TransactionIds, ARestartContinuesAfterTheStoredMark) {
  TempDir dir;
  std::uint64_t last = 0;
  {
    TransactionIds ids(dir / "txid", 100);
    for (int i = 0; i < 5; ++i) last = ids.next();
  }  // like kill -9: nothing written at exit
  TransactionIds again(dir / "txid", 100);
  const auto first = again.next();
  EXPECT_GT(first, last);
  EXPECT_EQ(first, 101u);
}

TEST(TransactionIds, ConcurrentCallersGetUniqueIds) {
  TempDir dir;
  TransactionIds ids(dir / "txid", 50);
  constexpr int kThreads = 4, kEach = 2000;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) got[t].push_back(ids.next());
    });
  for (auto& t : threads) t.join();
  std::set<std::uint64_t> all;
  for (auto& v : got) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(all.count(0), 0u);
  EXPECT_GE(TransactionIds::read_mark(dir / "txid"), *all.rbegin());
}

TEST(TransactionIds, CorruptFileIsAClearError) {
  TempDir dir;
  dir.write("txid", "garbage\n");
  try {
    TransactionIds ids(dir / "txid");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("txid"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not a transaction-id mark"), std::string::npos);
  }
  dir.write("txid", "ran-bridge txid v1\n12x\n");
  EXPECT_THROW(TransactionIds(dir / "txid"), std::runtime_error);
  dir.write("txid", "ran-bridge txid v1\n12");  // truncated
  EXPECT_THROW(TransactionIds(dir / "txid"), std::runtime_error);
  EXPECT_EQ(slurp(dir / "txid"), "ran-bridge txid v1\n12");  // left as found
}

TEST(TransactionIds, UnwritableMarkFailsTheCallWithoutHandingOutAnId) {
  TempDir dir;
  TransactionIds ids(dir / "missing-dir" / "txid", 10);
  EXPECT_THROW(ids.next(), std::system_error);
  std::filesystem::create_directories(dir / "missing-dir");
  const auto id = ids.next();
  EXPECT_GT(id, 0u);
  EXPECT_GE(TransactionIds::read_mark(dir / "missing-dir" / "txid"), id);
}
