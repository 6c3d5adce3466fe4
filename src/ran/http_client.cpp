#include "ranbridge/ran/http_client.hpp"

#include <deque>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "net.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ranbridge::ran {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using TlsStream = asio::ssl::stream<beast::tcp_stream>;

std::shared_ptr<asio::ssl::context> make_tls_context(const TlsOptions& tls) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  boost::system::error_code ec;
  ctx->set_default_verify_paths(ec);  // a machine without a system store still can use ca_file
  if (!tls.ca_file.empty()) {
    ctx->load_verify_file(tls.ca_file, ec);
    if (ec) throw ParameterError("cannot load CA file '" + tls.ca_file + "': " + ec.message());
  }
  ctx->set_verify_mode(tls.verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return ctx;
}

namespace {

struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer;
  beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *plain; }
};

template <class Stream>
asio::awaitable<void> exchange(Stream& s, beast::flat_buffer& buffer,
                               http::request<http::string_body>& req,
                               http::response_parser<http::string_body>& parser,
                               beast::tcp_stream& lowest, ClientOptions options,
                               boost::system::error_code& ec, bool& got_bytes) {
  lowest.expires_after(options.request_timeout);
  co_await http::async_write(s, req, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return;
  lowest.expires_after(options.request_timeout);
  co_await http::async_read_header(s, buffer, parser,
                                   asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    got_bytes = buffer.size() > 0;
    co_return;
  }
  got_bytes = true;
  co_await http::async_read(s, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
}

bool stale_connection_error(const boost::system::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

}  // namespace

struct HttpClient::Impl {
  asio::any_io_executor ex;
  Url origin;
  ClientOptions options;
  std::shared_ptr<asio::ssl::context> tls_ctx;
  std::deque<std::unique_ptr<Connection>> idle;
  std::uint64_t opened = 0;

  asio::awaitable<std::unique_ptr<Connection>> open() {
    auto c = std::make_unique<Connection>();
    if (origin.tls()) {
      if (!tls_ctx) tls_ctx = make_tls_context(options.tls);
      c->tls = std::make_unique<TlsStream>(ex, *tls_ctx);
      detail::prepare_tls(*c->tls, origin, options.tls);
      co_await detail::resolve_and_connect(c->tls->next_layer(), origin, options);
      co_await detail::tls_handshake(*c->tls, origin, options);
    } else {
      c->plain = std::make_unique<beast::tcp_stream>(ex);
      co_await detail::resolve_and_connect(*c->plain, origin, options);
    }
    ++opened;
    co_return c;
  }
};

HttpClient::HttpClient(asio::any_io_executor ex, Url origin, ClientOptions options,
                       std::shared_ptr<asio::ssl::context> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->ex = std::move(ex);
  impl_->origin = std::move(origin);
  impl_->options = std::move(options);
  impl_->tls_ctx = std::move(tls);
}

HttpClient::~HttpClient() = default;

void HttpClient::close() {
  impl_->idle.clear();
}

std::uint64_t HttpClient::connections_opened() const {
  return impl_->opened;
}

asio::awaitable<HttpResponse> HttpClient::request(std::string method, std::string target,
                                                  std::optional<std::string> body,
                                                  std::string bearer_token) {
  http::request<http::string_body> req;
  req.method(method == "GET" ? http::verb::get : http::verb::post);
  req.target(target);
  req.version(11);
  req.set(http::field::host, impl_->origin.host_header());
  req.set(http::field::user_agent, impl_->options.user_agent);
  req.set(http::field::accept, "application/json");
  req.set(http::field::authorization, "Bearer " + bearer_token);
  if (body) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(*body);
  }
  req.keep_alive(true);
  req.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    std::unique_ptr<Connection> conn;
    bool reused = false;
    if (!impl_->idle.empty()) {
      conn = std::move(impl_->idle.front());
      impl_->idle.pop_front();
      reused = true;
    } else {
      conn = co_await impl_->open();
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(impl_->options.max_body_bytes);
    boost::system::error_code ec;
    bool got_bytes = false;
    if (conn->tls)
      co_await exchange(*conn->tls, conn->buffer, req, parser, conn->lowest(), impl_->options, ec,
                        got_bytes);
    else
      co_await exchange(*conn->plain, conn->buffer, req, parser, conn->lowest(), impl_->options, ec,
                        got_bytes);
    if (ec) {
      // An idle keep-alive connection may have been closed by the server just before we
      // used it; nothing was answered, so sending again on a fresh connection is safe.
      if (reused && !got_bytes && attempt == 0 && stale_connection_error(ec)) continue;
      detail::throw_transport(TransportError::Kind::Io,
                              method + " " + target.substr(0, target.find('?')), impl_->origin, ec);
    }
    auto res = parser.release();
    HttpResponse out{static_cast<int>(res.result_int()), std::move(res.body())};
    if (res.keep_alive()) {
      conn->lowest().expires_never();
      impl_->idle.push_back(std::move(conn));
    }
    co_return out;
  }
}

}  // namespace ranbridge::ran
