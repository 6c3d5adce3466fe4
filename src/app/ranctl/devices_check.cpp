// Placeholder until this command group is implemented; replaced by its owner.
#include <iostream>

#include "commands.hpp"

namespace ranbridge::ranctl {

int run_devices_check(const Args&) {
  std::cerr << "ranctl: this command is not implemented yet\n";
  return 2;
}

std::string devices_check_usage() { return ""; }

}  // namespace ranbridge::ranctl
