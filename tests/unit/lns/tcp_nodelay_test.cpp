// broker_endpoint parses every MQTT URL form the client accepts; set_nodelay_to_peer sets
// TCP_NODELAY on exactly the sockets connected to the broker (real loopback sockets).
#include "ranbridge/lns/tcp_nodelay.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace lns = ranbridge::lns;

namespace {

void expect_endpoint(const std::string& url, const std::string& host, std::uint16_t port) {
  auto ep = lns::broker_endpoint(url);
  ASSERT_TRUE(ep) << url;
  EXPECT_EQ(ep->host, host) << url;
  EXPECT_EQ(ep->port, port) << url;
}

// A loopback listener and a client socket connected to it.
struct Pair {
  int listener = -1, client = -1;
  std::uint16_t port = 0;
  Pair() {
    listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listener, 4) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      return;
    port = ntohs(a.sin_port);
    client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      close(client);
      client = -1;
    }
  }
  ~Pair() {
    if (client >= 0) close(client);
    if (listener >= 0) close(listener);
  }
  int nodelay() const {
    int v = -1;
    socklen_t len = sizeof v;
    getsockopt(client, IPPROTO_TCP, TCP_NODELAY, &v, &len);
    return v;
  }
};

}  // namespace

TEST(TcpNodelay, BrokerEndpointOfEveryUrlForm) {
  expect_endpoint("tcp://127.0.0.1:1884", "127.0.0.1", 1884);
  expect_endpoint("tcp://broker", "broker", 1883);
  expect_endpoint("mqtt://broker.example:1883/", "broker.example", 1883);
  expect_endpoint("ssl://broker", "broker", 8883);
  expect_endpoint("mqtts://user@broker:9999", "broker", 9999);
  expect_endpoint("ws://broker/mqtt", "broker", 80);
  expect_endpoint("wss://broker:8443/mqtt?x=1", "broker", 8443);
  expect_endpoint("tcp://[::1]:1885", "::1", 1885);
  expect_endpoint("tcp://[::1]", "::1", 1883);
  for (const char* bad : {"broker:1883", "http://broker", "tcp://", "tcp://:1883", "tcp://h:0",
                          "tcp://h:65536", "tcp://h:12x", "tcp://[::1", "tcp://[::1]x"})
    EXPECT_FALSE(lns::broker_endpoint(bad)) << bad;
}

TEST(TcpNodelay, SetOnlyOnSocketsToTheBroker) {
  Pair broker, other;
  ASSERT_GE(broker.client, 0);
  ASSERT_GE(other.client, 0);
  ASSERT_EQ(broker.nodelay(), 0);

  EXPECT_EQ(lns::set_nodelay_to_peer({"127.0.0.1", broker.port}), 1u);
  EXPECT_NE(broker.nodelay(), 0);
  EXPECT_EQ(other.nodelay(), 0) << "a socket to another port was changed";

  // Another address on the right port: not ours to touch.
  EXPECT_EQ(lns::set_nodelay_to_peer({"127.0.0.2", other.port}), 0u);
  EXPECT_EQ(other.nodelay(), 0);
  // A host name matches by port.
  EXPECT_EQ(lns::set_nodelay_to_peer({"localhost", other.port}), 1u);
  EXPECT_NE(other.nodelay(), 0);
}
