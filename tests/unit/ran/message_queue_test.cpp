// The bounded receive queue between a read loop and the application (no wall-clock races:
// timeouts are only checked for "already expired" and "item arrives first").
#include "message_queue.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "ranbridge/ran/blocking.hpp"

namespace asio = boost::asio;
using Queue = ranbridge::ran::detail::MessageQueue<int>;

TEST(RanMessageQueue, FifoAndDropOldestWhenFull) {
  asio::io_context io;
  Queue q(io.get_executor(), 2);
  EXPECT_TRUE(q.push(1));
  EXPECT_TRUE(q.push(2));
  EXPECT_FALSE(q.push(3));  // drops 1
  EXPECT_EQ(q.size(), 2u);
  auto a = ranbridge::ran::run_blocking(io, q.pop(std::nullopt));
  EXPECT_EQ(a.first, Queue::Status::Ok);
  EXPECT_EQ(*a.second, 2);
  auto b = ranbridge::ran::run_blocking(io, q.pop(std::nullopt));
  EXPECT_EQ(*b.second, 3);
}

TEST(RanMessageQueue, TimeoutWhenEmpty) {
  asio::io_context io;
  Queue q(io.get_executor(), 4);
  auto r = ranbridge::ran::run_blocking(io, q.pop(std::chrono::milliseconds(0)));
  EXPECT_EQ(r.first, Queue::Status::Timeout);
  EXPECT_FALSE(r.second);
}

namespace {
asio::awaitable<void> produce(Queue* q) {
  q->push(7);
  co_return;
}
}  // namespace

TEST(RanMessageQueue, WaiterWokenByPushAndClosedAfterDrain) {
  asio::io_context io;
  Queue q(io.get_executor(), 4);
  asio::co_spawn(io, produce(&q), asio::detached);
  auto r = ranbridge::ran::run_blocking(io, q.pop(std::chrono::hours(1)));
  EXPECT_EQ(r.first, Queue::Status::Ok);
  EXPECT_EQ(*r.second, 7);
  q.push(8);
  q.close();
  EXPECT_EQ(*ranbridge::ran::run_blocking(io, q.pop(std::nullopt)).second, 8);
  EXPECT_EQ(ranbridge::ran::run_blocking(io, q.pop(std::nullopt)).first, Queue::Status::Closed);
}
