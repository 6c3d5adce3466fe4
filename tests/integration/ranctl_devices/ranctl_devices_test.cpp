// `ranctl devices check FILE...` as an operator runs it: the real binary, real files.
#include <gtest/gtest.h>

#include "ranbridge_test/support.hpp"

using namespace ranbridge::testing;

namespace {

RunResult ranctl(std::vector<std::string> args) {
  args.insert(args.begin(), {"devices", "check"});
  return run(bin_path("ranctl"), args);
}

}  // namespace

TEST(RanctlDevicesCheck, SampleFileIsValid) {
  auto r = ranctl({source_path("config/devices.yaml").string()});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("ok: 7 devices (2 OTAA, 5 ABP)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1.0.3: 4"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1.1: 2"), std::string::npos) << r.output;
}

TEST(RanctlDevicesCheck, InvalidFilesListEveryErrorWithFileAndLine) {
  TempDir dir;
  const auto yaml =
      dir.write("bad.yaml",
                "devices:\n"
                "  - dev_eui: \"0004a30b001c0530\"\n"
                "    lorawan_version: \"1.1\"\n"
                "    otaa: {join_eui: \"01\", app_key: \"00112233445566778899aabbccddeeff\"}\n"
                "  - dev_eui: \"0004a30b001c0530\"\n"
                "    lorawan_version: \"1.0.3\"\n"
                "    abp: {dev_addr: \"01020304\"}\n");
  const auto json = dir.write("bad.json",
                              "{\"devices\": [\n"
                              "  {\"dev_eui\": \"02\", \"lorawan_version\": \"2.0\",\n"
                              "   \"otaa\": {\"join_eui\": \"01\", \"app_key\": \"0011\"}}\n"
                              "]}\n");
  auto r = ranctl({yaml.string(), json.string()});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  for (const std::string& want :
       {yaml.string() + ":4: device 0004a30b001c0530: otaa.nwk_key is missing",
        yaml.string() + ":7: device 0004a30b001c0530: abp.nwk_s_key is missing",
        json.string() + ":2: device 0000000000000002: unknown lorawan_version '2.0'",
        json.string() + ":3: device 0000000000000002: otaa.app_key must be 16 bytes"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n---\n" << r.output;
  EXPECT_NE(r.output.find("errors: devices files are not valid"), std::string::npos);
  // Key material never appears in the output.
  EXPECT_EQ(r.output.find("00112233445566778899aabbccddeeff"), std::string::npos);
}

TEST(RanctlDevicesCheck, MissingFileAndUsage) {
  TempDir dir;
  auto missing = ranctl({(dir / "nope.yaml").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.output.find("nope.yaml:0: cannot open"), std::string::npos) << missing.output;
  EXPECT_EQ(ranctl({}).exit_code, 2);
  EXPECT_EQ(ranctl({"--bogus"}).exit_code, 2);
  EXPECT_EQ(ranctl({"--help"}).exit_code, 0);
}
