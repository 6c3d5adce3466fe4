#include "ws_session.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ranbridge::ran::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

WsSession::WsSession(asio::any_io_executor ex, Url url, std::string token, ClientOptions options,
                     std::shared_ptr<asio::ssl::context> tls)
    : ex_(std::move(ex)),
      url_(std::move(url)),
      token_(std::move(token)),
      options_(std::move(options)),
      tls_ctx_(std::move(tls)) {}

void WsSession::set_handlers(FrameHandler on_frame, CloseHandler on_close) {
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
}

template <class Ws>
void WsSession::configure(Ws& ws) {
  // Beast's own timeouts from here on: handshake/close bounded, and keep-alive pings after
  // half the idle timeout of silence; a peer silent for the whole idle timeout is dead.
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout t;
  t.handshake_timeout = options_.ws_handshake_timeout;
  t.idle_timeout = options_.ping_interval * 2;
  t.keep_alive_pings = true;
  ws.set_option(t);
  ws.read_message_max(options_.max_frame_bytes);
  ws.set_option(websocket::stream_base::decorator(
      [ua = options_.user_agent, auth = "Bearer " + token_](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, ua);
        req.set(beast::http::field::authorization, auth);
      }));
}

template <class Ws>
asio::awaitable<void> WsSession::handshake(Ws& ws) {
  configure(ws);
  websocket::response_type res;
  boost::system::error_code ec;
  co_await ws.async_handshake(res, url_.host_header(), url_.target,
                              asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) co_return;
  const int status = static_cast<int>(res.result_int());
  if (status == 401)
    throw UnauthorizedError("Unauthorized", "websocket handshake refused (wrong token)", 401,
                            res.body());
  if (status >= 400) throw_api_error(status, res.body());
  throw_transport(TransportError::Kind::Protocol, "websocket handshake with", url_, ec);
}

asio::awaitable<void> WsSession::open(std::shared_ptr<WsSession> self) {
  if (self->url_.tls()) {
    self->tls_ = std::make_unique<TlsWs>(self->ex_, *self->tls_ctx_);
    prepare_tls(self->tls_->next_layer(), self->url_, self->options_.tls);
    co_await resolve_and_connect(beast::get_lowest_layer(*self->tls_), self->url_, self->options_);
    co_await tls_handshake(self->tls_->next_layer(), self->url_, self->options_);
    co_await self->handshake(*self->tls_);
  } else {
    self->plain_ = std::make_unique<PlainWs>(self->ex_);
    co_await resolve_and_connect(beast::get_lowest_layer(*self->plain_), self->url_,
                                 self->options_);
    co_await self->handshake(*self->plain_);
  }
  self->open_ = true;
  asio::co_spawn(self->ex_, read_loop(self), asio::detached);
}

asio::awaitable<void> WsSession::read_loop(std::shared_ptr<WsSession> self) {
  if (self->tls_)
    co_await self->read_loop_impl(*self->tls_);
  else
    co_await self->read_loop_impl(*self->plain_);
}

template <class Ws>
asio::awaitable<void> WsSession::read_loop_impl(Ws& ws) {
  beast::flat_buffer buffer;
  for (;;) {
    boost::system::error_code ec;
    co_await ws.async_read(buffer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      finish(ec, ws.reason());
      co_return;
    }
    // Text and binary frames carry the same JSON (contract §6).
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    if (on_frame_) on_frame_(std::move(text));
  }
}

void WsSession::finish(const boost::system::error_code& ec, const websocket::close_reason& reason) {
  if (status_.closed) return;
  open_ = false;
  status_.closed = true;
  if (ec == websocket::error::closed) {
    status_.normal = reason.code == websocket::close_code::normal ||
                     reason.code == websocket::close_code::going_away;
    status_.reason = "close " + std::to_string(reason.code) +
                     (reason.reason.empty() ? "" : " " + std::string(reason.reason.c_str()));
  } else if (closing_ && ec == asio::error::operation_aborted) {
    // Our own close handshake: Beast ends the pending read with operation_aborted once the
    // close frames have been exchanged.
    status_.normal = true;
    status_.reason = "closed by the client";
  } else if (ec == beast::error::timeout) {
    status_.reason = "peer silent for " + std::to_string((options_.ping_interval * 2).count()) +
                     " ms (dead peer)";
  } else {
    status_.reason = ec.message();
  }
  // Wake writers waiting for the lock: they will see the connection closed.
  for (auto* w : write_waiters_) w->cancel();
  if (on_close_) on_close_(status_);
}

asio::awaitable<void> WsSession::lock_writes() {
  while (writing_) {
    asio::steady_timer t(ex_, asio::steady_timer::time_point::max());
    write_waiters_.push_back(&t);
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    write_waiters_.remove(&t);
  }
  writing_ = true;
}

void WsSession::unlock_writes() {
  writing_ = false;
  for (auto* w : write_waiters_) w->cancel();
}

asio::awaitable<void> WsSession::send(std::string text) {
  auto self = shared_from_this();
  if (!open_ || closing_)
    throw TransportError(TransportError::Kind::Closed, "websocket is closed", status_.normal);
  co_await lock_writes();
  if (!open_ || closing_) {
    unlock_writes();
    throw TransportError(TransportError::Kind::Closed, "websocket is closed", status_.normal);
  }
  boost::system::error_code ec;
  if (tls_) {
    tls_->text(true);
    co_await tls_->async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
  } else {
    plain_->text(true);
    co_await plain_->async_write(asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
  }
  unlock_writes();
  if (ec) throw_transport(TransportError::Kind::Io, "websocket write to", url_, ec);
}

asio::awaitable<void> WsSession::close() {
  auto self = shared_from_this();
  if (!open_ || closing_) co_return;
  closing_ = true;
  co_await lock_writes();
  boost::system::error_code ec;
  if (open_) {
    // Beast completes the handshake with the pending read: the read loop receives the peer's
    // close frame and ends with error::closed, which is recorded as a normal close.
    if (tls_)
      co_await tls_->async_close(websocket::close_code::normal,
                                 asio::redirect_error(asio::use_awaitable, ec));
    else
      co_await plain_->async_close(websocket::close_code::normal,
                                   asio::redirect_error(asio::use_awaitable, ec));
  }
  unlock_writes();
  if (ec) {
    abort();
  } else if (!status_.closed) {
    open_ = false;
    status_.closed = true;
    status_.normal = true;
    status_.reason = "closed by the client";
    for (auto* w : write_waiters_) w->cancel();
    if (on_close_) on_close_(status_);
  }
}

void WsSession::abort() {
  boost::system::error_code ignored;
  if (plain_) beast::get_lowest_layer(*plain_).socket().close(ignored);
  if (tls_) beast::get_lowest_layer(*tls_).socket().close(ignored);
  if (!status_.closed) {
    open_ = false;
    status_.closed = true;
    status_.reason = "aborted by the client";
    for (auto* w : write_waiters_) w->cancel();
    if (on_close_) on_close_(status_);
  }
}

}  // namespace ranbridge::ran::detail
