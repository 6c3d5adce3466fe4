#include "ranbridge/ops/signals.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <functional>

#include <boost/asio/io_context.hpp>

namespace ranbridge::ops {
namespace {

// Runs handlers until `done` (Asio delivers a signal through its internal reactor, so the
// user handler may not be the first thing run_one() runs). Bounded: never hangs.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done) {
  for (int i = 0; i < 100 && !done(); ++i) io.run_one_for(std::chrono::milliseconds(100));
  return done();
}

TEST(Signals, HupReloadsTermAndIntStop) {
  boost::asio::io_context io;
  int reloads = 0;
  std::vector<int> stops;
  SignalHandler handler(
      io.get_executor(), [&](int sig) { stops.push_back(sig); }, [&] { ++reloads; });
  std::raise(SIGHUP);
  EXPECT_TRUE(run_until(io, [&] { return reloads == 1; }));
  std::raise(SIGHUP);
  EXPECT_TRUE(run_until(io, [&] { return reloads == 2; }));  // re-armed after each signal
  std::raise(SIGTERM);
  EXPECT_TRUE(run_until(io, [&] { return stops.size() == 1; }));
  std::raise(SIGINT);
  EXPECT_TRUE(run_until(io, [&] { return stops.size() == 2; }));
  EXPECT_EQ(stops, (std::vector<int>{SIGTERM, SIGINT}));
  EXPECT_EQ(reloads, 2);
  handler.cancel();
  io.restart();
  io.poll();  // the aborted wait completes without calling anything
  EXPECT_EQ(reloads, 2);
  EXPECT_EQ(stops.size(), 2u);
}

}  // namespace
}  // namespace ranbridge::ops
