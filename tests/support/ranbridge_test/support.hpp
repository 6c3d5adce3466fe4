#pragma once
// Helpers for tests that run real processes on loopback: child processes that are always
// reaped, ephemeral ports, temporary directories, a private mosquitto broker.

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ranbridge::testing {

// Path of a built executable (bin dir from $RANBRIDGE_BIN_DIR, set by ctest).
std::filesystem::path bin_path(const std::string& name);
// Path inside the source tree ($RANBRIDGE_SOURCE_DIR, else the current directory).
std::filesystem::path source_path(const std::string& relative);
// lorawan/vectors.json: ../shared when present, else the copy in tests/data.
std::filesystem::path vectors_path();

// A free TCP port on 127.0.0.1 (bound then released; good enough for tests).
int free_port();
// Polls until something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

// A directory removed (recursively) when this object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  // Writes `content` to path()/name and returns the full path.
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// A child process; stdout+stderr go to a log file. Killed (SIGKILL after SIGTERM grace)
// and reaped in the destructor so a failing test never leaks processes.
class Process {
 public:
  Process(std::filesystem::path exe, std::vector<std::string> args,
          std::map<std::string, std::string> extra_env = {},
          std::optional<std::filesystem::path> log_file = std::nullopt);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  int pid() const { return pid_; }
  bool running();
  // Sends a signal (SIGTERM, SIGHUP, SIGKILL, ...).
  void signal(int sig);
  // Waits for exit; returns the exit code (128+signal when killed), nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Everything the process wrote so far.
  std::string output() const;
  const std::filesystem::path& log_path() const { return log_; }
  // Polls output() until it contains `needle`.
  bool wait_for_output(const std::string& needle,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  int pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_;
  std::optional<TempDir> own_dir_;
};

// Runs a command to completion; returns {exit code, combined output}.
struct RunResult {
  int exit_code = -1;
  std::string output;
};
RunResult run(const std::filesystem::path& exe, const std::vector<std::string>& args,
              std::chrono::milliseconds timeout = std::chrono::seconds(30),
              std::map<std::string, std::string> extra_env = {});

// A private mosquitto broker on an ephemeral loopback port.
class Mosquitto {
 public:
  explicit Mosquitto(int port = 0);
  ~Mosquitto();
  int port() const { return port_; }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  // Stops and starts the same broker again on the same port (for broker-restart tests).
  void stop();
  void start();

 private:
  TempDir dir_;
  int port_;
  std::optional<Process> proc_;
};

// Returns the mosquitto executable, or empty when it is not installed.
std::filesystem::path mosquitto_path();

}  // namespace ranbridge::testing
