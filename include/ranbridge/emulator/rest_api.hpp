#pragma once
// The REST half of the emulated RAN: routing table (CamelCase keys) and multicast groups
// (snake_case keys), with RAN's validation and error bodies. Pure: request text in,
// status + JSON body out; the HTTP server and its locking live elsewhere.

#include <string>
#include <string_view>

#include "ranbridge/emulator/routing_table.hpp"

namespace ranbridge::emulator {

struct RestState {
  RoutingTable table;
  MulticastGroups groups;
};

struct RestReply {
  unsigned status = 200;
  std::string body;  // JSON
};

// Status codes used for the API's error codes (the body carries the code itself).
inline constexpr unsigned kStatusValidation = 422;
inline constexpr unsigned kStatusUnauthorized = 401;
inline constexpr unsigned kStatusNotFound = 404;
inline constexpr unsigned kStatusConflict = 409;
inline constexpr unsigned kStatusLimit = 403;

// `path` is relative to the base path, e.g. "/devices/select" or
// "/multicast/multicast-groups/create"; `query` is the raw query string (no '?').
RestReply handle_rest(RestState& state, std::string_view method, std::string_view path,
                      std::string_view query, std::string_view body, const std::string& now_iso);

// `{"detail": {"error_code", "error_description", "error_detail": []}}`.
RestReply error_reply(unsigned status, std::string_view code, std::string_view description);
// FastAPI-style bodies for unknown paths and methods: `{"detail": "Not Found"}`.
RestReply plain_detail(unsigned status, std::string_view text);

// Current UTC time as RAN prints it: 2022-05-31T07:14:04.473749 (no zone).
std::string iso_now();

}  // namespace ranbridge::emulator
