// Placeholder until this command group is implemented; replaced by its owner.
#include <iostream>

#include "commands.hpp"

namespace ranbridge::ranctl {

int run_ran_command(const Args&) {
  std::cerr << "ranctl: this command is not implemented yet\n";
  return 2;
}

std::string ran_usage() {
  return "";
}

}  // namespace ranbridge::ranctl
