#include "harness.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ranbridge::lns::it {

namespace asio = boost::asio;

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return done();
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

Broker::Broker(BrokerOptions options, bool start_now)
    : options_(std::move(options)),
      port_(testing::free_port()),
      plain_port_(options_.tls ? testing::free_port() : port_) {
  if (start_now) start();
}

Broker::~Broker() {
  stop();
}

std::string Broker::url() const {
  return (options_.tls ? "ssl://127.0.0.1:" : "tcp://127.0.0.1:") + std::to_string(port_);
}

std::string Broker::plain_url() const {
  return "tcp://127.0.0.1:" + std::to_string(plain_port_);
}

void Broker::start() {
  if (proc_) return;
  auto exe = testing::mosquitto_path();
  if (exe.empty()) throw std::runtime_error("mosquitto is not installed (run scripts/setup)");
  std::ostringstream conf;
  // As root, mosquitto would switch to the "mosquitto" user, who cannot read our private
  // temporary directory (certificates, persistence file).
  if (geteuid() == 0) conf << "user root\n";
  conf << "allow_anonymous true\n"
       << "max_queued_messages 1000000\n"
       << "log_dest stdout\n"
       << "log_type all\n";
  if (options_.persistence)
    conf << "persistence true\n"
         << "persistence_location " << dir_.path().string() << "/\n";
  else
    conf << "persistence false\n";
  conf << "listener " << port_ << " 127.0.0.1\n";
  if (options_.tls) {
    conf << "cafile " << options_.tls->ca.string() << "\n"
         << "certfile " << options_.tls->cert.string() << "\n"
         << "keyfile " << options_.tls->key.string() << "\n";
    if (options_.tls->require_client_cert) conf << "require_certificate true\n";
    conf << "listener " << plain_port_ << " 127.0.0.1\n";
  }
  auto path = dir_.write("mosquitto.conf", conf.str());
  // Appends: a restarted broker's log follows the first one's.
  proc_.emplace(exe, std::vector<std::string>{"-c", path.string()},
                std::map<std::string, std::string>{},
                dir_ / ("mosquitto-" + std::to_string(starts_++) + ".log"));
  if (!testing::wait_for_port(port_) || !testing::wait_for_port(plain_port_))
    throw std::runtime_error("mosquitto did not start on " + url() + ":\n" + proc_->output());
}

void Broker::stop() {
  if (!proc_) return;
  proc_->signal(SIGTERM);  // mosquitto saves its persistence file on SIGTERM
  proc_->wait(10s);
  proc_.reset();
}

std::string Broker::log() const {
  std::string all;
  for (int i = 0; i < starts_; ++i) {
    std::ifstream in(dir_ / ("mosquitto-" + std::to_string(i) + ".log"));
    all += std::string(std::istreambuf_iterator<char>(in), {});
  }
  return all;
}

IoThread::IoThread() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}

IoThread::~IoThread() {
  // The clients are gone by now; their close() work (a short linger) ends the run.
  guard_.reset();
  thread_.join();
}

MessageHandler Inbox::handler() {
  return [this](const InboundMessage& m) {
    std::lock_guard lock(mutex_);
    messages_.push_back(m);
  };
}

std::vector<InboundMessage> Inbox::messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

std::size_t Inbox::size() const {
  std::lock_guard lock(mutex_);
  return messages_.size();
}

bool Inbox::wait_for_size(std::size_t n, std::chrono::milliseconds timeout) const {
  return eventually([&] { return size() >= n; }, timeout);
}

std::vector<long> Inbox::numbers() const {
  std::vector<long> out;
  for (const auto& m : messages()) out.push_back(std::stol(m.payload));
  return out;
}

MqttClientOptions client_options(const std::string& url, const std::string& client_id) {
  MqttClientOptions o;
  o.url = url;
  o.client_id = client_id;
  o.reconnect_min = 100ms;
  o.reconnect_max = 400ms;
  o.keepalive = 5s;
  o.connect_timeout = 5s;
  return o;
}

void stop_client(IoThread& io, MqttClient& client, std::chrono::milliseconds flush_timeout) {
  auto done = asio::co_spawn(io.context(), client.stop(flush_timeout), asio::use_future);
  if (done.wait_for(60s) != std::future_status::ready)
    throw std::runtime_error("MqttClient::stop() did not return");
  done.get();
}

std::unique_ptr<MqttClient> subscriber(IoThread& io, const std::string& url,
                                       const std::string& client_id, const std::string& filter,
                                       Inbox& inbox) {
  auto c = std::make_unique<MqttClient>(io.executor(), client_options(url, client_id));
  c->subscribe(filter, 1, inbox.handler());
  c->start();
  if (!eventually([&] { return c->stats().subscribed; }))
    throw std::runtime_error("subscriber " + client_id + " not subscribed to " + filter);
  return c;
}

}  // namespace ranbridge::lns::it
