#include "ranbridge/ops/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "ranbridge_test/support.hpp"

namespace ranbridge::ops {
namespace {

using namespace std::chrono_literals;
using ranbridge::testing::TempDir;

// A valid minimal config; tests append or replace lines to break one thing at a time.
const std::string kMinimal =
    "regions:\n"                                // 1
    "  - name: eu\n"                            // 2
    "    url: https://eu.example.com/api/v1\n"  // 3
    "    token: secret-token-value\n"           // 4
    "    gateway_id: \"00000000000e0001\"\n";   // 5

LoadOptions env(std::map<std::string, std::string> vars) {
  LoadOptions o;
  o.getenv = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

LoadResult load(const std::string& yaml, const LoadOptions& options = env({})) {
  return load_config_string(yaml, "test.yaml", "/nonexistent-base", options);
}

// Expects exactly one error, on `line`, whose message contains `needle`.
void expect_one_error(const LoadResult& r, int line, const std::string& needle) {
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << format_errors(r.errors);
  EXPECT_EQ(r.errors[0].line, line) << format_errors(r.errors);
  EXPECT_NE(r.errors[0].message.find(needle), std::string::npos) << format_errors(r.errors);
  EXPECT_EQ(r.errors[0].file, "test.yaml");
}

TEST(Config, MinimalGetsDefaults) {
  auto r = load(kMinimal);
  ASSERT_TRUE(r.ok()) << format_errors(r.errors);
  const auto& c = *r.config;
  ASSERT_EQ(c.regions.size(), 1u);
  const auto& eu = c.regions[0];
  EXPECT_EQ(eu.name, "eu");
  EXPECT_EQ(eu.token.reveal(), "secret-token-value");
  EXPECT_EQ(eu.token_source, "token");
  EXPECT_EQ(eu.upstream_connections, 4u);
  EXPECT_EQ(eu.downstream_connections, 1u);
  EXPECT_EQ(eu.gateway_id.value, 0xe0001u);
  EXPECT_EQ(eu.topic_prefix, "eu");  // defaults to the name
  EXPECT_EQ(eu.mic_byte_order, MicByteOrder::Big);
  EXPECT_EQ(eu.connect_timeout, 10s);
  EXPECT_EQ(c.mqtt.url, "tcp://127.0.0.1:1883");
  EXPECT_EQ(c.mqtt.client_id, "ran-bridge");
  EXPECT_EQ(c.mqtt.qos, 1);
  EXPECT_EQ(c.mqtt.marshaler, Marshaler::Protobuf);
  EXPECT_EQ(c.mqtt.queue_limit, 100000u);
  EXPECT_FALSE(c.mqtt.password);
  EXPECT_TRUE(c.devices.files.empty());
  EXPECT_TRUE(c.routing_sync.enabled);
  EXPECT_EQ(c.routing_sync.interval, 300s);
  EXPECT_FALSE(c.routing_sync.prune);
  EXPECT_EQ(c.routing_sync.concurrency, 8u);
  EXPECT_EQ(c.state_dir, "/var/lib/ran-bridge");
  EXPECT_EQ(c.http.host, "127.0.0.1");
  EXPECT_EQ(c.http.port, 9464);
  EXPECT_EQ(c.log.level, LogLevel::Info);
  EXPECT_EQ(c.log.format, LogFormat::Text);
  EXPECT_EQ(c.uplink.dedup_window, 200ms);
  EXPECT_FALSE(c.uplink.drop_outdated);
  EXPECT_EQ(c.uplink.max_fcnt_gap, 16384u);
  EXPECT_EQ(c.downlink.rx_policy, RxPolicy::Rx1ThenRx2);
  EXPECT_EQ(c.downlink.class_c_deadline_policy, DeadlinePolicy::RanDefault);
  EXPECT_EQ(c.downlink.result_timeout_margin, 5s);
  EXPECT_FALSE(c.downlink.fallback_region);
  EXPECT_EQ(c.find_region("eu"), &c.regions[0]);
  EXPECT_EQ(c.find_region("us"), nullptr);
}

TEST(Config, ExampleFileLoadsWithDocumentedValues) {
  TempDir dir;
  std::filesystem::copy_file(ranbridge::testing::source_path("config/ran-bridge.yaml"),
                             dir / "ran-bridge.yaml");
  dir.write("eu.token", "  tok-from-file\n");
  dir.write("devices.yaml", "devices: []\n");
  auto r = load_config(dir / "ran-bridge.yaml", env({}));
  ASSERT_TRUE(r.ok()) << format_errors(r.errors);
  const auto& c = *r.config;
  EXPECT_EQ(c.source, dir / "ran-bridge.yaml");
  ASSERT_EQ(c.regions.size(), 1u);
  EXPECT_EQ(c.regions[0].token.reveal(), "tok-from-file");  // trimmed
  EXPECT_EQ(c.regions[0].token_source, "token_file " + (dir / "eu.token").string());
  EXPECT_EQ(c.regions[0].topic_prefix, "eu868");
  ASSERT_EQ(c.devices.files.size(), 1u);
  EXPECT_EQ(c.devices.files[0], dir / "devices.yaml");  // relative to the config file
  EXPECT_EQ(c.mqtt.flush_timeout, 5s);
  EXPECT_EQ(c.downlink.max_pending, 10000u);
}

TEST(Config, ComposeStackConfigLoads) {
  // docker/ran-bridge/ran-bridge.yaml is what docker-compose mounts: it must stay valid.
  auto r = load_config(ranbridge::testing::source_path("docker/ran-bridge/ran-bridge.yaml"),
                       env({{"RAN_EU_TOKEN", "emulator-token"}}));
  ASSERT_TRUE(r.ok()) << format_errors(r.errors);
  EXPECT_EQ(r.config->http.host, "0.0.0.0");
  EXPECT_EQ(r.config->log.format, LogFormat::Json);
  EXPECT_EQ(r.config->regions.at(0).topic_prefix, "eu868");
}

TEST(Config, FullyCustomValues) {
  auto r =
      load(kMinimal +
               "    upstream_connections: 8\n"
               "    downstream_connections: 0\n"
               "    topic_prefix: eu868\n"
               "    mic_byte_order: little\n"
               "    request_timeout: 1.5s\n"
               "mqtt: {url: \"mqtts://broker:8883\", qos: 2, marshaler: json, queue_limit: 5,\n"
               "       username: u, password_env: MQTT_PW, keepalive: 1m}\n"
               "routing_sync: {enabled: false, interval: 5m, prune: true, concurrency: 2}\n"
               "state_dir: state\n"
               "http: {listen: \"[::1]:0\"}\n"
               "log: {level: debug, format: json}\n"
               "uplink: {dedup_window: 0s, drop_outdated: true, max_fcnt_gap: 100}\n"
               "downlink: {rx_policy: rx1-only, class_c_deadline: 30s, fallback_region: eu}\n",
           env({{"MQTT_PW", " pw \n"}}));
  ASSERT_TRUE(r.ok()) << format_errors(r.errors);
  const auto& c = *r.config;
  EXPECT_EQ(c.regions[0].upstream_connections, 8u);
  EXPECT_EQ(c.regions[0].downstream_connections, 0u);
  EXPECT_EQ(c.regions[0].mic_byte_order, MicByteOrder::Little);
  EXPECT_EQ(c.regions[0].request_timeout, 1500ms);
  EXPECT_EQ(c.mqtt.qos, 2);
  EXPECT_EQ(c.mqtt.marshaler, Marshaler::Json);
  EXPECT_EQ(c.mqtt.queue_limit, 5u);
  EXPECT_EQ(*c.mqtt.username, "u");
  EXPECT_EQ(c.mqtt.password->reveal(), "pw");
  EXPECT_EQ(c.mqtt.keepalive, 60s);
  EXPECT_FALSE(c.routing_sync.enabled);
  EXPECT_EQ(c.state_dir, std::filesystem::path("/nonexistent-base/state"));
  EXPECT_EQ(c.http.host, "::1");
  EXPECT_EQ(c.http.port, 0);
  EXPECT_EQ(c.log.level, LogLevel::Debug);
  EXPECT_EQ(c.log.format, LogFormat::Json);
  EXPECT_TRUE(c.uplink.drop_outdated);
  EXPECT_EQ(c.uplink.max_fcnt_gap, 100u);
  EXPECT_EQ(c.downlink.rx_policy, RxPolicy::Rx1Only);
  EXPECT_EQ(c.downlink.class_c_deadline_policy, DeadlinePolicy::Absolute);
  EXPECT_EQ(c.downlink.class_c_deadline, 30s);
  EXPECT_EQ(*c.downlink.fallback_region, "eu");
}

TEST(Config, YamlSyntaxErrorHasLine) {
  auto r = load(kMinimal + "mqtt:\n  url: [unclosed\n");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_GE(r.errors[0].line, 7);
  EXPECT_NE(r.errors[0].message.find("YAML syntax error"), std::string::npos);
}

TEST(Config, UnknownKeysAreErrorsWithSuggestion) {
  auto r = load(kMinimal + "    upstream_conections: 4\n" + "mqtt:\n  qso: 1\n" + "colour: red\n");
  ASSERT_EQ(r.errors.size(), 3u) << format_errors(r.errors);
  EXPECT_EQ(r.errors[0].line, 6);
  EXPECT_NE(r.errors[0].message.find("unknown key 'regions[0].upstream_conections' (did you "
                                     "mean 'upstream_connections'?)"),
            std::string::npos);
  EXPECT_EQ(r.errors[1].line, 8);
  EXPECT_NE(r.errors[1].message.find("'mqtt.qso' (did you mean 'qos'?)"), std::string::npos);
  EXPECT_EQ(r.errors[2].line, 9);
  EXPECT_EQ(r.errors[2].message, "unknown key 'colour'");
}

TEST(Config, DuplicateKeyIsAnError) {
  expect_one_error(load(kMinimal + "log: {level: info}\nlog: {level: debug}\n"), 7,
                   "duplicate key 'log'");
}

TEST(Config, CollectsAllErrorsInFileOrder) {
  auto r = load(
      "regions:\n"
      "  - name: eu\n"
      "    url: ftp://x\n"  // 3
      "    token: t\n"
      "    gateway_id: \"zz\"\n"         // 5
      "    upstream_connections: 0\n"    // 6
      "mqtt: {qos: 3}\n"                 // 7
      "log: {level: loud}\n"             // 8
      "uplink: {dedup_window: 5 s}\n");  // 9
  ASSERT_EQ(r.errors.size(), 6u) << format_errors(r.errors);
  std::vector<int> lines;
  for (auto& e : r.errors) lines.push_back(e.line);
  EXPECT_EQ(lines, (std::vector<int>{3, 5, 6, 7, 8, 9}));
  auto text = format_errors(r.errors);
  EXPECT_NE(text.find("test.yaml:3: regions[0].url: scheme 'ftp' is not supported"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("test.yaml:5: regions[0].gateway_id: 'zz' is not 16 hex digits"),
            std::string::npos);
  EXPECT_NE(text.find("test.yaml:6: regions[0].upstream_connections: 0 is out of range (1..64)"),
            std::string::npos);
  EXPECT_NE(text.find("test.yaml:7: mqtt.qos: 3 is out of range (0..2)"), std::string::npos);
  EXPECT_NE(text.find("test.yaml:8: log.level: 'loud' is not one of trace, debug"),
            std::string::npos);
  EXPECT_NE(text.find("test.yaml:9: uplink.dedup_window: '5 s' is not a duration"),
            std::string::npos);
}

TEST(Config, DuplicateRegionNamesAndGatewayIds) {
  auto r = load(kMinimal +
                "  - name: eu\n"  // 6
                "    url: wss://eu2.example.com\n"
                "    token: t2\n"
                "    gateway_id: \"0x00000000000E0001\"\n");  // 9: same id, other spelling
  ASSERT_EQ(r.errors.size(), 2u) << format_errors(r.errors);
  EXPECT_EQ(r.errors[0].line, 6);
  EXPECT_NE(r.errors[0].message.find("duplicate region name 'eu' (first at line 2)"),
            std::string::npos);
  EXPECT_EQ(r.errors[1].line, 9);
  EXPECT_NE(r.errors[1].message.find("already used by another region (line 5)"), std::string::npos);
}

TEST(Config, GatewayIdNeedsSixteenDigits) {
  auto yaml = kMinimal;
  yaml.replace(yaml.find("00000000000e0001"), 16, "e0001");
  expect_one_error(load(yaml), 5, "is not 16 hex digits");
}

TEST(Config, RequiredRegionKeys) {
  auto r = load("regions:\n  - upstream_connections: 2\n");
  ASSERT_EQ(r.errors.size(), 4u) << format_errors(r.errors);
  auto text = format_errors(r.errors);
  EXPECT_NE(text.find("test.yaml:2: regions[0].name is required"), std::string::npos) << text;
  EXPECT_NE(text.find("regions[0].url is required"), std::string::npos);
  EXPECT_NE(text.find("regions[0]: needs exactly one of token, token_file, token_env"),
            std::string::npos);
  EXPECT_NE(text.find("regions[0].gateway_id is required"), std::string::npos);
}

TEST(Config, NoRegionsOrEmptyFile) {
  expect_one_error(load(""), 0, "at least one region");
  expect_one_error(load("regions: []\n"), 1, "at least one region is required");
  expect_one_error(load("regions: {eu: 1}\n"), 1, "regions must be a list");
  expect_one_error(load("- a\n- b\n"), 1, "the file must be a mapping");
}

TEST(Config, BadUrls) {
  auto with_url = [](const std::string& url) {
    auto yaml = kMinimal;
    yaml.replace(yaml.find("https://eu.example.com/api/v1"), 29, url);
    return load(yaml);
  };
  expect_one_error(with_url("not a url"), 3, "not an absolute URL");
  expect_one_error(with_url("tcp://eu.example.com"), 3, "scheme 'tcp' is not supported");
  expect_one_error(with_url("https://user:pw@eu.example.com"), 3, "credentials do not belong");
  expect_one_error(with_url("https://eu.example.com:0/x"), 3, "port must be 1..65535");
  expect_one_error(with_url("https:///path"), 3, "has no host");
  auto r = with_url("https://user:hunter2@eu.example.com");
  EXPECT_EQ(format_errors(r.errors).find("hunter2"), std::string::npos);  // never echoed
  ASSERT_TRUE(with_url("ws://127.0.0.1:8080/api/v1").ok());
  expect_one_error(load(kMinimal + "mqtt: {url: \"https://broker\"}\n"), 6,
                   "scheme 'https' is not supported (tcp, ssl, ws, wss, mqtt, mqtts)");
  for (auto ok :
       {"tcp://b:1883", "ssl://b:8883", "ws://b/mqtt", "wss://b", "mqtt://b", "mqtts://b"})
    EXPECT_TRUE(load(kMinimal + "mqtt: {url: \"" + ok + "\"}\n").ok()) << ok;
}

TEST(Config, TokenSources) {
  const std::string base =
      "regions:\n  - name: eu\n    url: https://x\n    gateway_id: \"00000000000e0001\"\n";
  // Two sources at once.
  expect_one_error(load(base + "    token: a\n    token_env: B\n"), 2,
                   "are alternatives: give only one");
  // token_env: set, unset, empty, bad name.
  auto r = load(base + "    token_env: RAN_EU_TOKEN\n", env({{"RAN_EU_TOKEN", "envtok\n"}}));
  ASSERT_TRUE(r.ok()) << format_errors(r.errors);
  EXPECT_EQ(r.config->regions[0].token.reveal(), "envtok");
  EXPECT_EQ(r.config->regions[0].token_source, "token_env RAN_EU_TOKEN");
  expect_one_error(load(base + "    token_env: RAN_EU_TOKEN\n"), 5,
                   "environment variable RAN_EU_TOKEN is not set");
  expect_one_error(load(base + "    token_env: RAN_EU_TOKEN\n", env({{"RAN_EU_TOKEN", " "}})), 5,
                   "environment variable RAN_EU_TOKEN is empty");
  expect_one_error(load(base + "    token_env: 1-bad\n"), 5, "is not an environment variable name");
  expect_one_error(load(base + "    token: \"\"\n"), 5, "regions[0].token is empty");
}

TEST(Config, TokenFileProblems) {
  TempDir dir;
  const std::string base =
      "regions:\n  - name: eu\n    url: https://x\n    gateway_id: \"00000000000e0001\"\n";
  auto load_in_dir = [&](const std::string& yaml) {
    return load_config_string(yaml, "test.yaml", dir.path(), env({}));
  };
  auto r = load_in_dir(base + "    token_file: missing.token\n");
  expect_one_error(r, 5, "regions[0].token_file: cannot read " + (dir / "missing.token").string());
  dir.write("empty.token", "\n  \n");
  expect_one_error(load_in_dir(base + "    token_file: empty.token\n"), 5, "is empty");
  dir.write("two.token", "supersecret1\nsupersecret2\n");
  r = load_in_dir(base + "    token_file: two.token\n");
  expect_one_error(r, 5, "must hold a single line");
  EXPECT_EQ(format_errors(r.errors).find("supersecret"), std::string::npos);
  std::filesystem::create_directory(dir / "adir");
  expect_one_error(load_in_dir(base + "    token_file: adir\n"), 5, "is a directory");
  dir.write("good.token", "abc123\n");
  r = load_in_dir(base + "    token_file: " + (dir / "good.token").string() + "\n");
  ASSERT_TRUE(r.ok()) << format_errors(r.errors);
  EXPECT_EQ(r.config->regions[0].token.reveal(), "abc123");
}

TEST(Config, SecretsNeverInMessages) {
  // A token of the wrong type, a password without username: messages name keys, not values.
  auto r = load(kMinimal + "mqtt: {password: s3cr3t-pw}\n");
  expect_one_error(r, 6, "a password needs a username");
  EXPECT_EQ(format_errors(r.errors).find("s3cr3t"), std::string::npos);
  std::ostringstream os;
  os << load(kMinimal).config->regions[0].token;
  EXPECT_EQ(os.str(), "***");
  EXPECT_EQ(fmt::format("{}", load(kMinimal).config->regions[0].token), "***");
}

TEST(Config, MqttTlsFilesRules) {
  TempDir dir;
  dir.write("ca.pem", "x");
  dir.write("c.pem", "x");
  auto l = [&](const std::string& mqtt) {
    return load_config_string(kMinimal + "mqtt: " + mqtt + "\n", "test.yaml", dir.path(), env({}));
  };
  ASSERT_TRUE(
      l("{url: \"ssl://b:8883\", ca_file: ca.pem, cert_file: c.pem, key_file: c.pem}").ok());
  expect_one_error(l("{url: \"ssl://b:8883\", cert_file: c.pem}"), 6,
                   "cert_file and key_file go together");
  expect_one_error(l("{url: \"tcp://b\", ca_file: ca.pem}"), 6, "does not use TLS");
  expect_one_error(l("{url: \"ssl://b\", ca_file: nope.pem}"), 6, "mqtt.ca_file: cannot read");
  expect_one_error(l("{username: u, password_file: a, password_env: B}"), 6, "give only one");
}

TEST(Config, DevicesFiles) {
  TempDir dir;
  dir.write("d.yaml", "devices: []\n");
  auto l = [&](const std::string& tail) {
    return load_config_string(kMinimal + tail, "test.yaml", dir.path(), env({}));
  };
  auto r = l("devices: {files: [d.yaml]}\n");
  ASSERT_TRUE(r.ok()) << format_errors(r.errors);
  EXPECT_EQ(r.config->devices.files.at(0), dir / "d.yaml");
  expect_one_error(l("devices:\n  files:\n    - d.yaml\n    - other.yaml\n"), 9,
                   "devices.files[1]: cannot read");
  expect_one_error(l("devices: {files: d.yaml}\n"), 6, "devices.files must be a list");
  expect_one_error(l("devices: {files: [d.yaml, ./d.yaml]}\n"), 6, "is listed twice");
  // Pruning with nothing configured would empty RAN's routing table: refused.
  expect_one_error(l("routing_sync: {prune: true}\n"), 6, "would remove every device");
}

TEST(Config, HttpListen) {
  auto l = [](const std::string& listen) {
    return load(kMinimal + "http: {listen: \"" + listen + "\"}\n");
  };
  auto r = l("0.0.0.0:9100");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->http.host, "0.0.0.0");
  EXPECT_EQ(r.config->http.port, 9100);
  EXPECT_EQ(l("localhost:1").config->http.host, "127.0.0.1");
  for (auto bad : {"9464", "127.0.0.1", "127.0.0.1:65536", "::1:9464", "host.example:80",
                   "127.0.0.1:x", "[127.0.0.1]:80"})
    expect_one_error(l(bad), 6, "is not host:port");
}

TEST(Config, DownlinkKeys) {
  expect_one_error(load(kMinimal + "downlink: {class_c_deadline: 600s}\n"), 6,
                   "class_c_deadline: 600s is out of range (1s..512s)");
  expect_one_error(load(kMinimal + "downlink: {class_c_deadline: soon}\n"), 6,
                   "must be ran-default or a duration");
  expect_one_error(load(kMinimal + "downlink: {rx_policy: rx2}\n"), 6,
                   "'rx2' is not one of rx1-only, rx1-then-rx2");
  expect_one_error(load(kMinimal + "downlink: {fallback_region: us}\n"), 6,
                   "'us' is not a configured region");
}

TEST(Config, TypeErrors) {
  expect_one_error(load(kMinimal + "uplink: {drop_outdated: maybe}\n"), 6,
                   "uplink.drop_outdated must be true or false");
  expect_one_error(load(kMinimal + "mqtt: {queue_limit: -1}\n"), 6, "'-1' is not an integer");
  expect_one_error(load(kMinimal + "mqtt: {queue_limit: [1]}\n"), 6, "must be an integer");
  expect_one_error(load(kMinimal + "mqtt: {client_id: {a: b}}\n"), 6, "must be a string");
  expect_one_error(load(kMinimal + "mqtt: 5\n"), 6, "mqtt must be a mapping");
  expect_one_error(load(kMinimal + "routing_sync: {interval: 1s}\n"), 6,
                   "1s is out of range (10s..24h)");
}

TEST(Config, TopicPrefixAndNames) {
  auto yaml = kMinimal + "    topic_prefix: eu/868\n";
  expect_one_error(load(yaml), 6, "must be one MQTT topic level");
  auto named = kMinimal;
  named.replace(named.find("name: eu"), 8, "name: \"e u\"");
  expect_one_error(load(named), 2, "must be 1..32 of letters, digits");
}

TEST(Config, NullValuesMeanDefaults) {
  auto r = load(kMinimal + "    topic_prefix:\n" + "mqtt:\n" + "log: {level: ~}\n");
  ASSERT_TRUE(r.ok()) << format_errors(r.errors);
  EXPECT_EQ(r.config->regions[0].topic_prefix, "eu");
  EXPECT_EQ(r.config->mqtt.url, "tcp://127.0.0.1:1883");
  EXPECT_EQ(r.config->log.level, LogLevel::Info);
}

TEST(Config, MissingFile) {
  auto r = load_config("/nonexistent/ran-bridge.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(format_errors(r.errors),
            "/nonexistent/ran-bridge.yaml: cannot read config file: No such file or directory\n");
}

TEST(Config, LogLevelAndFormatParsing) {
  EXPECT_EQ(parse_log_level("warning"), LogLevel::Warn);
  EXPECT_EQ(parse_log_level("off"), LogLevel::Off);
  EXPECT_FALSE(parse_log_level("loud"));
  EXPECT_EQ(parse_log_format("json"), LogFormat::Json);
  EXPECT_FALSE(parse_log_format("xml"));
  EXPECT_EQ(to_string(LogLevel::Critical), "critical");
}

}  // namespace
}  // namespace ranbridge::ops
