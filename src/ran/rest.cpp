// RoutingTable and MulticastGroups: argument checks, codec, one HTTP request, typed errors.
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "ranbridge/ran/codec.hpp"
#include "ranbridge/ran/errors.hpp"
#include "ranbridge/ran/multicast_groups.hpp"
#include "ranbridge/ran/routing_table.hpp"

namespace ranbridge::ran {

namespace asio = boost::asio;

namespace {

std::string base_path(const Url& u) {
  std::string p = u.target.substr(0, u.target.find('?'));
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p;
}

// Decoded success body, or UnknownError when RAN's answer does not match the contract.
template <class T>
T expect_ok(Result<T> r, const std::string& what, int status, const std::string& body) {
  if (!r.ok())
    throw UnknownError("Unknown", what + ": unexpected answer: " + r.error().reason, status, body);
  return std::move(r).value();
}

void check_details(const std::optional<std::string>& details) {
  if (!details) return;
  boost::system::error_code ec;
  boost::json::parse(*details, ec);
  if (ec) throw ParameterError("details must be JSON text: " + ec.message());
}

}  // namespace

RoutingTable::RoutingTable(std::shared_ptr<HttpClient> http, Url base, std::string token)
    : http_(std::move(http)), path_(base_path(base)), token_(std::move(token)) {}

asio::awaitable<std::string> RoutingTable::call(std::string method, std::string op,
                                                std::optional<std::string> body) {
  HttpResponse res = co_await http_->request(method, path_ + "/" + op, std::move(body), token_);
  if (res.status < 200 || res.status >= 300) throw_api_error(res.status, res.body);
  co_return std::move(res.body);
}

asio::awaitable<std::vector<Device>> RoutingTable::select(std::vector<DevEui> dev_euis,
                                                          std::optional<std::uint64_t> offset,
                                                          std::optional<std::uint64_t> limit) {
  std::string q = encode_query(SelectDevicesQuery{std::move(dev_euis), offset, limit});
  std::string op = q.empty() ? "select" : "select?" + q;
  std::string body = co_await call("GET", std::move(op), std::nullopt);
  co_return expect_ok(decode_devices(body), "devices/select", 200, body);
}

asio::awaitable<std::vector<Device>> RoutingTable::select_all(std::uint64_t page_size) {
  if (page_size == 0) throw ParameterError("select_all: page_size must be > 0");
  std::vector<Device> all;
  for (std::uint64_t offset = 0;; offset += page_size) {
    std::vector<Device> page = co_await select({}, offset, page_size);
    const std::size_t n = page.size();
    all.insert(all.end(), std::make_move_iterator(page.begin()),
               std::make_move_iterator(page.end()));
    if (n < page_size) break;
  }
  co_return all;
}

asio::awaitable<Device> RoutingTable::insert(DevEui dev_eui, JoinEui join_eui,
                                             std::optional<std::string> details) {
  check_details(details);
  // Built before the co_await: GCC 12 destroys non-trivial temporaries of a full-expression
  // that contains co_await twice (double free).
  std::string req = encode(InsertDeviceRequest{dev_eui, join_eui, std::move(details)});
  std::string body = co_await call("POST", "insert", std::move(req));
  co_return expect_ok(decode_device(body), "devices/insert", 200, body);
}

asio::awaitable<Device> RoutingTable::insert(DevEui dev_eui, DevAddr dev_addr,
                                             std::optional<std::string> details) {
  check_details(details);
  std::string req = encode(InsertDeviceRequest{dev_eui, dev_addr, std::move(details)});
  std::string body = co_await call("POST", "insert", std::move(req));
  co_return expect_ok(decode_device(body), "devices/insert", 200, body);
}

asio::awaitable<Device> RoutingTable::update(DevEui dev_eui, JoinEui join_eui,
                                             std::optional<DevAddr> active_dev_addr,
                                             std::optional<DevAddr> target_dev_addr) {
  UpdateDeviceRequest r{dev_eui, join_eui, active_dev_addr, target_dev_addr};
  if (auto e = validate(r)) throw ParameterError("update: " + e->reason);
  std::string body = co_await call("POST", "update", encode(r));
  co_return expect_ok(decode_device(body), "devices/update", 200, body);
}

asio::awaitable<std::uint64_t> RoutingTable::remove(std::vector<DevEui> dev_euis) {
  if (dev_euis.empty()) throw ParameterError("remove: no DevEUI given (use remove_all)");
  std::string req = encode(DropDevicesRequest{std::move(dev_euis)});
  std::string body = co_await call("POST", "drop", std::move(req));
  co_return expect_ok(decode_deleted(body), "devices/drop", 200, body);
}

asio::awaitable<std::uint64_t> RoutingTable::remove_all() {
  std::string body = co_await call("POST", "drop-all", std::nullopt);
  co_return expect_ok(decode_deleted(body), "devices/drop-all", 200, body);
}

// ---- multicast ----

MulticastGroups::MulticastGroups(std::shared_ptr<HttpClient> http, Url base, std::string token)
    : http_(std::move(http)), path_(base_path(base)), token_(std::move(token)) {}

asio::awaitable<std::string> MulticastGroups::call(std::string op, std::string body) {
  HttpResponse res = co_await http_->request("POST", path_ + "/" + op, std::move(body), token_);
  if (res.status < 200 || res.status >= 300) throw_api_error(res.status, res.body);
  co_return std::move(res.body);
}

asio::awaitable<MulticastGroup> MulticastGroups::create(std::string name, DevAddr addr) {
  CreateGroupRequest r{std::move(name), addr};
  if (auto e = validate(r)) throw ParameterError("create: " + e->reason);
  std::string body = co_await call("create", encode(r));
  co_return expect_ok(decode_group(body), "multicast-groups/create", 200, body);
}

asio::awaitable<MulticastGroup> MulticastGroups::update(DevAddr addr,
                                                        std::optional<std::string> name,
                                                        std::optional<DevAddr> new_addr) {
  UpdateGroupRequest r{addr, std::move(name), new_addr};
  if (auto e = validate(r)) throw ParameterError("update: " + e->reason);
  std::string body = co_await call("update", encode(r));
  co_return expect_ok(decode_group(body), "multicast-groups/update", 200, body);
}

asio::awaitable<std::vector<MulticastGroup>> MulticastGroups::get(std::vector<DevAddr> addrs) {
  std::string req = encode(GroupAddrsRequest{std::move(addrs)});
  std::string body = co_await call("get", std::move(req));
  co_return expect_ok(decode_groups(body), "multicast-groups/get", 200, body);
}

asio::awaitable<std::uint64_t> MulticastGroups::remove(std::vector<DevAddr> addrs) {
  if (addrs.empty()) throw ParameterError("remove: no group address given");
  std::string req = encode(GroupAddrsRequest{std::move(addrs)});
  std::string body = co_await call("delete", std::move(req));
  co_return expect_ok(decode_deleted(body), "multicast-groups/delete", 200, body);
}

asio::awaitable<bool> MulticastGroups::add_device(DevAddr addr, DevEui dev_eui) {
  std::string body = co_await call("add-device", encode(GroupDeviceRequest{addr, dev_eui}));
  co_return expect_ok(decode_is_added(body), "multicast-groups/add-device", 200, body);
}

asio::awaitable<bool> MulticastGroups::remove_device(DevAddr addr, DevEui dev_eui) {
  std::string body = co_await call("remove-device", encode(GroupDeviceRequest{addr, dev_eui}));
  co_return expect_ok(decode_is_removed(body), "multicast-groups/remove-device", 200, body);
}

}  // namespace ranbridge::ran
