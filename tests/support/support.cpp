#include "ranbridge_test/support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ranbridge::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
}  // namespace

fs::path bin_path(const std::string& name) {
  return fs::path(env_or("RANBRIDGE_BIN_DIR", RANBRIDGE_DEFAULT_BIN_DIR)) / name;
}

fs::path source_path(const std::string& relative) {
  return fs::path(env_or("RANBRIDGE_SOURCE_DIR", RANBRIDGE_DEFAULT_SOURCE_DIR)) / relative;
}

fs::path vectors_path() {
  fs::path shared =
      fs::path(env_or("RANBRIDGE_SHARED_DIR", RANBRIDGE_DEFAULT_SOURCE_DIR "/../shared")) /
      "lorawan/vectors.json";
  if (fs::exists(shared)) return shared;
  return source_path("tests/data/lorawan/vectors.json");
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool wait_for_port(int port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

TempDir::TempDir() {
  std::string templ = (fs::temp_directory_path() / "ranbridge-test-XXXXXX").string();
  if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
  path_ = templ;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path TempDir::write(const std::string& name, const std::string& content) const {
  fs::path p = path_ / name;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

Process::Process(fs::path exe, std::vector<std::string> args,
                 std::map<std::string, std::string> extra_env, std::optional<fs::path> log_file) {
  if (log_file) {
    log_ = *log_file;
  } else {
    own_dir_.emplace();
    log_ = own_dir_->path() / "output.log";
  }
  int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot open log " + log_.string());
  std::vector<std::string> argv_s;
  argv_s.push_back(exe.string());
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    int devnull = ::open("/dev/null", O_RDONLY);
    ::dup2(devnull, 0);
    // Die with the test: a crashed test must not leave brokers or bridges behind.
    for (auto& [k, v] : extra_env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::setpgid(0, 0);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fd);
}

Process::~Process() {
  if (pid_ > 0 && !status_) {
    signal(SIGTERM);
    if (!wait(3s)) {
      signal(SIGKILL);
      wait(5s);
    }
  }
}

bool Process::running() {
  if (status_) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

void Process::signal(int sig) {
  if (pid_ > 0 && !status_) ::kill(pid_, sig);
}

std::optional<int> Process::wait(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
  return status_;
}

std::string Process::output() const {
  std::ifstream in(log_, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Process::wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (output().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return output().find(needle) != std::string::npos;
}

RunResult run(const fs::path& exe, const std::vector<std::string>& args,
              std::chrono::milliseconds timeout, std::map<std::string, std::string> extra_env) {
  Process p(exe, args, std::move(extra_env));
  auto code = p.wait(timeout);
  RunResult r;
  r.output = p.output();
  r.exit_code = code ? *code : -1;
  return r;
}

fs::path mosquitto_path() {
  for (const char* p : {"/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"})
    if (fs::exists(p)) return p;
  return {};
}

Mosquitto::Mosquitto(int port) : port_(port ? port : free_port()) {
  start();
}

Mosquitto::~Mosquitto() {
  stop();
}

void Mosquitto::start() {
  auto exe = mosquitto_path();
  if (exe.empty()) throw std::runtime_error("mosquitto is not installed (run scripts/setup)");
  auto conf = dir_.write("mosquitto.conf", "listener " + std::to_string(port_) +
                                               " 127.0.0.1\n"
                                               "allow_anonymous true\n"
                                               "persistence false\n"
                                               // as docs/lns.md recommends for low latency
                                               "set_tcp_nodelay true\n"
                                               "max_queued_messages 1000000\n"
                                               "log_dest stdout\n");
  proc_.emplace(exe, std::vector<std::string>{"-c", conf.string()},
                std::map<std::string, std::string>{}, dir_ / "mosquitto.log");
  if (!wait_for_port(port_)) throw std::runtime_error("mosquitto did not start on " + url());
}

void Mosquitto::stop() {
  if (proc_) {
    proc_->signal(SIGTERM);
    proc_->wait(5s);
    proc_.reset();
  }
}

}  // namespace ranbridge::testing
