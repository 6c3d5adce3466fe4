// The routing table: which devices RAN routes to this account.
//   ran_example_routing_table --url http://127.0.0.1:8090/api/v1 --token demo-token
#include <boost/asio/io_context.hpp>

#include "example_args.hpp"
#include "ranbridge/ran/blocking.hpp"
#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ran = ranbridge::ran;

namespace {

void print(const char* what, const ran::Device& d) {
  std::cout << what << ": DevEUI=" << d.dev_eui
            << " JoinEUI=" << (d.join_eui ? d.join_eui->to_hex() : "-")
            << " ActiveDevAddr=" << (d.active_dev_addr ? d.active_dev_addr->to_hex() : "-")
            << " TargetDevAddr=" << (d.target_dev_addr ? d.target_dev_addr->to_hex() : "-") << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  auto args = ranbridge::examples::parse_args(argc, argv, {},
                                              "ran_example_routing_table --url URL --token TOKEN");
  boost::asio::io_context io;
  try {
    // Core does no I/O until used; one io_context, driven here by run_blocking. Inside a
    // coroutine the same calls are simply co_await'ed.
    ran::Core core(io.get_executor(), args.token, args.url);
    ran::run_blocking(io, core.connect());
    auto& table = core.routing_table();

    const ran::DevEui otaa_eui{0x0004a30b001c0530ULL};
    const ran::JoinEui join_eui{0x70b3d57ed0000001ULL};
    const ran::DevEui abp_eui{0x0004a30b001c0531ULL};

    // OTAA: RAN routes the device's join requests by JoinEUI. Details: any JSON, kept by RAN.
    print("inserted", ran::run_blocking(io, table.insert(otaa_eui, join_eui,
                                                         std::string(R"({"note":"example"})"))));
    // ABP: RAN routes by DevAddr (stored as ActiveDevAddr).
    print("inserted", ran::run_blocking(io, table.insert(abp_eui, ran::DevAddr{0x26011b01})));

    for (const auto& d : ran::run_blocking(io, table.select({otaa_eui}))) print("selected", d);
    // One page: offset 0, at most 10 devices.
    std::cout << "first page: " << ran::run_blocking(io, table.select({}, 0, 10)).size()
              << " devices\n";
    // Every device, page by page.
    for (const auto& d : ran::run_blocking(io, table.select_all())) print("all", d);

    // After a join accept the device will use a new address: tell RAN (JoinEUI identifies it).
    print("updated", ran::run_blocking(io, table.update(otaa_eui, join_eui, std::nullopt,
                                                        ran::DevAddr{0x26000001})));

    std::cout << "removed " << ran::run_blocking(io, table.remove({abp_eui})) << "\n";
    std::cout << "removed all: " << ran::run_blocking(io, table.remove_all()) << "\n";

    // Errors are typed: one class per API error code.
    try {
      ran::run_blocking(io, table.update(abp_eui, join_eui, ran::DevAddr{1}, std::nullopt));
    } catch (const ran::DeviceNotFoundError& e) {
      std::cout << "expected error: " << e.code() << " (HTTP " << e.http_status() << ")\n";
    }
    ran::run_blocking(io, core.close());
  } catch (const ran::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
