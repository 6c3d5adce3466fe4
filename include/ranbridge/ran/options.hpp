#pragma once
// Tunables of the RAN client. Defaults suit production; tests shorten the timeouts.

#include <chrono>
#include <cstddef>
#include <string>

namespace ranbridge::ran {

struct TlsOptions {
  // Verify the server certificate chain and its host name (on by default; turning it off is
  // for throw-away test setups only).
  bool verify = true;
  // Extra CA bundle (PEM) trusted in addition to the system store.
  std::string ca_file;
};

struct ClientOptions {
  // One timeout per network step.
  std::chrono::milliseconds resolve_timeout{10000};
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds tls_handshake_timeout{10000};
  std::chrono::milliseconds ws_handshake_timeout{10000};  // also bounds the close handshake
  std::chrono::milliseconds request_timeout{30000};       // HTTP write, then HTTP read
  // Websocket keep-alive: the client pings after this much silence and declares the peer
  // dead after twice as much (Beast's idle timeout = 2 x ping_interval).
  std::chrono::milliseconds ping_interval{20000};
  // Received stream messages waiting for the application. When full, the OLDEST message is
  // dropped and counted (fresh uplinks are worth more than stale ones: RAN stops waiting for
  // an answer after a few seconds). The read loop never waits for the application, so pings,
  // pongs and close frames are always handled.
  std::size_t receive_queue_capacity = 4096;
  std::size_t max_frame_bytes = 1 << 20;  // larger websocket messages close the socket
  std::size_t max_body_bytes = 64 << 20;  // largest REST answer accepted
  // Upstream frames that cannot be decoded but carry a TransactionID are answered with an
  // UpstreamReject "Other", so that RAN does not wait for an answer that never comes.
  bool reject_malformed_upstream = true;
  TlsOptions tls;
  std::string user_agent = "ranbridge-ran-client/1";
};

}  // namespace ranbridge::ran
