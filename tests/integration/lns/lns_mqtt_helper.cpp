// A process that runs one MqttClient the way ran-bridge does (ConnState OFFLINE as the will,
// ONLINE as the birth), for the tests that need to kill it: the will only fires when a real
// process dies without a DISCONNECT.
//
//   lns_mqtt_helper <url> <client-id> <gateway-id> <prefix>
// Prints "connected" once connected; on SIGTERM or SIGINT stops gracefully, prints
// "stopped" and exits 0.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

#include "ranbridge/lns/gateway_codec.hpp"
#include "ranbridge/lns/mqtt_client.hpp"
#include "ranbridge/lns/topics.hpp"

namespace asio = boost::asio;
using namespace ranbridge::lns;
using namespace std::chrono_literals;

namespace {

std::string conn_state(const GatewayId& gateway, gw::ConnState::State state) {
  gw::ConnState s;
  s.set_gateway_id(gateway.to_hex());
  s.set_state(state);
  return marshal(s, Marshaler::json);
}

asio::awaitable<void> report_connected(MqttClient& client) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!client.connected()) {
    timer.expires_after(10ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
  std::cout << "connected" << std::endl;
}

asio::awaitable<void> stop_on_signal(asio::signal_set& signals, MqttClient& client) {
  co_await signals.async_wait(asio::use_awaitable);
  co_await client.stop(2s);
  std::cout << "stopped" << std::endl;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: lns_mqtt_helper <url> <client-id> <gateway-id> <prefix>\n";
    return 2;
  }
  auto gateway = GatewayId::from_hex(argv[3], true);
  if (!gateway) {
    std::cerr << "bad gateway id " << argv[3] << "\n";
    return 2;
  }
  std::string topic = state_conn_topic(argv[4], *gateway);

  asio::io_context io;
  MqttClientOptions opts;
  opts.url = argv[1];
  opts.client_id = argv[2];
  opts.keepalive = 5s;
  opts.reconnect_min = 100ms;
  opts.reconnect_max = 400ms;
  opts.will = MqttMessage{topic, conn_state(*gateway, gw::ConnState::OFFLINE), true};
  MqttClient client(io.get_executor(), opts);
  client.add_birth(topic, conn_state(*gateway, gw::ConnState::ONLINE));
  client.start();

  asio::signal_set signals(io, SIGTERM, SIGINT);
  asio::co_spawn(io, report_connected(client), asio::detached);
  asio::co_spawn(io, stop_on_signal(signals, client), [&](std::exception_ptr) { io.stop(); });
  io.run();
  return 0;
}
