// Built only while the mic module (the devices-file loader) is absent from the tree.
#include "simulator.hpp"

namespace ranbridge::emulator {

std::vector<SimDeviceSpec> load_sim_devices(const std::string& path) {
  throw ConfigError(path + ": this build has no devices-file loader (mic module missing)");
}

}  // namespace ranbridge::emulator
