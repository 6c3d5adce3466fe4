#include "ranbridge/ops/status_server.hpp"

// GCC 12 false positive: Asio's awaitable frames use a recycling allocator whose operator
// delete GCC pairs with the wrong operator new after inlining (-Wmismatched-new-delete).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <list>
#include <mutex>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "ranbridge/ops/metrics.hpp"

namespace ranbridge::ops {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct StatusServer::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::any_io_executor ex, Options opts, MetricsText m, Readiness r)
      : strand(asio::make_strand(ex)),
        options(std::move(opts)),
        acceptor(strand),
        metrics(std::move(m)),
        readiness(std::move(r)) {}

  asio::strand<asio::any_io_executor> strand;
  Options options;
  tcp::acceptor acceptor;
  std::uint16_t bound_port = 0;

  // Guards the callbacks against stop() running on another thread: a request holds the
  // lock while it calls them, stop() takes it to flip `stopped`.
  std::mutex callbacks_mutex;
  MetricsText metrics;
  Readiness readiness;
  bool stopped = false;

  // Open connections (touched only on the strand), so stop() can close idle keep-alives.
  std::list<std::weak_ptr<beast::tcp_stream>> connections;
  std::size_t active = 0;

  using Response = http::response<http::string_body>;

  Response respond(const http::request<http::string_body>& req) {
    Response res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::server, "ran-bridge");
    res.set(http::field::cache_control, "no-store");
    std::string_view target(req.target().data(), req.target().size());
    target = target.substr(0, target.find('?'));  // scrapers may add query parameters
    auto json = [&](http::status status, const boost::json::value& body) {
      res.result(status);
      res.set(http::field::content_type, "application/json");
      res.body() = boost::json::serialize(body) + "\n";
    };
    bool known = target == "/metrics" || target == "/health/live" || target == "/health/ready";
    if (!known) {
      json(http::status::not_found, {{"error", "not found"}});
    } else if (req.method() != http::verb::get) {
      json(http::status::method_not_allowed, {{"error", "method not allowed"}});
      res.set(http::field::allow, "GET");
    } else if (target == "/health/live") {
      json(http::status::ok, {{"live", true}});
    } else {
      std::unique_lock lock(callbacks_mutex);
      if (stopped) {
        lock.unlock();
        json(http::status::service_unavailable, {{"error", "shutting down"}});
      } else if (target == "/metrics") {
        std::string text = metrics ? metrics() : std::string();
        lock.unlock();
        res.result(http::status::ok);
        res.set(http::field::content_type, std::string(kPrometheusContentType));
        res.body() = std::move(text);
      } else {
        std::vector<std::string> missing = readiness ? readiness() : std::vector<std::string>{};
        lock.unlock();
        if (missing.empty()) {
          json(http::status::ok, {{"ready", true}});
        } else {
          boost::json::array list;
          for (auto& m : missing) list.emplace_back(m);
          json(http::status::service_unavailable, {{"ready", false}, {"missing", list}});
        }
      }
    }
    res.prepare_payload();
    return res;
  }

  static Response error_response(http::status status, std::string_view message) {
    Response res{status, 11};
    res.set(http::field::server, "ran-bridge");
    res.set(http::field::content_type, "application/json");
    res.body() = boost::json::serialize(boost::json::object{{"error", message}}) + "\n";
    res.keep_alive(false);
    res.prepare_payload();
    return res;
  }

  // One connection: read, answer, repeat while keep-alive. Every failure just closes it.
  static asio::awaitable<void> serve(std::shared_ptr<Impl> self,
                                     std::shared_ptr<beast::tcp_stream> stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(self->options.max_header_bytes));
      parser.body_limit(self->options.max_body_bytes);
      stream->expires_after(self->options.request_timeout);
      auto [ec, n] =
          co_await http::async_read(*stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec == http::error::header_limit || ec == http::error::body_limit) {
        auto status = ec == http::error::header_limit
                          ? http::status::request_header_fields_too_large
                          : http::status::payload_too_large;
        auto res = error_response(status, "request too large");
        co_await http::async_write(*stream, res, asio::as_tuple(asio::use_awaitable));
        break;
      }
      if (ec) {
        // A malformed request gets a 400 before the connection closes; I/O errors (peer
        // gone, timeout, closed by stop()) just end it.
        if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
            ec != http::error::end_of_stream && stream->socket().is_open()) {
          auto res = error_response(http::status::bad_request, "bad request");
          co_await http::async_write(*stream, res, asio::as_tuple(asio::use_awaitable));
        }
        break;
      }
      auto res = self->respond(parser.get());
      auto [wec, wn] =
          co_await http::async_write(*stream, res, asio::as_tuple(asio::use_awaitable));
      (void)wn;
      if (wec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream->socket().close(ignored);
    self->active--;
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self) {
    for (;;) {
      auto [ec, socket] = co_await self->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted || !self->acceptor.is_open()) break;
      if (ec) continue;  // e.g. EMFILE or a connection reset before accept: keep serving
      if (self->active >= self->options.max_connections) {
        beast::error_code ignored;
        socket.close(ignored);
        continue;
      }
      auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
      self->connections.remove_if([](const auto& w) { return w.expired(); });
      self->connections.push_back(stream);
      self->active++;
      // The connection lives on the server's strand: acceptor and streams share it.
      asio::co_spawn(self->strand, serve(self, stream), asio::detached);
    }
  }

  void close_all() {
    beast::error_code ignored;
    acceptor.close(ignored);
    for (auto& w : connections)
      if (auto s = w.lock()) s->socket().close(ignored);
    connections.clear();
  }
};

StatusServer::StatusServer(asio::any_io_executor executor, Options options, MetricsText metrics,
                           Readiness readiness)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options), std::move(metrics),
                                   std::move(readiness))) {}

StatusServer::~StatusServer() {
  stop();
}

void StatusServer::start() {
  auto& acc = impl_->acceptor;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  if (ec) throw boost::system::system_error(ec, "status server: bad listen address " + where);
  tcp::endpoint endpoint(address, impl_->options.port);
  acc.open(endpoint.protocol());
  acc.set_option(asio::socket_base::reuse_address(true));
  acc.bind(endpoint, ec);
  if (ec) throw boost::system::system_error(ec, "status server: cannot listen on " + where);
  acc.listen(asio::socket_base::max_listen_connections);
  impl_->bound_port = acc.local_endpoint().port();
  asio::co_spawn(impl_->strand, Impl::accept_loop(impl_), asio::detached);
}

void StatusServer::stop() {
  {
    std::lock_guard lock(impl_->callbacks_mutex);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  // Sockets are closed on the strand (they are not thread-safe); the coroutines then end
  // with operation_aborted and release the Impl.
  asio::dispatch(impl_->strand, [impl = impl_] { impl->close_all(); });
}

std::uint16_t StatusServer::port() const {
  return impl_->bound_port;
}

}  // namespace ranbridge::ops
