#include "ranbridge/bridge/snapshot_writer.hpp"

#include "ranbridge/ops/logging.hpp"

namespace ranbridge::bridge {

SnapshotWriter::SnapshotWriter(Save save) : save_(std::move(save)), thread_([this] { run(); }) {}

SnapshotWriter::~SnapshotWriter() {
  stop();
}

void SnapshotWriter::changed() {
  {
    std::lock_guard lock(mutex_);
    dirty_ = true;
  }
  cv_.notify_one();
}

void SnapshotWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stop_ && !thread_.joinable()) return;
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t SnapshotWriter::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

void SnapshotWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [this] { return dirty_ || stop_; });
    if (!dirty_) return;  // stopping with nothing new to write
    dirty_ = false;
    lock.unlock();
    auto err = save_();
    if (err) ops::log_event(spdlog::level::err, "session snapshot failed", {{"error", *err}});
    lock.lock();
    if (!err) ++writes_;
  }
}

}  // namespace ranbridge::bridge
