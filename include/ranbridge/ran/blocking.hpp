#pragma once
// Runs one coroutine of the client to completion on an io_context, from a thread that is not
// running it (command-line tools, examples, tests). Exceptions are rethrown to the caller.
//
//   asio::io_context io;
//   ran::Core core(io.get_executor(), token, url);
//   ran::run_blocking(io, core.connect());
//   auto devices = ran::run_blocking(io, core.routing_table().select_all());

#include <exception>
#include <optional>
#include <type_traits>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace ranbridge::ran {

namespace detail {
// co_spawn's completion wants a default-constructible result; UpstreamConnection and
// DownstreamConnection are not, so the value travels through an optional instead.
template <class T>
boost::asio::awaitable<void> store_result(boost::asio::awaitable<T> task, std::optional<T>* out) {
  out->emplace(co_await std::move(task));
}
}  // namespace detail

template <class T>
T run_blocking(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  bool done = false;
  std::exception_ptr error;
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> result;
  auto on_done = [&](std::exception_ptr e) {
    error = e;
    done = true;
  };
  if constexpr (std::is_void_v<T>)
    boost::asio::co_spawn(io, std::move(task), on_done);
  else
    boost::asio::co_spawn(io, detail::store_result(std::move(task), &result), on_done);
  // run_one, not run: open websockets keep their read loops pending forever.
  io.restart();
  while (!done && io.run_one() > 0) {
  }
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace ranbridge::ran
