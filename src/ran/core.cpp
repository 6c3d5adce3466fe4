#include "ranbridge/ran/core.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "ranbridge/ran/codec.hpp"
#include "ranbridge/ran/errors.hpp"
#include "stream_state.hpp"

namespace ranbridge::ran {

namespace asio = boost::asio;

struct Core::Impl {
  Url routing_url, multicast_url, upstream_url, downstream_url;
  std::shared_ptr<asio::ssl::context> tls;
  std::shared_ptr<HttpClient> routing_http, multicast_http;
  std::unique_ptr<RoutingTable> routing;
  std::unique_ptr<MulticastGroups> multicast;
};

namespace {

void check_token(const std::string& token) {
  if (token.empty()) throw ParameterError("access token is empty");
  for (unsigned char c : token)
    if (c < 0x21 || c == 0x7f)
      throw ParameterError("access token contains spaces or control characters");
}

Url rest_url(const std::string& text, const char* what) {
  Url u = parse_url(text);
  if (u.scheme != "http" && u.scheme != "https")
    throw ParameterError(std::string(what) + " URL must be http or https");
  return u;
}

Url ws_url(const std::string& text, const std::string& token, const char* what) {
  Url u = parse_url(text);
  if (u.scheme != "ws" && u.scheme != "wss")
    throw ParameterError(std::string(what) + " URL must be ws or wss");
  return parse_url(with_access_token(text, token));
}

// Detached: answers a malformed upstream frame so that RAN does not wait for it.
asio::awaitable<void> send_auto_reject(std::shared_ptr<detail::StreamState<Upstream>> s,
                                       std::string text) {
  try {
    co_await s->session->send(std::move(text));
    ++s->stats.auto_rejects_sent;
  } catch (const std::exception&) {
    // The connection is going away; its close status tells why.
  }
}

}  // namespace

Core::Core(asio::any_io_executor ex, std::string token, std::string base_url, ClientOptions options)
    : Core(std::move(ex), std::move(token), Endpoints::from_base(base_url), std::move(options)) {}

Core::Core(asio::any_io_executor ex, std::string token, Endpoints endpoints, ClientOptions options)
    : ex_(std::move(ex)),
      token_(std::move(token)),
      endpoints_(std::move(endpoints)),
      options_(std::move(options)),
      impl_(std::make_unique<Impl>()) {
  check_token(token_);
  impl_->routing_url = rest_url(endpoints_.routing_table, "routing table");
  impl_->multicast_url = rest_url(endpoints_.multicast, "multicast");
  impl_->upstream_url = ws_url(endpoints_.upstream, token_, "upstream");
  impl_->downstream_url = ws_url(endpoints_.downstream, token_, "downstream");
  if (options_.receive_queue_capacity == 0)
    throw ParameterError("receive_queue_capacity must be > 0");
  if (options_.ping_interval.count() <= 0) throw ParameterError("ping_interval must be > 0");
}

Core::~Core() = default;

asio::awaitable<void> Core::connect() {
  if (!impl_->tls && (impl_->routing_url.tls() || impl_->multicast_url.tls() ||
                      impl_->upstream_url.tls() || impl_->downstream_url.tls()))
    impl_->tls = make_tls_context(options_.tls);
  if (!impl_->routing) {
    impl_->routing_http =
        std::make_shared<HttpClient>(ex_, impl_->routing_url, options_, impl_->tls);
    impl_->multicast_http =
        std::make_shared<HttpClient>(ex_, impl_->multicast_url, options_, impl_->tls);
    impl_->routing =
        std::make_unique<RoutingTable>(impl_->routing_http, impl_->routing_url, token_);
    impl_->multicast =
        std::make_unique<MulticastGroups>(impl_->multicast_http, impl_->multicast_url, token_);
  }
  co_return;
}

asio::awaitable<void> Core::close() {
  if (impl_->routing_http) impl_->routing_http->close();
  if (impl_->multicast_http) impl_->multicast_http->close();
  co_return;
}

RoutingTable& Core::routing_table() {
  if (!impl_->routing) throw ParameterError("Core::connect() was not called");
  return *impl_->routing;
}

MulticastGroups& Core::multicast_groups() {
  if (!impl_->multicast) throw ParameterError("Core::connect() was not called");
  return *impl_->multicast;
}

std::uint64_t Core::rest_connections_opened() const {
  std::uint64_t n = 0;
  if (impl_->routing_http) n += impl_->routing_http->connections_opened();
  if (impl_->multicast_http) n += impl_->multicast_http->connections_opened();
  return n;
}

namespace {

// Every text frame of the stream is decoded with `decode`; good messages are queued (counted
// when the queue is full), bad ones counted, remembered and passed to
// `on_malformed(state, error)`: one bad frame never ends the stream. The queue closes with
// the socket.
template <class Msg, class Decode, class OnMalformed>
void attach_handlers(const std::shared_ptr<detail::StreamState<Msg>>& state, Decode decode,
                     OnMalformed on_malformed) {
  std::weak_ptr<detail::StreamState<Msg>> weak = state;
  state->session->set_handlers(
      [weak, decode, on_malformed](std::string&& text) {
        auto s = weak.lock();
        if (!s) return;
        ++s->stats.frames_received;
        auto r = decode(text);
        if (r.ok()) {
          ++s->stats.messages_received;
          if (!s->queue.push(std::move(r).value())) ++s->stats.dropped_queue_full;
          return;
        }
        ++s->stats.malformed;
        s->last_malformed = r.error().reason;
        on_malformed(s, r.error());
      },
      [weak](const CloseStatus&) {
        if (auto s = weak.lock()) s->queue.close();
      });
}

}  // namespace

asio::awaitable<UpstreamConnection> Core::upstream() {
  if (!impl_->tls && impl_->upstream_url.tls()) impl_->tls = make_tls_context(options_.tls);
  auto state =
      std::make_shared<detail::StreamState<Upstream>>(ex_, options_.receive_queue_capacity);
  state->session =
      std::make_shared<detail::WsSession>(ex_, impl_->upstream_url, token_, options_, impl_->tls);
  attach_handlers(
      state, [](const std::string& text) { return decode_upstream(text); },
      [auto_reject = options_.reject_malformed_upstream, ex = ex_](
          const std::shared_ptr<detail::StreamState<Upstream>>& s, const CodecError& e) {
        // RAN waits for an answer to every Upstream: answer what we could not read.
        if (!auto_reject || !e.transaction_id) return;
        UpstreamReject rej{*e.transaction_id, RejectCode::Other, "malformed upstream: " + e.reason};
        asio::co_spawn(ex, send_auto_reject(s, encode(rej)), asio::detached);
      });
  co_await detail::WsSession::open(state->session);
  co_return UpstreamConnection(std::move(state));
}

asio::awaitable<DownstreamConnection> Core::downstream() {
  if (!impl_->tls && impl_->downstream_url.tls()) impl_->tls = make_tls_context(options_.tls);
  auto state =
      std::make_shared<detail::StreamState<DownstreamAnswer>>(ex_, options_.receive_queue_capacity);
  state->session =
      std::make_shared<detail::WsSession>(ex_, impl_->downstream_url, token_, options_, impl_->tls);
  attach_handlers(
      state, [](const std::string& text) { return decode_downstream_answer(text); },
      [](const auto&, const CodecError&) {});
  co_await detail::WsSession::open(state->session);
  co_return DownstreamConnection(std::move(state));
}

}  // namespace ranbridge::ran
