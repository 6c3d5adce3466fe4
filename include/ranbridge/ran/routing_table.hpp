#pragma once
// RAN's routing table (device subscriptions), REST. Obtain it from Core::routing_table().
// Every call throws ParameterError (bad arguments, before any I/O), an ApiError subclass
// (RAN answered an error) or TransportError.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "ranbridge/ran/http_client.hpp"
#include "ranbridge/ran/types.hpp"

namespace ranbridge::ran {

class RoutingTable {
 public:
  // `base`: the routing-table URL (…/devices).
  RoutingTable(std::shared_ptr<HttpClient> http, Url base, std::string token);

  // GET devices/select. Empty dev_euis = all devices (one page when offset/limit are given).
  boost::asio::awaitable<std::vector<Device>> select(std::vector<DevEui> dev_euis = {},
                                                     std::optional<std::uint64_t> offset = {},
                                                     std::optional<std::uint64_t> limit = {});
  // Every device, fetched page by page (page_size > 0).
  boost::asio::awaitable<std::vector<Device>> select_all(std::uint64_t page_size = 1000);
  // OTAA device. `details`, when given, must be JSON text.
  boost::asio::awaitable<Device> insert(DevEui dev_eui, JoinEui join_eui,
                                        std::optional<std::string> details = {});
  // ABP device: RAN stores dev_addr as its ActiveDevAddr.
  boost::asio::awaitable<Device> insert(DevEui dev_eui, DevAddr dev_addr,
                                        std::optional<std::string> details = {});
  // At least one of the addresses; an absent one is left unchanged.
  boost::asio::awaitable<Device> update(DevEui dev_eui, JoinEui join_eui,
                                        std::optional<DevAddr> active_dev_addr,
                                        std::optional<DevAddr> target_dev_addr);
  // Returns how many were deleted. dev_euis must not be empty (use remove_all()).
  boost::asio::awaitable<std::uint64_t> remove(std::vector<DevEui> dev_euis);
  boost::asio::awaitable<std::uint64_t> remove_all();

 private:
  boost::asio::awaitable<std::string> call(std::string method, std::string op,
                                           std::optional<std::string> body);
  std::shared_ptr<HttpClient> http_;
  std::string path_;  // base path without trailing slash
  std::string token_;
};

}  // namespace ranbridge::ran
