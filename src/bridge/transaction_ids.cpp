#include "ranbridge/bridge/transaction_ids.hpp"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "ranbridge/ops/atomic_file.hpp"

namespace ranbridge::bridge {

namespace {
constexpr std::string_view kHeader = "ran-bridge txid v1\n";
}

std::uint64_t TransactionIds::read_mark(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot read the transaction-id mark");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  auto bad = [&](std::string_view why) {
    return std::runtime_error(file.string() + ": not a transaction-id mark file (" +
                              std::string(why) +
                              "); remove it only if no downlink was sent with ids above the "
                              "last one RAN saw");
  };
  if (text.size() < kHeader.size() || text.compare(0, kHeader.size(), kHeader) != 0)
    throw bad("bad header");
  std::string_view digits(text);
  digits.remove_prefix(kHeader.size());
  if (digits.empty() || digits.back() != '\n') throw bad("truncated");
  digits.remove_suffix(1);
  std::uint64_t mark = 0;
  auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), mark);
  if (err != std::errc() || end != digits.data() + digits.size() || digits.empty())
    throw bad("mark is not a number");
  return mark;
}

TransactionIds::TransactionIds(std::filesystem::path mark_file, std::uint64_t block)
    : file_(std::move(mark_file)), block_(block == 0 ? 1 : block) {
  const std::uint64_t mark = read_mark(file_);
  if (mark >= UINT64_MAX - block_)
    throw std::runtime_error(file_.string() + ": transaction-id space exhausted");
  next_.store(mark + 1);
  limit_.store(mark + 1);  // nothing reserved yet: the first next() writes a new mark
}

std::uint64_t TransactionIds::next() {
  const std::uint64_t id = next_.fetch_add(1, std::memory_order_relaxed);
  if (id < limit_.load(std::memory_order_acquire)) return id;  // fast path: already covered
  reserve_through(id);
  return id;
}

void TransactionIds::reserve_through(std::uint64_t id) {
  std::lock_guard lock(reserve_mutex_);
  std::uint64_t limit = limit_.load(std::memory_order_acquire);
  if (id < limit) return;  // another thread reserved it meanwhile
  std::uint64_t new_limit = limit;
  while (new_limit <= id) new_limit += block_;
  // Persist first: an id is only handed out once the file says it may have been used.
  ops::write_file_atomic(file_, std::string(kHeader) + std::to_string(new_limit - 1) + "\n");
  limit_.store(new_limit, std::memory_order_release);
}

}  // namespace ranbridge::bridge
