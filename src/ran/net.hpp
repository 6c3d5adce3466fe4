#pragma once
// Private helpers shared by the HTTP and websocket transports: resolve and connect with
// timeouts, TLS setup per stream, error mapping to TransportError.

#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include "ranbridge/ran/endpoints.hpp"
#include "ranbridge/ran/errors.hpp"
#include "ranbridge/ran/options.hpp"

namespace ranbridge::ran::detail {

// Resolves url.host and connects `stream` (its own timer bounds the connect).
boost::asio::awaitable<void> resolve_and_connect(boost::beast::tcp_stream& stream, Url url,
                                                 ClientOptions options);

// SNI (for names, not IP literals) and host-name verification for one TLS stream.
void prepare_tls(boost::asio::ssl::stream<boost::beast::tcp_stream>& s, const Url& url,
                 const TlsOptions& tls);

// TLS handshake bounded by options.tls_handshake_timeout.
boost::asio::awaitable<void> tls_handshake(boost::asio::ssl::stream<boost::beast::tcp_stream>& s,
                                           Url url, ClientOptions options);

[[noreturn]] void throw_transport(TransportError::Kind kind, const std::string& step,
                                  const Url& url, const boost::system::error_code& ec);

}  // namespace ranbridge::ran::detail
