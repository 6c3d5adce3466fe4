#pragma once
// Sessions of activated devices: the active session per device, the pending one created from
// a join accept, the last accepted FCntUp, and recent join requests (DevNonce) per device.
//
// SessionStore is the interface (a shared Redis store can replace it); MemorySessionStore
// keeps everything in sharded hash maps and snapshots itself to one file atomically
// (docs/mic.md describes the snapshot format).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/mic/device.hpp"

namespace ranbridge::mic {

struct Session {
  DevAddr dev_addr;
  LorawanVersion version = LorawanVersion::V1_0_3;
  lorawan::SessionKeys keys;
  std::optional<std::uint32_t> fcnt_up;  // last accepted FCntUp; none until the first uplink
  // FCnt (16 bits) of the last confirmed downlink, for the 1.1 ConfFCnt of uplinks with ACK.
  std::uint16_t conf_fcnt_down = 0;
  bool operator==(const Session& o) const {
    return dev_addr == o.dev_addr && version == o.version && fcnt_up == o.fcnt_up &&
           conf_fcnt_down == o.conf_fcnt_down && keys.f_nwk_s_int_key == o.keys.f_nwk_s_int_key &&
           keys.s_nwk_s_int_key == o.keys.s_nwk_s_int_key &&
           keys.nwk_s_enc_key == o.keys.nwk_s_enc_key && keys.app_s_key == o.keys.app_s_key;
  }
};

// A join or rejoin request the solver accepted: what a join accept answering it is checked
// against. For a rejoin, dev_nonce holds RJcount0 (types 0, 2) or RJcount1 (type 1), which
// replace DevNonce in the 1.1 join-accept MIC and key derivation, and join_eui is the device's
// (type 0/2 requests do not carry it).
struct JoinRequestSeen {
  JoinEui join_eui;
  std::uint16_t dev_nonce = 0;
  std::uint8_t join_req_type = lorawan::kJoinReqTypeJoin;  // 0xFF join; 0, 1, 2 rejoin type
  bool operator==(const JoinRequestSeen&) const = default;
};

struct DeviceSessions {
  DevEui dev_eui;
  std::optional<Session> active;
  std::optional<Session> pending;
  // ABP devices keep their keys in the registry; only the counter lives here.
  std::optional<std::uint32_t> abp_fcnt_up;
  std::vector<JoinRequestSeen> recent_joins;  // newest last, at most kMaxRecentJoins
  bool operator==(const DeviceSessions&) const = default;
};

inline constexpr std::size_t kMaxRecentJoins = 4;

// Which state an accepted uplink used.
enum class SessionSlot : std::uint8_t { Active, Pending, Abp };

enum class CommitResult : std::uint8_t {
  Committed,       // counter advanced (and a pending session promoted when the slot was Pending)
  Retransmission,  // the counter equals the last accepted one: the same frame again (NbTrans
                   // repetition, or one reception through several sockets/regions); no change
  Stale,           // the counter is older than the last accepted one (a replay)
  Gone,            // the session changed meanwhile (new join, reload): nothing done
};

class SessionStore {
 public:
  virtual ~SessionStore() = default;

  virtual std::optional<DeviceSessions> get(DevEui dev_eui) const = 0;
  // Every device with an active or pending session on this DevAddr.
  virtual std::vector<DeviceSessions> find_by_dev_addr(DevAddr dev_addr) const = 0;

  // Accepts an uplink counter for the winner of a MIC challenge. For Pending the pending
  // session becomes active (the old active one is dropped) when its DevAddr still matches.
  // The counter only moves forward: a counter <= the stored one gives Stale.
  virtual CommitResult commit_uplink(DevEui dev_eui, SessionSlot slot, DevAddr dev_addr,
                                     std::uint32_t fcnt) = 0;
  // Replaces the pending session (a new join accept was sent).
  virtual void put_pending(DevEui dev_eui, Session session) = 0;
  // Sets the active session directly (tools, tests, migrations).
  virtual void put_active(DevEui dev_eui, Session session) = 0;
  virtual void record_join_request(DevEui dev_eui, JoinRequestSeen join) = 0;
  // Remembers the FCnt of a confirmed downlink sent under the active (or pending) session.
  virtual void note_confirmed_downlink(DevEui dev_eui, DevAddr dev_addr, std::uint16_t fcnt) = 0;
  virtual void erase(DevEui dev_eui) = 0;
  virtual std::size_t size() const = 0;
};

// In memory, sharded by DevEUI (and DevAddr for the index) so that io threads rarely meet on
// one mutex; every critical section is a hash lookup and a small copy.
class MemorySessionStore final : public SessionStore {
 public:
  MemorySessionStore();
  ~MemorySessionStore() override;

  std::optional<DeviceSessions> get(DevEui dev_eui) const override;
  std::vector<DeviceSessions> find_by_dev_addr(DevAddr dev_addr) const override;
  CommitResult commit_uplink(DevEui dev_eui, SessionSlot slot, DevAddr dev_addr,
                             std::uint32_t fcnt) override;
  void put_pending(DevEui dev_eui, Session session) override;
  void put_active(DevEui dev_eui, Session session) override;
  void record_join_request(DevEui dev_eui, JoinRequestSeen join) override;
  void note_confirmed_downlink(DevEui dev_eui, DevAddr dev_addr, std::uint16_t fcnt) override;
  void erase(DevEui dev_eui) override;
  std::size_t size() const override;

  // Snapshot: write `path`.tmp, fsync, rename over `path`, fsync the directory. Returns an
  // error text on failure (the previous snapshot then stays intact).
  std::optional<std::string> save(const std::filesystem::path& path) const;
  // Replaces the contents with a snapshot. A missing file is not an error (empty store);
  // a corrupted, truncated or unknown-version file is, and leaves the store unchanged.
  std::optional<std::string> load(const std::filesystem::path& path);

  // Every device's state, in no particular order (snapshots, tools).
  std::vector<DeviceSessions> all() const;

  // Devices by state for the sessions metric: `active` = an active session or an ABP
  // counter, `pending` = a pending session (a device may be in both). No copies.
  struct StateCounts {
    std::size_t active = 0, pending = 0;
  };
  StateCounts state_counts() const;

 private:
  struct Shard;
  struct AddrShard;
  Shard& shard(DevEui e) const;
  AddrShard& addr_shard(DevAddr a) const;
  void index_add(DevAddr a, DevEui e);
  void index_remove(DevAddr a, DevEui e);
  // Adds/removes the index entries of one device's sessions.
  void reindex(DevEui e, const DeviceSessions* before, const DeviceSessions* after);
  // Replaces every device's state (snapshot load).
  void replace_all(std::vector<DeviceSessions> devices);

  static constexpr std::size_t kShards = 16;
  std::unique_ptr<Shard[]> shards_;
  std::unique_ptr<AddrShard[]> addr_shards_;
};

// Issue 5 §3: the downlink path sends a join accept for `device`. Decrypts it with the
// device's root key, verifies its MIC against the device's recent join requests (1.1 with
// OptNeg needs JoinEUI and DevNonce; 1.0.x uses the newest DevNonce), derives the session
// keys and stores a pending session under the accept's DevAddr. A 1.1 join accept answering
// a rejoin request is decrypted with JSEncKey and MIC'd with the rejoin type and RJcount.
struct JoinAcceptOutcome {
  bool ok = false;
  std::string error;  // why not, e.g. "join accept MIC does not verify"
  DevAddr dev_addr;
  std::uint16_t dev_nonce = 0;
};
JoinAcceptOutcome accept_join(SessionStore& store, const Device& device,
                              std::span<const std::uint8_t> join_accept_phy);
// The same from an already decrypted and verified join accept and the join request it answers.
// `dev_nonce` is the answered request's DevNonce, or its RJcount for a rejoin.
Session session_from_join_accept(const Device& device, const lorawan::JoinAccept& ja,
                                 JoinEui join_eui, std::uint16_t dev_nonce);

}  // namespace ranbridge::mic
