// ranctl devices check FILE...: validates devices files (YAML or JSON) exactly as ran-bridge
// loads them, prints every problem as file:line: message and a summary.
#include <iostream>

#include "commands.hpp"
#include "ranbridge/mic/registry.hpp"

namespace ranbridge::ranctl {

std::string devices_check_usage() {
  return "  devices check FILE...        validate devices files (YAML or JSON; all files "
         "together,\n"
         "                               as ran-bridge loads them); exit 0 valid, 1 invalid\n";
}

int run_devices_check(const Args& args) {
  std::vector<std::filesystem::path> files;
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::cout << "Usage: ranctl devices check FILE...\n" << devices_check_usage();
      return 0;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << "ranctl devices check: unknown option " << a << "\n";
      return 2;
    }
    files.emplace_back(a);
  }
  if (files.empty()) {
    std::cerr << "Usage: ranctl devices check FILE...\n";
    return 2;
  }
  const auto load = mic::Registry::load_files(files);
  if (!load.ok()) {
    for (const auto& e : load.errors) std::cerr << e.to_string() << "\n";
    std::cerr << load.errors.size() << (load.errors.size() == 1 ? " error" : " errors")
              << ": devices files are not valid\n";
    return 1;
  }
  const auto s = load.registry->summary();
  std::cout << "ok: " << s.devices << (s.devices == 1 ? " device" : " devices") << " (" << s.otaa
            << " OTAA, " << s.abp << " ABP)";
  std::string versions;
  for (std::size_t v = 0; v < s.by_version.size(); ++v) {
    if (s.by_version[v] == 0) continue;
    if (!versions.empty()) versions += ", ";
    versions += std::string(mic::to_string(static_cast<mic::LorawanVersion>(v))) + ": " +
                std::to_string(s.by_version[v]);
  }
  if (!versions.empty()) std::cout << "; LoRaWAN " << versions;
  std::cout << "; " << s.multicast_groups << " multicast groups\n";
  return 0;
}

}  // namespace ranbridge::ranctl
