#include <gtest/gtest.h>

#include "ranbridge/lorawan/types.hpp"

using namespace ranbridge::lorawan;

TEST(Hex, ParsesLeadingZerosPrefixAndCase) {
  EXPECT_EQ(DevEui::from_hex("0004a30b001c0530")->value, 0x0004a30b001c0530ULL);
  EXPECT_EQ(DevEui::from_hex("0x4A30B001C0530")->value, 0x0004a30b001c0530ULL);
  EXPECT_EQ(DevEui::from_hex("ffffffffffffffff")->value, 0xffffffffffffffffULL);
  EXPECT_EQ(DevEui::from_hex("0004a30b001c0530")->to_hex(), "0004a30b001c0530");
}

TEST(Hex, RejectsBadInput) {
  EXPECT_FALSE(DevEui::from_hex(""));
  EXPECT_FALSE(DevEui::from_hex("0x"));
  EXPECT_FALSE(DevEui::from_hex("1ffffffffffffffff"));  // 17 significant digits
  EXPECT_FALSE(DevEui::from_hex("00g0"));
  EXPECT_FALSE(DevAddr::from_hex("100000000"));
  EXPECT_FALSE(DevEui::from_hex("4a30b001c0530", /*exact_width=*/true));
  EXPECT_TRUE(DevEui::from_hex("00000000000000000001"));  // padding beyond width is fine
}

TEST(Hex, Bytes) {
  EXPECT_EQ(to_hex(*parse_hex_bytes("0x00FFa1")), "00ffa1");
  EXPECT_FALSE(parse_hex_bytes("abc"));
  EXPECT_FALSE(parse_hex_bytes("zz"));
  EXPECT_TRUE(parse_hex_bytes("")->empty());
}

TEST(AesKeyTest, NeverPrintsItself) {
  auto k = AesKey::from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  ASSERT_TRUE(k);
  std::ostringstream os;
  os << *k;
  EXPECT_EQ(os.str(), "***");
  EXPECT_FALSE(AesKey::from_hex("2b7e"));
}
