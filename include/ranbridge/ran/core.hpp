#pragma once
// Core: the RAN Routing API client of one region (the C++ twin of Everynet's Python
// `ran.routing.core.Core`).
//
//   asio::io_context io;
//   ran::Core core(io.get_executor(), token, "https://eu.cloud.everynet.io/api/v1");
//   co_await core.connect();
//   auto devices = co_await core.routing_table().select_all();
//   auto up = co_await core.upstream();          // UpstreamConnection
//   auto msg = co_await up.next();
//   co_await up.send_ack(msg->transaction_id, msg->dev_euis[0], mic);
//   co_await core.close();
//
// Constructors validate the URLs and the token (ParameterError) and do no I/O. All methods
// are coroutines to be run on `ex`; use Core and everything it hands out from one thread
// (a single-threaded io_context or a strand). ranbridge/ran/blocking.hpp runs them
// synchronously for tools.

#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "ranbridge/ran/endpoints.hpp"
#include "ranbridge/ran/multicast_groups.hpp"
#include "ranbridge/ran/options.hpp"
#include "ranbridge/ran/routing_table.hpp"
#include "ranbridge/ran/streams.hpp"

namespace ranbridge::ran {

class Core {
 public:
  // From a base URL such as https://eu.cloud.everynet.io/api/v1 (trailing slash ignored,
  // query dropped; http/ws accepted).
  Core(boost::asio::any_io_executor ex, std::string token, std::string base_url,
       ClientOptions options = {});
  // From the four URLs given one by one.
  Core(boost::asio::any_io_executor ex, std::string token, Endpoints endpoints,
       ClientOptions options = {});
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // Prepares the REST clients (and the TLS context: loads CAs; ParameterError when the CA
  // file is unusable). No network I/O: connections are opened on first use and kept alive.
  boost::asio::awaitable<void> connect();
  // Drops the kept-alive REST connections. Stream connections are closed by their owners.
  boost::asio::awaitable<void> close();

  // Precondition: connect() was called (else ParameterError).
  RoutingTable& routing_table();
  MulticastGroups& multicast_groups();

  // Opens one more upstream / downstream websocket. Several may be open at once (RAN spreads
  // upstream messages over all sockets of an account). Throws TransportError,
  // UnauthorizedError (wrong token) or another ApiError.
  boost::asio::awaitable<UpstreamConnection> upstream();
  boost::asio::awaitable<DownstreamConnection> downstream();

  const Endpoints& endpoints() const { return endpoints_; }
  const ClientOptions& options() const { return options_; }
  // REST connections opened so far (keep-alive reuse keeps it low).
  std::uint64_t rest_connections_opened() const;

 private:
  struct Impl;
  boost::asio::any_io_executor ex_;
  std::string token_;
  Endpoints endpoints_;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ranbridge::ran
