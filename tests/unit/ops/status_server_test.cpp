#include "ranbridge/ops/status_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "ranbridge/ops/metrics.hpp"

namespace ranbridge::ops {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// The server on its own io thread, as in the service; the test talks real HTTP to it.
class StatusServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    metrics_.region("eu").upstreams_ack.Increment(3);
    StatusServer::Options opts;
    opts.port = 0;
    opts.request_timeout = std::chrono::seconds(5);
    server_ = std::make_unique<StatusServer>(
        io_.get_executor(), opts, [this] { return metrics_.serialize(); },
        [this] {
          std::lock_guard lock(mutex_);
          return missing_;
        });
    server_->start();
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    server_->stop();
    work_.reset();
    thread_.join();
    server_.reset();
  }

  tcp::socket connect() {
    tcp::socket s(client_io_);
    s.connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    return s;
  }

  http::response<http::string_body> request(tcp::socket& s, http::verb verb,
                                            const std::string& target, bool keep_alive = true) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "localhost");
    req.keep_alive(keep_alive);
    http::write(s, req);
    beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(s, buf, res);
    return res;
  }

  http::response<http::string_body> get(const std::string& target) {
    auto s = connect();
    return request(s, http::verb::get, target, false);
  }

  void set_missing(std::vector<std::string> m) {
    std::lock_guard lock(mutex_);
    missing_ = std::move(m);
  }

  Metrics metrics_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  asio::io_context client_io_;
  std::unique_ptr<StatusServer> server_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> missing_;
};

TEST_F(StatusServerTest, BindsAnEphemeralPort) {
  EXPECT_NE(server_->port(), 0);
}

TEST_F(StatusServerTest, LiveIsAlways200) {
  set_missing({"mqtt: not connected"});
  auto res = get("/health/live");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(boost::json::parse(res.body()), boost::json::parse(R"({"live":true})"));
}

TEST_F(StatusServerTest, ReadyReflectsTheCallback) {
  auto ok = get("/health/ready");
  EXPECT_EQ(ok.result(), http::status::ok);
  EXPECT_EQ(ok[http::field::content_type], "application/json");
  EXPECT_EQ(boost::json::parse(ok.body()), boost::json::parse(R"({"ready":true})"));

  set_missing({"region eu: no upstream socket", "mqtt: not connected"});
  auto bad = get("/health/ready");
  EXPECT_EQ(bad.result(), http::status::service_unavailable);
  EXPECT_EQ(
      boost::json::parse(bad.body()),
      boost::json::parse(
          R"({"ready":false,"missing":["region eu: no upstream socket","mqtt: not connected"]})"));
}

TEST_F(StatusServerTest, MetricsInTextFormat) {
  auto res = get("/metrics?name[]=x");  // query strings are ignored
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(res.body().find("ranbridge_upstreams_total{region=\"eu\",result=\"ack\"} 3"),
            std::string::npos)
      << res.body();
}

TEST_F(StatusServerTest, UnknownPathIs404AndOtherMethods405) {
  EXPECT_EQ(get("/").result(), http::status::not_found);
  EXPECT_EQ(get("/health").result(), http::status::not_found);
  auto s = connect();
  auto res = request(s, http::verb::post, "/metrics", false);
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "GET");
}

TEST_F(StatusServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto s = connect();
  for (int i = 0; i < 3; ++i) {
    auto res = request(s, http::verb::get, "/health/live");
    EXPECT_EQ(res.result(), http::status::ok);
    EXPECT_TRUE(res.keep_alive());
  }
  auto last = request(s, http::verb::get, "/health/live", false);
  EXPECT_FALSE(last.keep_alive());
  // The server closes after a non-keep-alive response.
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(s, buf, res, ec);
  EXPECT_EQ(ec, http::error::end_of_stream);
}

TEST_F(StatusServerTest, OversizedHeadersGet431) {
  auto s = connect();
  http::request<http::string_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "localhost");
  req.set("X-Padding", std::string(16 * 1024, 'a'));
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
}

TEST_F(StatusServerTest, OversizedBodyGets413) {
  auto s = connect();
  http::request<http::string_body> req{http::verb::get, "/metrics", 11};
  req.set(http::field::host, "localhost");
  req.body() = std::string(4096, 'b');
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  EXPECT_EQ(res.result(), http::status::payload_too_large);
}

TEST_F(StatusServerTest, GarbageGets400) {
  auto s = connect();
  asio::write(s, asio::buffer(std::string("NOT HTTP AT ALL\r\n\r\n")));
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  EXPECT_EQ(res.result(), http::status::bad_request);
}

TEST_F(StatusServerTest, StopClosesIdleConnectionsAndRefusesNewOnes) {
  auto s = connect();
  EXPECT_EQ(request(s, http::verb::get, "/health/live").result(), http::status::ok);
  server_->stop();
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(s, buf, res, ec);  // the idle keep-alive connection is closed by stop()
  EXPECT_TRUE(ec);
  tcp::socket fresh(client_io_);
  fresh.connect({asio::ip::make_address("127.0.0.1"), server_->port()}, ec);
  EXPECT_TRUE(ec);
}

TEST(StatusServer, PortInUseThrowsWithAddress) {
  asio::io_context io;
  tcp::acceptor taken(io, {asio::ip::make_address("127.0.0.1"), 0});
  StatusServer::Options opts;
  opts.port = taken.local_endpoint().port();
  StatusServer server(
      io.get_executor(), opts, [] { return std::string(); },
      [] { return std::vector<std::string>{}; });
  try {
    server.start();
    FAIL() << "expected an exception";
  } catch (const boost::system::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(opts.port)),
              std::string::npos)
        << e.what();
  }
  StatusServer::Options bad;
  bad.host = "not-an-ip";
  StatusServer server2(io.get_executor(), bad, {}, {});
  EXPECT_THROW(server2.start(), boost::system::system_error);
}

}  // namespace
}  // namespace ranbridge::ops
