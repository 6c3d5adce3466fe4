// ranctl: operator CLI for the RAN Routing API and LoRaWAN frames.
#include <iostream>

#include "commands.hpp"

using namespace ranbridge::ranctl;

namespace {

void print_help() {
  std::cout << "Usage: ranctl <command> [options]\n\n"
            << ran_usage() << "\n"
            << lorawan_usage() << "\n"
            << devices_check_usage() << "\n"
            << "Exit codes: 0 ok, 1 API or transport error, 2 usage error.\n";
}

}  // namespace

int main(int argc, char** argv) {
  Args args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help();
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "ranctl " << RANBRIDGE_VERSION << "\n";
    return 0;
  }
  try {
    if (args[0] == "lorawan") return run_lorawan_command(Args(args.begin() + 1, args.end()));
    if (args[0] == "devices" && args.size() > 1 && args[1] == "check")
      return run_devices_check(Args(args.begin() + 2, args.end()));
    return run_ran_command(args);
  } catch (const std::exception& e) {
    std::cerr << "ranctl: " << e.what() << "\n";
    return 1;
  }
}
