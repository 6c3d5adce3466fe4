#include "ranbridge/lns/tcp_nodelay.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace ranbridge::lns {

std::optional<BrokerEndpoint> broker_endpoint(const std::string& url) {
  const auto sep = url.find("://");
  if (sep == std::string::npos) return std::nullopt;
  const std::string scheme = url.substr(0, sep);
  std::uint16_t port = 0;
  if (scheme == "tcp" || scheme == "mqtt")
    port = 1883;
  else if (scheme == "ssl" || scheme == "mqtts")
    port = 8883;
  else if (scheme == "ws")
    port = 80;
  else if (scheme == "wss")
    port = 443;
  else
    return std::nullopt;
  std::string rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = rest.rfind('@'); at != std::string::npos) rest = rest.substr(at + 1);
  BrokerEndpoint ep;
  std::string port_text;
  if (rest.starts_with("[")) {  // [v6]:port
    const auto close = rest.find(']');
    if (close == std::string::npos) return std::nullopt;
    ep.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return std::nullopt;
      port_text = rest.substr(close + 2);
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    ep.host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  } else {
    ep.host = rest;
  }
  if (ep.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535)
      return std::nullopt;
    port = static_cast<std::uint16_t>(value);
  }
  ep.port = port;
  return ep;
}

namespace {

// The peer of `fd` when it is a connected TCP socket.
bool tcp_peer(int fd, sockaddr_storage& peer) {
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return false;
  len = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return false;
  return peer.ss_family == AF_INET || peer.ss_family == AF_INET6;
}

bool matches(const sockaddr_storage& peer, const BrokerEndpoint& want) {
  in_addr v4{};
  in6_addr v6{};
  const bool is_v4 = inet_pton(AF_INET, want.host.c_str(), &v4) == 1;
  const bool is_v6 = !is_v4 && inet_pton(AF_INET6, want.host.c_str(), &v6) == 1;
  if (peer.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(peer);
    if (ntohs(a.sin_port) != want.port) return false;
    return is_v6 ? false : !is_v4 || a.sin_addr.s_addr == v4.s_addr;
  }
  const auto& a = reinterpret_cast<const sockaddr_in6&>(peer);
  if (ntohs(a.sin6_port) != want.port) return false;
  if (is_v6) return std::memcmp(&a.sin6_addr, &v6, sizeof v6) == 0;
  if (is_v4)  // an IPv4 peer seen through a dual-stack socket: ::ffff:a.b.c.d
    return IN6_IS_ADDR_V4MAPPED(&a.sin6_addr) &&
           std::memcmp(&a.sin6_addr.s6_addr[12], &v4, sizeof v4) == 0;
  return true;
}

}  // namespace

std::size_t set_nodelay_to_peer(const BrokerEndpoint& peer) {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  std::size_t set = 0;
  const int own = dirfd(dir);
  while (const dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd == own) continue;
    sockaddr_storage addr{};
    if (!tcp_peer(static_cast<int>(fd), addr) || !matches(addr, peer)) continue;
    int one = 1;
    if (setsockopt(static_cast<int>(fd), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0) ++set;
  }
  closedir(dir);
  return set;
}

}  // namespace ranbridge::lns
