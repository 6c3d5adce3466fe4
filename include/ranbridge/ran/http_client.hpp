#pragma once
// A small HTTP/1.1 client for RAN's REST API: Boost.Beast over Asio coroutines, http and https,
// keep-alive connections reused across requests, one timeout per network step.
// Use it from one thread (a single-threaded io_context or one strand).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>

#include "ranbridge/ran/endpoints.hpp"
#include "ranbridge/ran/options.hpp"

namespace ranbridge::ran {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// TLS client context: system CAs, optional extra CA file, peer verification per options.
// Throws ParameterError when the CA file cannot be loaded.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const TlsOptions& tls);

class HttpClient {
 public:
  // `origin`: scheme, host and port are used (target ignored). `tls` may be null for http.
  HttpClient(boost::asio::any_io_executor ex, Url origin, ClientOptions options,
             std::shared_ptr<boost::asio::ssl::context> tls);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request ("GET"/"POST"; body sent as application/json when present) with
  // "Authorization: Bearer <token>" and returns the answer whatever its status. A reused
  // keep-alive connection that the server closed meanwhile is retried once on a new one.
  // Throws TransportError.
  boost::asio::awaitable<HttpResponse> request(std::string method, std::string target,
                                               std::optional<std::string> body,
                                               std::string bearer_token);

  // Drops idle keep-alive connections.
  void close();
  // Connections opened so far (tests check keep-alive reuse with it).
  std::uint64_t connections_opened() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ranbridge::ran
