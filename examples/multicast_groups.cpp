// Multicast groups: one DevAddr shared by several devices for class B/C downlinks.
//   ran_example_multicast_groups --url http://127.0.0.1:8090/api/v1 --token demo-token
#include <boost/asio/io_context.hpp>

#include "example_args.hpp"
#include "ranbridge/ran/blocking.hpp"
#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ran = ranbridge::ran;

namespace {

void print(const char* what, const ran::MulticastGroup& g) {
  std::cout << what << ": addr=" << g.addr << " name=" << g.name << " devices=[";
  for (std::size_t i = 0; i < g.devices.size(); ++i) std::cout << (i ? "," : "") << g.devices[i];
  std::cout << "]\n";
}

}  // namespace

int main(int argc, char** argv) {
  auto args = ranbridge::examples::parse_args(
      argc, argv, {}, "ran_example_multicast_groups --url URL --token TOKEN");
  boost::asio::io_context io;
  try {
    ran::Core core(io.get_executor(), args.token, args.url);
    ran::run_blocking(io, core.connect());
    auto& groups = core.multicast_groups();
    const ran::DevAddr addr{0x00f00001}, new_addr{0x00f00002};
    const ran::DevEui member{0x0004a30b001c0532ULL};

    print("created", ran::run_blocking(io, groups.create("street-lights", addr)));
    // Rename, then move the group to another address.
    print("renamed",
          ran::run_blocking(io, groups.update(addr, std::string("lights"), std::nullopt)));
    print("moved", ran::run_blocking(io, groups.update(addr, std::nullopt, new_addr)));

    // Only devices of the routing table can join a group.
    ran::run_blocking(io, core.routing_table().insert(member, ran::DevAddr{0x26011b01}));
    std::cout << "added: " << ran::run_blocking(io, groups.add_device(new_addr, member)) << "\n";

    for (const auto& g : ran::run_blocking(io, groups.get())) print("all", g);
    for (const auto& g : ran::run_blocking(io, groups.get({new_addr}))) print("by addr", g);

    std::cout << "removed device: " << ran::run_blocking(io, groups.remove_device(new_addr, member))
              << "\n";
    std::cout << "deleted groups: " << ran::run_blocking(io, groups.remove({new_addr})) << "\n";
    ran::run_blocking(io, core.routing_table().remove({member}));

    try {
      ran::run_blocking(io, groups.update(new_addr, std::string("gone"), std::nullopt));
    } catch (const ran::MulticastGroupNotFoundError& e) {
      std::cout << "expected error: " << e.code() << " (HTTP " << e.http_status() << ")\n";
    }
  } catch (const ran::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
