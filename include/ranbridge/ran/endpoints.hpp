#pragma once
// The four URLs of a RAN region and the URL rules of the contract (§1): https/wss by default,
// http/ws accepted (loopback, emulator); a trailing slash on the base is ignored and its query
// string dropped. All functions throw ParameterError on bad input (before any I/O).

#include <cstdint>
#include <string>
#include <string_view>

namespace ranbridge::ran {

// One parsed absolute URL.
struct Url {
  std::string scheme;  // http, https, ws, wss
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target;  // path (never empty) plus "?query" when present
  bool tls() const { return scheme == "https" || scheme == "wss"; }
  // Host header value: host, plus ":port" when not the scheme's default.
  std::string host_header() const;
};
Url parse_url(std::string_view text);

struct Endpoints {
  std::string routing_table;  // REST, e.g. https://eu.cloud.everynet.io/api/v1/devices
  std::string multicast;      // REST, .../multicast/multicast-groups
  std::string upstream;       // websocket, .../stream/upstream/
  std::string downstream;     // websocket, .../stream/downstream/

  // From a base URL such as https://eu.cloud.everynet.io/api/v1 (http/https/ws/wss accepted;
  // REST URLs get http(s), stream URLs ws(s)).
  static Endpoints from_base(std::string_view base);
};

// `url` with "access_token=<token>" as its query (any previous query replaced), the token
// percent-encoded so that '+', '&', '=', '/' and spaces survive.
std::string with_access_token(std::string_view url, std::string_view token);

}  // namespace ranbridge::ran
