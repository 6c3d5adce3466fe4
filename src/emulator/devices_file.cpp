// Devices file -> simulated devices, through the mic module's registry loader so that the
// emulator and ran-bridge read one file the same way.
#include "ranbridge/mic/registry.hpp"
#include "simulator.hpp"

namespace ranbridge::emulator {

std::vector<SimDeviceSpec> load_sim_devices(const std::string& path) {
  auto load = mic::Registry::load_files({path});
  if (!load.ok()) {
    std::string msg;
    for (const auto& e : load.errors) msg += (msg.empty() ? "" : "\n") + e.to_string();
    if (msg.empty()) msg = path + ": cannot load devices file";
    throw ConfigError(msg);
  }
  std::vector<SimDeviceSpec> out;
  for (const auto& d : load.registry->devices()) {
    SimDeviceSpec s;
    s.dev_eui = d.dev_eui;
    s.otaa = d.otaa();
    s.lorawan_1_1 = mic::is_1_1(d.version);
    if (s.otaa) {
      s.join_eui = d.join_eui;
      s.app_key = d.app_key();
      s.nwk_key = d.nwk_key();
    } else {
      s.dev_addr = d.dev_addr;
      s.nwk_s_key = d.f_nwk_s_int_key();
      s.s_nwk_s_int_key = d.s_nwk_s_int_key();
      s.nwk_s_enc_key = d.nwk_s_enc_key();
      s.app_s_key = d.app_s_key();
      // 0 means "not given": traffic.start_fcnt applies (rollover tests).
      if (d.fcnt_up_start != 0) s.fcnt_up = d.fcnt_up_start;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace ranbridge::emulator
