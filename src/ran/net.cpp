#include "net.hpp"

#include <openssl/ssl.h>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>

namespace ranbridge::ran::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;

void throw_transport(TransportError::Kind kind, const std::string& step, const Url& url,
                     const boost::system::error_code& ec) {
  if (ec == beast::error::timeout || ec == asio::error::timed_out)
    kind = TransportError::Kind::Timeout;
  // The URL is printed without its query: a websocket query holds the access token.
  throw TransportError(
      kind, step + " " + url.scheme + "://" + url.host_header() + " failed: " + ec.message());
}

asio::awaitable<void> resolve_and_connect(beast::tcp_stream& stream, Url url,
                                          ClientOptions options) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex, options.resolve_timeout);
  boost::system::error_code rec, tec;
  tcp::resolver::results_type results;
  auto which = co_await (resolver.async_resolve(url.host, std::to_string(url.port),
                                                asio::redirect_error(asio::use_awaitable, rec)) ||
                         timer.async_wait(asio::redirect_error(asio::use_awaitable, tec)));
  if (which.index() == 1)
    throw TransportError(TransportError::Kind::Timeout, "resolving " + url.host + " timed out");
  if (rec) throw_transport(TransportError::Kind::Resolve, "resolving", url, rec);
  results = std::get<0>(which);

  stream.expires_after(options.connect_timeout);
  boost::system::error_code cec;
  co_await stream.async_connect(results, asio::redirect_error(asio::use_awaitable, cec));
  if (cec) throw_transport(TransportError::Kind::Connect, "connecting to", url, cec);
  stream.socket().set_option(tcp::no_delay(true));
}

void prepare_tls(asio::ssl::stream<beast::tcp_stream>& s, const Url& url, const TlsOptions& tls) {
  boost::system::error_code ec;
  asio::ip::make_address(url.host, ec);
  const bool is_ip = !ec;
  if (!is_ip && !SSL_set_tlsext_host_name(s.native_handle(), url.host.c_str()))
    throw TransportError(TransportError::Kind::Tls, "cannot set TLS SNI for " + url.host);
  if (tls.verify) s.set_verify_callback(asio::ssl::host_name_verification(url.host));
}

asio::awaitable<void> tls_handshake(asio::ssl::stream<beast::tcp_stream>& s, Url url,
                                    ClientOptions options) {
  beast::get_lowest_layer(s).expires_after(options.tls_handshake_timeout);
  boost::system::error_code ec;
  co_await s.async_handshake(asio::ssl::stream_base::client,
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) throw_transport(TransportError::Kind::Tls, "TLS handshake with", url, ec);
}

}  // namespace ranbridge::ran::detail
