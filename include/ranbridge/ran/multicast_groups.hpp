#pragma once
// RAN's multicast groups, REST. Obtain it from Core::multicast_groups().
// Errors as for RoutingTable.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "ranbridge/ran/http_client.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::ran {

class MulticastGroups {
 public:
  // `base`: the multicast URL (…/multicast/multicast-groups).
  MulticastGroups(std::shared_ptr<HttpClient> http, Url base, std::string token);

  boost::asio::awaitable<MulticastGroup> create(std::string name, DevAddr addr);
  // Renames and/or readdresses group `addr`; at least one of name/new_addr.
  boost::asio::awaitable<MulticastGroup> update(DevAddr addr, std::optional<std::string> name,
                                                std::optional<DevAddr> new_addr);
  // Empty addrs = all groups.
  boost::asio::awaitable<std::vector<MulticastGroup>> get(std::vector<DevAddr> addrs = {});
  // Returns how many were deleted.
  boost::asio::awaitable<std::uint64_t> remove(std::vector<DevAddr> addrs);
  // The device must be in the routing table. Returns RAN's is_added.
  boost::asio::awaitable<bool> add_device(DevAddr addr, DevEui dev_eui);
  // false when the device or the group is absent.
  boost::asio::awaitable<bool> remove_device(DevAddr addr, DevEui dev_eui);

 private:
  boost::asio::awaitable<std::string> call(std::string op, std::string body);
  std::shared_ptr<HttpClient> http_;
  std::string path_;
  std::string token_;
};

}  // namespace ranbridge::ran
