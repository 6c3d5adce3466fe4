#include "client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <future>
#include <stdexcept>

namespace ranbridge::emulator_test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http_ns = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

json::value HttpResult::json() const {
  return json::parse(body);
}

HttpResult http(int port, const std::string& method, const std::string& target,
                const std::string& body, const std::string& token) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  stream.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http_ns::request<http_ns::string_body> req{http_ns::string_to_verb(method), target, 11};
  req.set(http_ns::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http_ns::field::authorization, "Bearer " + token);
  if (!body.empty()) req.set(http_ns::field::content_type, "application/json");
  req.body() = body;
  req.prepare_payload();
  http_ns::write(stream, req);
  beast::flat_buffer buf;
  http_ns::response<http_ns::string_body> res;
  http_ns::read(stream, buf, res);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {res.result_int(), res.body()};
}

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  std::thread thread;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> frames;
  bool closed = false;
  int pings = 0;

  // A raw pointer: the frame lives in `ioc`, which Impl owns, so a shared_ptr here would be a
  // cycle that never frees. ~WsClient joins the thread before Impl can go away.
  static asio::awaitable<void> reader(Impl* self) {
    beast::flat_buffer buf;
    for (;;) {
      beast::error_code ec;
      co_await self->ws.async_read(buf, asio::redirect_error(asio::use_awaitable, ec));
      std::lock_guard lk(self->mu);
      if (ec) {
        self->closed = true;
        self->cv.notify_all();
        co_return;
      }
      self->frames.push_back(beast::buffers_to_string(buf.data()));
      buf.consume(buf.size());
      self->cv.notify_all();
    }
  }
};

WsClient::WsClient(int port, const std::string& path, const std::string& token, bool token_in_query)
    : impl_(std::make_shared<Impl>()) {
  auto& ws = impl_->ws;
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(ws).connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  beast::get_lowest_layer(ws).expires_never();
  if (!token_in_query)
    ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
      req.set(http_ns::field::authorization, "Bearer " + token);
    }));
  std::string target = path + (token_in_query ? "?access_token=" + token : "");
  ws.handshake("127.0.0.1:" + std::to_string(port), target);
  ws.set_option(
      websocket::stream_base::timeout{std::chrono::seconds(10), std::chrono::seconds(60), false});
  auto weak = std::weak_ptr<Impl>(impl_);
  ws.control_callback([raw = impl_.get()](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::ping) {
      std::lock_guard lk(raw->mu);
      ++raw->pings;
    }
  });
  asio::co_spawn(impl_->ioc, Impl::reader(impl_.get()), asio::detached);
  impl_->thread = std::thread([im = impl_.get()] { im->ioc.run(); });
}

WsClient::~WsClient() {
  asio::post(impl_->ioc, [im = impl_.get()] {
    beast::error_code ec;
    beast::get_lowest_layer(im->ws).socket().close(ec);
    // The websocket's idle timer would otherwise keep run() busy until it expires.
    im->ioc.stop();
  });
  impl_->thread.join();
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds timeout) {
  std::unique_lock lk(impl_->mu);
  impl_->cv.wait_for(lk, timeout, [&] { return !impl_->frames.empty() || impl_->closed; });
  if (impl_->frames.empty()) return std::nullopt;
  auto f = std::move(impl_->frames.front());
  impl_->frames.pop_front();
  return f;
}

std::optional<json::value> WsClient::read_json(std::chrono::milliseconds timeout) {
  auto f = read(timeout);
  if (!f) return std::nullopt;
  return json::parse(*f);
}

void WsClient::write(const std::string& text) {
  std::promise<beast::error_code> done;
  asio::post(impl_->ioc, [&] {
    impl_->ws.text(true);
    impl_->ws.async_write(asio::buffer(text),
                          [&](beast::error_code ec, std::size_t) { done.set_value(ec); });
  });
  auto ec = done.get_future().get();
  if (ec) throw std::runtime_error("websocket write failed: " + ec.message());
}

bool WsClient::closed() const {
  std::lock_guard lk(impl_->mu);
  return impl_->closed;
}

int WsClient::pings_received() const {
  std::lock_guard lk(impl_->mu);
  return impl_->pings;
}

bool WsClient::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock lk(impl_->mu);
  return impl_->cv.wait_for(lk, timeout, [&] { return impl_->closed; });
}

unsigned ws_handshake_status(int port, const std::string& target, const std::string& token) {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws(ioc);
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(ws).connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  if (!token.empty())
    ws.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
      req.set(http_ns::field::authorization, "Bearer " + token);
    }));
  websocket::response_type res;
  beast::error_code ec;
  ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  if (!ec) {
    ws.close(websocket::close_code::normal, ec);
    return 101;
  }
  return res.result_int();
}

EmulatorProcess::EmulatorProcess(std::vector<std::string> extra_args, std::string token)
    : token_(std::move(token)) {
  std::vector<std::string> args{"--listen", "127.0.0.1:0", "--token", token_, "--threads", "2"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  proc_ = std::make_unique<ranbridge::testing::Process>(
      ranbridge::testing::bin_path("ran-emulator"), args);
  const std::string marker = "ran-emulator listening on http://127.0.0.1:";
  if (!proc_->wait_for_output(marker, std::chrono::seconds(20)))
    throw std::runtime_error("ran-emulator did not start:\n" + proc_->output());
  auto out = proc_->output();
  auto pos = out.find(marker) + marker.size();
  port_ = std::stoi(out.substr(pos));
}

json::value EmulatorProcess::stats() const {
  auto r = http(port_, "GET", "/emulator/stats");
  if (r.status != 200) throw std::runtime_error("stats: HTTP " + std::to_string(r.status));
  return r.json();
}

}  // namespace ranbridge::emulator_test
