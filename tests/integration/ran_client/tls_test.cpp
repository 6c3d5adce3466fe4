// The RAN client over TLS against ran-emulator serving https/wss with a certificate made
// during the test (openssl CLI): a private CA, a server certificate for 127.0.0.1/localhost
// and one for another name. Trusted CA -> works; no CA or wrong name -> a clear TLS
// TransportError.
#include <gtest/gtest.h>

#include <functional>

#include "rig.hpp"

using namespace ranbridge::ran_client_test;
using namespace std::chrono_literals;
namespace ran = ranbridge::ran;
namespace rt = ranbridge::testing;

namespace {

// A CA and two server certificates signed by it, in a temporary directory.
struct Pki {
  rt::TempDir dir;
  std::string ca_pem = (dir / "ca.pem").string();
  std::string good_cert = (dir / "server.pem").string();
  std::string good_key = (dir / "server.key").string();
  std::string other_cert = (dir / "other.pem").string();
  std::string other_key = (dir / "other.key").string();

  static void openssl(const std::vector<std::string>& args) {
    auto r = rt::run("/usr/bin/openssl", args, 60s);
    if (r.exit_code != 0) throw std::runtime_error("openssl failed:\n" + r.output);
  }
  void server_cert(const std::string& cn, const std::string& san, const std::string& cert,
                   const std::string& key) {
    const std::string csr = cert + ".csr";
    auto ext = dir.write(cn + ".ext", "subjectAltName=" + san +
                                          "\nbasicConstraints=CA:FALSE"
                                          "\nkeyUsage=digitalSignature"
                                          "\nextendedKeyUsage=serverAuth\n");
    openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", key, "-out", csr, "-subj", "/CN=" + cn});
    openssl({"x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", (dir / "ca.key").string(),
             "-CAcreateserial", "-days", "2", "-out", cert, "-extfile", ext.string()});
  }
  Pki() {
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", (dir / "ca.key").string(), "-out", ca_pem, "-days", "2", "-subj",
             "/CN=ran-bridge test CA"});
    server_cert("127.0.0.1", "IP:127.0.0.1,DNS:localhost", good_cert, good_key);
    server_cert("other.example", "DNS:other.example", other_cert, other_key);
  }
};

ran::TlsOptions trusting(const std::string& ca) {
  ran::TlsOptions t;
  t.ca_file = ca;
  return t;
}

struct TlsTest : ::testing::Test {
  static Pki* pki;
  static void SetUpTestSuite() { pki = new Pki(); }
  static void TearDownTestSuite() {
    delete pki;
    pki = nullptr;
  }
};
Pki* TlsTest::pki = nullptr;

ran::ClientOptions with_tls(ran::TlsOptions tls) {
  auto o = Rig::test_options();
  o.tls = std::move(tls);
  return o;
}

void expect_tls_failure(const std::function<void()>& f, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << what << ": no error";
  } catch (const ran::TransportError& e) {
    EXPECT_EQ(e.kind(), ran::TransportError::Kind::Tls) << what << ": " << e.what();
    EXPECT_NE(std::string(e.what()).find("TLS"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find(kToken), std::string::npos) << e.what();
  }
}

TEST_F(TlsTest, TrustedCaWorksForRestAndStreams) {
  Rig rig({"--tls-cert", pki->good_cert, "--tls-key", pki->good_key}, trusting(pki->ca_pem));
  ASSERT_EQ(rig.emulator().base_url().rfind("https://", 0), 0u) << rig.emulator().base_url();
  // By IP literal (no SNI, IP SAN) and by name (SNI, DNS SAN).
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    const std::string url =
        "https://" + host + ":" + std::to_string(rig.emulator().port()) + "/api/v1";
    ran::Core core(rig.io.get_executor(), kToken, url, with_tls(trusting(pki->ca_pem)));
    rig.run(core.connect());
    auto d = rig.run(core.routing_table().insert(ran::DevEui{0x42}, ran::DevAddr{0x26000042}));
    EXPECT_EQ(d.dev_eui, ran::DevEui{0x42});
    EXPECT_EQ(rig.run(core.routing_table().select_all()).size(), 1u);
    EXPECT_EQ(rig.run(core.routing_table().remove_all()), 1u);
    EXPECT_EQ(core.rest_connections_opened(), 1u);  // keep-alive over TLS too

    auto up = rig.run(core.upstream());
    auto down = rig.run(core.downstream());
    ran::Downstream m;
    m.transaction_id = 9;
    m.dev_eui = ran::DevEui{0x42};
    m.tx_window.radio.frequency = 869525000;
    m.tx_window.timing = ran::Delay{1};
    m.phy_payload = {0x60, 1, 2, 3, 4, 0, 0, 0, 1, 2, 3, 4};
    rig.run(down.send_downstream(m));
    auto first = rig.run(down.recv(10s));
    ASSERT_TRUE(first);
    EXPECT_TRUE(std::holds_alternative<ran::DownstreamAck>(*first));
    rig.run(up.close());
    rig.run(down.close());
    EXPECT_TRUE(up.close_status().normal) << up.close_status().reason;
    EXPECT_TRUE(down.close_status().normal) << down.close_status().reason;
  }
  EXPECT_EQ(rig.stat("downstream/received"), 2);
}

TEST_F(TlsTest, UnknownCaFailsVerification) {
  Rig rig({"--tls-cert", pki->good_cert, "--tls-key", pki->good_key}, trusting(pki->ca_pem));
  ran::Core core(rig.io.get_executor(), kToken, rig.emulator().base_url(), Rig::test_options());
  rig.run(core.connect());
  expect_tls_failure([&] { rig.run(core.routing_table().select()); }, "REST");
  expect_tls_failure([&] { rig.run(core.upstream()); }, "websocket");
  // The server is fine; only this client refused it.
  EXPECT_EQ(rig.stat("sockets/upstream_open"), 0);
}

TEST_F(TlsTest, WrongHostNameFailsVerification) {
  // Chain trusted, but the certificate names other.example, not 127.0.0.1.
  Rig rig({"--tls-cert", pki->other_cert, "--tls-key", pki->other_key}, [] {
    ran::TlsOptions t;
    t.verify = false;  // the admin channel only
    return t;
  }());
  ran::Core core(rig.io.get_executor(), kToken, rig.emulator().base_url(),
                 with_tls(trusting(pki->ca_pem)));
  rig.run(core.connect());
  expect_tls_failure([&] { rig.run(core.routing_table().select()); }, "REST");
  expect_tls_failure([&] { rig.run(core.downstream()); }, "websocket");
  // With verification off (test setups only) the same server is reachable.
  ran::TlsOptions off;
  off.verify = false;
  ran::Core lax(rig.io.get_executor(), kToken, rig.emulator().base_url(), with_tls(off));
  rig.run(lax.connect());
  EXPECT_TRUE(rig.run(lax.routing_table().select()).empty());
}

// A plain-text client talking to the TLS port, and a TLS client to a plain port: errors,
// not hangs.
TEST_F(TlsTest, SchemeMismatchIsATransportError) {
  Rig tls_rig({"--tls-cert", pki->good_cert, "--tls-key", pki->good_key}, trusting(pki->ca_pem));
  ran::Core plain(tls_rig.io.get_executor(), kToken,
                  "http://127.0.0.1:" + std::to_string(tls_rig.emulator().port()) + "/api/v1",
                  Rig::test_options());
  tls_rig.run(plain.connect());
  EXPECT_THROW(tls_rig.run(plain.routing_table().select()), ran::TransportError);

  Rig plain_rig;
  ran::Core secure(plain_rig.io.get_executor(), kToken,
                   "https://127.0.0.1:" + std::to_string(plain_rig.emulator().port()) + "/api/v1",
                   with_tls(trusting(pki->ca_pem)));
  plain_rig.run(secure.connect());
  expect_tls_failure([&] { plain_rig.run(secure.routing_table().select()); }, "REST to plain");
}

}  // namespace
