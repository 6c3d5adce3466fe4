#include "test_network_server.hpp"

#include <unistd.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "ranbridge/lns/mqtt_client.hpp"
#include "ranbridge/lorawan/frm_payload.hpp"
#include "ranbridge/lorawan/mic.hpp"
#include "ranbridge/lorawan/phy_payload.hpp"
#include "ranbridge/mic/registry.hpp"

namespace ranbridge::testing {

namespace lw = ranbridge::lorawan;
using Clock = std::chrono::steady_clock;

namespace {

// EU868 RX2 / class B-C defaults, as ChirpStack's eu868 region config uses them.
constexpr std::uint32_t kRx2Frequency = 869525000;
constexpr std::uint32_t kRx2Spreading = 12;
constexpr std::uint32_t kPingSlotSpreading = 9;
constexpr std::uint8_t kFPort = 10;

std::string bytes_to_string(std::span<const std::uint8_t> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
std::vector<std::uint8_t> string_to_bytes(const std::string& s) {
  return std::vector<std::uint8_t>(s.begin(), s.end());
}

void set_lora(gw::DownlinkTxInfo& tx, std::uint32_t frequency, std::uint32_t sf) {
  tx.set_frequency(frequency);
  tx.set_power(14);
  auto* lora = tx.mutable_modulation()->mutable_lora();
  lora->set_bandwidth(125000);
  lora->set_spreading_factor(sf);
  lora->set_code_rate(gw::CR_4_5);
  lora->set_polarization_inversion(true);  // downlinks are sent with inverted IQ
}

void set_delay(gw::DownlinkTxInfo& tx, int seconds) {
  tx.mutable_timing()->mutable_delay()->mutable_delay()->set_seconds(seconds);
}

// Unconfirmed data down with an encrypted FRMPayload and the MIC of the session's version.
std::vector<std::uint8_t> data_down(const lw::SessionKeys& keys, bool v11, lw::DevAddr addr,
                                    std::uint32_t fcnt, std::vector<std::uint8_t> payload) {
  lw::PhyPayload p;
  p.mtype = lw::MType::UnconfirmedDataDown;
  lw::DataFrame df;
  df.dev_addr = addr;
  df.fcnt = static_cast<std::uint16_t>(fcnt & 0xFFFF);
  df.fport = kFPort;
  df.frm_payload =
      lw::crypt_frm_payload(keys.app_s_key, lw::Direction::Downlink, addr, fcnt, payload);
  p.body = std::move(df);
  auto built = lw::build_phy_payload(p);
  if (!built) throw std::logic_error("data_down: " + built.error().message);
  auto phy = std::move(built.value());
  auto msg = lw::mic_message(phy);
  lw::Mic mic = v11 ? lw::data_downlink_mic_1_1(lw::Cmac(keys.s_nwk_s_int_key), addr, fcnt, 0, msg)
                    : lw::data_downlink_mic_1_0(lw::Cmac(keys.nwk_s_key()), addr, fcnt, msg);
  lw::set_mic(phy, mic);
  return phy;
}

}  // namespace

struct TestNetworkServer::State {
  Options opt;
  std::shared_ptr<const mic::Registry> registry;
  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::thread thread;
  std::unique_ptr<lns::MqttClient> client;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<gw::UplinkFrame> uplinks;
  std::vector<NsJoin> joins;
  std::map<lw::DevEui, NsSession> sessions;
  std::unordered_map<std::uint32_t, lw::DevEui> by_addr;
  std::map<std::uint32_t, std::vector<NsAck>> acks;
  std::size_t acks_total = 0;
  std::vector<gw::DownlinkFrame> class_a_sent;
  std::uint32_t join_nonce = 0;
  std::uint32_t next_addr = 0;
  std::atomic<std::uint32_t> downlink_id{0};
  bool answer_joins = true;
  std::size_t replies_left = 0;

  std::optional<std::size_t> region_of(const std::string& topic) const {
    for (std::size_t i = 0; i < opt.regions.size(); ++i) {
      auto head = opt.regions[i].topic_prefix + "/gateway/" + opt.regions[i].gateway_id + "/";
      if (topic.rfind(head, 0) == 0) return i;
    }
    return std::nullopt;
  }

  std::string topic(std::size_t region, const std::string& tail) const {
    const auto& r = opt.regions.at(region);
    return r.topic_prefix + "/gateway/" + r.gateway_id + "/" + tail;
  }

  void publish_frame(gw::DownlinkFrame& f, std::size_t region) {
    if (f.downlink_id() == 0) f.set_downlink_id(++downlink_id);
    f.set_gateway_id(opt.regions.at(region).gateway_id);
    client->publish(topic(region, "command/down"), lns::marshal(f, opt.marshaler));
  }

  void on_message(const lns::InboundMessage& m) {
    auto region = region_of(m.topic);
    if (!region) return;
    if (m.topic.ends_with("/event/up")) {
      auto up = lns::unmarshal_uplink_frame(m.payload);
      if (up.ok()) on_uplink(*up, *region);
    } else if (m.topic.ends_with("/event/ack")) {
      auto ack = lns::unmarshal_downlink_tx_ack(m.payload);
      if (!ack.ok()) return;
      std::lock_guard lk(mu);
      acks[ack->downlink_id()].push_back(NsAck{*ack, m.topic, Clock::now()});
      ++acks_total;
      cv.notify_all();
    }
  }

  void on_uplink(const gw::UplinkFrame& up, std::size_t region) {
    auto bytes = string_to_bytes(up.phy_payload());
    auto phy = lw::parse_phy_payload(bytes);
    std::optional<gw::DownlinkFrame> reply;
    {
      std::lock_guard lk(mu);
      uplinks.push_back(up);
      if (phy.ok() && phy->join_request() && answer_joins)
        reply = answer_join(*phy->join_request(), bytes, up, phy->mic);
      else if (phy.ok() && phy->rejoin_request() && answer_joins)
        reply = answer_rejoin(*phy->rejoin_request(), bytes, up, phy->mic);
      else if (phy.ok() && phy->data() && lw::is_uplink(phy->mtype))
        reply = on_data(*phy->data(), bytes, up, region, phy->mic);
      cv.notify_all();
    }
    if (reply) publish_frame(*reply, region);
  }

  // Called with mu held.
  std::optional<gw::DownlinkFrame> answer_join(const lw::JoinRequest& jr,
                                               std::span<const std::uint8_t> bytes,
                                               const gw::UplinkFrame& up, const lw::Mic& mic) {
    const mic::Device* dev = registry->find(jr.dev_eui);
    if (!dev || !dev->otaa()) return std::nullopt;
    // 1.0.x: the registry holds the AppKey in both slots, so nwk_key() is the MIC key either way.
    if (lw::join_request_mic(lw::Cmac(dev->nwk_key()), lw::mic_message(bytes)) != mic)
      return std::nullopt;  // ChirpStack drops a join request that does not verify
    return join_accept_locked(*dev, lw::kJoinReqTypeJoin, jr.join_eui, jr.dev_nonce, up);
  }

  // A 1.1 rejoin request: type 1 verified with JSIntKey, types 0/2 with the SNwkSIntKey of
  // this server's session. Called with mu held.
  std::optional<gw::DownlinkFrame> answer_rejoin(const lw::RejoinRequest& rj,
                                                 std::span<const std::uint8_t> bytes,
                                                 const gw::UplinkFrame& up, const lw::Mic& mic) {
    const mic::Device* dev = registry->find(rj.dev_eui);
    if (!dev || !dev->otaa() || !mic::is_1_1(dev->version)) return std::nullopt;
    lw::AesKey key;
    if (rj.type == 1) {
      key = lw::derive_js_int_key(dev->nwk_key(), rj.dev_eui);
    } else {
      auto it = sessions.find(rj.dev_eui);
      if (it == sessions.end()) return std::nullopt;
      key = it->second.keys.s_nwk_s_int_key;
    }
    if (lw::rejoin_request_mic(lw::Cmac(key), lw::mic_message(bytes)) != mic) return std::nullopt;
    // Types 0/2 carry no JoinEUI: the accept's MIC uses the device's.
    return join_accept_locked(*dev, rj.type, rj.type == 1 ? rj.join_eui : dev->join_eui,
                              rj.rj_count, up);
  }

  // The join accept answering a join request (join_req_type 0xFF, DevNonce) or a rejoin
  // (its type, RJcount in the DevNonce's place: JSEncKey encrypts, the session keys are
  // derived with RJcount); the new session replaces the old one. Called with mu held.
  gw::DownlinkFrame join_accept_locked(const mic::Device& dev, std::uint8_t join_req_type,
                                       lw::JoinEui join_eui, std::uint16_t dev_nonce,
                                       const gw::UplinkFrame& up) {
    const bool v11 = mic::is_1_1(dev.version);
    const bool rejoin = join_req_type != lw::kJoinReqTypeJoin;
    const lw::DevEui dev_eui = dev.dev_eui;

    lw::JoinAccept ja;
    ja.join_nonce = ++join_nonce & 0xFFFFFF;
    ja.net_id = lw::NetId{opt.net_id};
    ja.dev_addr = lw::DevAddr{opt.dev_addr_base + ++next_addr};
    ja.dl_settings = v11 ? 0x80 : 0x00;  // OptNeg for 1.1, RX1DRoffset 0, RX2 DR0
    ja.rx_delay = opt.rx_delay;
    lw::JoinAcceptBuildKeys k;
    k.enc_key = rejoin ? lw::derive_js_enc_key(dev.nwk_key(), dev_eui) : dev.nwk_key();
    k.nwk_key = dev.nwk_key();
    if (v11) k.js_int_key = lw::derive_js_int_key(dev.nwk_key(), dev_eui);
    k.join_req_type = join_req_type;
    k.join_eui = join_eui;
    k.dev_nonce = dev_nonce;
    auto accept = lw::build_join_accept(ja, k);

    NsSession s;
    s.dev_eui = dev_eui;
    s.dev_addr = ja.dev_addr;
    s.lorawan_1_1 = v11;
    s.keys = v11 ? lw::derive_session_keys_1_1(dev.nwk_key(), dev.app_key(), ja.join_nonce,
                                               join_eui, dev_nonce)
                 : lw::derive_session_keys_1_0(dev.app_key(), ja.join_nonce, ja.net_id, dev_nonce);
    if (auto old = sessions.find(dev_eui); old != sessions.end())
      by_addr.erase(old->second.dev_addr.value);
    sessions[dev_eui] = s;
    by_addr[ja.dev_addr.value] = dev_eui;

    // JOIN_ACCEPT_DELAY1 = 5 s, DELAY2 = 6 s; the context of the join request comes back.
    gw::DownlinkFrame f;
    f.set_downlink_id(++downlink_id);
    auto* rx1 = f.add_items();
    rx1->set_phy_payload(bytes_to_string(accept));
    set_lora(*rx1->mutable_tx_info(), up.tx_info().frequency(),
             up.tx_info().modulation().lora().spreading_factor());
    set_delay(*rx1->mutable_tx_info(), 5);
    rx1->mutable_tx_info()->set_context(up.rx_info().context());
    auto* rx2 = f.add_items();
    rx2->set_phy_payload(bytes_to_string(accept));
    set_lora(*rx2->mutable_tx_info(), kRx2Frequency, kRx2Spreading);
    set_delay(*rx2->mutable_tx_info(), 6);
    rx2->mutable_tx_info()->set_context(up.rx_info().context());
    joins.push_back(
        NsJoin{dev_eui, ja.dev_addr, f.downlink_id(), up.rx_info().context(), join_req_type});
    return f;
  }

  // Called with mu held.
  std::optional<gw::DownlinkFrame> on_data(const lw::DataFrame& df,
                                           std::span<const std::uint8_t> bytes,
                                           const gw::UplinkFrame& up, std::size_t region,
                                           const lw::Mic& mic) {
    auto it = by_addr.find(df.dev_addr.value);
    if (it == by_addr.end()) return std::nullopt;
    NsSession& s = sessions.at(it->second);
    // 32-bit FCnt from the 16 bits on air, relative to the last one seen.
    std::uint32_t fcnt = (s.last_fcnt_up & 0xFFFF0000u) | df.fcnt;
    if (s.uplinks > 0 && fcnt < s.last_fcnt_up) fcnt += 0x10000;
    auto msg = lw::mic_message(bytes);
    bool ok;
    if (s.lorawan_1_1) {
      // The FNwkSIntKey half is enough to verify without TxDr/TxCh.
      auto f = lw::data_uplink_mic_1_1_f(lw::Cmac(s.keys.f_nwk_s_int_key), df.dev_addr, fcnt, msg);
      ok = f[0] == mic[2] && f[1] == mic[3];
    } else {
      ok = lw::data_uplink_mic_1_0(lw::Cmac(s.keys.nwk_s_key()), df.dev_addr, fcnt, msg) == mic;
    }
    ++s.uplinks;
    if (!ok) return std::nullopt;
    ++s.uplinks_mic_ok;
    s.last_fcnt_up = fcnt;
    s.region = region;
    s.last_uplink = up;
    if (replies_left == 0) return std::nullopt;
    if (replies_left != SIZE_MAX) --replies_left;
    auto f = class_a_locked(s, opt.rx_delay, opt.reply_with_rx2);
    f.set_downlink_id(++downlink_id);
    f.set_gateway_id(opt.regions.at(region).gateway_id);
    class_a_sent.push_back(f);
    return f;
  }

  // Called with mu held.
  gw::DownlinkFrame class_a_locked(NsSession& s, int delay_s, bool with_rx2) {
    if (!s.last_uplink) throw std::logic_error("class A reply without an uplink");
    const auto& up = *s.last_uplink;
    auto phy = data_down(s.keys, s.lorawan_1_1, s.dev_addr, s.fcnt_down++, {0xCA, 0xFE});
    gw::DownlinkFrame f;
    auto* rx1 = f.add_items();
    rx1->set_phy_payload(bytes_to_string(phy));
    set_lora(*rx1->mutable_tx_info(), up.tx_info().frequency(),
             up.tx_info().modulation().lora().spreading_factor());
    set_delay(*rx1->mutable_tx_info(), delay_s);
    rx1->mutable_tx_info()->set_context(up.rx_info().context());
    if (with_rx2) {
      auto* rx2 = f.add_items();
      rx2->set_phy_payload(bytes_to_string(phy));
      set_lora(*rx2->mutable_tx_info(), kRx2Frequency, kRx2Spreading);
      set_delay(*rx2->mutable_tx_info(), delay_s + 1);
      rx2->mutable_tx_info()->set_context(up.rx_info().context());
    }
    return f;
  }

  NsSession& session_locked(lw::DevEui dev_eui) {
    auto it = sessions.find(dev_eui);
    if (it == sessions.end())
      throw std::logic_error("test network server: no session for " + dev_eui.to_hex());
    return it->second;
  }

  // One data item (RX2 parameters) with the device's last uplink context, if any.
  gw::DownlinkFrame single_item_locked(NsSession& s, std::uint32_t sf) {
    auto phy = data_down(s.keys, s.lorawan_1_1, s.dev_addr, s.fcnt_down++, {0x42});
    gw::DownlinkFrame f;
    auto* item = f.add_items();
    item->set_phy_payload(bytes_to_string(phy));
    set_lora(*item->mutable_tx_info(), kRx2Frequency, sf);
    if (s.last_uplink) item->mutable_tx_info()->set_context(s.last_uplink->rx_info().context());
    return f;
  }
};

TestNetworkServer::TestNetworkServer(Options options) : state_(std::make_shared<State>()) {
  auto& st = *state_;
  st.opt = std::move(options);
  st.answer_joins = st.opt.answer_joins;
  st.replies_left = st.opt.reply_to_data ? SIZE_MAX : 0;
  auto load = mic::Registry::load_files({st.opt.devices_file});
  if (!load.ok())
    throw std::runtime_error(
        "test network server: devices file: " +
        (load.errors.empty() ? std::string("?") : load.errors.front().to_string()));
  st.registry = load.registry;
  std::mt19937 rng(std::random_device{}());
  st.downlink_id = std::uniform_int_distribution<std::uint32_t>(1, 1u << 30)(rng);
  st.join_nonce = std::uniform_int_distribution<std::uint32_t>(1, 1u << 20)(rng);

  st.work.emplace(st.io.get_executor());
  lns::MqttClientOptions mo;
  mo.url = st.opt.broker_url;
  static std::atomic<int> instance{0};
  mo.client_id = "test-ns-" + std::to_string(::getpid()) + "-" + std::to_string(++instance);
  mo.clean_session = true;
  mo.qos = 1;
  mo.reconnect_min = std::chrono::milliseconds(100);
  mo.reconnect_max = std::chrono::milliseconds(1000);
  st.client = std::make_unique<lns::MqttClient>(st.io.get_executor(), mo);
  State* raw = state_.get();
  for (const auto& r : st.opt.regions)
    st.client->subscribe(r.topic_prefix + "/gateway/+/event/+", 1,
                         [raw](const lns::InboundMessage& m) { raw->on_message(m); });
  st.client->start();
  st.thread = std::thread([raw] { raw->io.run(); });
}

TestNetworkServer::~TestNetworkServer() {
  auto& st = *state_;
  st.client.reset();
  st.work.reset();
  st.thread.join();
}

bool TestNetworkServer::wait_ready(std::chrono::milliseconds timeout) {
  auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (state_->client->stats().subscribed) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void TestNetworkServer::set_answer_joins(bool on) {
  std::lock_guard lk(state_->mu);
  state_->answer_joins = on;
}
void TestNetworkServer::reply_to_next(std::size_t n) {
  std::lock_guard lk(state_->mu);
  state_->replies_left = n;
}

std::vector<gw::UplinkFrame> TestNetworkServer::uplinks() const {
  std::lock_guard lk(state_->mu);
  return state_->uplinks;
}
std::vector<NsJoin> TestNetworkServer::joins() const {
  std::lock_guard lk(state_->mu);
  return state_->joins;
}
std::optional<NsSession> TestNetworkServer::session(lw::DevEui dev_eui) const {
  std::lock_guard lk(state_->mu);
  auto it = state_->sessions.find(dev_eui);
  if (it == state_->sessions.end()) return std::nullopt;
  return it->second;
}

std::optional<NsSession> TestNetworkServer::wait_session(lw::DevEui dev_eui,
                                                         std::size_t min_uplinks,
                                                         std::chrono::milliseconds timeout) {
  std::unique_lock lk(state_->mu);
  std::optional<NsSession> out;
  state_->cv.wait_for(lk, timeout, [&] {
    auto it = state_->sessions.find(dev_eui);
    if (it == state_->sessions.end() || it->second.uplinks_mic_ok < min_uplinks) return false;
    out = it->second;
    return true;
  });
  return out;
}

std::optional<NsJoin> TestNetworkServer::wait_join(lw::DevEui dev_eui,
                                                   std::chrono::milliseconds timeout) {
  std::unique_lock lk(state_->mu);
  std::optional<NsJoin> out;
  state_->cv.wait_for(lk, timeout, [&] {
    for (const auto& j : state_->joins)
      if (j.dev_eui == dev_eui) out = j;
    return out.has_value();
  });
  return out;
}

std::optional<NsAck> TestNetworkServer::wait_ack(std::uint32_t downlink_id,
                                                 std::chrono::milliseconds timeout) {
  std::unique_lock lk(state_->mu);
  std::optional<NsAck> out;
  state_->cv.wait_for(lk, timeout, [&] {
    auto it = state_->acks.find(downlink_id);
    if (it == state_->acks.end() || it->second.empty()) return false;
    out = it->second.front();
    return true;
  });
  return out;
}

std::size_t TestNetworkServer::ack_count(std::uint32_t downlink_id) const {
  std::lock_guard lk(state_->mu);
  auto it = state_->acks.find(downlink_id);
  return it == state_->acks.end() ? 0 : it->second.size();
}
std::size_t TestNetworkServer::acks_total() const {
  std::lock_guard lk(state_->mu);
  return state_->acks_total;
}
std::vector<gw::DownlinkFrame> TestNetworkServer::class_a_replies() const {
  std::lock_guard lk(state_->mu);
  return state_->class_a_sent;
}

std::optional<gw::DownlinkFrame> TestNetworkServer::wait_class_a_reply(
    std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lk(state_->mu);
  std::optional<gw::DownlinkFrame> out;
  state_->cv.wait_for(lk, timeout, [&] {
    if (state_->class_a_sent.size() < n) return false;
    out = state_->class_a_sent[n - 1];
    return true;
  });
  return out;
}

void TestNetworkServer::add_abp_session(lw::DevEui dev_eui) {
  const mic::Device* dev = state_->registry->find(dev_eui);
  if (!dev || !dev->abp()) throw std::logic_error("not an ABP device: " + dev_eui.to_hex());
  NsSession s;
  s.dev_eui = dev_eui;
  s.dev_addr = dev->dev_addr;
  s.lorawan_1_1 = mic::is_1_1(dev->version);
  s.keys = lw::SessionKeys{dev->f_nwk_s_int_key(), dev->s_nwk_s_int_key(), dev->nwk_s_enc_key(),
                           dev->app_s_key()};
  s.last_fcnt_up = dev->fcnt_up_start;
  std::lock_guard lk(state_->mu);
  state_->sessions[dev_eui] = s;
  state_->by_addr[s.dev_addr.value] = dev_eui;
}

gw::DownlinkFrame TestNetworkServer::class_a_reply(lw::DevEui dev_eui, int delay_s, bool with_rx2) {
  std::lock_guard lk(state_->mu);
  return state_->class_a_locked(state_->session_locked(dev_eui), delay_s, with_rx2);
}

gw::DownlinkFrame TestNetworkServer::class_b(lw::DevEui dev_eui,
                                             std::chrono::milliseconds gps_epoch) {
  std::lock_guard lk(state_->mu);
  auto f = state_->single_item_locked(state_->session_locked(dev_eui), kPingSlotSpreading);
  auto* d = f.mutable_items(0)->mutable_tx_info()->mutable_timing()->mutable_gps_epoch();
  d->mutable_time_since_gps_epoch()->set_seconds(gps_epoch.count() / 1000);
  d->mutable_time_since_gps_epoch()->set_nanos(static_cast<int>(gps_epoch.count() % 1000) *
                                               1000000);
  return f;
}

gw::DownlinkFrame TestNetworkServer::class_c(lw::DevEui dev_eui) {
  std::lock_guard lk(state_->mu);
  auto f = state_->single_item_locked(state_->session_locked(dev_eui), kRx2Spreading);
  f.mutable_items(0)->mutable_tx_info()->mutable_timing()->mutable_immediately();
  return f;
}

gw::DownlinkFrame TestNetworkServer::multicast(lw::DevAddr group,
                                               std::optional<std::chrono::milliseconds> gps_epoch) {
  const mic::MulticastGroup* g = state_->registry->find_multicast_group(group);
  lw::SessionKeys keys;
  if (g && g->has_keys)
    keys = lw::SessionKeys{g->mc_nwk_s_key, g->mc_nwk_s_key, g->mc_nwk_s_key, g->mc_app_s_key};
  static std::atomic<std::uint32_t> mc_fcnt{0};
  auto phy = data_down(keys, false, group, mc_fcnt++, {0x11, 0x22});
  gw::DownlinkFrame f;
  auto* item = f.add_items();
  item->set_phy_payload(bytes_to_string(phy));
  auto& tx = *item->mutable_tx_info();
  set_lora(tx, kRx2Frequency, gps_epoch ? kPingSlotSpreading : kRx2Spreading);
  if (gps_epoch) {
    auto* d = tx.mutable_timing()->mutable_gps_epoch()->mutable_time_since_gps_epoch();
    d->set_seconds(gps_epoch->count() / 1000);
    d->set_nanos(static_cast<int>(gps_epoch->count() % 1000) * 1000000);
  } else {
    tx.mutable_timing()->mutable_immediately();
  }
  return f;
}

gw::DownlinkFrame TestNetworkServer::raw_class_c(lw::DevAddr addr) {
  lw::SessionKeys keys;  // all-zero keys: nobody's
  auto phy = data_down(keys, false, addr, 0, {0x01});
  gw::DownlinkFrame f;
  auto* item = f.add_items();
  item->set_phy_payload(bytes_to_string(phy));
  set_lora(*item->mutable_tx_info(), kRx2Frequency, kRx2Spreading);
  item->mutable_tx_info()->mutable_timing()->mutable_immediately();
  return f;
}

std::uint32_t TestNetworkServer::send(gw::DownlinkFrame frame, std::size_t region) {
  state_->publish_frame(frame, region);
  return frame.downlink_id();
}

void TestNetworkServer::send_raw(std::string payload, std::size_t region) {
  state_->client->publish(state_->topic(region, "command/down"), std::move(payload));
}

std::uint32_t TestNetworkServer::next_downlink_id() {
  return ++state_->downlink_id;
}

}  // namespace ranbridge::testing
