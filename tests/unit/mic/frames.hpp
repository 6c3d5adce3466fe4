#pragma once
// Frame builders for the mic tests: every frame comes from the lorawan module's builder and
// every expected MIC from its MIC functions (no copied numbers).

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"

namespace mictest {

namespace lw = ranbridge::lorawan;

// A data uplink without its MIC.
inline std::vector<std::uint8_t> data_up(lw::DevAddr addr, std::uint16_t fcnt16,
                                         bool confirmed = false, bool ack = false,
                                         std::vector<std::uint8_t> payload = {1, 2, 3}) {
  lw::PhyPayload p;
  p.mtype = confirmed ? lw::MType::ConfirmedDataUp : lw::MType::UnconfirmedDataUp;
  lw::DataFrame df;
  df.dev_addr = addr;
  df.fctrl.ack = ack;
  df.fcnt = fcnt16;
  df.fport = 1;
  df.frm_payload = std::move(payload);
  p.body = df;
  auto bytes = lw::build_phy_payload(p);
  auto v = std::move(bytes).value();
  v.resize(v.size() - 4);
  return v;
}

inline std::vector<std::uint8_t> join_request(lw::JoinEui join_eui, lw::DevEui dev_eui,
                                              std::uint16_t dev_nonce) {
  lw::PhyPayload p;
  p.mtype = lw::MType::JoinRequest;
  p.body = lw::JoinRequest{join_eui, dev_eui, dev_nonce};
  auto v = lw::build_phy_payload(p).value();
  v.resize(v.size() - 4);
  return v;
}

// `n` random decoys with `truth` at a random position.
inline std::vector<std::uint32_t> challenge(std::uint32_t truth, std::size_t n = 64,
                                            std::uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::vector<std::uint32_t> c;
  while (c.size() + 1 < n) {
    const std::uint32_t v = rng();
    if (v != truth) c.push_back(v);
  }
  c.insert(c.begin() + static_cast<std::ptrdiff_t>(rng() % n), truth);
  return c;
}

inline std::uint32_t mic10(const lw::AesKey& k, lw::DevAddr a, std::uint32_t fcnt,
                           const std::vector<std::uint8_t>& msg) {
  return lw::mic_to_uint32(lw::data_uplink_mic_1_0(lw::Cmac(k), a, fcnt, msg));
}

}  // namespace mictest
