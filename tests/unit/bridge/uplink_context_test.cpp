#include "ranbridge/bridge/uplink_context.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace ranbridge;
using namespace ranbridge::bridge;

TEST(UplinkContext, RoundTripsEveryField) {
  UplinkContext c{3, ContextFrameKind::JoinRequest, lorawan::DevEui{0x0004a30b001c0530}, 0xdeadbeef,
                  1764050000123456};
  auto bytes = encode_context(c);
  EXPECT_LE(bytes.size(), 32u);
  auto back = decode_context(bytes);
  ASSERT_TRUE(std::holds_alternative<UplinkContext>(back)) << std::get<std::string>(back);
  EXPECT_EQ(std::get<UplinkContext>(back), c);
}

TEST(UplinkContext, LayoutIsBigEndianAndVersioned) {
  UplinkContext c{1, ContextFrameKind::Data, lorawan::DevEui{0x0102030405060708}, 0x0a0b0c0d, 0x10};
  auto b = encode_context(c);
  EXPECT_EQ(b[0], kContextVersion);
  EXPECT_EQ(b[1], 1);
  EXPECT_EQ(b[2], 0);
  EXPECT_EQ(b[3], 0x01);
  EXPECT_EQ(b[10], 0x08);
  EXPECT_EQ(b[11], 0x0a);
  EXPECT_EQ(b[14], 0x0d);
  EXPECT_EQ(b[22], 0x10);
}

TEST(UplinkContext, RejectsWrongLength) {
  std::vector<std::uint8_t> empty;
  auto r = decode_context(empty);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_EQ(std::get<std::string>(r), "context is empty");
  auto full = encode_context({});
  std::vector<std::uint8_t> short_one(full.begin(), full.end() - 1);
  r = decode_context(short_one);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("22 bytes"), std::string::npos);
}

TEST(UplinkContext, RejectsUnknownVersionAndKind) {
  auto b = encode_context({});
  b[0] = 2;
  auto r = decode_context(b);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("version 2"), std::string::npos);
  b = encode_context({});
  b[2] = 9;
  r = decode_context(b);
  ASSERT_TRUE(std::holds_alternative<std::string>(r));
  EXPECT_NE(std::get<std::string>(r).find("kind 9"), std::string::npos);
}
