#pragma once
// Writes the session snapshot soon after every change, off the io threads (the write fsyncs),
// so that kill -9 right after a join loses nothing: changed() wakes a dedicated thread that
// calls `save` at once; changes made while it writes are coalesced into one more write.
// stop() performs a last write if anything changed since and joins the thread.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ranbridge::bridge {

class SnapshotWriter {
 public:
  // `save` returns an error text on failure (logged, retried on the next change).
  using Save = std::function<std::optional<std::string>()>;
  explicit SnapshotWriter(Save save);
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  void changed();
  void stop();
  std::uint64_t writes() const;

 private:
  void run();
  Save save_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool dirty_ = false;
  bool stop_ = false;
  std::uint64_t writes_ = 0;
  std::thread thread_;
};

}  // namespace ranbridge::bridge
