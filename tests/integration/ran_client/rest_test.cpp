// The RAN client's REST side against a real ran-emulator: every routing-table and multicast
// operation, every API error code as its own type, parameter errors before any I/O, wrong
// tokens, keep-alive reuse.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "rig.hpp"

using namespace ranbridge::ran_client_test;
using namespace std::chrono_literals;
namespace ran = ranbridge::ran;

namespace {

ran::DevEui eui(std::uint64_t v) {
  return ran::DevEui{v};
}
ran::JoinEui join(std::uint64_t v) {
  return ran::JoinEui{v};
}
ran::DevAddr addr(std::uint32_t v) {
  return ran::DevAddr{v};
}

struct RestTest : ::testing::Test {
  Rig rig;
  std::unique_ptr<ran::Core> core = rig.core();
  void SetUp() override { rig.run(core->connect()); }
  ran::RoutingTable& table() { return core->routing_table(); }
  ran::MulticastGroups& groups() { return core->multicast_groups(); }
};

TEST_F(RestTest, RoutingTableEveryOperation) {
  // Leading zeros and the top bit must survive the round trip.
  auto otaa = rig.run(table().insert(eui(0x00000000000000a1ULL), join(0x70b3d57ed0000001ULL),
                                     std::string(R"({"site":"roof"})")));
  EXPECT_EQ(otaa.dev_eui, eui(0xa1));
  EXPECT_EQ(otaa.join_eui, join(0x70b3d57ed0000001ULL));
  EXPECT_FALSE(otaa.active_dev_addr);
  ASSERT_TRUE(otaa.details);
  EXPECT_NE(otaa.details->find("roof"), std::string::npos);
  EXPECT_FALSE(otaa.created_at.empty());

  auto abp = rig.run(table().insert(eui(0xffffffffffffffffULL), addr(0x00000001)));
  EXPECT_EQ(abp.active_dev_addr, addr(1));
  EXPECT_FALSE(abp.join_eui);

  auto selected = rig.run(table().select({eui(0xa1)}));
  ASSERT_EQ(selected.size(), 1u);
  EXPECT_EQ(selected[0], otaa);

  // select_all pages through: 7 devices in pages of 2 = 4 requests.
  for (std::uint64_t i = 1; i <= 5; ++i)
    rig.run(table().insert(eui(0x1000 + i), addr(0x26000000 + i)));
  auto all = rig.run(table().select_all(2));
  ASSERT_EQ(all.size(), 7u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(),
                             [](const auto& a, const auto& b) { return a.dev_eui < b.dev_eui; }));
  auto page = rig.run(table().select({}, 1, 2));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].dev_eui, all[1].dev_eui);

  auto updated = rig.run(
      table().update(eui(0xa1), join(0x70b3d57ed0000001ULL), addr(0x26aabbcc), addr(0x26ddeeff)));
  EXPECT_EQ(updated.active_dev_addr, addr(0x26aabbcc));
  EXPECT_EQ(updated.target_dev_addr, addr(0x26ddeeff));
  // An absent address is left unchanged.
  updated = rig.run(
      table().update(eui(0xa1), join(0x70b3d57ed0000001ULL), std::nullopt, addr(0x26000042)));
  EXPECT_EQ(updated.active_dev_addr, addr(0x26aabbcc));
  EXPECT_EQ(updated.target_dev_addr, addr(0x26000042));

  EXPECT_EQ(rig.run(table().remove({eui(0xa1), eui(0xdead)})), 1u);
  EXPECT_TRUE(rig.run(table().select({eui(0xa1)})).empty());
  EXPECT_EQ(rig.run(table().remove_all()), 6u);
  EXPECT_TRUE(rig.run(table().select_all()).empty());
  EXPECT_EQ(rig.stat("devices/routing_table"), 0);
}

TEST_F(RestTest, MulticastEveryOperation) {
  rig.run(table().insert(eui(0xa1), addr(0x26000001)));
  rig.run(table().insert(eui(0xa2), addr(0x26000002)));

  auto g = rig.run(groups().create("floor-1", addr(0x00aa0001)));
  EXPECT_EQ(g.addr, addr(0x00aa0001));
  EXPECT_EQ(g.name, "floor-1");
  EXPECT_TRUE(g.devices.empty());
  rig.run(groups().create("floor-2", addr(0x00aa0002)));

  EXPECT_TRUE(rig.run(groups().add_device(addr(0x00aa0001), eui(0xa1))));
  EXPECT_TRUE(rig.run(groups().add_device(addr(0x00aa0001), eui(0xa2))));

  auto renamed = rig.run(groups().update(addr(0x00aa0001), std::string("lobby"), std::nullopt));
  EXPECT_EQ(renamed.name, "lobby");
  auto moved = rig.run(groups().update(addr(0x00aa0001), std::nullopt, addr(0x00aa0003)));
  EXPECT_EQ(moved.addr, addr(0x00aa0003));
  EXPECT_EQ(moved.devices.size(), 2u);

  auto all = rig.run(groups().get());
  EXPECT_EQ(all.size(), 2u);
  auto some = rig.run(groups().get({addr(0x00aa0003)}));
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].name, "lobby");

  EXPECT_TRUE(rig.run(groups().remove_device(addr(0x00aa0003), eui(0xa1))));
  EXPECT_FALSE(rig.run(groups().remove_device(addr(0x00aa0003), eui(0xa1))));
  EXPECT_FALSE(rig.run(groups().remove_device(addr(0x00bbbbbb), eui(0xa2))));
  some = rig.run(groups().get({addr(0x00aa0003)}));
  ASSERT_EQ(some.size(), 1u);
  EXPECT_EQ(some[0].devices, std::vector<ran::DevEui>{eui(0xa2)});

  EXPECT_EQ(rig.run(groups().remove({addr(0x00aa0003), addr(0x00aa0002), addr(0x00cccccc)})), 2u);
  EXPECT_TRUE(rig.run(groups().get()).empty());
}

// Each API error code arrives as its own exception type with code, status and description.
TEST_F(RestTest, EveryApiErrorCodeIsTyped) {
  rig.run(table().insert(eui(0xa1), join(0x1)));
  try {
    rig.run(table().insert(eui(0xa1), join(0x1)));
    FAIL() << "no error";
  } catch (const ran::DeviceAlreadyExistsError& e) {
    EXPECT_EQ(e.code(), "Device.AlreadyExists");
    EXPECT_EQ(e.http_status(), 409);
    EXPECT_FALSE(e.description().empty());
  }
  // Update with another JoinEUI than the stored one, and of an absent device.
  EXPECT_THROW(rig.run(table().update(eui(0xa1), join(0x2), addr(1), std::nullopt)),
               ran::DeviceNotFoundError);
  try {
    rig.run(table().update(eui(0xbeef), join(0x1), addr(1), std::nullopt));
    FAIL() << "no error";
  } catch (const ran::DeviceNotFoundError& e) {
    EXPECT_EQ(e.http_status(), 404);
    EXPECT_EQ(e.code(), "Device.NotFound");
  }
  // A value the client lets through but RAN refuses: ValidationFailed with its details.
  try {
    rig.run(table().select({}, std::numeric_limits<std::uint64_t>::max()));
    FAIL() << "no error";
  } catch (const ran::ValidationFailedError& e) {
    EXPECT_EQ(e.http_status(), 422);
    ASSERT_FALSE(e.details().empty());
    EXPECT_NE(e.raw_body().find("offset"), std::string::npos) << e.raw_body();
  }

  rig.run(groups().create("g", addr(0x10)));
  try {
    rig.run(groups().create("again", addr(0x10)));
    FAIL() << "no error";
  } catch (const ran::MulticastGroupAlreadyExistsError& e) {
    EXPECT_EQ(e.code(), "MulticastGroup.AlreadyExists");
    EXPECT_EQ(e.http_status(), 409);
  }
  try {
    rig.run(groups().update(addr(0x99), std::string("x"), std::nullopt));
    FAIL() << "no error";
  } catch (const ran::MulticastGroupNotFoundError& e) {
    EXPECT_EQ(e.code(), "MulticastGroup.NotFound");
    EXPECT_EQ(e.http_status(), 404);
  }
  EXPECT_THROW(rig.run(groups().add_device(addr(0x99), eui(0xa1))),
               ran::MulticastGroupNotFoundError);
  EXPECT_THROW(rig.run(groups().add_device(addr(0x10), eui(0xbeef))), ran::DeviceNotFoundError);
  rig.run(groups().add_device(addr(0x10), eui(0xa1)));
  try {
    rig.run(groups().add_device(addr(0x10), eui(0xa1)));
    FAIL() << "no error";
  } catch (const ran::MulticastGroupAlreadyContainsTheDeviceError& e) {
    EXPECT_EQ(e.code(), "MulticastGroup.AlreadyContainsTheDevice");
    EXPECT_EQ(e.http_status(), 409);
  }
  // Every error so far was answered on kept-alive connections: the client is still usable.
  EXPECT_EQ(rig.run(table().select_all()).size(), 1u);
}

TEST(RestLimit, DeviceLimitExhausted) {
  ranbridge::testing::TempDir dir;
  auto cfg = dir.write("emulator.yaml", "tokens: [test-token]\ndevice_limit: 2\n");
  Rig rig({"--config", cfg.string()});
  auto core = rig.core();
  rig.run(core->connect());
  rig.run(core->routing_table().insert(eui(1), addr(1)));
  rig.run(core->routing_table().insert(eui(2), addr(2)));
  try {
    rig.run(core->routing_table().insert(eui(3), addr(3)));
    FAIL() << "no error";
  } catch (const ran::DeviceLimitExhaustedError& e) {
    EXPECT_EQ(e.code(), "Device.LimitExhausted");
    EXPECT_EQ(e.http_status(), 403);
  }
  EXPECT_EQ(rig.run(core->routing_table().select_all()).size(), 2u);
}

TEST_F(RestTest, WrongTokenIsUnauthorized) {
  auto bad = rig.core("not-the-token");
  rig.run(bad->connect());
  try {
    rig.run(bad->routing_table().select());
    FAIL() << "no error";
  } catch (const ran::UnauthorizedError& e) {
    EXPECT_EQ(e.code(), "Unauthorized");
    EXPECT_EQ(e.http_status(), 401);
    EXPECT_EQ(std::string(e.what()).find("not-the-token"), std::string::npos) << e.what();
  }
  EXPECT_THROW(rig.run(bad->multicast_groups().get()), ran::UnauthorizedError);
  EXPECT_THROW(rig.run(bad->routing_table().insert(eui(1), addr(1))), ran::UnauthorizedError);
  // Nothing was written.
  EXPECT_TRUE(rig.run(table().select_all()).empty());
}

// A body that is not the API's error shape (wrong path: FastAPI's {"detail": "Not Found"})
// becomes UnknownError with the raw body.
TEST_F(RestTest, OtherErrorBodiesAreUnknownError) {
  ran::Endpoints ep = ran::Endpoints::from_base(rig.emulator().base_url());
  ep.routing_table = rig.emulator().base_url() + "/no-such-thing";
  ran::Core odd(rig.io.get_executor(), kToken, ep, Rig::test_options());
  rig.run(odd.connect());
  try {
    rig.run(odd.routing_table().select());
    FAIL() << "no error";
  } catch (const ran::UnknownError& e) {
    EXPECT_EQ(e.http_status(), 404);
    EXPECT_NE(e.raw_body().find("Not Found"), std::string::npos);
  }
}

// Bad arguments fail with ParameterError before any I/O: the Core points at a port where
// nothing listens, so any network attempt would be a TransportError instead.
TEST(RestParameters, RaisedBeforeAnyIo) {
  boost::asio::io_context io;
  const std::string url =
      "http://127.0.0.1:" + std::to_string(ranbridge::testing::free_port()) + "/api/v1";
  EXPECT_THROW(ran::Core(io.get_executor(), "", url), ran::ParameterError);
  EXPECT_THROW(ran::Core(io.get_executor(), "a token", url), ran::ParameterError);
  EXPECT_THROW(ran::Core(io.get_executor(), kToken, "ftp://127.0.0.1/api/v1"), ran::ParameterError);
  EXPECT_THROW(ran::Core(io.get_executor(), kToken, "not a url"), ran::ParameterError);
  ran::ClientOptions zero_queue;
  zero_queue.receive_queue_capacity = 0;
  EXPECT_THROW(ran::Core(io.get_executor(), kToken, url, zero_queue), ran::ParameterError);
  ran::ClientOptions bad_ca;
  bad_ca.tls.ca_file = "/nonexistent/ca.pem";
  ran::Core tls_core(io.get_executor(), kToken, "https://127.0.0.1:1/api/v1", bad_ca);
  EXPECT_THROW(ran::run_blocking(io, tls_core.connect()), ran::ParameterError);

  ran::Core core(io.get_executor(), kToken, url);
  EXPECT_THROW(core.routing_table(), ran::ParameterError);  // connect() first
  ran::run_blocking(io, core.connect());
  auto& t = core.routing_table();
  auto& g = core.multicast_groups();
  auto run = [&](auto task) { ran::run_blocking(io, std::move(task)); };
  EXPECT_THROW(run(t.select_all(0)), ran::ParameterError);
  EXPECT_THROW(run(t.insert(eui(1), join(1), std::string("{not json"))), ran::ParameterError);
  EXPECT_THROW(run(t.insert(eui(1), addr(1), std::string(""))), ran::ParameterError);
  EXPECT_THROW(run(t.update(eui(1), join(1), std::nullopt, std::nullopt)), ran::ParameterError);
  EXPECT_THROW(run(t.remove({})), ran::ParameterError);
  EXPECT_THROW(run(g.create(std::string(256, 'x'), addr(1))), ran::ParameterError);
  EXPECT_THROW(run(g.update(addr(1), std::nullopt, std::nullopt)), ran::ParameterError);
  EXPECT_THROW(run(g.remove({})), ran::ParameterError);
  EXPECT_EQ(core.rest_connections_opened(), 0u);
  // ...and the same Core does reach the network for a valid call (so the check above can fail).
  EXPECT_THROW(run(t.select()), ran::TransportError);
}

TEST_F(RestTest, KeepAliveReusesConnections) {
  for (int i = 0; i < 20; ++i) {
    rig.run(table().insert(eui(0x100 + i), addr(0x100 + i)));
    rig.run(groups().get());
  }
  // Errors keep the connection too.
  EXPECT_THROW(rig.run(table().insert(eui(0x100), addr(1))), ran::DeviceAlreadyExistsError);
  EXPECT_EQ(rig.run(table().select_all(7)).size(), 20u);
  // One connection per REST endpoint (routing table, multicast).
  EXPECT_LE(core->rest_connections_opened(), 2u);
  EXPECT_GE(core->rest_connections_opened(), 1u);
  // close() drops them; the next call opens a new one.
  rig.run(core->close());
  rig.run(table().select());
  EXPECT_EQ(core->rest_connections_opened(), 3u);
}

}  // namespace
