#pragma once
// ChirpStack v4 gateway MQTT topics: {prefix}/gateway/{gateway_id}/{event|state|command}/...
// Gateway ids are 16 lower-case hex digits in topics (ChirpStack matches them as text).

#include <optional>
#include <string>
#include <string_view>

#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::lns {

struct GatewayIdTag {};
// A gateway's EUI-64; to_hex() is the lower-case 16-digit form topics and payloads use.
using GatewayId = lorawan::Eui64<GatewayIdTag>;

enum class Event { up, stats, ack };
std::string_view to_string(Event e);

// A usable region topic prefix: non-empty, no MQTT wildcard ('+', '#'), no NUL, and neither
// starting nor ending with '/'. Nested prefixes ("eu868/site1") are allowed.
bool valid_topic_prefix(std::string_view prefix);

std::string event_topic(std::string_view prefix, GatewayId gateway, Event event);  // .../event/up
std::string state_conn_topic(std::string_view prefix, GatewayId gateway);          // .../state/conn
std::string command_topic(std::string_view prefix, GatewayId gateway,
                          std::string_view command);                     // .../command/down
std::string command_filter(std::string_view prefix, GatewayId gateway);  // .../command/+

// A command topic read back: "{prefix}/gateway/{16 hex}/command/{command}".
struct CommandTopic {
  std::string prefix;
  GatewayId gateway;
  std::string command;  // "down", "config", ...
};
// nullopt when the topic does not have that shape (gateway id must be exactly 16 hex
// digits, any case; command one non-empty level; prefix valid as above).
std::optional<CommandTopic> parse_command_topic(std::string_view topic);

// MQTT topic-filter matching ('+' one level, '#' the rest, including the parent level);
// topics starting with '$' never match a filter starting with a wildcard (MQTT 3.1.1 4.7.2).
bool topic_matches(std::string_view filter, std::string_view topic);

// A topic a client may publish to: non-empty, no wildcard, no NUL, at most 65535 bytes.
bool valid_publish_topic(std::string_view topic);
// A subscription filter: non-empty, '#' only as the last whole level, '+' only as a whole level.
bool valid_topic_filter(std::string_view filter);

}  // namespace ranbridge::lns
