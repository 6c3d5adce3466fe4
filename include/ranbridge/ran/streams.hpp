#pragma once
// RAN's websocket streams. Obtain them from Core::upstream() / Core::downstream().
//
// Each connection runs its own read loop that never waits for the application: frames are
// decoded and put into a bounded queue (ClientOptions::receive_queue_capacity; when full the
// oldest message is dropped and counted), so websocket pings, pongs and close frames are
// always handled. A frame that cannot be decoded is counted and skipped; the connection stays
// open. The client pings after ClientOptions::ping_interval of silence and closes a peer that
// stays silent for twice as long.
//
// Use a connection from one thread (a single-threaded io_context or one strand), and destroy
// it before its io_context. Destroying an open connection aborts it; close() performs the
// websocket close handshake.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "ranbridge/ran/types.hpp"

namespace ranbridge::ran {

namespace detail {
class WsSession;
template <class T>
struct StreamState;
}  // namespace detail

struct StreamStats {
  std::uint64_t frames_received = 0;     // data frames (text or binary)
  std::uint64_t messages_received = 0;   // decoded and queued
  std::uint64_t malformed = 0;           // frames that could not be decoded (skipped)
  std::uint64_t dropped_queue_full = 0;  // oldest messages dropped because the queue was full
  std::uint64_t messages_sent = 0;
  std::uint64_t auto_rejects_sent = 0;  // upstream: Reject "Other" for malformed frames
};

struct CloseStatus {
  bool closed = false;
  bool normal = false;  // a close handshake with code 1000/1001 (either side started it)
  std::string reason;   // peer's close reason or the transport error
};

class UpstreamConnection {
 public:
  UpstreamConnection(UpstreamConnection&&) noexcept;
  UpstreamConnection& operator=(UpstreamConnection&&) noexcept;
  ~UpstreamConnection();

  // The next Upstream; nullopt once the connection is closed and the queue drained.
  boost::asio::awaitable<std::optional<Upstream>> next();
  // Waits at most `timeout`: nullopt on timeout. Throws TransportError(Closed) once the
  // connection is closed and the queue drained (normal_close() tells how it ended).
  boost::asio::awaitable<std::optional<Upstream>> recv(std::chrono::milliseconds timeout);
  // The answers (exactly one per Upstream). Throw ParameterError (tx 0) or TransportError.
  boost::asio::awaitable<void> send_ack(TransactionId tx, DevEui dev_eui, std::uint32_t mic);
  boost::asio::awaitable<void> send_reject(TransactionId tx, RejectCode code,
                                           std::optional<std::string> message = {});
  // Websocket close handshake (idempotent).
  boost::asio::awaitable<void> close();

  bool is_open() const;
  CloseStatus close_status() const;
  StreamStats stats() const;
  std::string last_malformed() const;  // reason of the last malformed frame ("" = none)

 private:
  friend class Core;
  explicit UpstreamConnection(std::shared_ptr<detail::StreamState<Upstream>> s);
  std::shared_ptr<detail::StreamState<Upstream>> s_;
};

class DownstreamConnection {
 public:
  DownstreamConnection(DownstreamConnection&&) noexcept;
  DownstreamConnection& operator=(DownstreamConnection&&) noexcept;
  ~DownstreamConnection();

  // Validated before sending (ParameterError with the contract's reason).
  boost::asio::awaitable<void> send_downstream(Downstream m);
  boost::asio::awaitable<void> send_multicast_downstream(MulticastDownstream m);
  // The next DownstreamAck or DownstreamResult; nullopt once closed and drained.
  boost::asio::awaitable<std::optional<DownstreamAnswer>> next();
  // nullopt on timeout; TransportError(Closed) once closed and drained.
  boost::asio::awaitable<std::optional<DownstreamAnswer>> recv(std::chrono::milliseconds timeout);
  boost::asio::awaitable<void> close();

  bool is_open() const;
  CloseStatus close_status() const;
  StreamStats stats() const;
  std::string last_malformed() const;

 private:
  friend class Core;
  explicit DownstreamConnection(std::shared_ptr<detail::StreamState<DownstreamAnswer>> s);
  std::shared_ptr<detail::StreamState<DownstreamAnswer>> s_;
};

}  // namespace ranbridge::ran
