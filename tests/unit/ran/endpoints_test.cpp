// URL rules of the contract (§1): base URL forms, explicit URLs, access_token encoding.
#include "ranbridge/ran/endpoints.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "ranbridge/ran/core.hpp"
#include "ranbridge/ran/errors.hpp"

namespace ran = ranbridge::ran;

TEST(RanEndpoints, FromHttpsBase) {
  auto e = ran::Endpoints::from_base("https://eu.cloud.everynet.io/api/v1");
  EXPECT_EQ(e.routing_table, "https://eu.cloud.everynet.io/api/v1/devices");
  EXPECT_EQ(e.multicast, "https://eu.cloud.everynet.io/api/v1/multicast/multicast-groups");
  EXPECT_EQ(e.upstream, "wss://eu.cloud.everynet.io/api/v1/stream/upstream/");
  EXPECT_EQ(e.downstream, "wss://eu.cloud.everynet.io/api/v1/stream/downstream/");
}

TEST(RanEndpoints, TrailingSlashIgnoredQueryDropped) {
  auto a = ran::Endpoints::from_base("http://127.0.0.1:8080/api/v1/");
  auto b = ran::Endpoints::from_base("http://127.0.0.1:8080/api/v1//?x=1&access_token=old#frag");
  EXPECT_EQ(a.routing_table, "http://127.0.0.1:8080/api/v1/devices");
  EXPECT_EQ(a.upstream, "ws://127.0.0.1:8080/api/v1/stream/upstream/");
  EXPECT_EQ(b.routing_table, a.routing_table);
  EXPECT_EQ(b.downstream, a.downstream);
  auto root = ran::Endpoints::from_base("ws://localhost:1");
  EXPECT_EQ(root.routing_table, "http://localhost:1/devices");
  EXPECT_EQ(root.upstream, "ws://localhost:1/stream/upstream/");
  auto upper = ran::Endpoints::from_base("HTTPS://Host/x");
  EXPECT_EQ(upper.upstream.substr(0, 6), "wss://");
}

TEST(RanEndpoints, BadBaseUrls) {
  EXPECT_THROW(ran::Endpoints::from_base("ftp://host/api"), ran::ParameterError);
  EXPECT_THROW(ran::Endpoints::from_base("not a url"), ran::ParameterError);
  EXPECT_THROW(ran::Endpoints::from_base("/api/v1"), ran::ParameterError);
  EXPECT_THROW(ran::Endpoints::from_base("https://user:pw@host/api"), ran::ParameterError);
  EXPECT_THROW(ran::parse_url("http://host:0/"), ran::ParameterError);
}

TEST(RanEndpoints, AccessTokenIsPercentEncoded) {
  EXPECT_EQ(ran::with_access_token("wss://h/api/stream/upstream/", "abc-123_.~"),
            "wss://h/api/stream/upstream/?access_token=abc-123_.~");
  EXPECT_EQ(ran::with_access_token("ws://h:1/s/?old=1", "a b+c&d=e/f?%"),
            "ws://h:1/s/?access_token=a%20b%2Bc%26d%3De%2Ff%3F%25");
}

TEST(RanEndpoints, ParseUrl) {
  auto u = ran::parse_url("https://example.com/api/v1/devices?x=1");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/api/v1/devices?x=1");
  EXPECT_EQ(u.host_header(), "example.com");
  EXPECT_TRUE(u.tls());
  auto p = ran::parse_url("ws://127.0.0.1:9000");
  EXPECT_EQ(p.port, 9000);
  EXPECT_EQ(p.target, "/");
  EXPECT_EQ(p.host_header(), "127.0.0.1:9000");
  EXPECT_FALSE(p.tls());
  auto v6 = ran::parse_url("http://[::1]:8080/x");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.host_header(), "[::1]:8080");
}

TEST(RanCore, ConstructorChecksBeforeAnyIo) {
  boost::asio::io_context io;
  EXPECT_THROW(ran::Core(io.get_executor(), "", "http://127.0.0.1:1/api"), ran::ParameterError);
  EXPECT_THROW(ran::Core(io.get_executor(), "tok en", "http://127.0.0.1:1/api"),
               ran::ParameterError);
  EXPECT_THROW(ran::Core(io.get_executor(), "t", "gopher://x/api"), ran::ParameterError);
  ran::Endpoints e = ran::Endpoints::from_base("http://127.0.0.1:1/api");
  e.upstream = "http://127.0.0.1:1/api/stream/upstream/";  // REST scheme on a stream URL
  EXPECT_THROW(ran::Core(io.get_executor(), "t", e), ran::ParameterError);
  ran::Core ok(io.get_executor(), "t", "http://127.0.0.1:1/api/");
  EXPECT_EQ(ok.endpoints().routing_table, "http://127.0.0.1:1/api/devices");
  EXPECT_THROW(ok.routing_table(), ran::ParameterError);  // connect() first
}
