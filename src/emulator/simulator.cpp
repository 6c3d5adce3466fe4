#include "simulator.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <random>
#include <unordered_map>

#include "ranbridge/lorawan/crypto.hpp"
#include "ranbridge/lorawan/frm_payload.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"
#include "ranbridge/lorawan/region.hpp"
#include "ranbridge/ran/codec.hpp"

namespace ranbridge::emulator {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace lorawan;

namespace {

// A device's current session (ABP from the file, or derived from a join accept).
struct Session {
  DevAddr addr;
  Cmac f_nwk_s_int;  // NwkSKey in 1.0.x
  Cmac s_nwk_s_int;
  Aes128 app_s;
  std::uint32_t fcnt_up = 0;
};

struct DevState {
  SimDeviceSpec spec;
  std::optional<Session> session;
  std::uint16_t next_dev_nonce = 0;
  std::optional<std::uint16_t> pending_dev_nonce;  // join request sent, no accept yet
  Clock::time_point join_sent{};
  NetId net_id;  // from the last join accept: rejoin requests of type 0/2 carry it
  std::uint16_t rj_count0 = 0, rj_count1 = 0;
  // Rejoin request sent, no accept yet: the accept's MIC covers its type and RJcount.
  struct PendingRejoin {
    std::uint8_t type;
    std::uint16_t rj_count;
  };
  std::optional<PendingRejoin> pending_rejoin;
  std::uint64_t uplinks = 0, join_requests = 0;
};

Session make_session(DevAddr addr, const AesKey& f, const AesKey& s, const AesKey& app,
                     std::uint32_t fcnt) {
  return Session{addr, Cmac(f), Cmac(s), Aes128(app), fcnt};
}

}  // namespace

struct Simulator::Impl : std::enable_shared_from_this<Simulator::Impl> {
  Impl(Shared& sh, asio::any_io_executor ex) : shared(sh), strand(asio::make_strand(ex)) {}

  Shared& shared;
  asio::strand<asio::any_io_executor> strand;
  Region region = Region::EU868;
  std::vector<std::uint8_t> uplink_drs;  // LoRa 125 kHz uplink data rates of the region

  std::mutex mu;  // guards everything below
  std::vector<DevState> devices;
  std::unordered_map<DevEui, std::size_t> index;
  std::size_t cursor = 0;
  std::mt19937_64 rng;
  std::uint64_t next_tx = 0;
  bool running = false;

  // Picks a real channel and LoRa data rate of the region; returns the radio and (DR, Ch).
  std::pair<ran::Radio, TxCandidate> pick_radio() {
    ran::Radio r;
    ran::LoRa lora;
    auto dr = uplink_drs[std::uniform_int_distribution<std::size_t>(0, uplink_drs.size() - 1)(rng)];
    const auto& rate = data_rates(region)[dr];
    lora.spreading = rate.spreading_factor;
    lora.bandwidth = rate.bandwidth_hz;
    r.modulation = lora;
    auto defaults = default_channels(region);
    if (!defaults.empty()) {
      r.frequency =
          defaults[std::uniform_int_distribution<std::size_t>(0, defaults.size() - 1)(rng)];
    } else {
      // Fixed plans: 64 channels of 125 kHz, 200 kHz apart.
      std::uint64_t first = region == Region::US915 ? 902'300'000 : 915'200'000;
      r.frequency = first + 200'000 * std::uniform_int_distribution<std::uint64_t>(0, 63)(rng);
    }
    r.rssi = -120.0 + std::uniform_real_distribution<double>(0, 90)(rng);
    r.snr = -15.0 + std::uniform_real_distribution<double>(0, 25)(rng);
    UplinkRadio ur{r.frequency, Modulation::LoRa, static_cast<std::uint8_t>(lora.spreading),
                   lora.bandwidth, 0};
    auto cands = uplink_tx_candidates(region, ur);
    TxCandidate c = cands.empty() ? TxCandidate{dr, 0} : cands.front();
    return {r, c};
  }

  // The true MIC at a random position among distinct random decoys.
  std::vector<std::uint32_t> challenge(std::uint32_t true_mic) {
    std::uint32_t n = shared.cfg.traffic.challenge_size;
    std::vector<std::uint32_t> out;
    out.reserve(n);
    std::uniform_int_distribution<std::uint32_t> any;
    while (out.size() + 1 < n) {
      auto v = any(rng);
      if (v != true_mic && std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
    }
    auto pos = std::uniform_int_distribution<std::size_t>(0, out.size())(rng);
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(pos), true_mic);
    return out;
  }

  struct Frame {
    ran::Upstream up;
    ExpectedAnswer expect;
  };

  // Builds the next frame of `d` when RAN would route it (device in the routing table).
  // Called with `mu` held; takes the routing-table lock itself.
  std::optional<Frame> build(DevState& d, Clock::time_point now, bool force_join_retry) {
    Frame f;
    std::vector<std::uint8_t> phy;
    Mic mic{};
    if (d.session) {
      Session& s = *d.session;
      {
        std::lock_guard lk(shared.mu);
        f.up.dev_euis = shared.rest.table.by_dev_addr(s.addr);
        if (std::find(f.up.dev_euis.begin(), f.up.dev_euis.end(), d.spec.dev_eui) ==
            f.up.dev_euis.end())
          return std::nullopt;  // RAN would not route it to us
        // RAN switches TargetDevAddr to active when the first uplink from it arrives.
        shared.rest.table.on_uplink(d.spec.dev_eui, s.addr);
      }
      auto [radio, tx] = pick_radio();
      f.up.radio = radio;
      PhyPayload p;
      p.mtype = MType::UnconfirmedDataUp;
      DataFrame df;
      df.dev_addr = s.addr;
      df.fcnt = static_cast<std::uint16_t>(s.fcnt_up & 0xFFFF);
      const auto& tc = shared.cfg.traffic;
      if (tc.payload_size > 0) {
        df.fport = tc.fport;
        df.frm_payload.resize(tc.payload_size);
        for (auto& b : df.frm_payload) b = static_cast<std::uint8_t>(rng());
        crypt_frm_payload(s.app_s, Direction::Uplink, s.addr, s.fcnt_up, df.frm_payload);
      }
      p.body = std::move(df);
      auto built = build_phy_payload(p);
      if (!built) return std::nullopt;
      phy = std::move(built.value());
      auto msg = mic_message(phy);
      mic = d.spec.lorawan_1_1 ? data_uplink_mic_1_1(s.f_nwk_s_int, s.s_nwk_s_int, s.addr,
                                                     s.fcnt_up, 0, tx.tx_dr, tx.tx_ch, msg)
                               : data_uplink_mic_1_0(s.f_nwk_s_int, s.addr, s.fcnt_up, msg);
      // The 32-bit counter keeps counting past 65535; only 16 bits travel.
      ++s.fcnt_up;
      ++d.uplinks;
    } else {
      if (!d.spec.otaa) return std::nullopt;
      if (d.pending_dev_nonce && !force_join_retry &&
          now - d.join_sent <
              std::chrono::duration_cast<Clock::duration>(shared.cfg.traffic.join_retry))
        return std::nullopt;
      {
        std::lock_guard lk(shared.mu);
        const Device* row = shared.rest.table.find(d.spec.dev_eui);
        if (!row || !row->join_eui || *row->join_eui != d.spec.join_eui) return std::nullopt;
      }
      f.up.dev_euis = {d.spec.dev_eui};
      f.up.radio = pick_radio().first;
      PhyPayload p;
      p.mtype = MType::JoinRequest;
      std::uint16_t nonce = d.next_dev_nonce++;
      p.body = JoinRequest{d.spec.join_eui, d.spec.dev_eui, nonce};
      auto built = build_phy_payload(p);
      if (!built) return std::nullopt;
      phy = std::move(built.value());
      const AesKey& key = d.spec.lorawan_1_1 ? d.spec.nwk_key : d.spec.app_key;
      mic = join_request_mic(Cmac(key), mic_message(phy));
      d.pending_dev_nonce = nonce;
      d.join_sent = now;
      ++d.join_requests;
      f.expect.join = true;
    }
    return finish(std::move(f), d, phy, mic);
  }

  // A rejoin request (1.1 OTAA device with a session, checked by the caller): type 0/2 carry
  // NetID and RJcount0 under SNwkSIntKey, type 1 JoinEUI and RJcount1 under JSIntKey. The
  // device then waits for the join accept answering it. Called with `mu` held.
  std::optional<Frame> build_rejoin(DevState& d, std::uint8_t type) {
    {
      std::lock_guard lk(shared.mu);
      // RAN routes a rejoin request by its DevEUI.
      if (!shared.rest.table.find(d.spec.dev_eui)) return std::nullopt;
    }
    Frame f;
    f.up.dev_euis = {d.spec.dev_eui};
    f.up.radio = pick_radio().first;
    RejoinRequest rj;
    rj.type = type;
    rj.dev_eui = d.spec.dev_eui;
    if (type == 1) {
      rj.join_eui = d.spec.join_eui;
      rj.rj_count = d.rj_count1++;
    } else {
      rj.net_id = d.net_id;
      rj.rj_count = d.rj_count0++;
    }
    PhyPayload p;
    p.mtype = MType::RejoinRequest;
    p.body = rj;
    auto built = build_phy_payload(p);
    if (!built) return std::nullopt;
    const auto msg = mic_message(built.value());
    const Mic mic =
        type == 1 ? rejoin_request_mic(Cmac(derive_js_int_key(d.spec.nwk_key, d.spec.dev_eui)), msg)
                  : rejoin_request_mic(d.session->s_nwk_s_int, msg);
    d.pending_rejoin = DevState::PendingRejoin{type, rj.rj_count};
    ++d.join_requests;
    f.expect.join = true;
    return finish(std::move(f), d, built.value(), mic);
  }

  // Every frame: the challenge around the true MIC, GPS, a fresh TransactionID.
  Frame finish(Frame f, const DevState& d, std::span<const std::uint8_t> phy, const Mic& mic) {
    auto msg = mic_message(phy);
    f.up.phy_payload_no_mic.assign(msg.begin(), msg.end());
    std::uint32_t true_mic = mic_to_uint32(mic);
    f.up.mic_challenge = challenge(true_mic);
    if (shared.cfg.traffic.gps)
      f.up.gps = ran::Gps{-23.55 + std::uniform_real_distribution<double>(-0.1, 0.1)(rng),
                          -46.63 + std::uniform_real_distribution<double>(-0.1, 0.1)(rng), 760.0};
    f.up.transaction_id = ++next_tx;
    f.expect.dev_eui = d.spec.dev_eui;
    f.expect.mic = true_mic;
    return f;
  }

  // Registers the expected answer first (the answer may come back before send returns).
  bool send(Frame& f) {
    f.expect.sent = Clock::now();
    shared.tracker.add(f.up.transaction_id, f.expect);
    auto socket = shared.hub.send_upstream(ran::encode(f.up));
    if (!socket) {
      shared.tracker.remove(f.up.transaction_id);
      shared.stats.not_sent_no_socket();
      return false;
    }
    shared.stats.upstream_sent(*socket, f.expect.join);
    return true;
  }

  // One frame from the next device that has something to send.
  bool send_next(Clock::time_point now) {
    std::optional<Frame> f;
    {
      std::lock_guard lk(mu);
      for (std::size_t tries = 0; tries < devices.size() && !f; ++tries) {
        auto& d = devices[cursor++ % devices.size()];
        f = build(d, now, false);
      }
    }
    return f && send(*f);
  }

  static asio::awaitable<void> traffic_loop(std::shared_ptr<Impl> self) {
    asio::steady_timer timer(self->strand);
    const auto& cfg = self->shared.cfg;
    double rate = cfg.load.rate;
    if (rate <= 0 && cfg.traffic.uplink_interval.count() > 0 && !self->devices.empty())
      rate = static_cast<double>(self->devices.size()) / cfg.traffic.uplink_interval.count();
    if (rate <= 0) co_return;
    // Tick at most every 1 ms and send as many frames as are due: keeps the rate exact
    // without one timer per frame at high rates.
    auto tick = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(std::clamp(1.0 / rate, 0.001, 0.25)));
    double due = 0;
    auto last = Clock::now();
    for (;;) {
      timer.expires_after(tick);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto now = Clock::now();
      due += rate * std::chrono::duration<double>(now - last).count();
      last = now;
      bool run;
      {
        std::lock_guard lk(self->mu);
        run = self->running;
      }
      if (!run || self->shared.hub.count(StreamKind::kUpstream) == 0) {
        due = 0;  // traffic that could not be delivered is not made up for later
        continue;
      }
      // Bounded burst after a stall (e.g. a slow machine) so we do not flood the client.
      due = std::min(due, std::max(1.0, rate * 0.1));
      while (due >= 1.0) {
        due -= 1.0;
        self->send_next(now);
      }
    }
  }

  static asio::awaitable<void> sweeper(std::shared_ptr<Impl> self) {
    asio::steady_timer timer(self->strand);
    auto timeout =
        std::chrono::duration_cast<Clock::duration>(self->shared.cfg.traffic.answer_timeout);
    auto period = std::min<Clock::duration>(timeout / 4, std::chrono::milliseconds(100));
    for (;;) {
      timer.expires_after(period);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto expired = self->shared.tracker.expire(Clock::now(), timeout);
      if (!expired.empty()) self->shared.stats.unanswered(expired.size());
    }
  }

  void on_join_accept(DevEui dev_eui, DevAddr target, std::span<const std::uint8_t> phy) {
    std::lock_guard lk(mu);
    auto it = index.find(dev_eui);
    if (it == index.end()) return;  // not simulated: nothing to check
    DevState& d = devices[it->second];
    if (!d.spec.otaa || (!d.pending_dev_nonce && !d.pending_rejoin)) {
      shared.stats.join_accept(false);
      return;
    }
    const bool v11 = d.spec.lorawan_1_1;
    const AesKey& root = v11 ? d.spec.nwk_key : d.spec.app_key;
    // The accept of a rejoin (1.1 only) is encrypted with JSEncKey and its MIC covers the
    // rejoin type and RJcount; RJcount also takes the DevNonce's place in the key derivation.
    const auto& rejoin = d.pending_rejoin;
    const AesKey enc = rejoin ? derive_js_enc_key(d.spec.nwk_key, dev_eui) : root;
    auto dec = decrypt_join_accept(enc, phy);
    if (!dec) {
      shared.stats.join_accept(false);
      return;
    }
    const auto& ja = dec->fields;
    auto msg = mic_message(dec->plaintext);
    const std::uint16_t nonce = rejoin ? rejoin->rj_count : *d.pending_dev_nonce;
    const std::uint8_t req_type = rejoin ? rejoin->type : kJoinReqTypeJoin;
    bool opt_neg = v11 && ja.opt_neg();
    Mic expected = opt_neg ? join_accept_mic_1_1(derive_js_int_key(d.spec.nwk_key, dev_eui),
                                                 req_type, d.spec.join_eui, nonce, msg)
                           : join_accept_mic_1_0(root, msg);
    if (expected != dec->mic || ja.dev_addr != target || (rejoin && !opt_neg)) {
      // A device drops a join accept whose MIC does not verify; it keeps waiting.
      shared.stats.join_accept(false);
      return;
    }
    SessionKeys k = opt_neg ? derive_session_keys_1_1(d.spec.nwk_key, d.spec.app_key, ja.join_nonce,
                                                      d.spec.join_eui, nonce)
                            : derive_session_keys_1_0(root, ja.join_nonce, ja.net_id, nonce);
    // A fresh session counts from 0 (start_fcnt is for ABP devices).
    d.session = make_session(ja.dev_addr, k.f_nwk_s_int_key, k.s_nwk_s_int_key, k.app_s_key, 0);
    d.net_id = ja.net_id;
    d.pending_dev_nonce.reset();
    d.pending_rejoin.reset();
    d.rj_count0 = 0;  // LoRaWAN 1.1: reset by every processed join accept (RJcount1 is not)
    shared.stats.join_accept(true);
  }
};

Simulator::Simulator(Shared& shared, asio::any_io_executor ex, std::vector<SimDeviceSpec> devices)
    : impl_(std::make_shared<Impl>(shared, ex)) {
  auto& im = *impl_;
  auto region = region_from_string(shared.cfg.traffic.region);
  if (!region) throw ConfigError("unknown region '" + shared.cfg.traffic.region + "'");
  im.region = *region;
  auto rates = data_rates(im.region);
  for (std::size_t i = 0; i < rates.size(); ++i)
    if (rates[i].modulation == Modulation::LoRa && rates[i].uplink &&
        rates[i].bandwidth_hz == 125000)
      im.uplink_drs.push_back(static_cast<std::uint8_t>(i));
  if (im.uplink_drs.empty()) throw ConfigError("region has no 125 kHz LoRa uplink data rate");
  std::uint64_t seed = shared.cfg.seed ? shared.cfg.seed : std::random_device{}();
  im.rng.seed(seed);
  // Transaction ids continue across restarts like RAN's (time-based start).
  im.next_tx = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count()) *
               1000;
  for (auto& spec : devices) {
    if (im.index.contains(spec.dev_eui)) continue;
    DevState st;
    st.spec = spec;
    if (!spec.otaa) {
      st.session = make_session(
          spec.dev_addr, spec.nwk_s_key, spec.lorawan_1_1 ? spec.s_nwk_s_int_key : spec.nwk_s_key,
          spec.app_s_key, spec.fcnt_up.value_or(shared.cfg.traffic.start_fcnt));
    }
    st.next_dev_nonce = static_cast<std::uint16_t>(im.rng());
    im.index.emplace(spec.dev_eui, im.devices.size());
    im.devices.push_back(std::move(st));
  }
}

Simulator::~Simulator() = default;

void Simulator::start() {
  asio::co_spawn(impl_->strand, Impl::traffic_loop(impl_), asio::detached);
  asio::co_spawn(impl_->strand, Impl::sweeper(impl_), asio::detached);
}

void Simulator::set_running(bool running) {
  std::lock_guard lk(impl_->mu);
  impl_->running = running;
}

bool Simulator::running() const {
  std::lock_guard lk(impl_->mu);
  return impl_->running;
}

Simulator::Injected Simulator::inject(DevEui dev_eui, std::optional<std::uint8_t> rejoin) {
  auto& im = *impl_;
  if (im.shared.hub.count(StreamKind::kUpstream) == 0)
    return {std::nullopt, InjectError::kNoSocket};
  std::optional<Impl::Frame> f;
  {
    std::lock_guard lk(im.mu);
    auto it = im.index.find(dev_eui);
    if (it == im.index.end()) return {std::nullopt, InjectError::kUnknownDevice};
    auto& d = im.devices[it->second];
    if (rejoin) {
      if (*rejoin > 2 || !d.spec.otaa || !d.spec.lorawan_1_1 || !d.session)
        return {std::nullopt, InjectError::kNotRejoinable};
      f = im.build_rejoin(d, *rejoin);
    } else {
      f = im.build(d, Clock::now(), true);
    }
  }
  if (!f) return {std::nullopt, InjectError::kNotSubscribed};
  if (!im.send(*f)) return {std::nullopt, InjectError::kNoSocket};
  return {f->up.transaction_id, {}};
}

void Simulator::on_join_accept(DevEui dev_eui, DevAddr target, std::span<const std::uint8_t> phy) {
  impl_->on_join_accept(dev_eui, target, phy);
}

json::array Simulator::devices_json() const {
  std::lock_guard lk(impl_->mu);
  json::array out;
  for (const auto& d : impl_->devices) {
    json::object o{
        {"DevEUI", d.spec.dev_eui.to_hex()}, {"activation", d.spec.otaa ? "OTAA" : "ABP"},
        {"lorawan_1_1", d.spec.lorawan_1_1}, {"joined", d.session.has_value()},
        {"uplinks_sent", d.uplinks},         {"join_requests_sent", d.join_requests}};
    if (d.session) {
      o["DevAddr"] = d.session->addr.to_hex();
      o["FCntUp"] = d.session->fcnt_up;
    } else {
      o["DevAddr"] = nullptr;
      o["FCntUp"] = nullptr;
    }
    out.push_back(std::move(o));
  }
  return out;
}

std::size_t Simulator::size() const {
  std::lock_guard lk(impl_->mu);
  return impl_->devices.size();
}

std::vector<SimDeviceSpec> generate_sim_devices(std::uint32_t n, std::uint64_t seed) {
  std::vector<SimDeviceSpec> out;
  out.reserve(n);
  std::mt19937_64 rng(seed ^ 0x5eed5eed5eedULL);
  auto key = [&] {
    AesKey k;
    for (auto& b : k.bytes) b = static_cast<std::uint8_t>(rng());
    return k;
  };
  for (std::uint32_t i = 0; i < n; ++i) {
    SimDeviceSpec d;
    d.otaa = false;
    // A recognisable prefix so generated devices never collide with real ones in a demo.
    d.dev_eui = DevEui{0xfeedf00d00000000ULL | i};
    d.dev_addr = DevAddr{0x26000000u | (i & 0x00ffffffu)};
    d.nwk_s_key = key();
    d.s_nwk_s_int_key = d.nwk_s_key;
    d.nwk_s_enc_key = d.nwk_s_key;
    d.app_s_key = key();
    out.push_back(d);
  }
  return out;
}

}  // namespace ranbridge::emulator
