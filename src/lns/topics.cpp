#include "ranbridge/lns/topics.hpp"

#include <algorithm>

namespace ranbridge::lns {

std::string_view to_string(Event e) {
  switch (e) {
    case Event::up:
      return "up";
    case Event::stats:
      return "stats";
    case Event::ack:
      return "ack";
  }
  return "up";
}

bool valid_topic_prefix(std::string_view prefix) {
  if (prefix.empty() || prefix.front() == '/' || prefix.back() == '/') return false;
  return prefix.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
}

namespace {
std::string gateway_base(std::string_view prefix, GatewayId gateway) {
  std::string t;
  t.reserve(prefix.size() + 40);
  t.append(prefix).append("/gateway/").append(gateway.to_hex());
  return t;
}

bool is_hex16(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}
}  // namespace

std::string event_topic(std::string_view prefix, GatewayId gateway, Event event) {
  return gateway_base(prefix, gateway).append("/event/").append(to_string(event));
}

std::string state_conn_topic(std::string_view prefix, GatewayId gateway) {
  return gateway_base(prefix, gateway).append("/state/conn");
}

std::string command_topic(std::string_view prefix, GatewayId gateway, std::string_view command) {
  return gateway_base(prefix, gateway).append("/command/").append(command);
}

std::string command_filter(std::string_view prefix, GatewayId gateway) {
  return command_topic(prefix, gateway, "+");
}

std::optional<CommandTopic> parse_command_topic(std::string_view topic) {
  // Read from the end: the prefix itself may contain '/'.
  auto slash = topic.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view command = topic.substr(slash + 1);
  if (command.empty() || command.find_first_of("+#") != std::string_view::npos) return std::nullopt;
  std::string_view rest = topic.substr(0, slash);
  constexpr std::string_view kCommand = "/command";
  if (!rest.ends_with(kCommand)) return std::nullopt;
  rest.remove_suffix(kCommand.size());
  slash = rest.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view id = rest.substr(slash + 1);
  if (!is_hex16(id)) return std::nullopt;
  rest = rest.substr(0, slash);
  constexpr std::string_view kGateway = "/gateway";
  if (!rest.ends_with(kGateway)) return std::nullopt;
  rest.remove_suffix(kGateway.size());
  if (!valid_topic_prefix(rest)) return std::nullopt;
  auto gateway = GatewayId::from_hex(id, true);
  if (!gateway) return std::nullopt;
  return CommandTopic{std::string(rest), *gateway, std::string(command)};
}

bool topic_matches(std::string_view filter, std::string_view topic) {
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#'))
    return false;
  while (true) {
    auto fslash = filter.find('/');
    std::string_view flevel = filter.substr(0, fslash);
    if (flevel == "#") return true;  // matches this level and everything below (or nothing)
    auto tslash = topic.find('/');
    std::string_view tlevel = topic.substr(0, tslash);
    if (flevel != "+" && flevel != tlevel) return false;
    if (fslash == std::string_view::npos || tslash == std::string_view::npos) {
      if (fslash == std::string_view::npos && tslash == std::string_view::npos) return true;
      // "a/#" matches "a": the filter continues with exactly "#".
      return tslash == std::string_view::npos && filter.substr(fslash + 1) == "#";
    }
    filter.remove_prefix(fslash + 1);
    topic.remove_prefix(tslash + 1);
  }
}

bool valid_publish_topic(std::string_view topic) {
  return !topic.empty() && topic.size() <= 65535 &&
         topic.find_first_of(std::string_view("+#\0", 3)) == std::string_view::npos;
}

bool valid_topic_filter(std::string_view filter) {
  if (filter.empty() || filter.size() > 65535 || filter.find('\0') != std::string_view::npos)
    return false;
  std::size_t start = 0;
  while (true) {
    auto slash = filter.find('/', start);
    std::string_view level =
        filter.substr(start, slash == std::string_view::npos ? filter.npos : slash - start);
    if (level.find_first_of("+#") != std::string_view::npos && level != "+" && level != "#")
      return false;
    if (level == "#" && slash != std::string_view::npos) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace ranbridge::lns
