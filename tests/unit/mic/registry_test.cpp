#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "ranbridge/mic/registry.hpp"
#include "ranbridge_test/support.hpp"

using namespace ranbridge::mic;
using ranbridge::lorawan::DevAddr;
using ranbridge::lorawan::DevEui;

namespace {

const char* kKey1 = "829a7de594e02867cf54f5a7ca9cc87b";
const char* kKey2 = "5d9fad68e14cdfd6d599d68a48bce420";

std::string errors_of(const RegistryLoad& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.to_string() + "\n";
  return out;
}

// Expects exactly one error, at `line`, containing `what`.
void expect_error(const RegistryLoad& r, std::uint32_t line, const std::string& what) {
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_EQ(r.errors[0].line, line) << errors_of(r);
  EXPECT_NE(r.errors[0].message.find(what), std::string::npos) << errors_of(r);
}

}  // namespace

TEST(Registry, SampleDevicesFileLoads) {
  auto r = Registry::load_files({ranbridge::testing::source_path("config/devices.yaml")});
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const auto& reg = *r.registry;
  EXPECT_EQ(reg.devices().size(), 7u);
  const Device* d = reg.find(*DevEui::from_hex("0004a30b001c0530"));
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->otaa());
  EXPECT_EQ(d->version, LorawanVersion::V1_0_3);
  EXPECT_EQ(d->nwk_key(), d->app_key());  // 1.0.x: the AppKey plays the NwkKey
  EXPECT_EQ(reg.name_of(*d), "otaa-1.0.3");
  EXPECT_EQ(reg.find_abp(*DevAddr::from_hex("26011bff")).size(), 3u);
  EXPECT_EQ(reg.find_abp(*DevAddr::from_hex("26011b01")).size(), 1u);
  EXPECT_TRUE(reg.find_abp(*DevAddr::from_hex("01020304")).empty());
  EXPECT_EQ(reg.find(DevEui{0x1234}), nullptr);
  auto s = reg.summary();
  EXPECT_EQ(s.otaa, 2u);
  EXPECT_EQ(s.abp, 5u);
  EXPECT_EQ(s.by_version[static_cast<int>(LorawanVersion::V1_1)], 2u);
}

TEST(Registry, YamlAndJsonGiveTheSameDevices) {
  const std::string yaml = std::string(R"(devices:
  - dev_eui: "0000000000000001"
    lorawan_version: "1.1"
    otaa: {join_eui: "0000000000000002", app_key: ")") +
                           kKey1 + R"(", nwk_key: ")" + kKey2 +
                           R"("}
    regions: [eu, br]
    multicast_groups: ["aabbccdd"]
multicast_groups:
  - {addr: "aabbccdd", name: "street-lights"}
)";
  const std::string json = std::string(R"({"devices": [
  {"dev_eui": "0000000000000001", "lorawan_version": "1.1",
   "otaa": {"join_eui": "0000000000000002", "app_key": ")") +
                           kKey1 + R"(", "nwk_key": ")" + kKey2 + R"("},
   "regions": ["eu", "br"], "multicast_groups": ["aabbccdd"]}],
 "multicast_groups": [{"addr": "aabbccdd", "name": "street-lights"}]})";
  auto a = Registry::parse(yaml, "d.yaml");
  auto b = Registry::parse(json, "d.json");
  ASSERT_TRUE(a.ok()) << errors_of(a);
  ASSERT_TRUE(b.ok()) << errors_of(b);
  for (const auto* r : {a.registry.get(), b.registry.get()}) {
    const Device* d = r->find(DevEui{1});
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->version, LorawanVersion::V1_1);
    EXPECT_EQ(d->join_eui.value, 2u);
    EXPECT_EQ(d->app_key().reveal_hex(), kKey1);
    EXPECT_EQ(d->nwk_key().reveal_hex(), kKey2);
    EXPECT_TRUE(r->in_region(*d, "eu"));
    EXPECT_TRUE(r->in_region(*d, "br"));
    EXPECT_FALSE(r->in_region(*d, "us"));
    ASSERT_EQ(r->multicast_groups_of(*d).size(), 1u);
    EXPECT_EQ(r->multicast_groups_of(*d)[0].value, 0xaabbccddu);
    const auto* g = r->find_multicast_group(DevAddr{0xaabbccdd});
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->name, "street-lights");
  }
}

// Each error kind, in YAML: the line is where the problem is.
struct ErrorCase {
  const char* name;
  const char* body;  // lines after "devices:" (line 1)
  std::uint32_t line;
  const char* what;
  friend void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }
};

class RegistryYamlErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RegistryYamlErrors, ReportsFileLineAndReason) {
  const auto& c = GetParam();
  auto r = Registry::parse(std::string("devices:\n") + c.body, "devices.yaml", FileFormat::Yaml);
  expect_error(r, c.line, c.what);
  EXPECT_EQ(r.errors[0].file, "devices.yaml");
  EXPECT_EQ(r.registry, nullptr);
}

#define K1 "829a7de594e02867cf54f5a7ca9cc87b"
#define OTAA "    otaa: {join_eui: \"0000000000000002\", app_key: \"" K1 "\"}\n"

INSTANTIATE_TEST_SUITE_P(
    Kinds, RegistryYamlErrors,
    ::testing::Values(
        ErrorCase{"bad_hex_eui", "  - dev_eui: \"00zz\"\n    lorawan_version: \"1.0.3\"\n" OTAA, 2,
                  "dev_eui must be at most 16 hex digits"},
        ErrorCase{"eui_too_long",
                  "  - dev_eui: \"11223344556677889\"\n    lorawan_version: 1.0.3\n" OTAA, 2,
                  "dev_eui must be"},
        ErrorCase{"missing_dev_eui", "  - lorawan_version: \"1.0.3\"\n" OTAA, 2,
                  "dev_eui is missing"},
        ErrorCase{"unknown_version", "  - dev_eui: \"01\"\n    lorawan_version: \"1.2\"\n" OTAA, 3,
                  "unknown lorawan_version '1.2'"},
        ErrorCase{"missing_version", "  - dev_eui: \"01\"\n" OTAA, 2, "lorawan_version is missing"},
        ErrorCase{"short_key",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n    otaa:\n      join_eui: "
                  "\"02\"\n"
                  "      app_key: \"829a7de594e02867cf54f5a7ca9cc8\"\n",
                  6, "otaa.app_key must be 16 bytes (32 hex digits), got 15 bytes"},
        ErrorCase{"bad_hex_key",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n    otaa:\n      join_eui: "
                  "\"02\"\n"
                  "      app_key: \"829a7de594e02867cf54f5a7ca9cc87x\"\n",
                  6, "otaa.app_key is not valid hex"},
        ErrorCase{"missing_app_key",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n    otaa:\n      join_eui: "
                  "\"02\"\n",
                  4, "otaa.app_key is missing"},
        ErrorCase{"v11_without_nwk_key", "  - dev_eui: \"01\"\n    lorawan_version: \"1.1\"\n" OTAA,
                  4, "otaa.nwk_key is missing (required for LoRaWAN 1.1)"},
        ErrorCase{"nwk_key_in_1_0",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.2\"\n    otaa:\n      join_eui: "
                  "\"02\"\n"
                  "      app_key: \"" K1 "\"\n      nwk_key: \"" K1 "\"\n",
                  7, "otaa.nwk_key is a LoRaWAN 1.1 key"},
        ErrorCase{"abp_without_keys",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n    abp:\n      dev_addr: "
                  "\"01020304\"\n",
                  4, "abp.nwk_s_key is missing"},
        ErrorCase{"abp_1_1_without_keys",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.1\"\n    abp:\n      dev_addr: "
                  "\"01020304\"\n"
                  "      f_nwk_s_int_key: \"" K1 "\"\n      s_nwk_s_int_key: \"" K1 "\"\n",
                  4, "abp.nwk_s_enc_key is missing"},
        ErrorCase{
            "abp_without_dev_addr",
            "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n    abp:\n      nwk_s_key: \"" K1
            "\"\n",
            4, "abp.dev_addr is missing"},
        ErrorCase{"bad_dev_addr",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n    abp:\n      dev_addr: "
                  "\"0102030405\"\n"
                  "      nwk_s_key: \"" K1 "\"\n",
                  5, "abp.dev_addr must be at most 8 hex digits"},
        ErrorCase{"both_otaa_and_abp",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n" OTAA
                  "    abp: {dev_addr: \"01\", nwk_s_key: \"" K1 "\"}\n",
                  5, "has both otaa and abp"},
        ErrorCase{"neither_otaa_nor_abp", "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n",
                  2, "needs either otaa"},
        ErrorCase{"unknown_key",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n" OTAA "    colour: blue\n",
                  5, "unknown key 'colour'"},
        ErrorCase{"unknown_otaa_key",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n    otaa:\n      join_eui: "
                  "\"02\"\n"
                  "      app_key: \"" K1 "\"\n      appkey: \"" K1 "\"\n",
                  7, "otaa: unknown key 'appkey'"},
        ErrorCase{"fcnt_not_a_number",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n    abp: {dev_addr: "
                  "\"01\", nwk_s_key: \"" K1 "\"}\n    fcnt_up: ten\n",
                  5, "fcnt_up must be an integer"},
        ErrorCase{"fcnt_for_otaa",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n" OTAA "    fcnt_up: 3\n",
                  5, "fcnt_up applies to ABP devices only"},
        ErrorCase{"undeclared_group",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n" OTAA
                  "    multicast_groups: [\"aabbccdd\"]\n",
                  5, "multicast group aabbccdd is not declared"},
        ErrorCase{"regions_not_a_list",
                  "  - dev_eui: \"01\"\n    lorawan_version: \"1.0.3\"\n" OTAA "    regions: eu\n",
                  5, "regions must be a list"},
        ErrorCase{"device_not_a_map", "  - \"0102\"\n", 2, "must be a mapping"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Registry, DuplicateDevEuiNamesBothPlaces) {
  auto r = Registry::parse(
      std::string("devices:\n  - dev_eui: \"0A\"\n    lorawan_version: 1.0.3\n") + OTAA +
          "  - dev_eui: \"0x000000000000000a\"\n    lorawan_version: 1.0.3\n" + OTAA,
      "d.yaml");
  expect_error(r, 5, "duplicate dev_eui 000000000000000a (first defined at d.yaml:2)");
}

TEST(Registry, CollectsEveryError) {
  auto r = Registry::parse(
      "devices:\n  - dev_eui: \"zz\"\n    lorawan_version: \"9\"\n    otaa: {join_eui: \"01\"}\n"
      "  - dev_eui: \"02\"\n    lorawan_version: \"1.0.3\"\n    abp: {dev_addr: \"01\"}\n",
      "d.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_GE(r.errors.size(), 4u) << errors_of(r);  // bad eui, bad version, no app_key, no key
  for (std::size_t i = 1; i < r.errors.size(); ++i)
    EXPECT_LE(r.errors[i - 1].line, r.errors[i].line);
}

TEST(Registry, ErrorsNeverQuoteKeys) {
  auto r = Registry::parse(std::string("devices:\n  - dev_eui: \"01\"\n    lorawan_version: 1.0.3\n"
                                       "    otaa: {join_eui: \"02\", app_key: \"") +
                               "829a7de594e02867cf54f5a7ca9cc87" + "\"}\n",
                           "d.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(errors_of(r).find("829a7de5"), std::string::npos) << errors_of(r);
}

// JSON: the same kinds, with the line computed from the parser's position.
TEST(RegistryJson, ErrorsCarryLineNumbers) {
  const std::string json =
      std::string("{\n\"devices\": [\n") +
      "  {\"dev_eui\": \"01\", \"lorawan_version\": \"1.0.3\",\n" +
      "   \"otaa\": {\"join_eui\": \"02\", \"app_key\": \"" K1 "\"}},\n" +
      "  {\"dev_eui\": \"02\",\n" + "   \"lorawan_version\": \"1.1\",\n" +
      "   \"otaa\": {\"join_eui\": \"02\",\n" + "              \"app_key\": \"" K1 "\"}},\n" +
      "  {\"dev_eui\": 3, \"lorawan_version\": \"1.0.3\",\n" +
      "   \"otaa\": {\"join_eui\": \"02\", \"app_key\": \"" K1 "\"}},\n" +
      "  {\"dev_eui\": \"01\", \"lorawan_version\": \"1.0.3\", \"abp\": {\n" +
      "   \"dev_addr\": \"01\", \"nwk_s_key\": \"abcd\"}, \"extra\": 1}\n" + "]}\n";
  auto r = Registry::parse(json, "fleet.json");
  ASSERT_FALSE(r.ok());
  const std::string all = errors_of(r);
  EXPECT_NE(all.find("fleet.json:7: device 0000000000000002: otaa.nwk_key is missing"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("fleet.json:9: device #3: dev_eui must be a hex string, not a number"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("fleet.json:12: device 0000000000000001: abp.nwk_s_key must be 16 bytes"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("fleet.json:12: device #4: unknown key 'extra'"), std::string::npos) << all;
}

TEST(RegistryJson, SyntaxErrorHasLine) {
  auto r = Registry::parse("{\"devices\": [\n  {\"dev_eui\": \"01\",\n   oops}\n]}", "f.json");
  expect_error(r, 3, "JSON syntax error");
}

TEST(RegistryJson, EmptyAndWrongTopLevel) {
  expect_error(Registry::parse("", "f.json", FileFormat::Json), 1, "empty");
  expect_error(Registry::parse("[1]", "f.json"), 1, "top level must be a mapping");
  expect_error(Registry::parse("{\"devices\": 1}", "f.json"), 1, "devices must be a list");
  expect_error(Registry::parse("{\"devices\": [], \"x\": 2}", "f.json"), 1, "unknown key 'x'");
}

TEST(RegistryJson, ManyDevicesStreamedAcrossChunks) {
  // More than one 1 MiB parser chunk, so tokens straddle chunk boundaries.
  std::string json = "{\"devices\": [\n";
  const int n = 12000;
  for (int i = 0; i < n; ++i) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "%s{\"dev_eui\": \"%016x\", \"lorawan_version\": \"1.0.3\", \"abp\": "
                  "{\"dev_addr\": \"%08x\", \"nwk_s_key\": \"" K1 "\"}, \"name\": \"%s\"}\n",
                  i ? "," : "", i + 1, 0x26000000 + i / 4,
                  std::string(40, static_cast<char>('a' + i % 26)).c_str());
    json += line;
  }
  json += "]}\n";
  ASSERT_GT(json.size(), 1u << 20);
  auto r = Registry::parse(json, "big.json");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  EXPECT_EQ(r.registry->devices().size(), static_cast<std::size_t>(n));
  EXPECT_EQ(r.registry->find_abp(DevAddr{0x26000000 + 1000}).size(), 4u);
  EXPECT_NE(r.registry->find(DevEui{static_cast<std::uint64_t>(n)}), nullptr);
  // An error near the end reports the right line (line k+1 holds device k).
  json.replace(json.rfind("\"1.0.3\""), 7, "\"1.9.9\"");
  auto bad = Registry::parse(json, "big.json");
  expect_error(bad, static_cast<std::uint32_t>(n + 1), "unknown lorawan_version");
}

TEST(Registry, LoadFilesMergesAndDetectsCrossFileDuplicates) {
  ranbridge::testing::TempDir dir;
  auto a = dir.write(
      "a.yaml", std::string("devices:\n  - dev_eui: \"01\"\n    lorawan_version: 1.0.3\n") + OTAA);
  auto b = dir.write(
      "b.json", std::string("{\"devices\": [{\"dev_eui\": \"02\", \"lorawan_version\": \"1.0.3\", "
                            "\"otaa\": {\"join_eui\": \"02\", \"app_key\": \"" K1 "\"}}]}"));
  auto ok = Registry::load_files({a, b});
  ASSERT_TRUE(ok.ok()) << errors_of(ok);
  EXPECT_EQ(ok.registry->devices().size(), 2u);
  auto dup = Registry::load_files({a, a});
  expect_error(dup, 2,
               "duplicate dev_eui 0000000000000001 (first defined at " + a.string() + ":2)");
  auto missing = Registry::load_files({dir / "nope.yaml"});
  expect_error(missing, 0, "cannot open");
}

TEST(RegistryHandle, ReloadSwapsAtomically) {
  auto first = Registry::parse(
      std::string("devices:\n  - dev_eui: \"01\"\n    lorawan_version: 1.0.3\n") + OTAA, "a");
  auto second = Registry::parse(
      std::string("devices:\n  - dev_eui: \"02\"\n    lorawan_version: 1.0.3\n") + OTAA, "b");
  ASSERT_TRUE(first.ok() && second.ok());
  RegistryHandle h(first.registry);
  auto held = h.get();  // a reader in the middle of a solve keeps its snapshot
  std::atomic<bool> stop{false};
  std::atomic<int> inconsistent{0};
  std::thread reader([&] {
    while (!stop) {
      auto r = h.get();
      const bool one = r->find(DevEui{1}) != nullptr, two = r->find(DevEui{2}) != nullptr;
      if (one == two) ++inconsistent;
    }
  });
  for (int i = 0; i < 200; ++i) h.replace(i % 2 ? first.registry : second.registry);
  h.replace(second.registry);
  stop = true;
  reader.join();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_NE(held->find(DevEui{1}), nullptr);
  EXPECT_EQ(h.get()->find(DevEui{1}), nullptr);
  EXPECT_NE(h.get()->find(DevEui{2}), nullptr);
}

TEST(Registry, YamlSyntaxErrorHasLine) {
  auto r = Registry::parse("devices:\n  - dev_eui: \"01\"\n    otaa: {join_eui: [\n", "d.yaml");
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
  EXPECT_GE(r.errors[0].line, 3u);
}

TEST(Registry, YamlAliasExpansionIsBounded) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  const char* names = "abcdefg";
  for (int i = 1; i < 7; ++i) {
    yaml += std::string(1, names[i]) + ": &" + names[i] + " [";
    for (int k = 0; k < 10; ++k) yaml += std::string(k ? ", *" : "*") + names[i - 1];
    yaml += "]\n";
  }
  auto r = Registry::parse(yaml, "bomb.yaml");
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  EXPECT_NE(r.errors[0].message.find("too large"), std::string::npos);
}
