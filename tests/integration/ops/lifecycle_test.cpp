// ran-bridge as systemd and Prometheus see it: a real process with a real notify socket,
// a private mosquitto, and RAN unreachable (so readiness must say what is missing).

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "ranbridge_test/support.hpp"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using namespace ranbridge::testing;
using namespace std::chrono_literals;

// systemd's side of $NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("bind notify socket");
  }
  ~NotifySocket() { ::close(fd_); }
  // Waits for a datagram containing `needle`; everything received is kept in log().
  bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (log_.find(needle) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) != 1) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) log_.append(buf, static_cast<std::size_t>(n)).append("\n");
    }
    return true;
  }
  const std::string& log() const { return log_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::string log_;
};

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
};

HttpResult http_get(int port, const std::string& target) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return {static_cast<int>(res.result_int()), std::string(res[http::field::content_type]),
          res.body()};
}

TEST(OpsLifecycle, NotifyHealthMetricsReloadAndStop) {
  auto exe = bin_path("ran-bridge");
  if (!std::filesystem::exists(exe)) GTEST_SKIP() << "ran-bridge is not built in this tree";
  if (mosquitto_path().empty()) GTEST_SKIP() << "mosquitto is not installed";
  Mosquitto broker;
  TempDir dir;
  int http_port = free_port();
  int ran_port = free_port();  // nothing listens there: RAN stays unreachable
  std::filesystem::copy_file(source_path("config/devices.yaml"), dir / "devices.yaml");
  dir.write("eu.token", "integration-token\n");
  std::filesystem::create_directory(dir / "state");
  auto config = dir.write("ran-bridge.yaml",
                          "regions:\n"
                          "  - name: eu\n"
                          "    url: http://127.0.0.1:" +
                              std::to_string(ran_port) +
                              "/api/v1\n"
                              "    token_file: eu.token\n"
                              "    upstream_connections: 1\n"
                              "    gateway_id: \"00000000000e0001\"\n"
                              "mqtt: {url: \"" +
                              broker.url() +
                              "\", client_id: ops-it}\n"
                              "devices: {files: [devices.yaml]}\n"
                              "routing_sync: {enabled: false}\n"
                              "state_dir: state\n"
                              "http: {listen: \"127.0.0.1:" +
                              std::to_string(http_port) +
                              "\"}\n"
                              "log: {level: debug, format: json}\n");
  NotifySocket notify(dir / "notify");
  Process bridge(exe, {"--config", config.string()},
                 {{"NOTIFY_SOCKET", (dir / "notify").string()}});

  ASSERT_TRUE(notify.wait_for("READY=1", 30s)) << notify.log() << bridge.output();
  ASSERT_TRUE(wait_for_port(http_port, 10s)) << bridge.output();

  auto live = http_get(http_port, "/health/live");
  EXPECT_EQ(live.status, 200);

  // RAN is unreachable: not ready, and the body says which region lacks sockets.
  auto ready = http_get(http_port, "/health/ready");
  EXPECT_EQ(ready.status, 503) << ready.body;
  auto body = boost::json::parse(ready.body).as_object();
  EXPECT_EQ(body.at("ready"), false);
  auto missing = boost::json::serialize(body.at("missing"));
  EXPECT_NE(missing.find("eu"), std::string::npos) << missing;

  auto metrics = http_get(http_port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("ranbridge_upstreams_total"), std::string::npos);
  EXPECT_NE(metrics.body.find("ranbridge_mqtt_connected"), std::string::npos);
  EXPECT_EQ(http_get(http_port, "/nope").status, 404);

  // SIGHUP reloads without stopping the process.
  bridge.signal(SIGHUP);
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(bridge.running()) << bridge.output();
  EXPECT_EQ(http_get(http_port, "/health/live").status, 200);

  // SIGTERM: STOPPING=1, then a clean exit 0.
  bridge.signal(SIGTERM);
  EXPECT_TRUE(notify.wait_for("STOPPING=1", 20s)) << notify.log();
  auto code = bridge.wait(30s);
  ASSERT_TRUE(code.has_value()) << bridge.output();
  EXPECT_EQ(*code, 0) << bridge.output();
  // Logs were JSON lines and never contained the token.
  EXPECT_EQ(bridge.output().find("integration-token"), std::string::npos);
}

}  // namespace
