// LoRaWAN crypto hot paths. Run: bench_lorawan --benchmark_format=json
// items_per_second of BM_DataUplinkMic10 is the "data-uplink MICs/s on one core" figure.
#include <benchmark/benchmark.h>

#include <vector>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/fcnt.hpp"
#include "ranbridge/lorawan/mic.hpp"

using namespace ranbridge::lorawan;

namespace {

AesKey key(std::uint8_t seed) {
  AesKey k;
  for (std::size_t i = 0; i < k.bytes.size(); ++i) k.bytes[i] = static_cast<std::uint8_t>(seed + i);
  return k;
}

// A typical uplink message without MIC: MHDR, FHDR without FOpts, FPort, 11-byte FRMPayload
// (20 bytes; 24 with the MIC).
std::vector<std::uint8_t> uplink_msg(std::size_t payload) {
  std::vector<std::uint8_t> m = {0x40, 0x04, 0x03, 0x02, 0x01, 0x80, 0x01, 0x00, 0x01};
  for (std::size_t i = 0; i < payload; ++i) m.push_back(static_cast<std::uint8_t>(i * 7));
  return m;
}

void BM_AesBlock(benchmark::State& state) {
  Aes128 aes(key(1));
  Block b{};
  for (auto _ : state) {
    aes.encrypt_block(b.data(), b.data());
    benchmark::DoNotOptimize(b);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AesBlock);

void BM_DataUplinkMic10(benchmark::State& state) {
  Cmac k(key(2));
  auto msg = uplink_msg(static_cast<std::size_t>(state.range(0)));
  std::uint32_t fcnt = 0;
  for (auto _ : state) {
    Mic m = data_uplink_mic_1_0(k, DevAddr{0x01020304}, fcnt++, msg);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::to_string(msg.size()) + "-byte message");
}
BENCHMARK(BM_DataUplinkMic10)->Arg(11)->Arg(40);

void BM_DataUplinkMic11(benchmark::State& state) {
  Cmac f(key(3)), s(key(4));
  auto msg = uplink_msg(11);
  std::uint32_t fcnt = 0;
  for (auto _ : state) {
    Mic m = data_uplink_mic_1_1(f, s, DevAddr{0x01020304}, fcnt++, 0, 5, 2, msg);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DataUplinkMic11);

void BM_JoinRequestMic(benchmark::State& state) {
  Cmac k(key(5));
  std::vector<std::uint8_t> msg(19, 0x11);
  msg[0] = 0x00;
  for (auto _ : state) {
    Mic m = join_request_mic(k, msg);
    benchmark::DoNotOptimize(m);
    msg[18]++;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JoinRequestMic);

void BM_CmacKeySetup(benchmark::State& state) {
  AesKey k = key(6);
  for (auto _ : state) {
    Cmac c(k);
    benchmark::DoNotOptimize(c.k1());
    k.bytes[0]++;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CmacKeySetup);

void BM_FcntReconstruction(benchmark::State& state) {
  std::uint32_t last = 0xFFF0;
  std::uint16_t f16 = 0xFFF1;
  for (auto _ : state) {
    FcntResult r = reconstruct_fcnt(last, f16);
    benchmark::DoNotOptimize(r);
    last += 1;
    f16 = static_cast<std::uint16_t>(f16 + 1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FcntReconstruction);

}  // namespace

BENCHMARK_MAIN();
