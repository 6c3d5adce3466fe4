#include "ranbridge/emulator/emulator.hpp"

#include <algorithm>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <iostream>
#include <thread>

#include "core.hpp"
#include "ranbridge/ran/codec.hpp"
#include "simulator.hpp"
#include "ws_session.hpp"

namespace ranbridge::emulator {
namespace json = boost::json;
using tcp = asio::ip::tcp;

namespace {

// Constant-time comparison: a token check must not leak how many leading bytes matched.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string query_param(std::string_view query, std::string_view key) {
  // Minimal form decoding for the access_token and admin flags (tokens are URL-encoded).
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto end = query.find('&', pos);
    if (end == std::string_view::npos) end = query.size();
    auto part = query.substr(pos, end - pos);
    auto eq = part.find('=');
    if (part.substr(0, eq) == key) {
      std::string out;
      auto v = eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
      auto hexval = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      for (std::size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
          out += static_cast<char>(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
          i += 2;
        } else if (v[i] == '+') {
          out += ' ';
        } else {
          out += v[i];
        }
      }
      return out;
    }
    pos = end + 1;
  }
  return {};
}

// Pseudo result code (admin "next" only): DownstreamAck, then no DownstreamResult at all.
constexpr std::string_view kNoResult = "none";

struct RecordedDownstream {
  std::string received_at;
  std::uint64_t socket_id = 0;
  std::uint64_t mailbox_id = 0;
  std::string result;
  json::value message;
};

}  // namespace

struct Emulator::Impl {
  explicit Impl(Config c) : shared(std::move(c)) {}

  asio::io_context ioc;  // first member: destroyed last, after every I/O object
  Shared shared;
  std::optional<asio::ssl::context> tls;
  std::optional<tcp::acceptor> acceptor;
  std::unique_ptr<Simulator> sim;
  std::vector<std::thread> threads;
  std::uint16_t bound_port = 0;

  std::mutex down_mu;
  std::deque<RecordedDownstream> recent;
  std::uint64_t next_mailbox = 0;
  std::string down_result;  // can be changed at run time (admin)
  double down_delay = 0;
  // One-shot outcomes for the next downstreams to known devices/groups, in order (admin
  // "next"): lets a test script RX1 TooLate then RX2 Success. kNoResult = ack only.
  std::deque<std::string> next_results;
  bool refuse_downstream = false;  // admin: downstream handshakes get 503

  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopped = false;
  bool started = false;

  const Config& cfg() const { return shared.cfg; }

  bool authorized(const http::request<http::string_body>& req, std::string_view query) const {
    std::string token;
    auto auth = req[http::field::authorization];
    if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer "))
      token = std::string(auth.substr(7));
    else
      token = query_param(query, "access_token");
    if (token.empty()) return false;
    bool ok = false;
    for (const auto& t : cfg().tokens) ok |= same_secret(t, token);
    return ok;
  }

  // ---- stream frames ----

  void on_upstream_frame(StreamSession& from, std::string text) {
    shared.stats.socket_frame_in(from.id());
    auto now = Clock::now();
    auto msg = ran::decode_upstream_answer(text);
    if (!msg) {
      // RAN ignores what it cannot read; the frame costs nothing else.
      shared.stats.malformed_upstream_frame();
      return;
    }
    if (auto* ack = std::get_if<ran::UpstreamAck>(&*msg)) {
      shared.stats.answer(shared.tracker.on_ack(ack->transaction_id, ack->dev_eui, ack->mic, now));
    } else {
      const auto& rej = std::get<ran::UpstreamReject>(*msg);
      shared.stats.answer(shared.tracker.on_reject(rej.transaction_id, now),
                          ran::to_string(rej.code));
    }
  }

  std::uint64_t next_mailbox_id() {
    std::lock_guard lk(down_mu);
    return ++next_mailbox;
  }

  void send_result(StreamSession& to, ran::TransactionId tx, const std::string& code,
                   std::string message, std::uint64_t mailbox) {
    ran::DownstreamResult r{tx, *ran::result_code_from_string(code), std::move(message), mailbox};
    to.send(ran::encode(r));
    shared.stats.socket_frame_out(to.id());
    shared.stats.downstream_result(code);
  }

  void on_downstream_frame(StreamSession& from, std::string text) {
    shared.stats.socket_frame_in(from.id());
    auto decoded = ran::decode_downstream_request(text);
    auto session = from.id();
    if (!decoded) {
      shared.stats.downstream_malformed();
      // With a readable TransactionID the LNS gets a definite failure instead of silence.
      if (auto tx = decoded.error().transaction_id; tx && *tx > 0)
        send_result(from, *tx, "GatewayError", "invalid Downstream: " + decoded.error().reason,
                    next_mailbox_id());
      return;
    }
    std::optional<lorawan::DevEui> dev_eui;
    std::optional<lorawan::DevAddr> target, group;
    ran::TransactionId tx = 0;
    const std::vector<std::uint8_t>* phy = nullptr;
    if (auto* u = std::get_if<ran::Downstream>(&*decoded)) {
      tx = u->transaction_id;
      dev_eui = u->dev_eui;
      target = u->target_dev_addr;
      phy = &u->phy_payload;
    } else {
      const auto& m = std::get<ran::MulticastDownstream>(*decoded);
      tx = m.transaction_id;
      group = m.addr;
      phy = &m.phy_payload;
    }
    shared.stats.downstream_received(group.has_value());
    bool known = false;
    {
      std::lock_guard lk(shared.mu);
      if (dev_eui) {
        known = shared.rest.table.find(*dev_eui) != nullptr;
        // RAN updates the routing table itself for join accepts.
        if (known && target) shared.rest.table.set_target(*dev_eui, *target);
      } else {
        known = shared.rest.groups.find(*group) != nullptr;
      }
    }
    if (known && dev_eui && target && sim) sim->on_join_accept(*dev_eui, *target, *phy);

    std::string code, message;
    double delay;
    std::uint64_t mailbox = next_mailbox_id();
    {
      std::lock_guard lk(down_mu);
      if (!known) {
        code = cfg().downstream.unknown_result;
      } else if (!next_results.empty()) {
        code = std::move(next_results.front());
        next_results.pop_front();
      } else {
        code = down_result;
      }
      message = known ? code
                      : (dev_eui ? "device " + dev_eui->to_hex() + " is not in the routing table"
                                 : "multicast group " + group->to_hex() + " does not exist");
      delay = down_delay;
      recent.push_back(RecordedDownstream{iso_now(), session, mailbox, code, json::parse(text)});
      while (recent.size() > cfg().downstream.keep_last) recent.pop_front();
    }
    from.send(ran::encode(ran::DownstreamAck{tx, mailbox}));
    shared.stats.socket_frame_out(session);
    if (code == kNoResult) return;  // a RAN that acks and then stays silent
    if (delay <= 0) {
      send_result(from, tx, code, std::move(message), mailbox);
      return;
    }
    asio::co_spawn(
        ioc,
        delayed_result(this, from.shared_from_this(), tx, code, std::move(message), mailbox, delay),
        asio::detached);
  }

  static asio::awaitable<void> delayed_result(Impl* self, std::shared_ptr<StreamSession> to,
                                              ran::TransactionId tx, std::string code,
                                              std::string message, std::uint64_t mailbox,
                                              double delay) {
    asio::steady_timer t(co_await asio::this_coro::executor);
    t.expires_after(std::chrono::duration_cast<Clock::duration>(Seconds(delay)));
    beast::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    self->send_result(*to, tx, code, std::move(message), mailbox);
  }

  // ---- HTTP ----

  using Request = http::request<http::string_body>;
  using Response = http::response<http::string_body>;

  Response reply(const Request& req, unsigned status, std::string body) const {
    Response res{static_cast<http::status>(status), req.version()};
    res.set(http::field::server, "ran-emulator");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
  }

  Response handle_admin(const Request& req, std::string_view path, std::string_view query) {
    auto method = req.method();
    if (path == "/emulator/stats" && method == http::verb::get)
      return reply(req, 200, stats_text());
    if (path == "/emulator/downstreams" && method == http::verb::get) {
      json::array arr;
      std::lock_guard lk(down_mu);
      for (const auto& r : recent)
        arr.push_back(json::object{{"received_at", r.received_at},
                                   {"socket_id", r.socket_id},
                                   {"mailbox_id", r.mailbox_id},
                                   {"result", r.result},
                                   {"message", r.message}});
      return reply(req, 200, json::serialize(arr));
    }
    if (path == "/emulator/devices" && method == http::verb::get)
      return reply(req, 200, json::serialize(sim ? sim->devices_json() : json::array{}));
    // Unknown paths are 404 whatever the method; a known path with the wrong method is 405.
    static constexpr std::string_view kGetPaths[] = {"/emulator/stats", "/emulator/downstreams",
                                                     "/emulator/devices"};
    static constexpr std::string_view kPostPaths[] = {
        "/emulator/drop-sockets", "/emulator/send-raw",          "/emulator/uplink",
        "/emulator/traffic",      "/emulator/downstream-result", "/emulator/downstream-socket"};
    const bool is_get_path =
        std::find(std::begin(kGetPaths), std::end(kGetPaths), path) != std::end(kGetPaths);
    const bool is_post_path =
        std::find(std::begin(kPostPaths), std::end(kPostPaths), path) != std::end(kPostPaths);
    if (!is_get_path && !is_post_path) return reply(req, 404, R"({"detail":"Not Found"})");
    if (method != http::verb::post || !is_post_path)
      return reply(req, 405, R"({"detail":"Method Not Allowed"})");
    if (path == "/emulator/drop-sockets") {
      bool abort = query_param(query, "abort") == "1";
      auto n = shared.hub.close_all(abort);
      return reply(req, 200, json::serialize(json::object{{"closed", n}}));
    }
    if (path == "/emulator/send-raw") {
      auto which = query_param(query, "socket");
      auto kind = which == "downstream" ? StreamKind::kDownstream : StreamKind::kUpstream;
      bool binary = query_param(query, "binary") == "1";
      auto n = shared.hub.send_all(kind, req.body(), binary);
      return reply(req, 200, json::serialize(json::object{{"sent", n}}));
    }
    if (path == "/emulator/uplink") {
      boost::system::error_code ec;
      auto v = json::parse(req.body(), ec);
      const json::value* eui =
          (!ec && v.is_object()) ? v.get_object().if_contains("DevEUI") : nullptr;
      std::optional<lorawan::DevEui> dev;
      if (eui && eui->is_string())
        dev = lorawan::DevEui::from_hex(std::string_view(eui->get_string()));
      if (!dev) return reply(req, 422, R"({"detail":"body must be {\"DevEUI\": \"<hex>\"}"})");
      // Optional "Rejoin": 0|1|2 sends a rejoin request of that type instead.
      std::optional<std::uint8_t> rejoin;
      if (const auto* rj = v.get_object().if_contains("Rejoin")) {
        if (!rj->is_int64() || rj->get_int64() < 0 || rj->get_int64() > 2)
          return reply(req, 422, R"({"detail":"Rejoin must be 0, 1 or 2"})");
        rejoin = static_cast<std::uint8_t>(rj->get_int64());
      }
      if (!sim) return reply(req, 409, R"({"detail":"no simulated devices"})");
      auto r = sim->inject(*dev, rejoin);
      if (r.tx) return reply(req, 200, json::serialize(json::object{{"TransactionID", *r.tx}}));
      switch (r.error) {
        case InjectError::kUnknownDevice:
          return reply(req, 404, R"({"detail":"device is not in the devices file"})");
        case InjectError::kNotSubscribed:
          return reply(req, 409, R"({"detail":"device is not in the routing table"})");
        case InjectError::kNoSocket:
          return reply(req, 409, R"({"detail":"no upstream socket is open"})");
        case InjectError::kNotRejoinable:
          return reply(req, 422,
                       R"({"detail":"a rejoin needs a LoRaWAN 1.1 OTAA device with a session"})");
      }
    }
    if (path == "/emulator/traffic") {
      boost::system::error_code ec;
      auto v = json::parse(req.body(), ec);
      const json::value* run =
          (!ec && v.is_object()) ? v.get_object().if_contains("running") : nullptr;
      if (!run || !run->is_bool())
        return reply(req, 422, R"({"detail":"body must be {\"running\": bool}"})");
      if (sim) sim->set_running(run->get_bool());
      return reply(req, 200, json::serialize(json::object{{"running", sim && sim->running()}}));
    }
    if (path == "/emulator/downstream-result") {
      boost::system::error_code ec;
      auto v = json::parse(req.body(), ec);
      if (ec || !v.is_object())
        return reply(req, 422, R"({"detail":"body must be a JSON object"})");
      const auto& o = v.get_object();
      std::lock_guard lk(down_mu);
      if (const auto* r = o.if_contains("result")) {
        if (!r->is_string() || !is_downstream_result_code(std::string(r->get_string())))
          return reply(req, 422, R"({"detail":"unknown result code"})");
        down_result = std::string(r->get_string());
      }
      if (const auto* d = o.if_contains("delay")) {
        if (!d->is_number() || d->to_number<double>() < 0)
          return reply(req, 422, R"({"detail":"delay must be a number >= 0"})");
        down_delay = d->to_number<double>();
      }
      if (const auto* n = o.if_contains("next")) {
        // All or nothing: a bad entry must not leave half a script queued.
        std::deque<std::string> queued;
        bool valid = n->is_array();
        if (valid)
          for (const auto& e : n->get_array()) {
            if (!e.is_string() || (e.get_string() != kNoResult &&
                                   !is_downstream_result_code(std::string(e.get_string())))) {
              valid = false;
              break;
            }
            queued.emplace_back(e.get_string());
          }
        if (!valid)
          return reply(req, 422, R"({"detail":"next must be an array of result codes or none"})");
        next_results.insert(next_results.end(), queued.begin(), queued.end());
      }
      return reply(
          req, 200,
          json::serialize(json::object{
              {"result", down_result}, {"delay", down_delay}, {"next", next_results.size()}}));
    }
    if (path == "/emulator/downstream-socket") {
      boost::system::error_code ec;
      auto v = json::parse(req.body(), ec);
      const json::value* accept =
          (!ec && v.is_object()) ? v.get_object().if_contains("accept") : nullptr;
      if (!accept || !accept->is_bool())
        return reply(req, 422, R"({"detail":"body must be {\"accept\": bool}"})");
      {
        std::lock_guard lk(down_mu);
        refuse_downstream = !accept->get_bool();
      }
      std::size_t closed = 0;
      if (!accept->get_bool()) closed = shared.hub.close_kind(StreamKind::kDownstream, false);
      return reply(
          req, 200,
          json::serialize(json::object{{"accept", accept->get_bool()}, {"closed", closed}}));
    }
    return reply(req, 404, R"({"detail":"Not Found"})");
  }

  Response handle_http(const Request& req) {
    std::string_view target = req.target();
    auto qpos = target.find('?');
    std::string_view path = target.substr(0, qpos);
    std::string_view query = qpos == std::string_view::npos ? "" : target.substr(qpos + 1);
    if (path.starts_with("/emulator/")) return handle_admin(req, path, query);
    const std::string& base = cfg().base_path;
    if (!path.starts_with(base) || (path.size() > base.size() && path[base.size()] != '/'))
      return reply(req, 404, R"({"detail":"Not Found"})");
    if (!authorized(req, query)) {
      auto e = error_reply(kStatusUnauthorized, "Unauthorized", "Invalid or missing access token");
      auto res = reply(req, e.status, e.body);
      res.set(http::field::www_authenticate, "Bearer");
      return res;
    }
    auto rel = path.substr(base.size());
    RestReply r;
    {
      std::lock_guard lk(shared.mu);
      r = handle_rest(shared.rest, std::string_view(req.method_string()), rel, query, req.body(),
                      iso_now());
    }
    return reply(req, r.status, std::move(r.body));
  }

  std::string stats_text() const {
    std::size_t table;
    {
      std::lock_guard lk(const_cast<std::mutex&>(shared.mu));
      table = shared.rest.table.size();
    }
    auto o = shared.stats.to_json(shared.tracker.pending(), table, sim ? sim->size() : 0);
    return json::serialize(o);
  }

  // The websocket endpoints, with and without the trailing slash.
  std::optional<StreamKind> stream_kind(std::string_view path) const {
    std::string base = cfg().base_path;
    if (base.back() == '/') base.pop_back();
    if (path.ends_with('/')) path.remove_suffix(1);
    if (path == base + "/stream/upstream") return StreamKind::kUpstream;
    if (path == base + "/stream/downstream") return StreamKind::kDownstream;
    return std::nullopt;
  }

  template <class Stream>
  static asio::awaitable<void> serve(Impl* self, Stream stream) {
    beast::flat_buffer buf;
    beast::error_code ec;
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(4 << 20);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(60));
      co_await http::async_read(stream, buf, parser, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      Request req = parser.release();
      if (websocket::is_upgrade(req)) {
        beast::get_lowest_layer(stream).expires_never();
        std::string_view target = req.target();
        auto qpos = target.find('?');
        auto kind = self->stream_kind(target.substr(0, qpos));
        std::string_view query = qpos == std::string_view::npos ? "" : target.substr(qpos + 1);
        bool refused = false;
        if (kind == StreamKind::kDownstream) {
          std::lock_guard lk(self->down_mu);
          refused = self->refuse_downstream;
        }
        if (refused) {
          // A RAN that is up but will not take downstream sockets (admin downstream-socket).
          auto res = self->reply(req, 503, R"({"detail":"downstream sockets refused"})");
          res.keep_alive(false);
          co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
          break;
        }
        if (!kind || !self->authorized(req, query)) {
          // A refused handshake is a plain HTTP answer: 401 for auth, 404 for a wrong path.
          auto e = kind ? error_reply(kStatusUnauthorized, "Unauthorized",
                                      "Invalid or missing access token")
                        : plain_detail(404, "Not Found");
          auto res = self->reply(req, e.status, e.body);
          res.keep_alive(false);
          co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
          break;
        }
        auto id = self->shared.hub.next_id();
        FrameHandler handler = *kind == StreamKind::kUpstream
                                   ? FrameHandler([self](StreamSession& s, std::string t) {
                                       self->on_upstream_frame(s, std::move(t));
                                     })
                                   : FrameHandler([self](StreamSession& s, std::string t) {
                                       self->on_downstream_frame(s, std::move(t));
                                     });
        auto session = std::make_shared<WsSession<Stream>>(
            std::move(stream), id, *kind, std::move(handler),
            [self, k = *kind](std::uint64_t sid) {
              self->shared.stats.socket_opened(sid, to_string(k));
            },
            [self](std::uint64_t sid) { self->shared.stats.socket_closed(sid); });
        auto ping =
            std::chrono::duration_cast<std::chrono::milliseconds>(self->cfg().ping_interval);
        co_await WsSession<Stream>::run(session, std::move(req), ping, &self->shared.hub);
        co_return;
      }
      auto res = self->handle_http(req);
      bool keep = res.keep_alive();
      co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !keep) break;
    }
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    } else {
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  static asio::awaitable<void> serve_tls(Impl* self, tcp::socket sock) {
    beast::ssl_stream<beast::tcp_stream> stream(std::move(sock), *self->tls);
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
    beast::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server,
                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    co_await serve(self, std::move(stream));
  }

  static asio::awaitable<void> accept_loop(Impl* self) {
    for (;;) {
      tcp::socket sock(asio::make_strand(self->ioc));
      beast::error_code ec;
      co_await self->acceptor->async_accept(sock, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!self->acceptor->is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the others
      }
      sock.set_option(tcp::no_delay(true), ec);
      auto ex = sock.get_executor();
      if (self->tls)
        asio::co_spawn(ex, serve_tls(self, std::move(sock)), asio::detached);
      else
        asio::co_spawn(ex, serve(self, beast::tcp_stream(std::move(sock))), asio::detached);
    }
  }
};

Emulator::Emulator(Config cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {
  impl_->down_result = impl_->cfg().downstream.result;
  impl_->down_delay = impl_->cfg().downstream.result_delay.count();
}

Emulator::~Emulator() {
  stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
}

void Emulator::start() {
  auto& im = *impl_;
  const auto& c = im.cfg();
  if (c.tls_cert) {
    im.tls.emplace(asio::ssl::context::tls_server);
    try {
      im.tls->use_certificate_chain_file(*c.tls_cert);
      im.tls->use_private_key_file(*c.tls_key, asio::ssl::context::pem);
    } catch (const std::exception& e) {
      throw std::runtime_error("TLS: cannot load certificate/key: " + std::string(e.what()));
    }
  }
  std::vector<SimDeviceSpec> devices;
  if (c.devices_file) devices = load_sim_devices(*c.devices_file);
  auto generated = generate_sim_devices(c.load.generate_devices, c.seed);
  if (c.load.devices_export) write_devices_file(*c.load.devices_export, generated);
  {
    std::lock_guard lk(im.shared.mu);
    auto now = iso_now();
    auto subscribe = [&](const SimDeviceSpec& d) {
      if (d.otaa)
        im.shared.rest.table.insert(d.dev_eui, d.join_eui, std::nullopt, std::nullopt, now);
      else
        im.shared.rest.table.insert(d.dev_eui, std::nullopt, d.dev_addr, std::nullopt, now);
    };
    if (c.subscribe_devices)
      for (const auto& d : devices) subscribe(d);
    // Generated devices exist for load runs: they are subscribed from the start.
    for (const auto& d : generated) subscribe(d);
  }
  devices.insert(devices.end(), generated.begin(), generated.end());
  im.sim = std::make_unique<Simulator>(im.shared, im.ioc.get_executor(), std::move(devices));

  tcp::resolver resolver(im.ioc);
  beast::error_code ec;
  auto eps = resolver.resolve(c.listen_host, std::to_string(c.listen_port), ec);
  if (ec || eps.empty())
    throw std::runtime_error("cannot resolve listen address " + c.listen_host + ": " +
                             ec.message());
  tcp::endpoint ep = *eps.begin();
  im.acceptor.emplace(im.ioc);
  im.acceptor->open(ep.protocol());
  im.acceptor->set_option(asio::socket_base::reuse_address(true));
  im.acceptor->bind(ep, ec);
  if (ec)
    throw std::runtime_error("cannot listen on " + c.listen_host + ":" +
                             std::to_string(c.listen_port) + ": " + ec.message());
  im.acceptor->listen(asio::socket_base::max_listen_connections);
  im.bound_port = im.acceptor->local_endpoint().port();
  asio::co_spawn(im.ioc, Impl::accept_loop(&im), asio::detached);
  if (c.traffic.autostart) im.sim->set_running(true);
  im.sim->start();
  if (c.load.duration.count() > 0) {
    auto timer = std::make_shared<asio::steady_timer>(im.ioc);
    timer->expires_after(std::chrono::duration_cast<Clock::duration>(c.load.duration));
    timer->async_wait([this, timer](beast::error_code e) {
      if (!e) stop();
    });
  }
  im.started = true;
  for (unsigned i = 0; i < c.threads; ++i) im.threads.emplace_back([&im] { im.ioc.run(); });
}

std::string Emulator::base_url() const {
  const auto& c = impl_->cfg();
  std::string host =
      c.listen_host.find(':') != std::string::npos ? "[" + c.listen_host + "]" : c.listen_host;
  return std::string(impl_->tls ? "https" : "http") + "://" + host + ":" +
         std::to_string(impl_->bound_port) + c.base_path;
}

std::uint16_t Emulator::port() const {
  return impl_->bound_port;
}

void Emulator::wait(bool handle_signals) {
  auto& im = *impl_;
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(im.ioc, SIGINT, SIGTERM);
    signals->async_wait([this](beast::error_code ec, int) {
      if (!ec) stop();
    });
  }
  std::unique_lock lk(im.stop_mu);
  im.stop_cv.wait(lk, [&] { return im.stopped; });
  lk.unlock();
  for (auto& t : im.threads)
    if (t.joinable()) t.join();
  if (signals) {
    beast::error_code ec;
    signals->cancel(ec);
  }
}

void Emulator::stop() {
  auto& im = *impl_;
  {
    std::lock_guard lk(im.stop_mu);
    if (im.stopped) return;
    im.stopped = true;
  }
  if (im.started) {
    // Close the listener and every socket cleanly, give the close handshakes a moment,
    // then stop the io threads.
    asio::post(im.ioc, [&im] {
      beast::error_code ec;
      if (im.acceptor) im.acceptor->close(ec);
      im.shared.hub.close_all(false);
    });
    auto timer = std::make_shared<asio::steady_timer>(im.ioc, std::chrono::milliseconds(200));
    timer->async_wait([&im, timer](beast::error_code) { im.ioc.stop(); });
  }
  im.stop_cv.notify_all();
}

std::string Emulator::stats_json() const {
  return impl_->stats_text();
}

}  // namespace ranbridge::emulator
