#include "ranbridge/ran/streams.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "ranbridge/ran/codec.hpp"
#include "ranbridge/ran/errors.hpp"
#include "stream_state.hpp"

namespace ranbridge::ran {

namespace asio = boost::asio;

namespace {

template <class T>
void abort_on_executor(const std::shared_ptr<detail::StreamState<T>>& s) {
  if (!s || !s->session) return;
  // The socket belongs to the session's executor: close it there.
  asio::post(s->session->executor(), [session = s->session] { session->abort(); });
}

template <class T>
asio::awaitable<std::optional<T>> next_of(std::shared_ptr<detail::StreamState<T>> s) {
  auto [status, v] = co_await s->queue.pop(std::nullopt);
  co_return std::move(v);
}

template <class T>
asio::awaitable<std::optional<T>> recv_of(std::shared_ptr<detail::StreamState<T>> s,
                                          std::chrono::milliseconds timeout) {
  auto [status, v] = co_await s->queue.pop(timeout);
  using Status = typename detail::MessageQueue<T>::Status;
  if (status == Status::Closed) {
    const CloseStatus& cs = s->session->close_status();
    throw TransportError(
        TransportError::Kind::Closed,
        std::string(cs.normal ? "stream closed normally: " : "stream closed: ") + cs.reason,
        cs.normal);
  }
  co_return std::move(v);
}

template <class T>
asio::awaitable<void> send_text(std::shared_ptr<detail::StreamState<T>> s, std::string text) {
  co_await s->session->send(std::move(text));
  ++s->stats.messages_sent;
}

}  // namespace

// ---- upstream ----

UpstreamConnection::UpstreamConnection(std::shared_ptr<detail::StreamState<Upstream>> s)
    : s_(std::move(s)) {}
UpstreamConnection::UpstreamConnection(UpstreamConnection&&) noexcept = default;
UpstreamConnection& UpstreamConnection::operator=(UpstreamConnection&& o) noexcept {
  if (this != &o) {
    abort_on_executor(s_);
    s_ = std::move(o.s_);
  }
  return *this;
}
UpstreamConnection::~UpstreamConnection() {
  abort_on_executor(s_);
}

asio::awaitable<std::optional<Upstream>> UpstreamConnection::next() {
  return next_of(s_);
}

asio::awaitable<std::optional<Upstream>> UpstreamConnection::recv(
    std::chrono::milliseconds timeout) {
  return recv_of(s_, timeout);
}

asio::awaitable<void> UpstreamConnection::send_ack(TransactionId tx, DevEui dev_eui,
                                                   std::uint32_t mic) {
  UpstreamAck m{tx, dev_eui, mic};
  if (auto e = validate(m)) throw ParameterError("send_ack: " + e->reason);
  return send_text(s_, encode(m));
}

asio::awaitable<void> UpstreamConnection::send_reject(TransactionId tx, RejectCode code,
                                                      std::optional<std::string> message) {
  UpstreamReject m{tx, code, std::move(message)};
  if (auto e = validate(m)) throw ParameterError("send_reject: " + e->reason);
  return send_text(s_, encode(m));
}

asio::awaitable<void> UpstreamConnection::close() {
  return s_->session->close();
}
bool UpstreamConnection::is_open() const {
  return s_ && s_->session->is_open();
}
CloseStatus UpstreamConnection::close_status() const {
  return s_->session->close_status();
}
StreamStats UpstreamConnection::stats() const {
  return s_->stats;
}
std::string UpstreamConnection::last_malformed() const {
  return s_->last_malformed;
}

// ---- downstream ----

DownstreamConnection::DownstreamConnection(std::shared_ptr<detail::StreamState<DownstreamAnswer>> s)
    : s_(std::move(s)) {}
DownstreamConnection::DownstreamConnection(DownstreamConnection&&) noexcept = default;
DownstreamConnection& DownstreamConnection::operator=(DownstreamConnection&& o) noexcept {
  if (this != &o) {
    abort_on_executor(s_);
    s_ = std::move(o.s_);
  }
  return *this;
}
DownstreamConnection::~DownstreamConnection() {
  abort_on_executor(s_);
}

asio::awaitable<void> DownstreamConnection::send_downstream(Downstream m) {
  if (auto e = validate(m)) throw ParameterError("send_downstream: " + e->reason);
  return send_text(s_, encode(m));
}

asio::awaitable<void> DownstreamConnection::send_multicast_downstream(MulticastDownstream m) {
  if (auto e = validate(m)) throw ParameterError("send_multicast_downstream: " + e->reason);
  return send_text(s_, encode(m));
}

asio::awaitable<std::optional<DownstreamAnswer>> DownstreamConnection::next() {
  return next_of(s_);
}

asio::awaitable<std::optional<DownstreamAnswer>> DownstreamConnection::recv(
    std::chrono::milliseconds timeout) {
  return recv_of(s_, timeout);
}

asio::awaitable<void> DownstreamConnection::close() {
  return s_->session->close();
}
bool DownstreamConnection::is_open() const {
  return s_ && s_->session->is_open();
}
CloseStatus DownstreamConnection::close_status() const {
  return s_->session->close_status();
}
StreamStats DownstreamConnection::stats() const {
  return s_->stats;
}
std::string DownstreamConnection::last_malformed() const {
  return s_->last_malformed;
}

}  // namespace ranbridge::ran
