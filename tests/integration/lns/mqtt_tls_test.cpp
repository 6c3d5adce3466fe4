// MqttClient over TLS (ssl://) to a mosquitto whose CA, server and client certificates are
// generated here with the openssl command; a client trusting another CA fails clearly.

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include "harness.hpp"

namespace ranbridge::lns::it {
namespace {

// Runs openssl; fails the test with its output when it does not succeed.
void openssl(const std::vector<std::string>& args) {
  auto r = testing::run("/usr/bin/openssl", args);
  ASSERT_EQ(r.exit_code, 0) << "openssl " << args.front() << ":\n" << r.output;
}

// A CA (self-signed) and, optionally, a leaf certificate it signs.
void make_ca(const testing::TempDir& dir, const std::string& name) {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-days", "2", "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-keyout",
           (dir / (name + ".key")).string(), "-out", (dir / (name + ".pem")).string()});
}

void make_leaf(const testing::TempDir& dir, const std::string& ca, const std::string& name,
               const std::string& extensions) {
  auto ext = dir.write(name + ".ext", extensions);
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
           "/CN=" + name, "-keyout", (dir / (name + ".key")).string(), "-out",
           (dir / (name + ".csr")).string()});
  openssl({"x509", "-req", "-in", (dir / (name + ".csr")).string(), "-CA",
           (dir / (ca + ".pem")).string(), "-CAkey", (dir / (ca + ".key")).string(),
           "-CAcreateserial", "-days", "2", "-extfile", ext.string(), "-out",
           (dir / (name + ".pem")).string()});
}

class MqttClientTls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    make_ca(*dir_, "ca");
    make_ca(*dir_, "other-ca");
    make_leaf(
        *dir_, "ca", "server",
        "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
    make_leaf(*dir_, "ca", "client", "extendedKeyUsage=clientAuth\n");
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(*dir_ / "client.pem")) << "certificates not generated";
    broker_.emplace(BrokerOptions{
        .persistence = false,
        .tls = BrokerTls{*dir_ / "ca.pem", *dir_ / "server.pem", *dir_ / "server.key", true}});
  }

  MqttClientOptions tls_options(const std::string& client_id, const std::string& ca) {
    auto o = client_options(broker_->url(), client_id);
    o.tls.ca_file = (*dir_ / (ca + ".pem")).string();
    o.tls.cert_file = (*dir_ / "client.pem").string();
    o.tls.key_file = (*dir_ / "client.key").string();
    return o;
  }

  static testing::TempDir* dir_;
  std::optional<Broker> broker_;
};

testing::TempDir* MqttClientTls::dir_ = nullptr;

TEST_F(MqttClientTls, PublishesOverTlsWithGeneratedCaAndClientCertificate) {
  IoThread io;
  Inbox inbox;  // listens on the broker's plain listener
  auto sub = subscriber(io, broker_->plain_url(), "sub-tls", "numbers", inbox);

  MqttClient pub(io.executor(), tls_options("pub-tls", "ca"));
  pub.start();
  for (int i = 0; i < 20; ++i) pub.publish("numbers", std::to_string(i));
  ASSERT_TRUE(inbox.wait_for_size(20)) << broker_->log();
  std::vector<long> expected;
  for (long i = 0; i < 20; ++i) expected.push_back(i);
  EXPECT_EQ(inbox.numbers(), expected);
  EXPECT_TRUE(eventually([&] { return pub.stats().published == 20; }));
  EXPECT_EQ(pub.stats().connect_failures, 0u);
}

TEST_F(MqttClientTls, WrongCaFailsClearlyAndKeepsTheQueue) {
  auto ring = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(200);
  spdlog::default_logger()->sinks().push_back(ring);
  IoThread io;
  MqttClient pub(io.executor(), tls_options("pub-wrong-ca", "other-ca"));
  pub.start();
  pub.publish("numbers", "0");
  ASSERT_TRUE(eventually([&] { return pub.stats().connect_failures >= 2; }));
  auto s = pub.stats();
  EXPECT_FALSE(s.connected);
  EXPECT_EQ(s.connects, 0u);
  EXPECT_EQ(s.queue_depth, 1u);  // nothing lost: it waits for a broker it can trust
  spdlog::default_logger()->sinks().pop_back();

  std::string log;
  for (const auto& line : ring->last_formatted()) log += line;
  EXPECT_NE(log.find("mqtt connect failed url=" + broker_->url()), std::string::npos) << log;
  EXPECT_NE(log.find("TLS handshake failed"), std::string::npos) << log;
}

TEST_F(MqttClientTls, PlainTcpToTheTlsListenerFailsAndIsCounted) {
  IoThread io;
  auto o = client_options("tcp://127.0.0.1:" + std::to_string(broker_->port()), "pub-plain");
  MqttClient pub(io.executor(), o);
  pub.start();
  ASSERT_TRUE(eventually([&] { return pub.stats().connect_failures >= 1; }));
  EXPECT_FALSE(pub.connected());
}

}  // namespace
}  // namespace ranbridge::lns::it
