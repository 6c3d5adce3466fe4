#pragma once
// One accepted websocket (plain or TLS), with an outgoing queue drained by a single writer
// coroutine: Beast allows one write at a time, and frames come from many threads.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "hub.hpp"

namespace ranbridge::emulator {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

// Called for every frame a client sends (on the session's strand).
using FrameHandler = std::function<void(StreamSession& from, std::string text)>;

template <class Stream>
class WsSession : public StreamSession {
 public:
  // on_open runs once the handshake is done and the session is in the hub (so whoever sees it
  // counted can also close it); on_close runs when it is gone.
  WsSession(Stream&& stream, std::uint64_t id, StreamKind kind, FrameHandler on_frame,
            std::function<void(std::uint64_t)> on_open,
            std::function<void(std::uint64_t)> on_close)
      : ws_(std::move(stream)),
        wake_(ws_.get_executor()),
        id_(id),
        kind_(kind),
        on_frame_(std::move(on_frame)),
        on_open_(std::move(on_open)),
        on_close_(std::move(on_close)) {}

  std::uint64_t id() const override { return id_; }
  StreamKind kind() const override { return kind_; }

  void send(std::string text, bool binary) override {
    asio::post(ws_.get_executor(), [self = self_ptr(), t = std::move(text), binary]() mutable {
      if (self->closing_) return;
      self->queue_.push_back(Frame{std::move(t), binary});
      self->wake_.cancel();
    });
  }

  void close(bool abort) override {
    asio::post(ws_.get_executor(), [self = self_ptr(), abort] {
      if (abort) {
        // Abrupt: no close frame, the peer sees a reset/EOF (a crashed RAN node).
        beast::error_code ec;
        beast::get_lowest_layer(self->ws_).socket().close(ec);
        self->closing_ = true;
      } else {
        self->close_requested_ = true;
      }
      self->wake_.cancel();
    });
  }

  // Runs the handshake and the read loop; returns when the socket is gone.
  static asio::awaitable<void> run(std::shared_ptr<WsSession> self,
                                   http::request<http::string_body> req,
                                   std::chrono::milliseconds ping_interval, Hub* hub) {
    auto& ws = self->ws_;
    websocket::stream_base::timeout t;
    t.handshake_timeout = std::chrono::seconds(10);
    // Beast pings after idle_timeout/2 without traffic from the peer, and gives up after
    // idle_timeout: so the ping period is ping_interval.
    t.idle_timeout = ping_interval * 2;
    t.keep_alive_pings = true;
    ws.set_option(t);
    ws.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "ran-emulator"); }));
    ws.read_message_max(1 << 20);
    beast::error_code ec;
    co_await ws.async_accept(req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    hub->add(self);
    self->on_open_(self->id_);
    asio::co_spawn(ws.get_executor(), writer(self), asio::detached);
    beast::flat_buffer buf;
    for (;;) {
      co_await ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      std::string text = beast::buffers_to_string(buf.data());
      buf.consume(buf.size());
      // Text and binary frames carry the same JSON.
      self->on_frame_(*self, std::move(text));
    }
    self->closing_ = true;
    self->wake_.cancel();
    hub->remove(self->id_);
    self->on_close_(self->id_);
  }

 private:
  std::shared_ptr<WsSession> self_ptr() {
    return std::static_pointer_cast<WsSession>(shared_from_this());
  }

  struct Frame {
    std::string text;
    bool binary = false;
  };

  static asio::awaitable<void> writer(std::shared_ptr<WsSession> self) {
    auto& ws = self->ws_;
    beast::error_code ec;
    while (!self->closing_) {
      if (self->queue_.empty()) {
        if (self->close_requested_) {
          self->closing_ = true;
          co_await ws.async_close(websocket::close_code::going_away,
                                  asio::redirect_error(asio::use_awaitable, ec));
          break;
        }
        self->wake_.expires_at(asio::steady_timer::time_point::max());
        co_await self->wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      Frame f = std::move(self->queue_.front());
      self->queue_.pop_front();
      ws.binary(f.binary);
      co_await ws.async_write(asio::buffer(f.text), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    self->queue_.clear();
  }

  websocket::stream<Stream> ws_;
  asio::steady_timer wake_;
  std::deque<Frame> queue_;
  bool closing_ = false;
  bool close_requested_ = false;
  std::uint64_t id_;
  StreamKind kind_;
  FrameHandler on_frame_;
  std::function<void(std::uint64_t)> on_open_;
  std::function<void(std::uint64_t)> on_close_;
};

}  // namespace ranbridge::emulator
