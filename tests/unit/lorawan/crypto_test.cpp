#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <random>
#include <sstream>

#include "ranbridge/lorawan/crypto.hpp"

using namespace ranbridge::lorawan;

namespace {

// OpenSSL's own CMAC, an independent implementation to compare against.
Block openssl_cmac(const AesKey& key, std::span<const std::uint8_t> msg) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "CMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char cipher[] = "AES-128-CBC";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
                         OSSL_PARAM_construct_end()};
  Block out{};
  size_t len = 0;
  EXPECT_EQ(EVP_MAC_init(ctx, key.bytes.data(), key.bytes.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx, msg.data(), msg.size()), 1);
  EXPECT_EQ(EVP_MAC_final(ctx, out.data(), &len, out.size()), 1);
  EXPECT_EQ(len, 16u);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return out;
}

AesKey random_key(std::mt19937& rng) {
  AesKey k;
  for (auto& b : k.bytes) b = static_cast<std::uint8_t>(rng());
  return k;
}

}  // namespace

TEST(Crypto, CmacMatchesOpenSslForEveryLengthUpTo80) {
  std::mt19937 rng(7);
  for (std::size_t len = 0; len <= 80; ++len) {
    AesKey k = random_key(rng);
    std::vector<std::uint8_t> msg(len);
    for (auto& b : msg) b = static_cast<std::uint8_t>(rng());
    Cmac c(k);
    EXPECT_EQ(c.compute(msg), openssl_cmac(k, msg)) << "len " << len;
    if (len >= 16) {
      Block prefix;
      std::copy_n(msg.begin(), 16, prefix.begin());
      EXPECT_EQ(c.compute(prefix, std::span(msg).subspan(16)), openssl_cmac(k, msg))
          << "prefix form, len " << len;
    }
  }
}

TEST(Crypto, DecryptInvertsEncrypt) {
  std::mt19937 rng(1);
  for (int i = 0; i < 50; ++i) {
    Aes128 aes(random_key(rng));
    Block b;
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    EXPECT_EQ(aes.decrypt(aes.encrypt(b)), b);
    EXPECT_EQ(aes.encrypt(aes.decrypt(b)), b);
  }
}

TEST(Crypto, CopiesAndMovesKeepTheKey) {
  std::mt19937 rng(2);
  AesKey k = random_key(rng);
  Block b{};
  Aes128 a(k);
  const Block expected = a.encrypt(b);
  Aes128 copy(a);
  EXPECT_EQ(copy.encrypt(b), expected);
  Aes128 moved(std::move(copy));
  EXPECT_EQ(moved.encrypt(b), expected);
  Aes128 other(random_key(rng));
  other = moved;
  EXPECT_EQ(other.encrypt(b), expected);
  Aes128 third(random_key(rng));
  third = std::move(other);
  EXPECT_EQ(third.encrypt(b), expected);
  EXPECT_EQ(third.decrypt(expected), b);
  Cmac c1(k);
  Cmac c2 = c1;
  EXPECT_EQ(c2.compute({}), c1.compute({}));
}

TEST(Crypto, InPlaceBlockEncryption) {
  AesKey k{};
  Aes128 aes(k);
  Block b{};
  const Block expected = aes.encrypt(b);
  aes.encrypt_block(b.data(), b.data());
  EXPECT_EQ(b, expected);
}

TEST(Crypto, KeysNeverStreamTheirBytes) {
  auto k = AesKey::from_hex("2b7e151628aed2a6abf7158809cf4f3c");
  ASSERT_TRUE(k);
  std::ostringstream os;
  os << *k;
  EXPECT_EQ(os.str(), "***");
  EXPECT_EQ(k->reveal_hex(), "2b7e151628aed2a6abf7158809cf4f3c");
  EXPECT_FALSE(AesKey::from_hex("2b7e1516"));                            // too short
  EXPECT_FALSE(AesKey::from_hex("2b7e151628aed2a6abf7158809cf4f3c00"));  // too long
}

TEST(Crypto, MicUint32IsBigEndianOfTheBytes) {
  Mic m{0x2b, 0x11, 0xff, 0x0d};
  EXPECT_EQ(mic_to_uint32(m), 0x2b11ff0du);
  EXPECT_EQ(mic_from_uint32(0x2b11ff0du), m);
}
