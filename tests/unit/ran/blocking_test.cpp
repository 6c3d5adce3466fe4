// run_blocking: results, exceptions, and results that are not default-constructible (the
// stream connections), which co_spawn cannot carry directly.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "ranbridge/ran/blocking.hpp"

namespace {

namespace asio = boost::asio;
using ranbridge::ran::run_blocking;

struct MoveOnlyNoDefault {
  explicit MoveOnlyNoDefault(int v) : value(std::make_unique<int>(v)) {}
  std::unique_ptr<int> value;
};

asio::awaitable<int> answer() {
  co_return 42;
}
asio::awaitable<MoveOnlyNoDefault> make(int v) {
  co_return MoveOnlyNoDefault(v);
}
asio::awaitable<void> fail() {
  throw std::runtime_error("boom");
  co_return;
}

TEST(RunBlocking, ReturnsValuesAndRethrows) {
  asio::io_context io;
  EXPECT_EQ(run_blocking(io, answer()), 42);
  EXPECT_EQ(*run_blocking(io, make(7)).value, 7);
  EXPECT_THROW(run_blocking(io, fail()), std::runtime_error);
  // The io_context stays usable after an exception.
  EXPECT_EQ(run_blocking(io, answer()), 42);
}

}  // namespace
