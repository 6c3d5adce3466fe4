#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "ranbridge/bridge/snapshot_writer.hpp"

using ranbridge::bridge::SnapshotWriter;
using namespace std::chrono_literals;

TEST(SnapshotWriter, WritesSoonAfterAChange) {
  std::atomic<int> saves{0};
  SnapshotWriter w([&]() -> std::optional<std::string> {
    ++saves;
    return std::nullopt;
  });
  w.changed();
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (saves == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(saves.load(), 1);
  w.stop();
  EXPECT_EQ(saves.load(), 1);  // nothing new: no extra write at stop
}

TEST(SnapshotWriter, StopWritesPendingChangesAndFailuresAreRetried) {
  std::atomic<int> calls{0};
  SnapshotWriter w([&]() -> std::optional<std::string> {
    return ++calls == 1 ? std::optional<std::string>("disk full") : std::nullopt;
  });
  w.changed();
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (calls == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(w.writes(), 0u);  // the failed write is not counted
  w.changed();
  w.stop();
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(w.writes(), 1u);
}
