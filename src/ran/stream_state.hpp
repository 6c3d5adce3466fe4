#pragma once
// What a stream connection shares between the public handle, the read loop and the detached
// auto-reject sends.

#include <memory>
#include <string>

#include "message_queue.hpp"
#include "ranbridge/ran/streams.hpp"
#include "ws_session.hpp"

namespace ranbridge::ran::detail {

template <class T>
struct StreamState {
  StreamState(boost::asio::any_io_executor ex, std::size_t capacity)
      : queue(std::move(ex), capacity) {}
  std::shared_ptr<WsSession> session;
  MessageQueue<T> queue;
  StreamStats stats;
  std::string last_malformed;
};

}  // namespace ranbridge::ran::detail
