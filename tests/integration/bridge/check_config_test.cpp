// `ran-bridge --check-config` on broken files: exit 2, every problem as file:line: message.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace bt = ranbridge::bridge_test;

namespace {

const std::string kRegion = R"(regions:
  - name: eu
    url: http://127.0.0.1:1/api/v1
    token: t
    gateway_id: "00000000000e0001"
)";

struct Case {
  const char* what;
  std::string yaml;
  int line;             // expected line of the (first) error
  const char* message;  // expected part of the message
};

}  // namespace

TEST(BridgeCheckConfig, BrokenFilesNameFileAndLine) {
  bt::t::TempDir dir;
  auto devices = bt::t::source_path("config/devices.yaml").string();
  const std::string tail = "devices:\n  files: [" + devices + "]\n";
  const std::vector<Case> cases{
      {"unknown region key", kRegion + "    colour: blue\n" + tail, 6, "colour"},
      {"unknown band", kRegion + "    band: EU999\n" + tail, 6, "band: 'EU999'"},
      {"band not a string", kRegion + "    band: [1]\n" + tail, 6, "band"},
      {"bad gateway id", R"(regions:
  - name: eu
    url: http://127.0.0.1:1/api/v1
    token: t
    gateway_id: "xyz"
)" + tail,
       5, "gateway_id"},
      {"duplicate region name", kRegion + R"(  - name: eu
    url: http://127.0.0.1:1/api/v1
    token: t
    gateway_id: "00000000000e0002"
)" + tail,
       6, "duplicate region name"},
      {"qos out of range", kRegion + "mqtt:\n  qos: 7\n" + tail, 7, "qos"},
      {"bad duration", kRegion + "mqtt:\n  keepalive: soon\n" + tail, 7, "keepalive"},
      {"bad url scheme", R"(regions:
  - name: eu
    url: ftp://example.com/api/v1
    token: t
    gateway_id: "00000000000e0001"
)" + tail,
       3, "url"},
      {"no token", R"(regions:
  - name: eu
    url: http://127.0.0.1:1/api/v1
    gateway_id: "00000000000e0001"
)" + tail,
       2, "token"},
      {"bad listen", kRegion + tail + "http:\n  listen: \"nowhere\"\n", 9, "http.listen"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto file = dir.write("bad.yaml", c.yaml);
    auto r = bt::t::run(bt::t::bin_path("ran-bridge"), {"--check-config", file.string()});
    EXPECT_EQ(r.exit_code, 2) << r.output;
    const auto where = file.string() + ":" + std::to_string(c.line) + ":";
    EXPECT_NE(r.output.find(where), std::string::npos) << "want " << where << "\n" << r.output;
    EXPECT_NE(r.output.find(c.message), std::string::npos) << r.output;
  }

  // A broken devices file is reported with its own file and line.
  auto bad_devices = dir.write("devices.yaml", "devices:\n  - dev_eui: \"zz\"\n");
  auto cfg = dir.write("ok.yaml", kRegion + "devices:\n  files: [" + bad_devices.string() + "]\n");
  auto r = bt::t::run(bt::t::bin_path("ran-bridge"), {"--check-config", cfg.string()});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find(bad_devices.string() + ":2:"), std::string::npos) << r.output;

  // The same config with valid devices and an explicit band passes.
  auto good = dir.write("good.yaml", kRegion + "    band: us915\n" + tail);
  auto ok = bt::t::run(bt::t::bin_path("ran-bridge"), {"--check-config", good.string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}
