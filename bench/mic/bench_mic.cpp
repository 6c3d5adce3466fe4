// Solver benchmarks: a 4096-entry challenge with 1 candidate (target <= 5 us) and with 100
// devices sharing one DevAddr (target <= 200 us).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>

#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"
#include "ranbridge/mic/solver.hpp"

namespace {

using namespace ranbridge::mic;
namespace lw = ranbridge::lorawan;

// Forwards to a MemorySessionStore but never advances counters, so that one frame can be
// solved again and again (otherwise the second solve is a replay).
class FrozenStore final : public SessionStore {
 public:
  std::optional<DeviceSessions> get(DevEui e) const override { return s_.get(e); }
  std::vector<DeviceSessions> find_by_dev_addr(DevAddr a) const override {
    return s_.find_by_dev_addr(a);
  }
  CommitResult commit_uplink(DevEui, SessionSlot, DevAddr, std::uint32_t) override {
    return CommitResult::Committed;
  }
  void put_pending(DevEui e, Session s) override { s_.put_pending(e, std::move(s)); }
  void put_active(DevEui e, Session s) override { s_.put_active(e, std::move(s)); }
  void record_join_request(DevEui e, JoinRequestSeen j) override { s_.record_join_request(e, j); }
  void note_confirmed_downlink(DevEui e, DevAddr a, std::uint16_t f) override {
    s_.note_confirmed_downlink(e, a, f);
  }
  void erase(DevEui e) override { s_.erase(e); }
  std::size_t size() const override { return s_.size(); }

 private:
  MemorySessionStore s_;
};

std::string key_hex(int i) {
  char k[33];
  std::snprintf(k, sizeof k, "%08x%08x%08x%08x", 0x9e3779b9u * (i + 1), i + 1, 0xabcdef01u ^ i,
                0x12345u * i);
  return k;
}

void solve_bench(benchmark::State& state, int devices) {
  const lw::DevAddr addr{0x26011bff};
  std::string yaml = "devices:\n";
  for (int i = 0; i < devices; ++i) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "  - dev_eui: \"%016x\"\n    lorawan_version: \"1.0.3\"\n    abp: {dev_addr: "
                  "\"%08x\", nwk_s_key: \"%s\"}\n",
                  i + 1, addr.value, key_hex(i).c_str());
    yaml += buf;
  }
  auto load = Registry::parse(yaml, "bench.yaml");
  if (!load.ok()) {
    state.SkipWithError("registry did not load");
    return;
  }
  RegistryHandle registry(load.registry);
  FrozenStore store;
  Solver solver(registry, store);

  // The sender is the last device: every candidate is computed before the scan.
  lw::PhyPayload p;
  p.mtype = lw::MType::UnconfirmedDataUp;
  lw::DataFrame df;
  df.dev_addr = addr;
  df.fcnt = 10;
  df.fport = 1;
  df.frm_payload.assign(20, 0x5a);
  p.body = df;
  auto frame = lw::build_phy_payload(p).value();
  frame.resize(frame.size() - 4);
  const auto truth = lw::mic_to_uint32(
      lw::data_uplink_mic_1_0(lw::Cmac(*AesKey::from_hex(key_hex(devices - 1))), addr, 10, frame));
  std::mt19937 rng(1);
  std::vector<std::uint32_t> challenge(4096);
  for (auto& v : challenge) v = rng();
  challenge[3001] = truth;
  std::vector<DevEui> euis;
  for (int i = 0; i < devices; ++i) euis.push_back(DevEui{static_cast<std::uint64_t>(i + 1)});

  Uplink u;
  u.dev_euis = euis;
  u.phy_payload_no_mic = frame;
  u.challenge = challenge;
  for (auto _ : state) {
    Outcome o = solver.solve(u);
    benchmark::DoNotOptimize(o);
    if (!std::holds_alternative<Ack>(o) || std::get<Ack>(o).mic != truth) {
      state.SkipWithError("solver did not find the MIC");
      return;
    }
  }
  state.counters["candidates"] = devices;
  state.counters["challenge"] = static_cast<double>(challenge.size());
}

void BM_Solve4096_1Candidate(benchmark::State& s) {
  solve_bench(s, 1);
}
void BM_Solve4096_100CandidatesSharedDevAddr(benchmark::State& s) {
  solve_bench(s, 100);
}

}  // namespace

BENCHMARK(BM_Solve4096_1Candidate)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Solve4096_100CandidatesSharedDevAddr)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
