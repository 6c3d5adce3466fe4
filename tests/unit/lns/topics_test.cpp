#include <gtest/gtest.h>

#include "ranbridge/lns/topics.hpp"

using namespace ranbridge::lns;

namespace {
const GatewayId kGw{0x00000000000e0001};
}

TEST(Topics, BuildersUseLowerCaseSixteenDigitIds) {
  GatewayId g{0xAABBCCDDEEFF0011};
  EXPECT_EQ(event_topic("eu868", g, Event::up), "eu868/gateway/aabbccddeeff0011/event/up");
  EXPECT_EQ(event_topic("eu868", kGw, Event::stats), "eu868/gateway/00000000000e0001/event/stats");
  EXPECT_EQ(event_topic("eu868", kGw, Event::ack), "eu868/gateway/00000000000e0001/event/ack");
  EXPECT_EQ(state_conn_topic("us915_0", kGw), "us915_0/gateway/00000000000e0001/state/conn");
  EXPECT_EQ(command_topic("eu868", kGw, "down"), "eu868/gateway/00000000000e0001/command/down");
  EXPECT_EQ(command_filter("eu868", kGw), "eu868/gateway/00000000000e0001/command/+");
}

TEST(Topics, ParseCommandTopic) {
  auto c = parse_command_topic("eu868/gateway/00000000000e0001/command/down");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->prefix, "eu868");
  EXPECT_EQ(c->gateway, kGw);
  EXPECT_EQ(c->command, "down");
  auto nested = parse_command_topic("site/a/gateway/AABBCCDDEEFF0011/command/config");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->prefix, "site/a");
  EXPECT_EQ(nested->gateway, GatewayId{0xaabbccddeeff0011});
  EXPECT_EQ(nested->command, "config");
}

TEST(Topics, ParseCommandTopicRejectsOtherShapes) {
  for (const char* bad : {"", "eu868", "eu868/gateway/00000000000e0001/command/",
                          "eu868/gateway/00000000000e0001/event/up",
                          "eu868/gateway/0e0001/command/down",             // short id
                          "eu868/gateway/00000000000e00011/command/down",  // long id
                          "eu868/gateway/0x000000000e0001/command/down",   // prefix 0x
                          "eu868/gateway/00000000000e000g/command/down",   // not hex
                          "gateway/00000000000e0001/command/down",         // no prefix
                          "/gateway/00000000000e0001/command/down",        // empty prefix
                          "eu868/gw/00000000000e0001/command/down",
                          "eu868/gateway/00000000000e0001/command/down/extra",
                          "eu868/gateway/00000000000e0001/command/+"})
    EXPECT_FALSE(parse_command_topic(bad)) << bad;
}

TEST(Topics, PrefixValidation) {
  EXPECT_TRUE(valid_topic_prefix("eu868"));
  EXPECT_TRUE(valid_topic_prefix("a/b"));
  EXPECT_FALSE(valid_topic_prefix(""));
  EXPECT_FALSE(valid_topic_prefix("/eu"));
  EXPECT_FALSE(valid_topic_prefix("eu/"));
  EXPECT_FALSE(valid_topic_prefix("eu+"));
  EXPECT_FALSE(valid_topic_prefix("#"));
}

TEST(Topics, FilterMatching) {
  EXPECT_TRUE(topic_matches("eu868/gateway/+/command/+", "eu868/gateway/0011/command/down"));
  EXPECT_FALSE(topic_matches("eu868/gateway/+/command/+", "eu868/gateway/0011/event/up"));
  EXPECT_FALSE(topic_matches("eu868/gateway/+/command/+", "eu868/gateway/0011/command"));
  EXPECT_TRUE(topic_matches("a/#", "a"));
  EXPECT_TRUE(topic_matches("a/#", "a/b/c"));
  EXPECT_FALSE(topic_matches("a/#", "b/c"));
  EXPECT_TRUE(topic_matches("#", "x/y"));
  EXPECT_TRUE(topic_matches("a/b", "a/b"));
  EXPECT_FALSE(topic_matches("a/b", "a/b/c"));
  EXPECT_FALSE(topic_matches("a/b/c", "a/b"));
  EXPECT_TRUE(topic_matches("a/+", "a/"));
  EXPECT_FALSE(topic_matches("#", "$SYS/broker"));
  EXPECT_FALSE(topic_matches("+/broker", "$SYS/broker"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/broker"));
}

TEST(Topics, PublishTopicAndFilterValidation) {
  EXPECT_TRUE(valid_publish_topic("a/b"));
  EXPECT_FALSE(valid_publish_topic(""));
  EXPECT_FALSE(valid_publish_topic("a/+"));
  EXPECT_FALSE(valid_publish_topic("a/#"));
  EXPECT_FALSE(valid_publish_topic(std::string("a\0b", 3)));
  EXPECT_TRUE(valid_topic_filter("a/+/c/#"));
  EXPECT_TRUE(valid_topic_filter("#"));
  EXPECT_FALSE(valid_topic_filter("a/#/c"));
  EXPECT_FALSE(valid_topic_filter("a/b+"));
  EXPECT_FALSE(valid_topic_filter("a#"));
  EXPECT_FALSE(valid_topic_filter(""));
}
