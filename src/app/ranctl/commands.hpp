#pragma once
// ranctl command groups. Each returns the process exit code:
// 0 ok, 1 API or transport error (code and description printed), 2 usage error.

#include <string>
#include <vector>

namespace ranbridge::ranctl {

using Args = std::vector<std::string>;  // argv without the program name

// --url/--token/--token-file plus devices|multicast|stream|send (ran_commands.cpp).
int run_ran_command(const Args& args);
// "lorawan decode|mic|join-accept ..." (lorawan_commands.cpp).
int run_lorawan_command(const Args& args);
// "devices check FILE..." (devices_check.cpp).
int run_devices_check(const Args& args);

// Usage text of each group, for `ranctl --help`.
std::string ran_usage();
std::string lorawan_usage();
std::string devices_check_usage();

}  // namespace ranbridge::ranctl
