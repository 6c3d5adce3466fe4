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

template <class T>
T run_blocking(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  bool done = false;
  std::exception_ptr error;
  std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> result{};
  if constexpr (std::is_void_v<T>) {
    boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) {
      error = e;
      done = true;
    });
  } else {
    boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T v) {
      error = e;
      if (!e) result.emplace(std::move(v));
      done = true;
    });
  }
  // run_one, not run: open websockets keep their read loops pending forever.
  io.restart();
  while (!done && io.run_one() > 0) {
  }
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace ranbridge::ran
