#pragma once
// Shared plumbing of ranctl's RAN commands (ran_commands.cpp dispatches, ran_rest.cpp holds
// devices/multicast, ran_streams.cpp holds stream/send): argument parsing, value parsing
// with usage errors, aligned tables and the connected client.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "commands.hpp"
#include "ranbridge/ran/blocking.hpp"
#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::ranctl::cli {

constexpr int kOk = 0, kFailed = 1, kUsage = 2;

// Bad command line: printed with the command's short usage, exit 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A failure that is neither a usage error nor an API error (e.g. a downstream that RAN did
// not answer in time, or answered with a non-Success result): printed, exit 1.
struct CommandFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// What a command accepts. Options listed in `repeatable` may be given several times (and
// take comma-separated lists); the others keep their last value.
struct OptionSpec {
  std::set<std::string> with_value;
  std::set<std::string> switches;
  std::set<std::string> repeatable;
  std::size_t max_positional = 0;
};

struct Parsed {
  std::map<std::string, std::vector<std::string>> options;
  std::set<std::string> flags;
  std::vector<std::string> positional;

  std::optional<std::string> get(const std::string& name) const;
  // Every value of a repeatable option, comma-separated lists split.
  std::vector<std::string> all(const std::string& name) const;
  bool has(const std::string& name) const { return flags.count(name) > 0 || options.count(name); }
};

Parsed parse(const Args& args, const OptionSpec& spec);

// Value parsers: throw UsageError naming the option.
ran::DevEui dev_eui(const std::string& what, const std::string& text);
ran::JoinEui join_eui(const std::string& what, const std::string& text);
ran::DevAddr dev_addr(const std::string& what, const std::string& text);
// Decimal, or hex with 0x.
std::uint64_t number(const std::string& what, const std::string& text, std::uint64_t min,
                     std::uint64_t max);
// Decimal seconds, fractions allowed, > 0.
std::chrono::milliseconds seconds(const std::string& what, const std::string& text);
std::string required(const Parsed& p, const std::string& name);

// Left-aligned columns separated by two spaces; the header in capitals.
class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

template <class T>
boost::asio::awaitable<std::optional<T>> as_optional(boost::asio::awaitable<T> task) {
  T value = co_await std::move(task);
  co_return std::optional<T>(std::move(value));
}

// The global options (`--url`, `--token`/`--token-file`/RAN_TOKEN, `--ca-file`) and the
// client built from them on first use, so that --help and usage errors need no server.
class Context {
 public:
  std::string url;
  std::optional<std::string> token;
  std::optional<std::string> token_file;
  std::string ca_file;

  ran::Core& core();
  template <class T>
  T run(boost::asio::awaitable<T> task) {
    core();
    return ran::run_blocking(io_, std::move(task));
  }
  // For results that are not default-constructible (stream connections): Asio 1.26's
  // co_spawn, and so ran::run_blocking, needs a default-constructible result type.
  template <class T>
  T run_movable(boost::asio::awaitable<T> task) {
    return std::move(*run(as_optional(std::move(task))));
  }
  ~Context();

 private:
  std::string resolve_token() const;
  boost::asio::io_context io_;
  std::unique_ptr<ran::Core> core_;  // declared after io_: destroyed first
};

// One command: "devices list", "send downlink", ...
struct Command {
  std::string group, name;
  std::string synopsis;  // options after "ranctl [global options] group name"
  std::string help;      // what it does, what it prints, its exit codes
  int (*run)(Context&, const Args&);
};

std::vector<Command> rest_commands();    // devices and multicast (ran_rest.cpp)
std::vector<Command> stream_commands();  // stream and send (ran_streams.cpp)

}  // namespace ranbridge::ranctl::cli
