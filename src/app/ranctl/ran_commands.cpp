// ranctl's RAN commands: global options, dispatch to devices|multicast|stream|send, and the
// one place where errors become exit codes (0 ok, 1 API/transport error, 2 usage error).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "ran_cli.hpp"
#include "ranbridge/lorawan/hex.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ranbridge::ranctl {
namespace cli {

// ---- argument parsing ----------------------------------------------------------------------

std::optional<std::string> Parsed::get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Parsed::all(const std::string& name) const {
  std::vector<std::string> out;
  auto it = options.find(name);
  if (it == options.end()) return out;
  for (const auto& v : it->second) {
    std::size_t start = 0;
    while (start <= v.size()) {
      auto comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      if (comma > start) out.push_back(v.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

Parsed parse(const Args& args, const OptionSpec& spec) {
  Parsed p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool looks_like_option = a.size() > 1 && a[0] == '-' && a != "--";
    if (!looks_like_option) {
      p.positional.push_back(a);
      continue;
    }
    // --name=value is accepted too.
    std::string name = a;
    std::optional<std::string> inline_value;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    if (spec.with_value.count(name)) {
      if (!inline_value && i + 1 >= args.size()) throw UsageError(name + " needs a value");
      auto& values = p.options[name];
      if (!spec.repeatable.count(name)) values.clear();
      values.push_back(inline_value ? *inline_value : args[++i]);
    } else if (spec.switches.count(name) && !inline_value) {
      p.flags.insert(name);
    } else {
      throw UsageError("unknown option " + a);
    }
  }
  if (p.positional.size() > spec.max_positional)
    throw UsageError("unexpected argument " + p.positional[spec.max_positional]);
  return p;
}

ran::DevEui dev_eui(const std::string& what, const std::string& text) {
  auto v = ran::DevEui::from_hex(text);
  if (!v) throw UsageError(what + " must be a DevEUI of at most 16 hex digits, got '" + text + "'");
  return *v;
}

ran::JoinEui join_eui(const std::string& what, const std::string& text) {
  auto v = ran::JoinEui::from_hex(text);
  if (!v)
    throw UsageError(what + " must be a JoinEUI of at most 16 hex digits, got '" + text + "'");
  return *v;
}

ran::DevAddr dev_addr(const std::string& what, const std::string& text) {
  auto v = ran::DevAddr::from_hex(text);
  if (!v) throw UsageError(what + " must be a DevAddr of at most 8 hex digits, got '" + text + "'");
  return *v;
}

std::uint64_t number(const std::string& what, const std::string& text, std::uint64_t min,
                     std::uint64_t max) {
  std::optional<std::uint64_t> v;
  if (text.rfind("0x", 0) == 0 || text.rfind("0X", 0) == 0) {
    v = lorawan::parse_hex_uint(text, 16);
  } else {
    std::uint64_t x = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) v = x;
  }
  if (!v || *v < min || *v > max)
    throw UsageError(what + " must be a number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got '" + text + "'");
  return *v;
}

std::chrono::milliseconds seconds(const std::string& what, const std::string& text) {
  double s = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), s);
  if (ec != std::errc() || end != text.data() + text.size() || !(s > 0) || s > 1e7)
    throw UsageError(what + " must be a positive number of seconds, got '" + text + "'");
  return std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000 + 0.5));
}

std::string required(const Parsed& p, const std::string& name) {
  auto v = p.get(name);
  if (!v) throw UsageError(name + " is required");
  return *v;
}

void Table::print() const {
  std::vector<std::size_t> width(header_.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
      width[c] = std::max(width[c], row[c].size());
  };
  measure(header_);
  for (const auto& r : rows_) measure(r);
  auto line = [&](const std::vector<std::string>& row) {
    std::string out;
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) {
      out += row[c];
      if (c + 1 < row.size()) out += std::string(width[c] - row[c].size() + 2, ' ');
    }
    std::cout << out << "\n";
  };
  line(header_);
  for (const auto& r : rows_) line(r);
}

// ---- the client ----------------------------------------------------------------------------

std::string Context::resolve_token() const {
  if (token && token_file) throw UsageError("give either --token or --token-file, not both");
  if (token) {
    if (token->empty()) throw UsageError("--token is empty");
    return *token;
  }
  if (token_file) {
    std::ifstream in(*token_file);
    if (!in) throw UsageError("cannot read --token-file " + *token_file);
    std::string t;
    std::getline(in, t);
    // Editors and `echo` add a trailing newline or spaces; they are never part of a token.
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    if (t.empty()) throw UsageError("--token-file " + *token_file + " has an empty first line");
    return t;
  }
  if (const char* env = std::getenv("RAN_TOKEN"); env && *env) return env;
  throw UsageError("no token: give --token T, --token-file F or set RAN_TOKEN");
}

ran::Core& Context::core() {
  if (core_) return *core_;
  std::string u = url;
  if (u.empty())
    if (const char* env = std::getenv("RAN_URL"); env && *env) u = env;
  if (u.empty()) throw UsageError("--url is required (or set RAN_URL)");
  ran::ClientOptions options;
  options.tls.ca_file = ca_file;
  core_ = std::make_unique<ran::Core>(io_.get_executor(), resolve_token(), u, options);
  ran::run_blocking(io_, core_->connect());
  return *core_;
}

Context::~Context() {
  if (!core_) return;
  try {
    ran::run_blocking(io_, core_->close());
  } catch (const std::exception&) {
    // Closing kept-alive connections is best effort; the command's result is already out.
  }
}

}  // namespace cli

namespace {

using namespace cli;

const std::vector<Command>& commands() {
  static const std::vector<Command> all = [] {
    auto v = rest_commands();
    auto s = stream_commands();
    v.insert(v.end(), s.begin(), s.end());
    return v;
  }();
  return all;
}

const char* kGlobalOptions =
    "Global options (before or after the command):\n"
    "  --url URL          RAN base URL, e.g. https://eu.cloud.everynet.io/api/v1 (or RAN_URL)\n"
    "  --token T          access token; --token-file F reads it from the first line of F;\n"
    "                     else the RAN_TOKEN environment variable. Never printed.\n"
    "  --ca-file F        extra CA bundle (PEM) for https/wss; system CAs are always trusted\n";

std::string synopsis(const Command& c) {
  return "ranctl [global options] " + c.group + " " + c.name + (c.synopsis.empty() ? "" : " ") +
         c.synopsis;
}

void print_command_help(const Command& c) {
  std::cout << "Usage: " << synopsis(c) << "\n\n" << c.help << "\n" << kGlobalOptions;
}

// Prints an API error the way operators search for it: code first, then the description
// and, for ValidationFailed, each field that RAN refused.
void print_api_error(const ran::ApiError& e) {
  std::cerr << "ranctl: API error " << e.code() << " (HTTP " << e.http_status()
            << "): " << e.description() << "\n";
  if (const auto* v = dynamic_cast<const ran::ValidationFailedError*>(&e)) {
    for (const auto& d : v->details()) {
      std::string loc;
      for (const auto& part : d.loc) loc += (loc.empty() ? "" : ".") + part;
      std::cerr << "  " << loc << ": " << d.msg << " (" << d.type << ")\n";
    }
  }
}

}  // namespace

std::string ran_usage() {
  std::string out = "RAN Routing API (online; `ranctl GROUP COMMAND --help` for details):\n";
  for (const auto& c : commands())
    out += "  " + c.group + " " + c.name + (c.synopsis.empty() ? "" : " ") + c.synopsis + "\n";
  out += kGlobalOptions;
  return out;
}

int run_ran_command(const Args& args) {
  // Global options may stand anywhere; what remains is "GROUP COMMAND options...".
  Context ctx;
  Args rest;
  const Command* command = nullptr;
  bool help = false;
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
        return args[++i];
      };
      if (a == "--url") {
        ctx.url = value();
      } else if (a == "--token") {
        ctx.token = value();
      } else if (a == "--token-file") {
        ctx.token_file = value();
      } else if (a == "--ca-file") {
        ctx.ca_file = value();
      } else if (a == "--help" || a == "-h") {
        help = true;
      } else {
        rest.push_back(a);
      }
    }
    // The first two words that are not options name the command.
    std::vector<std::size_t> words;
    for (std::size_t i = 0; i < rest.size() && words.size() < 2; ++i)
      if (rest[i].empty() || rest[i][0] != '-') words.push_back(i);
    if (words.empty()) {
      if (help) {
        std::cout << ran_usage();
        return kOk;
      }
      throw UsageError(rest.empty() ? "no command given" : "unknown option " + rest[0]);
    }
    const std::string group = rest[words[0]];
    const std::string name = words.size() > 1 ? rest[words[1]] : "";
    bool group_known = false;
    for (const auto& c : commands()) {
      if (c.group != group) continue;
      group_known = true;
      if (c.name == name) command = &c;
    }
    if (!group_known) throw UsageError("unknown command " + group);
    if (!command) {
      if (help || name.empty()) {
        std::cout << "Commands of " << group << ":\n";
        for (const auto& c : commands())
          if (c.group == group) std::cout << "  " << synopsis(c) << "\n";
        return help ? kOk : kUsage;
      }
      throw UsageError("unknown command " + group + " " + name);
    }
    if (help) {
      print_command_help(*command);
      return kOk;
    }
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(words[1]));
    rest.erase(rest.begin() + static_cast<std::ptrdiff_t>(words[0]));
    return command->run(ctx, rest);
  } catch (const UsageError& e) {
    std::cerr << "ranctl: " << e.what() << "\n";
    if (command)
      std::cerr << "Usage: " << synopsis(*command) << "\n";
    else
      std::cerr << "\n" << ran_usage();
    return kUsage;
  } catch (const ran::ParameterError& e) {
    // The library checks values against the contract before any I/O (ranges, URL, CA file).
    std::cerr << "ranctl: " << e.what() << "\n";
    if (command) std::cerr << "Usage: " << synopsis(*command) << "\n";
    return kUsage;
  } catch (const ran::ApiError& e) {
    print_api_error(e);
    return kFailed;
  } catch (const ran::TransportError& e) {
    std::cerr << "ranctl: transport error (" << ran::to_string(e.kind()) << "): " << e.what()
              << "\n";
    return kFailed;
  } catch (const CommandFailed& e) {
    std::cerr << "ranctl: " << e.what() << "\n";
    return kFailed;
  }
}

}  // namespace ranbridge::ranctl
