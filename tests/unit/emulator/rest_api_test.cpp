#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "ranbridge/emulator/rest_api.hpp"

using namespace ranbridge::emulator;
namespace json = boost::json;

namespace {

struct Rest : ::testing::Test {
  RestState st;
  json::value call(std::string_view method, std::string_view path, std::string_view body,
                   unsigned expect_status, std::string_view query = "") {
    auto r = handle_rest(st, method, path, query, body, "2022-05-31T07:14:04.473749");
    EXPECT_EQ(r.status, expect_status) << path << " " << body << " -> " << r.body;
    return json::parse(r.body);
  }
  json::value post(std::string_view path, std::string_view body, unsigned status = 200) {
    return call("POST", path, body, status);
  }
  std::string code(const json::value& v) {
    return std::string(v.at("detail").at("error_code").as_string());
  }
  json::array details(const json::value& v) { return v.at("detail").at("error_detail").as_array(); }
};

}  // namespace

TEST_F(Rest, InsertOtaaGivesDeviceWithExplicitNulls) {
  auto d = post("/devices/insert", R"({"DevEUI":"0004A30B001C0530","JoinEUI":"0x1"})");
  EXPECT_EQ(json::serialize(d),
            R"({"DevEUI":"0004a30b001c0530","JoinEUI":"0000000000000001","ActiveDevAddr":null,)"
            R"("TargetDevAddr":null,"Details":null,"CreatedAt":"2022-05-31T07:14:04.473749"})");
}

TEST_F(Rest, InsertAbpStoresActiveDevAddrAndDetails) {
  auto d = post("/devices/insert", R"({"DevEUI":"ff","DevAddr":"26011234","Details":"{\"a\":1}"})");
  EXPECT_EQ(d.at("DevEUI"), "00000000000000ff");
  EXPECT_EQ(d.at("ActiveDevAddr"), "26011234");
  EXPECT_TRUE(d.at("JoinEUI").is_null());
  EXPECT_EQ(d.at("Details"), "{\"a\":1}");
}

TEST_F(Rest, InsertValidation) {
  auto e = post("/devices/insert", R"({"JoinEUI":"1"})", 422);
  EXPECT_EQ(code(e), "ValidationFailed");
  ASSERT_EQ(details(e).size(), 1u);
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["body","DevEUI"])");
  EXPECT_EQ(details(e)[0].at("type"), "value_error.missing");

  e = post("/devices/insert", R"({"DevEUI":"xyz","JoinEUI":"1"})", 422);
  EXPECT_EQ(details(e)[0].at("type"), "value_error.hex");
  e = post("/devices/insert", R"({"DevEUI":"10000000000000000","JoinEUI":"1"})", 422);
  EXPECT_EQ(code(e), "ValidationFailed");
  e = post("/devices/insert", R"({"DevEUI":12,"JoinEUI":"1"})", 422);
  EXPECT_EQ(details(e)[0].at("type"), "type_error.str");
  e = post("/devices/insert", R"({"DevEUI":"1"})", 422);
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["body"])");
  e = post("/devices/insert", R"({"DevEUI":"1","JoinEUI":"1","DevAddr":"1"})", 422);
  EXPECT_EQ(code(e), "ValidationFailed");
  e = post("/devices/insert", R"({"DevEUI":"1","DevAddr":"100000000"})", 422);
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["body","DevAddr"])");
  e = post("/devices/insert", R"({"DevEUI":"1","JoinEUI":null})", 422);
  EXPECT_EQ(details(e)[0].at("type"), "type_error.none.not_allowed");
  e = post("/devices/insert", "not json", 422);
  EXPECT_EQ(details(e)[0].at("type"), "value_error.jsondecode");
  e = post("/devices/insert", "[1]", 422);
  EXPECT_EQ(details(e)[0].at("type"), "type_error.dict");
  e = post("/devices/insert", "", 422);
  EXPECT_EQ(code(e), "ValidationFailed");
}

TEST_F(Rest, InsertDuplicateIsAlreadyExists) {
  post("/devices/insert", R"({"DevEUI":"1","JoinEUI":"1"})");
  auto e = post("/devices/insert", R"({"DevEUI":"01","DevAddr":"1"})", 409);
  EXPECT_EQ(code(e), "Device.AlreadyExists");
}

TEST_F(Rest, LimitExhausted) {
  st.table = RoutingTable(1);
  post("/devices/insert", R"({"DevEUI":"1","JoinEUI":"1"})");
  auto e = post("/devices/insert", R"({"DevEUI":"2","JoinEUI":"1"})", 403);
  EXPECT_EQ(code(e), "Device.LimitExhausted");
}

TEST_F(Rest, UpdateAndErrors) {
  post("/devices/insert", R"({"DevEUI":"1","JoinEUI":"2"})");
  auto d = post("/devices/update", R"({"DevEUI":"1","JoinEUI":"2","TargetDevAddr":"abc"})");
  EXPECT_EQ(d.at("TargetDevAddr"), "00000abc");
  EXPECT_TRUE(d.at("ActiveDevAddr").is_null());
  auto e = post("/devices/update", R"({"DevEUI":"1","JoinEUI":"2"})", 422);
  EXPECT_EQ(code(e), "ValidationFailed");
  e = post("/devices/update", R"({"DevEUI":"1","TargetDevAddr":"1"})", 422);
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["body","JoinEUI"])");
  e = post("/devices/update", R"({"DevEUI":"1","JoinEUI":"2","ActiveDevAddr":null})", 422);
  EXPECT_EQ(details(e)[0].at("type"), "type_error.none.not_allowed");
  e = post("/devices/update", R"({"DevEUI":"9","JoinEUI":"2","ActiveDevAddr":"1"})", 404);
  EXPECT_EQ(code(e), "Device.NotFound");
}

TEST_F(Rest, SelectWithRepeatedDevEuisOffsetLimit) {
  for (int i = 1; i <= 4; ++i)
    post("/devices/insert", R"({"DevEUI":")" + std::to_string(i) + R"(","JoinEUI":"1"})");
  auto all = call("GET", "/devices/select", "", 200);
  EXPECT_EQ(all.as_array().size(), 4u);
  auto some =
      call("GET", "/devices/select", "", 200, "DevEUIs=0000000000000003&DevEUIs=0x1&DevEUIs=77");
  ASSERT_EQ(some.as_array().size(), 2u);
  EXPECT_EQ(some.as_array()[0].at("DevEUI"), "0000000000000001");
  auto page = call("GET", "/devices/select", "", 200, "offset=1&limit=2");
  ASSERT_EQ(page.as_array().size(), 2u);
  EXPECT_EQ(page.as_array()[0].at("DevEUI"), "0000000000000002");
  auto e = call("GET", "/devices/select", "", 422, "offset=-1");
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["query","offset"])");
  e = call("GET", "/devices/select", "", 422, "limit=abc");
  EXPECT_EQ(code(e), "ValidationFailed");
  e = call("GET", "/devices/select", "", 422, "DevEUIs=1&DevEUIs=zz");
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["query","DevEUIs",1])");
}

TEST_F(Rest, DropAndDropAll) {
  for (int i = 1; i <= 3; ++i)
    post("/devices/insert", R"({"DevEUI":")" + std::to_string(i) + R"(","JoinEUI":"1"})");
  EXPECT_EQ(json::serialize(post("/devices/drop", R"({"DevEUIs":["1","0000000000000009"]})")),
            R"({"deleted":1})");
  auto e = post("/devices/drop", R"({"DevEUIs":"1"})", 422);
  EXPECT_EQ(details(e)[0].at("type"), "type_error.list");
  e = post("/devices/drop", R"({})", 422);
  EXPECT_EQ(details(e)[0].at("type"), "value_error.missing");
  e = post("/devices/drop", R"({"DevEUIs":["1","q"]})", 422);
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["body","DevEUIs",1])");
  EXPECT_EQ(json::serialize(post("/devices/drop-all", "")), R"({"deleted":2})");
  EXPECT_EQ(json::serialize(post("/devices/drop-all", "")), R"({"deleted":0})");
}

TEST_F(Rest, UnknownPathAndWrongMethod) {
  auto e = post("/devices/nope", "{}", 404);
  EXPECT_EQ(e.at("detail"), "Not Found");
  e = call("GET", "/devices/insert", "", 405);
  EXPECT_EQ(e.at("detail"), "Method Not Allowed");
}

TEST_F(Rest, MulticastLifecycle) {
  const std::string mc = "/multicast/multicast-groups/";
  auto g = post(mc + "create", R"({"name":"grp","addr":"DAFA0C11"})");
  EXPECT_EQ(g.at("addr"), "dafa0c11");
  EXPECT_EQ(g.at("devices").as_array().size(), 0u);
  EXPECT_EQ(g.at("created_at"), "2022-05-31T07:14:04.473749");
  EXPECT_EQ(code(post(mc + "create", R"({"name":"x","addr":"dafa0c11"})", 409)),
            "MulticastGroup.AlreadyExists");
  EXPECT_EQ(code(post(mc + "create", R"({"name":"x"})", 422)), "ValidationFailed");
  auto e = post(mc + "create", R"({"name":")" + std::string(256, 'n') + R"(","addr":"1"})", 422);
  EXPECT_EQ(details(e)[0].at("type"), "value_error.any_str.max_length");

  EXPECT_EQ(code(post(mc + "add-device", R"({"addr":"dafa0c11","dev_eui":"1"})", 404)),
            "Device.NotFound");
  post("/devices/insert", R"({"DevEUI":"1","JoinEUI":"1"})");
  EXPECT_EQ(json::serialize(post(mc + "add-device", R"({"addr":"dafa0c11","dev_eui":"1"})")),
            R"({"is_added":true})");
  EXPECT_EQ(code(post(mc + "add-device", R"({"addr":"dafa0c11","dev_eui":"1"})", 409)),
            "MulticastGroup.AlreadyContainsTheDevice");
  EXPECT_EQ(code(post(mc + "add-device", R"({"addr":"2","dev_eui":"1"})", 404)),
            "MulticastGroup.NotFound");

  auto u = post(mc + "update", R"({"addr":"dafa0c11","update":{"name":"renamed","addr":"5"}})");
  EXPECT_EQ(u.at("addr"), "00000005");
  EXPECT_EQ(u.at("name"), "renamed");
  EXPECT_EQ(u.at("devices").as_array()[0], "0000000000000001");
  EXPECT_EQ(code(post(mc + "update", R"({"addr":"dafa0c11","update":{"name":"a"}})", 404)),
            "MulticastGroup.NotFound");
  e = post(mc + "update", R"({"addr":"5","update":{}})", 422);
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["body","update"])");
  e = post(mc + "update", R"({"addr":"5","update":{"addr":"zz"}})", 422);
  EXPECT_EQ(json::serialize(details(e)[0].at("loc")), R"(["body","update","addr"])");

  auto all = post(mc + "get", R"({"addrs":[]})");
  EXPECT_EQ(all.as_array().size(), 1u);
  EXPECT_EQ(post(mc + "get", R"({"addrs":["9"]})").as_array().size(), 0u);
  EXPECT_EQ(code(post(mc + "get", R"({})", 422)), "ValidationFailed");

  EXPECT_EQ(json::serialize(post(mc + "remove-device", R"({"addr":"5","dev_eui":"1"})")),
            R"({"is_removed":true})");
  EXPECT_EQ(json::serialize(post(mc + "remove-device", R"({"addr":"5","dev_eui":"1"})")),
            R"({"is_removed":false})");
  EXPECT_EQ(json::serialize(post(mc + "remove-device", R"({"addr":"77","dev_eui":"1"})")),
            R"({"is_removed":false})");
  EXPECT_EQ(json::serialize(post(mc + "delete", R"({"addrs":["5","6"]})")), R"({"deleted":1})");
}

TEST_F(Rest, DroppingDeviceRemovesItFromGroups) {
  const std::string mc = "/multicast/multicast-groups/";
  post(mc + "create", R"({"name":"g","addr":"1"})");
  post("/devices/insert", R"({"DevEUI":"1","JoinEUI":"1"})");
  post(mc + "add-device", R"({"addr":"1","dev_eui":"1"})");
  post("/devices/drop", R"({"DevEUIs":["1"]})");
  EXPECT_EQ(post(mc + "get", R"({"addrs":["1"]})").as_array()[0].at("devices").as_array().size(),
            0u);
}

TEST(RestHelpers, ErrorBodyShape) {
  auto r = error_reply(401, "Unauthorized", "bad token");
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.body, R"({"detail":{"error_code":"Unauthorized","error_description":"bad token",)"
                    R"("error_detail":[]}})");
}

TEST(RestHelpers, IsoNowFormat) {
  auto s = iso_now();
  ASSERT_EQ(s.size(), 26u);
  EXPECT_EQ(s[10], 'T');
  EXPECT_EQ(s[19], '.');
}
