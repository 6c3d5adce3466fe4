#pragma once
// TCP_NODELAY for the MQTT client's sockets.
//
// Paho C opens its sockets itself and never sets TCP_NODELAY, and offers no hook to do so.
// With Nagle's algorithm on, a small packet (a DownlinkTxAck, an uplink) waits until the
// previous one is acknowledged; with the peer's delayed ACKs that costs up to ~40 ms per
// message at moderate rates. After each connect the client therefore looks for the process's
// TCP sockets whose peer is the broker and sets TCP_NODELAY on them (see docs/lns.md).

#include <cstdint>
#include <optional>
#include <string>

namespace ranbridge::lns {

struct BrokerEndpoint {
  std::string host;  // as written in the URL (brackets of an IPv6 literal removed)
  std::uint16_t port = 0;
};

// Host and port of an MQTT URL (tcp://, mqtt://, ssl://, mqtts://, ws://, wss://), with the
// scheme's default port when none is given; nullopt when the URL has no usable host or port.
std::optional<BrokerEndpoint> broker_endpoint(const std::string& url);

// Sets TCP_NODELAY on every TCP socket of this process connected to `peer`: to its address when
// the host is a numeric IP, otherwise to its port (setting it on another of our sockets to that
// port does no harm). Returns how many sockets it set.
std::size_t set_nodelay_to_peer(const BrokerEndpoint& peer);

}  // namespace ranbridge::lns
