#include "hub.hpp"

#include <algorithm>

namespace ranbridge::emulator {

void Hub::add(std::shared_ptr<StreamSession> s) {
  std::lock_guard lk(mu_);
  (s->kind() == StreamKind::kUpstream ? up_ : down_).push_back(std::move(s));
}

void Hub::remove(std::uint64_t id) {
  std::lock_guard lk(mu_);
  auto pred = [id](const auto& s) { return s->id() == id; };
  std::erase_if(up_, pred);
  std::erase_if(down_, pred);
}

std::optional<std::uint64_t> Hub::send_upstream(std::string text) {
  std::shared_ptr<StreamSession> target;
  {
    std::lock_guard lk(mu_);
    if (up_.empty()) return std::nullopt;
    target = up_[rr_++ % up_.size()];
  }
  target->send(std::move(text));
  return target->id();
}

std::size_t Hub::send_all(StreamKind kind, const std::string& text, bool binary) {
  std::vector<std::shared_ptr<StreamSession>> targets;
  {
    std::lock_guard lk(mu_);
    targets = kind == StreamKind::kUpstream ? up_ : down_;
  }
  for (auto& t : targets) t->send(text, binary);
  return targets.size();
}

std::size_t Hub::close_all(bool abort) {
  std::vector<std::shared_ptr<StreamSession>> targets;
  {
    std::lock_guard lk(mu_);
    targets = up_;
    targets.insert(targets.end(), down_.begin(), down_.end());
  }
  for (auto& t : targets) t->close(abort);
  return targets.size();
}

std::size_t Hub::close_kind(StreamKind kind, bool abort) {
  std::vector<std::shared_ptr<StreamSession>> targets;
  {
    std::lock_guard lk(mu_);
    targets = kind == StreamKind::kUpstream ? up_ : down_;
  }
  for (auto& t : targets) t->close(abort);
  return targets.size();
}

std::size_t Hub::count(StreamKind kind) const {
  std::lock_guard lk(mu_);
  return (kind == StreamKind::kUpstream ? up_ : down_).size();
}

}  // namespace ranbridge::emulator
