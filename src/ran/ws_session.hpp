#pragma once
// One websocket client connection (ws or wss) with a read loop that hands every data frame to
// a callback at once, an async write lock, the close handshake and a hard abort.

#include <functional>
#include <list>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "ranbridge/ran/endpoints.hpp"
#include "ranbridge/ran/options.hpp"
#include "ranbridge/ran/streams.hpp"

namespace ranbridge::ran::detail {

class WsSession : public std::enable_shared_from_this<WsSession> {
 public:
  using FrameHandler = std::function<void(std::string&&)>;
  using CloseHandler = std::function<void(const CloseStatus&)>;

  // `url` must already carry ?access_token=… (with_access_token); it is never logged.
  WsSession(boost::asio::any_io_executor ex, Url url, std::string token, ClientOptions options,
            std::shared_ptr<boost::asio::ssl::context> tls);

  void set_handlers(FrameHandler on_frame, CloseHandler on_close);
  // Connects and performs the websocket handshake, then starts the read loop.
  // Throws TransportError, or UnauthorizedError / another ApiError when the handshake is refused.
  static boost::asio::awaitable<void> open(std::shared_ptr<WsSession> self);
  // One text frame; writes are serialized. Throws TransportError.
  boost::asio::awaitable<void> send(std::string text);
  // Close handshake with code 1000 (idempotent).
  boost::asio::awaitable<void> close();
  // Closes the socket at once (must run on the session's executor).
  void abort();

  bool is_open() const { return open_; }
  const CloseStatus& close_status() const { return status_; }
  const boost::asio::any_io_executor& executor() const { return ex_; }

 private:
  using PlainWs = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  using TlsWs = boost::beast::websocket::stream<boost::asio::ssl::stream<boost::beast::tcp_stream>>;

  template <class Ws>
  boost::asio::awaitable<void> handshake(Ws& ws);
  template <class Ws>
  boost::asio::awaitable<void> read_loop_impl(Ws& ws);
  static boost::asio::awaitable<void> read_loop(std::shared_ptr<WsSession> self);
  boost::asio::awaitable<void> lock_writes();
  void unlock_writes();
  template <class Ws>
  void configure(Ws& ws);
  void finish(const boost::system::error_code& ec,
              const boost::beast::websocket::close_reason& reason);

  boost::asio::any_io_executor ex_;
  Url url_;
  std::string token_;
  ClientOptions options_;
  std::shared_ptr<boost::asio::ssl::context> tls_ctx_;
  std::unique_ptr<PlainWs> plain_;
  std::unique_ptr<TlsWs> tls_;
  FrameHandler on_frame_;
  CloseHandler on_close_;
  bool open_ = false;
  bool closing_ = false;
  bool writing_ = false;
  std::list<boost::asio::steady_timer*> write_waiters_;
  CloseStatus status_;
};

}  // namespace ranbridge::ran::detail
