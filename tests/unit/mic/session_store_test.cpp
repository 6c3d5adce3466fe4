#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "frames.hpp"
#include "ranbridge/lorawan/join.hpp"
#include "ranbridge/mic/registry.hpp"
#include "ranbridge/mic/session_store.hpp"
#include "ranbridge_test/support.hpp"

using namespace ranbridge::mic;
namespace lw = ranbridge::lorawan;

namespace {

Session make_session(std::uint32_t addr, std::uint8_t key_byte,
                     std::optional<std::uint32_t> fcnt = std::nullopt) {
  Session s;
  s.dev_addr = DevAddr{addr};
  s.version = LorawanVersion::V1_0_3;
  for (auto* k :
       {&s.keys.f_nwk_s_int_key, &s.keys.s_nwk_s_int_key, &s.keys.nwk_s_enc_key, &s.keys.app_s_key})
    k->bytes.fill(key_byte);
  s.fcnt_up = fcnt;
  return s;
}

std::vector<std::uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_file(const std::filesystem::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

}  // namespace

TEST(SessionStore, PendingBecomesActiveAndIndexFollows) {
  MemorySessionStore s;
  const DevEui e{42};
  s.put_active(e, make_session(0x100, 1, 7));
  s.put_pending(e, make_session(0x200, 2));
  EXPECT_EQ(s.find_by_dev_addr(DevAddr{0x100}).size(), 1u);
  EXPECT_EQ(s.find_by_dev_addr(DevAddr{0x200}).size(), 1u);
  // The old session keeps working until the new one is used.
  EXPECT_EQ(s.commit_uplink(e, SessionSlot::Active, DevAddr{0x100}, 8), CommitResult::Committed);
  EXPECT_EQ(s.commit_uplink(e, SessionSlot::Pending, DevAddr{0x200}, 0), CommitResult::Committed);
  auto d = s.get(e);
  ASSERT_TRUE(d && d->active);
  EXPECT_FALSE(d->pending);
  EXPECT_EQ(d->active->dev_addr, DevAddr{0x200});
  EXPECT_EQ(d->active->fcnt_up, 0u);
  EXPECT_TRUE(s.find_by_dev_addr(DevAddr{0x100}).empty());
  EXPECT_EQ(s.find_by_dev_addr(DevAddr{0x200}).size(), 1u);
  // Old session gone: a commit under it finds nothing.
  EXPECT_EQ(s.commit_uplink(e, SessionSlot::Active, DevAddr{0x100}, 9), CommitResult::Gone);
}

TEST(SessionStore, CountersOnlyMoveForward) {
  MemorySessionStore s;
  const DevEui e{1};
  s.put_active(e, make_session(0x1, 1, 10));
  EXPECT_EQ(s.commit_uplink(e, SessionSlot::Active, DevAddr{0x1}, 10),
            CommitResult::Retransmission);
  EXPECT_EQ(s.commit_uplink(e, SessionSlot::Active, DevAddr{0x1}, 9), CommitResult::Stale);
  EXPECT_EQ(s.commit_uplink(e, SessionSlot::Active, DevAddr{0x1}, 11), CommitResult::Committed);
  EXPECT_EQ(s.commit_uplink(e, SessionSlot::Abp, DevAddr{0x9}, 0), CommitResult::Committed);
  EXPECT_EQ(s.commit_uplink(e, SessionSlot::Abp, DevAddr{0x9}, 0), CommitResult::Retransmission);
  EXPECT_EQ(s.get(e)->abp_fcnt_up, 0u);
}

TEST(SessionStore, RecentJoinRequestsAreBounded) {
  MemorySessionStore s;
  for (std::uint16_t n = 0; n < 10; ++n) s.record_join_request(DevEui{5}, {JoinEui{1}, n});
  auto d = s.get(DevEui{5});
  ASSERT_TRUE(d);
  ASSERT_EQ(d->recent_joins.size(), kMaxRecentJoins);
  EXPECT_EQ(d->recent_joins.back().dev_nonce, 9);
}

TEST(SessionStore, ConcurrentCommitsKeepTheHighestCounter) {
  MemorySessionStore s;
  for (std::uint64_t e = 0; e < 8; ++e) s.put_active(DevEui{e}, make_session(0x77, 1));
  std::vector<std::thread> threads;
  std::atomic<int> committed{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (std::uint32_t f = 0; f < 500; ++f)
        for (std::uint64_t e = 0; e < 8; ++e)
          if (s.commit_uplink(DevEui{e}, SessionSlot::Active, DevAddr{0x77}, f * 4 + t) ==
              CommitResult::Committed)
            ++committed;
    });
  for (auto& th : threads) th.join();
  for (std::uint64_t e = 0; e < 8; ++e) EXPECT_EQ(s.get(DevEui{e})->active->fcnt_up, 499u * 4 + 3);
  EXPECT_GE(committed.load(), 8 * 500);
  EXPECT_EQ(s.find_by_dev_addr(DevAddr{0x77}).size(), 8u);
}

TEST(SessionSnapshot, RoundTrip) {
  ranbridge::testing::TempDir dir;
  const auto path = dir / "sessions.snap";
  MemorySessionStore a;
  a.put_active(DevEui{1}, make_session(0x10, 1, 65536));
  a.put_pending(DevEui{1}, make_session(0x11, 2));
  a.put_pending(DevEui{0x0004a30b001c0530}, make_session(0x12, 3));
  a.commit_uplink(DevEui{3}, SessionSlot::Abp, DevAddr{0}, 99);
  a.record_join_request(DevEui{1}, {JoinEui{7}, 0x1234});
  auto s = make_session(0x13, 4, 0xFFFFFFFF);
  s.version = LorawanVersion::V1_1;
  s.conf_fcnt_down = 77;
  a.put_active(DevEui{4}, s);
  ASSERT_EQ(a.save(path), std::nullopt);
  EXPECT_FALSE(std::filesystem::exists(dir / "sessions.snap.tmp"));
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);

  MemorySessionStore b;
  b.put_active(DevEui{999}, make_session(0x99, 9));  // replaced by the load
  ASSERT_EQ(b.load(path), std::nullopt);
  auto sorted = [](std::vector<DeviceSessions> v) {
    std::sort(v.begin(), v.end(), [](auto& x, auto& y) { return x.dev_eui < y.dev_eui; });
    return v;
  };
  EXPECT_EQ(sorted(a.all()), sorted(b.all()));
  EXPECT_FALSE(b.get(DevEui{999}));
  EXPECT_TRUE(b.find_by_dev_addr(DevAddr{0x99}).empty());
  EXPECT_EQ(b.find_by_dev_addr(DevAddr{0x11}).size(), 1u);
}

TEST(SessionSnapshot, MissingFileIsAnEmptyStore) {
  ranbridge::testing::TempDir dir;
  MemorySessionStore s;
  EXPECT_EQ(s.load(dir / "none.snap"), std::nullopt);
  EXPECT_EQ(s.size(), 0u);
}

TEST(SessionSnapshot, CorruptedFilesGiveClearErrorsAndKeepTheStore) {
  ranbridge::testing::TempDir dir;
  const auto path = dir / "s.snap";
  MemorySessionStore a;
  a.put_active(DevEui{1}, make_session(0x10, 1, 5));
  a.record_join_request(DevEui{1}, {JoinEui{7}, 1});
  ASSERT_EQ(a.save(path), std::nullopt);
  const auto good = read_file(path);

  auto expect_load_error = [&](const std::vector<std::uint8_t>& bytes, const std::string& what) {
    write_file(path, bytes);
    MemorySessionStore b;
    b.put_active(DevEui{2}, make_session(0x20, 2));
    auto err = b.load(path);
    ASSERT_TRUE(err.has_value()) << what;
    EXPECT_NE(err->find(what), std::string::npos) << *err;
    EXPECT_NE(err->find(path.string()), std::string::npos) << *err;
    EXPECT_TRUE(b.get(DevEui{2})) << "a failed load must leave the store as it was";
  };
  auto flipped = good;
  flipped[30] ^= 0x01;
  expect_load_error(flipped, "checksum mismatch");
  expect_load_error(std::vector<std::uint8_t>(good.begin(), good.end() - 9), "checksum mismatch");
  expect_load_error({}, "bad header");
  expect_load_error(std::vector<std::uint8_t>(good.begin(), good.begin() + 10), "bad header");
  auto magic = good;
  magic[0] = 'X';
  expect_load_error(magic, "bad header");
  auto version = good;
  version[8] = 9;
  expect_load_error(version, "unsupported snapshot format version 9");
}

// A 1.1 OTAA device (DevEUI 2), a devices-file list entry.
constexpr const char* kOtaa11Device = R"(  - dev_eui: "0000000000000002"
    lorawan_version: "1.1"
    otaa: {join_eui: "00000000000000aa", app_key: "5d9fad68e14cdfd6d599d68a48bce420",
           nwk_key: "1ca27304d692c157a19be3749c43e9bb"}
)";

TEST(JoinAccept, PendingSessionFromJoinAccept10And11) {
  const std::string yaml = std::string(R"(devices:
  - dev_eui: "0000000000000001"
    lorawan_version: "1.0.3"
    otaa: {join_eui: "00000000000000aa", app_key: "829a7de594e02867cf54f5a7ca9cc87b"}
)") + kOtaa11Device;
  auto load = Registry::parse(yaml, "d.yaml");
  ASSERT_TRUE(load.ok());
  const auto& reg = *load.registry;
  MemorySessionStore store;
  lw::JoinAccept ja;
  ja.join_nonce = 0x123456;
  ja.net_id = lw::NetId{0x13};
  ja.dev_addr = DevAddr{0x26012345};
  ja.rx_delay = 1;

  // 1.0.3: encrypted and MIC'd with the AppKey.
  const Device& d10 = *reg.find(DevEui{1});
  lw::JoinAcceptBuildKeys k10{d10.app_key(),        d10.app_key(), {},
                              lw::kJoinReqTypeJoin, d10.join_eui,  0x0101};
  const auto phy10 = lw::build_join_accept(ja, k10);
  auto no_request = accept_join(store, d10, phy10);
  EXPECT_FALSE(no_request.ok);
  EXPECT_NE(no_request.error.find("DevNonce is unknown"), std::string::npos);
  store.record_join_request(d10.dev_eui, {d10.join_eui, 0x0101});
  auto r10 = accept_join(store, d10, phy10);
  ASSERT_TRUE(r10.ok) << r10.error;
  auto st = store.get(d10.dev_eui);
  ASSERT_TRUE(st && st->pending);
  const auto want10 = lw::derive_session_keys_1_0(d10.app_key(), ja.join_nonce, ja.net_id, 0x0101);
  EXPECT_EQ(st->pending->keys.nwk_s_key(), want10.nwk_s_key());
  EXPECT_EQ(st->pending->dev_addr, ja.dev_addr);
  EXPECT_EQ(store.find_by_dev_addr(ja.dev_addr).size(), 1u);

  // A tampered accept does not verify.
  auto bad = phy10;
  bad[5] ^= 0x40;
  EXPECT_FALSE(accept_join(store, d10, bad).ok);
  EXPECT_FALSE(
      accept_join(store, d10, std::vector<std::uint8_t>(phy10.begin(), phy10.end() - 1)).ok);

  // 1.1 with OptNeg: MIC with JSIntKey over JoinEUI and DevNonce; the older request answered.
  const Device& d11 = *reg.find(DevEui{2});
  ja.dl_settings = 0x80;
  const auto js_int = lw::derive_js_int_key(d11.nwk_key(), d11.dev_eui);
  lw::JoinAcceptBuildKeys k11{d11.nwk_key(),        d11.nwk_key(), js_int,
                              lw::kJoinReqTypeJoin, d11.join_eui,  7};
  store.record_join_request(d11.dev_eui, {d11.join_eui, 7});
  store.record_join_request(d11.dev_eui, {d11.join_eui, 8});
  auto r11 = accept_join(store, d11, lw::build_join_accept(ja, k11));
  ASSERT_TRUE(r11.ok) << r11.error;
  EXPECT_EQ(r11.dev_nonce, 7);
  const auto want11 =
      lw::derive_session_keys_1_1(d11.nwk_key(), d11.app_key(), ja.join_nonce, d11.join_eui, 7);
  st = store.get(d11.dev_eui);
  ASSERT_TRUE(st && st->pending);
  EXPECT_EQ(st->pending->version, LorawanVersion::V1_1);
  EXPECT_EQ(st->pending->keys.s_nwk_s_int_key, want11.s_nwk_s_int_key);
  EXPECT_EQ(st->pending->keys.f_nwk_s_int_key, want11.f_nwk_s_int_key);

  // ABP devices cannot join.
  auto abp = Registry::parse(
      "devices:\n  - dev_eui: \"03\"\n    lorawan_version: 1.0.3\n    abp: {dev_addr: \"01\", "
      "nwk_s_key: \"829a7de594e02867cf54f5a7ca9cc87b\"}\n",
      "a.yaml");
  ASSERT_TRUE(abp.ok());
  EXPECT_FALSE(accept_join(store, abp.registry->devices()[0], phy10).ok);
}

// LoRaWAN 1.1 §6.2.2/6.2.4: a join accept answering a rejoin request is encrypted with
// JSEncKey, its MIC (JSIntKey) covers the rejoin type, JoinEUI and RJcount, and RJcount takes
// DevNonce's place in the key derivation.
TEST(JoinAccept, RejoinAcceptUsesJsEncKeyAndRjCount) {
  const std::string yaml = std::string("devices:\n") + kOtaa11Device;
  auto load = Registry::parse(yaml, "d.yaml");
  ASSERT_TRUE(load.ok());
  const Device& d = *load.registry->find(DevEui{2});
  MemorySessionStore store;
  store.put_active(d.dev_eui, make_session(0x26000001, 1, 40));
  lw::JoinAccept ja;
  ja.join_nonce = 0x000102;
  ja.net_id = lw::NetId{0x13};
  ja.dev_addr = DevAddr{0x26054321};
  ja.dl_settings = 0x80;
  ja.rx_delay = 5;
  const auto js_int = lw::derive_js_int_key(d.nwk_key(), d.dev_eui);
  const auto js_enc = lw::derive_js_enc_key(d.nwk_key(), d.dev_eui);
  // Rejoin type 0, RJcount0 = 3 (the solver records it with the device's JoinEUI).
  const lw::JoinAcceptBuildKeys rejoin{js_enc, d.nwk_key(), js_int, 0, d.join_eui, 3};
  const auto phy = lw::build_join_accept(ja, rejoin);

  store.record_join_request(d.dev_eui, {d.join_eui, 3});  // a join request with DevNonce 3
  EXPECT_FALSE(accept_join(store, d, phy).ok) << "a join request is not the rejoin it answers";
  store.record_join_request(d.dev_eui, {d.join_eui, 3, 0});
  auto r = accept_join(store, d, phy);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.dev_addr, ja.dev_addr);
  EXPECT_EQ(r.dev_nonce, 3);
  const auto want =
      lw::derive_session_keys_1_1(d.nwk_key(), d.app_key(), ja.join_nonce, d.join_eui, 3);
  auto st = store.get(d.dev_eui);
  ASSERT_TRUE(st && st->pending && st->active);
  EXPECT_EQ(st->pending->dev_addr, ja.dev_addr);
  EXPECT_EQ(st->pending->keys.s_nwk_s_int_key, want.s_nwk_s_int_key);
  EXPECT_EQ(st->pending->keys.app_s_key, want.app_s_key);
  EXPECT_EQ(st->active->dev_addr, DevAddr{0x26000001}) << "the old session works until then";

  // The same accept encrypted with NwkKey (as for a join request) does not verify as a rejoin.
  lw::JoinAcceptBuildKeys wrong_key = rejoin;
  wrong_key.enc_key = d.nwk_key();
  EXPECT_FALSE(accept_join(store, d, lw::build_join_accept(ja, wrong_key)).ok);
  // Nor does a MIC over another rejoin type.
  lw::JoinAcceptBuildKeys wrong_type = rejoin;
  wrong_type.join_req_type = 2;
  EXPECT_FALSE(accept_join(store, d, lw::build_join_accept(ja, wrong_type)).ok);
}

TEST(SessionSnapshot, RejoinEntriesRoundTripAndVersion1StillLoads) {
  ranbridge::testing::TempDir dir;
  const auto path = dir / "s.snap";
  MemorySessionStore a;
  a.record_join_request(DevEui{1}, {JoinEui{7}, 0x1234});
  a.record_join_request(DevEui{1}, {JoinEui{7}, 5, 1});
  ASSERT_EQ(a.save(path), std::nullopt);
  MemorySessionStore b;
  ASSERT_EQ(b.load(path), std::nullopt);
  ASSERT_TRUE(b.get(DevEui{1}));
  EXPECT_EQ(b.get(DevEui{1})->recent_joins, a.get(DevEui{1})->recent_joins);

  // A version 1 file (written before rejoins were recorded): one device, one join request.
  std::vector<std::uint8_t> v1 = {'R', 'B', 'S', 'E', 'S', 'S', '\r', '\n', 1, 0, 0, 0};
  auto put = [&](std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) v1.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  };
  put(1, 8);                      // device count
  put(9, 8);                      // DevEUI
  put(0, 1);                      // flags: nothing but join requests
  put(1, 1);                      // one join request
  put(0xaa, 8);                   // JoinEUI
  put(0x0102, 2);                 // DevNonce
  std::uint32_t c = 0xFFFFFFFFu;  // CRC-32 (IEEE), as the writer computes it
  for (auto byte : v1) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
  }
  put(c ^ 0xFFFFFFFFu, 4);
  write_file(path, v1);
  MemorySessionStore old;
  ASSERT_EQ(old.load(path), std::nullopt);
  auto st = old.get(DevEui{9});
  ASSERT_TRUE(st);
  ASSERT_EQ(st->recent_joins.size(), 1u);
  EXPECT_EQ(st->recent_joins[0], (JoinRequestSeen{JoinEui{0xaa}, 0x0102, lw::kJoinReqTypeJoin}));
}
