#pragma once
// Registry of open stream sockets. Upstreams go round-robin over the upstream sockets (each
// message to exactly one socket), as RAN spreads traffic over all sockets of an account.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace ranbridge::emulator {

enum class StreamKind { kUpstream, kDownstream };
inline const char* to_string(StreamKind k) {
  return k == StreamKind::kUpstream ? "upstream" : "downstream";
}

// One accepted websocket. send() and close() may be called from any thread.
class StreamSession : public std::enable_shared_from_this<StreamSession> {
 public:
  virtual ~StreamSession() = default;
  virtual std::uint64_t id() const = 0;
  virtual StreamKind kind() const = 0;
  virtual void send(std::string text, bool binary = false) = 0;
  // Clean close handshake (1001 going away), or an abrupt TCP close with `abort`.
  virtual void close(bool abort = false) = 0;
};

class Hub {
 public:
  void add(std::shared_ptr<StreamSession> s);
  void remove(std::uint64_t id);
  // Sends on the next upstream socket; returns its id, or nullopt when none is open.
  std::optional<std::uint64_t> send_upstream(std::string text);
  // Sends the frame on every socket of `kind`; returns how many.
  std::size_t send_all(StreamKind kind, const std::string& text, bool binary);
  std::size_t close_all(bool abort);
  // Closes the sockets of one kind only (e.g. downstream, to test a lost downstream socket).
  std::size_t close_kind(StreamKind kind, bool abort);
  std::size_t count(StreamKind kind) const;
  std::uint64_t next_id() { return ++last_id_; }

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<StreamSession>> up_, down_;
  std::size_t rr_ = 0;
  std::atomic<std::uint64_t> last_id_{0};
};

}  // namespace ranbridge::emulator
