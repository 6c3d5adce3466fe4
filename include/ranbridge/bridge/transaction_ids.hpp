#pragma once
// The one transaction-id counter shared by every region, every downstream socket, unicast and
// multicast (RAN: "unique across unicast and multicast and across all connections; do not
// restart at 1 after a restart").
//
// Ids are handed out from reserved blocks. Before the first id of a block is handed out, the
// block's high-water mark (the largest id it may hand out) is written atomically to the mark
// file; a restart continues after the stored mark, so no id is ever reused even after
// kill -9 (at most one block of ids is skipped). Never 0.
//
//   TransactionIds ids(state_dir / "txid");   // throws on an unreadable/corrupt file
//   ran::TransactionId tx = ids.next();       // throws std::system_error if the mark
//                                             // cannot be written (the id is not handed out)

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>

namespace ranbridge::bridge {

class TransactionIds {
 public:
  static constexpr std::uint64_t kDefaultBlock = 1000;

  // Reads the stored mark (a missing file means 0). Throws std::runtime_error naming the file
  // when it exists but does not hold a mark (corrupt, truncated, unreadable).
  explicit TransactionIds(std::filesystem::path mark_file, std::uint64_t block = kDefaultBlock);

  // The next id. Thread-safe; lock-free unless a new block must be reserved (one atomic write
  // per `block` ids).
  std::uint64_t next();

  // The mark stored in the file: every id handed out so far is <= it.
  std::uint64_t stored_mark() const { return limit_.load(std::memory_order_acquire) - 1; }
  const std::filesystem::path& file() const { return file_; }

  // Reads a mark file (0 when missing); throws std::runtime_error when it is not one.
  static std::uint64_t read_mark(const std::filesystem::path& file);

 private:
  void reserve_through(std::uint64_t id);

  std::filesystem::path file_;
  std::uint64_t block_;
  std::atomic<std::uint64_t> next_;   // the next id to hand out
  std::atomic<std::uint64_t> limit_;  // ids < limit_ are covered by the stored mark
  std::mutex reserve_mutex_;
};

}  // namespace ranbridge::bridge
