// Devices file -> simulated devices, through the mic module's registry loader so that the
// emulator and ran-bridge read one file the same way.
#include <fstream>
#include <stdexcept>

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

void write_devices_file(const std::string& path, const std::vector<SimDeviceSpec>& devices) {
  // Streamed by hand: a load run exports up to millions of devices and this stays linear.
  std::ofstream out(path, std::ios::trunc);
  out << "{\"devices\": [";
  bool first = true;
  for (const auto& d : devices) {
    if (d.otaa) continue;  // generated devices are ABP; OTAA would need the join keys
    out << (first ? "\n" : ",\n") << R"(  {"dev_eui": ")" << d.dev_eui.to_hex()
        << R"(", "lorawan_version": ")" << (d.lorawan_1_1 ? "1.1" : "1.0.3") << R"(", "abp": {)"
        << R"("dev_addr": ")" << d.dev_addr.to_hex() << '"';
    if (d.lorawan_1_1)
      out << R"(, "f_nwk_s_int_key": ")" << d.nwk_s_key.reveal_hex() << R"(", "s_nwk_s_int_key": ")"
          << d.s_nwk_s_int_key.reveal_hex() << R"(", "nwk_s_enc_key": ")"
          << d.nwk_s_enc_key.reveal_hex() << '"';
    else
      out << R"(, "nwk_s_key": ")" << d.nwk_s_key.reveal_hex() << '"';
    out << R"(, "app_s_key": ")" << d.app_s_key.reveal_hex() << R"("})";
    if (d.fcnt_up) out << R"(, "fcnt_up": )" << *d.fcnt_up;
    out << '}';
    first = false;
  }
  out << "\n]}\n";
  out.flush();
  if (!out) throw std::runtime_error("cannot write devices export " + path);
}

}  // namespace ranbridge::emulator
