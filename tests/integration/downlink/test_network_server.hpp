#pragma once
// A minimal LoRaWAN network server for the downlink tests, speaking ChirpStack v4's gateway
// MQTT interface the way ChirpStack does:
// - subscribes `{prefix}/gateway/+/event/+` of every region;
// - answers join requests (1.0.x and 1.1) with a join accept built by the lorawan module
//   from the device's root keys (JoinNonce, NetID, a new DevAddr, DLSettings with OptNeg for
//   1.1, RxDelay), RX1 and RX2 items, the uplink's `rx_info.context` echoed in each item's
//   `tx_info.context`; 1.1 rejoin requests (types 0, 1, 2) likewise, with a rejoin's accept
//   (JSEncKey, MIC over the rejoin type and RJcount, keys derived with RJcount);
// - verifies data uplinks with the session keys it derived itself and, when asked, answers
//   them with class A replies (unconfirmed data down, FCntDown, MIC, encrypted FRMPayload);
// - builds class B / class C / multicast DownlinkFrames on request;
// - collects every DownlinkTxAck by downlink_id, with its arrival time.
// Keys come from the same devices file the bridge and the emulator use (the bridge never
// sees session keys; this server derives them like a real one).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/lorawan/types.hpp"

namespace ranbridge::testing {

// One bridge region as the network server sees it: a gateway under a topic prefix.
struct NsRegion {
  std::string topic_prefix;
  std::string gateway_id;  // 16 lower-case hex digits
};

// A device session as the network server holds it (OTAA: derived from the join; ABP: from
// the devices file).
struct NsSession {
  lorawan::DevEui dev_eui;
  lorawan::DevAddr dev_addr;
  bool lorawan_1_1 = false;
  lorawan::SessionKeys keys;
  std::uint32_t fcnt_down = 0;                 // next FCntDown (1.1: AFCntDown, FPort > 0)
  std::uint32_t last_fcnt_up = 0;              // 32-bit, reconstructed
  std::size_t uplinks = 0;                     // data uplinks seen under this session
  std::size_t uplinks_mic_ok = 0;              // ... whose MIC verified with this server's keys
  std::size_t region = 0;                      // region index that last delivered an uplink
  std::optional<gw::UplinkFrame> last_uplink;  // for class A replies and class B/C context
};

struct NsJoin {
  lorawan::DevEui dev_eui;
  lorawan::DevAddr dev_addr;
  std::uint32_t downlink_id = 0;
  std::string context;  // the join request's rx_info.context, echoed in the accept
  std::uint8_t join_req_type = lorawan::kJoinReqTypeJoin;  // 0/1/2: it answers a rejoin
};

struct NsAck {
  gw::DownlinkTxAck ack;
  std::string topic;
  std::chrono::steady_clock::time_point received;
};

class TestNetworkServer {
 public:
  struct Options {
    std::string broker_url;
    std::vector<NsRegion> regions;
    std::filesystem::path devices_file;
    lns::Marshaler marshaler = lns::Marshaler::json;
    std::uint32_t net_id = 0x000013;
    std::uint32_t dev_addr_base = 0x26ab0000;  // joined devices get base + n
    std::uint8_t rx_delay = 5;                 // join accept RxDelay (s); class A reply delay
    bool answer_joins = true;
    bool reply_to_data = false;  // class A reply to every data uplink (see reply_to_next)
    bool reply_with_rx2 = true;  // class A replies carry an RX2 item
  };

  explicit TestNetworkServer(Options options);
  ~TestNetworkServer();
  TestNetworkServer(const TestNetworkServer&) = delete;
  TestNetworkServer& operator=(const TestNetworkServer&) = delete;

  // True once connected and subscribed.
  bool wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  void set_answer_joins(bool on);
  // Answer the next `n` verified data uplinks with a class A reply (0 = none, SIZE_MAX = all).
  void reply_to_next(std::size_t n);

  // ---- what it saw ----
  std::vector<gw::UplinkFrame> uplinks() const;
  std::vector<NsJoin> joins() const;
  std::optional<NsSession> session(lorawan::DevEui dev_eui) const;
  // Waits until `dev_eui` has a session with at least `min_uplinks` uplinks whose MIC verified.
  std::optional<NsSession> wait_session(lorawan::DevEui dev_eui, std::size_t min_uplinks,
                                        std::chrono::milliseconds timeout);
  std::optional<NsJoin> wait_join(lorawan::DevEui dev_eui, std::chrono::milliseconds timeout);
  // The first TxAck for `downlink_id`.
  std::optional<NsAck> wait_ack(std::uint32_t downlink_id, std::chrono::milliseconds timeout);
  // How many TxAcks carried `downlink_id` (a correct bridge sends exactly one).
  std::size_t ack_count(std::uint32_t downlink_id) const;
  std::size_t acks_total() const;
  // The class A replies sent so far (downlink_id set), in order.
  std::vector<gw::DownlinkFrame> class_a_replies() const;
  // Waits until at least `n` class A replies were sent; returns the n-th.
  std::optional<gw::DownlinkFrame> wait_class_a_reply(std::size_t n,
                                                      std::chrono::milliseconds timeout);

  // ---- what it sends ----
  // Adds the ABP session of a device from the devices file (so that it can be addressed).
  void add_abp_session(lorawan::DevEui dev_eui);
  // A class A reply to the session's last uplink: RX1 after `delay_s`, and RX2 one second
  // later when `with_rx2`. Takes the next FCntDown.
  gw::DownlinkFrame class_a_reply(lorawan::DevEui dev_eui, int delay_s, bool with_rx2);
  // Class B (gps_epoch) and class C (immediately) data downlinks, one item, carrying the
  // device's last uplink context (as ChirpStack does) when there is one.
  gw::DownlinkFrame class_b(lorawan::DevEui dev_eui, std::chrono::milliseconds gps_epoch);
  gw::DownlinkFrame class_c(lorawan::DevEui dev_eui);
  // A multicast data downlink to `group` (keys from the devices file's multicast_groups),
  // class C (immediately) or class B (gps_epoch given); no context.
  gw::DownlinkFrame multicast(lorawan::DevAddr group,
                              std::optional<std::chrono::milliseconds> gps_epoch = std::nullopt);
  // A data downlink for an arbitrary DevAddr with made-up keys (e.g. an unknown device).
  gw::DownlinkFrame raw_class_c(lorawan::DevAddr addr);

  // Publishes `frame` on `regions[region]`'s command/down; assigns a fresh downlink_id when
  // it has none and returns it.
  std::uint32_t send(gw::DownlinkFrame frame, std::size_t region = 0);
  // Publishes raw bytes on a region's command/down (bad-input tests).
  void send_raw(std::string payload, std::size_t region = 0);
  std::uint32_t next_downlink_id();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ranbridge::testing
