// ran-emulator: a local Everynet RAN for tests, demos and benchmarks (docs/emulator.md).
#include <fstream>
#include <iostream>

#include "ranbridge/emulator/emulator.hpp"

int main(int argc, char** argv) {
  using namespace ranbridge::emulator;
  std::optional<Config> cfg;
  try {
    cfg = parse_command_line(argc, argv);
  } catch (const ConfigError& e) {
    std::cerr << "ran-emulator: " << e.what() << "\n(see ran-emulator --help)\n";
    return 2;
  }
  if (!cfg) return 0;  // --help or --version
  try {
    Emulator emu(*cfg);
    emu.start();
    // Tests and scripts wait for this line; keep its shape stable.
    std::cout << "ran-emulator listening on " << emu.base_url() << std::endl;
    emu.wait(true);
    auto stats = emu.stats_json();
    std::cout << "ran-emulator stats " << stats << std::endl;
    if (cfg->load.stats_file) {
      std::ofstream out(*cfg->load.stats_file);
      out << stats << "\n";
      if (!out) {
        std::cerr << "ran-emulator: cannot write " << *cfg->load.stats_file << "\n";
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "ran-emulator: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
