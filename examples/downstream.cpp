// Downstream: send a unicast and a multicast downlink and read what RAN answers for each:
// a DownstreamAck (accepted, with its mailbox id) and then a DownstreamResult (the outcome).
//   ran_example_downstream --url URL --token TOKEN --dev-eui DEVEUI
// The device must be in the routing table; the multicast group is created for the example
// and removed afterwards.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <ctime>

#include "example_args.hpp"
#include "ranbridge/ran/blocking.hpp"
#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ran = ranbridge::ran;
using namespace std::chrono_literals;

namespace {

const char* kUsage = "ran_example_downstream --url URL --token TOKEN --dev-eui DEVEUI";

// Reads answers until the result of `tx` arrived. Answers of other transactions would belong
// to other senders; this example has none.
bool wait_for_result(boost::asio::io_context& io, ran::DownstreamConnection& down,
                     ran::TransactionId tx) {
  auto end = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < end) {
    auto answer = ran::run_blocking(io, down.recv(1s));  // nullopt: nothing within 1 s
    if (!answer) continue;
    if (auto* ack = std::get_if<ran::DownstreamAck>(&*answer)) {
      std::cout << "DownstreamAck TransactionID=" << ack->transaction_id
                << " MailboxID=" << ack->mailbox_id << "\n";
    } else {
      const auto& r = std::get<ran::DownstreamResult>(*answer);
      std::cout << "DownstreamResult TransactionID=" << r.transaction_id
                << " Result=" << ran::to_string(r.code) << " Message=" << r.message << "\n";
      if (r.transaction_id == tx) return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  auto args = ranbridge::examples::parse_args(argc, argv, {"--dev-eui"}, kUsage);
  auto dev_eui = ran::DevEui::from_hex(args.get("--dev-eui", ""));
  if (!dev_eui) ranbridge::examples::usage_error(kUsage, "--dev-eui needs a 64-bit hex DevEUI");

  boost::asio::io_context io;
  try {
    ran::Core core(io.get_executor(), args.token, args.url);
    ran::run_blocking(io, core.connect());
    ran::DownstreamConnection down = ran::run_blocking(io, core.downstream());

    // Transaction ids are chosen by the sender (uint64 > 0) and must not repeat.
    ran::TransactionId tx = static_cast<ran::TransactionId>(std::time(nullptr)) << 16;

    // Class A: in the receive window `Delay` seconds after the device's last uplink.
    ran::Downstream unicast;
    unicast.transaction_id = ++tx;
    unicast.dev_eui = *dev_eui;
    unicast.tx_window.radio.frequency = 869525000;
    unicast.tx_window.radio.modulation = ran::LoRa{9, 125000};
    unicast.tx_window.timing = ran::Delay{1};
    unicast.phy_payload = {0x60, 0x01, 0x1b, 0x01, 0x26, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef};
    ran::run_blocking(io, down.send_downstream(unicast));
    if (!wait_for_result(io, down, unicast.transaction_id)) {
      std::cerr << "error: no DownstreamResult\n";
      return 1;
    }

    // Class C multicast: to every device of a group, before a deadline (Unix seconds).
    const ran::DevAddr group{0x00f0000d};
    auto& groups = core.multicast_groups();
    ran::run_blocking(io, groups.create("downstream-example", group));
    ran::run_blocking(io, groups.add_device(group, *dev_eui));
    ran::MulticastDownstream multicast;
    multicast.transaction_id = ++tx;
    multicast.addr = group;
    multicast.tx_window.radio.frequency = 869525000;
    multicast.tx_window.radio.modulation = ran::LoRa{9, 125000};
    multicast.tx_window.timing = ran::Deadline{static_cast<std::uint64_t>(std::time(nullptr)) + 60};
    multicast.phy_payload = {0x60, 0x0d, 0x00, 0xf0, 0x00, 0x00,
                             0x00, 0x00, 0x01, 0x02, 0x03, 0x04};
    ran::run_blocking(io, down.send_multicast_downstream(multicast));
    bool ok = wait_for_result(io, down, multicast.transaction_id);
    ran::run_blocking(io, groups.remove({group}));
    ran::run_blocking(io, down.close());
    if (!ok) {
      std::cerr << "error: no DownstreamResult for the multicast\n";
      return 1;
    }
  } catch (const ran::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
