#pragma once
// A bounded FIFO between a websocket read loop (producer, never waits) and the application
// (consumers, wait with an optional timeout). Single-threaded: use it from one executor.

#include <chrono>
#include <deque>
#include <list>
#include <optional>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace ranbridge::ran::detail {

template <class T>
class MessageQueue {
 public:
  enum class Status { Ok, Closed, Timeout };

  MessageQueue(boost::asio::any_io_executor ex, std::size_t capacity)
      : ex_(std::move(ex)), capacity_(capacity == 0 ? 1 : capacity) {}

  // Returns false when the oldest item had to be dropped to make room.
  bool push(T item) {
    bool dropped = false;
    if (items_.size() >= capacity_) {
      items_.pop_front();
      dropped = true;
    }
    items_.push_back(std::move(item));
    wake_all();
    return !dropped;
  }

  // No more items will come; waiting consumers drain what is left, then see Closed.
  void close() {
    closed_ = true;
    wake_all();
  }

  std::size_t size() const { return items_.size(); }

  // Waits for an item, for close, or (when given) for the timeout.
  boost::asio::awaitable<std::pair<Status, std::optional<T>>> pop(
      std::optional<std::chrono::steady_clock::duration> timeout) {
    const auto deadline = timeout ? std::chrono::steady_clock::now() + *timeout
                                  : std::chrono::steady_clock::time_point::max();
    for (;;) {
      if (!items_.empty()) {
        std::optional<T> v(std::move(items_.front()));
        items_.pop_front();
        co_return std::pair{Status::Ok, std::move(v)};
      }
      if (closed_) co_return std::pair{Status::Closed, std::optional<T>{}};
      if (std::chrono::steady_clock::now() >= deadline)
        co_return std::pair{Status::Timeout, std::optional<T>{}};
      boost::asio::steady_timer t(ex_, deadline);
      waiters_.push_back(&t);
      boost::system::error_code ec;
      co_await t.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
      waiters_.remove(&t);
    }
  }

 private:
  // Every waiter re-checks; simple and correct with several consumers.
  void wake_all() {
    for (auto* w : waiters_) w->cancel();
  }

  boost::asio::any_io_executor ex_;
  std::size_t capacity_;
  std::deque<T> items_;
  bool closed_ = false;
  std::list<boost::asio::steady_timer*> waiters_;
};

}  // namespace ranbridge::ran::detail
