#include "ranbridge/lorawan/crypto.hpp"

#include <openssl/evp.h>

#include <cstring>
#include <new>
#include <stdexcept>

namespace ranbridge::lorawan {
namespace {

// Fetched once: EVP_CIPHER_fetch per key would dominate building per-device key state.
const EVP_CIPHER* aes128_ecb() {
  static EVP_CIPHER* cipher = [] {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-128-ECB", nullptr);
    if (c == nullptr) throw std::runtime_error("OpenSSL: AES-128-ECB is not available");
    return c;
  }();
  return cipher;
}

EVP_CIPHER_CTX* make_ctx(const AesKey& key, bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) throw std::bad_alloc();
  if (EVP_CipherInit_ex2(ctx, aes128_ecb(), key.bytes.data(), nullptr, encrypt ? 1 : 0, nullptr) !=
          1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("OpenSSL: AES-128-ECB init failed");
  }
  return ctx;
}

void run_block(EVP_CIPHER_CTX* ctx, const std::uint8_t* in, std::uint8_t* out) {
  // EVP_Cipher is the provider's raw cipher call: no buffering, no per-call checks beyond
  // what ECB needs. Whole blocks only, which is all we ever pass.
  if (EVP_Cipher(ctx, out, in, 16) <= 0) throw std::runtime_error("OpenSSL: AES block failed");
}

// Doubling in GF(2^128) (RFC 4493 subkey generation).
Block dbl(const Block& in) {
  Block out;
  std::uint8_t carry = 0;
  for (int i = 15; i >= 0; --i) {
    out[i] = static_cast<std::uint8_t>(in[i] << 1 | carry);
    carry = in[i] >> 7;
  }
  if (carry) out[15] ^= 0x87;
  return out;
}

}  // namespace

Aes128::Aes128(const AesKey& key) : key_(key) {
  enc_ = make_ctx(key, true);
}

Aes128::Aes128(const Aes128& other) : key_(other.key_) {
  enc_ = make_ctx(key_, true);
}

Aes128& Aes128::operator=(const Aes128& other) {
  if (this != &other) {
    Aes128 copy(other);
    *this = std::move(copy);
  }
  return *this;
}

Aes128::Aes128(Aes128&& other) noexcept : key_(other.key_), enc_(other.enc_), dec_(other.dec_) {
  other.enc_ = nullptr;
  other.dec_ = nullptr;
}

Aes128& Aes128::operator=(Aes128&& other) noexcept {
  if (this != &other) {
    EVP_CIPHER_CTX_free(enc_);
    EVP_CIPHER_CTX_free(dec_);
    key_ = other.key_;
    enc_ = other.enc_;
    dec_ = other.dec_;
    other.enc_ = nullptr;
    other.dec_ = nullptr;
  }
  return *this;
}

Aes128::~Aes128() {
  EVP_CIPHER_CTX_free(enc_);
  EVP_CIPHER_CTX_free(dec_);
}

void Aes128::encrypt_block(const std::uint8_t* in, std::uint8_t* out) const {
  run_block(enc_, in, out);
}

Block Aes128::encrypt(const Block& in) const {
  Block out;
  run_block(enc_, in.data(), out.data());
  return out;
}

Block Aes128::decrypt(const Block& in) const {
  if (dec_ == nullptr) dec_ = make_ctx(key_, false);
  Block out;
  run_block(dec_, in.data(), out.data());
  return out;
}

Cmac::Cmac(const AesKey& key) : aes_(key) {
  Block l = aes_.encrypt(Block{});
  k1_ = dbl(l);
  k2_ = dbl(k1_);
}

namespace {

// CBC-MAC over `p[0..n)` continuing from chaining value `x`, with RFC 4493's last-block rule:
// a complete last block is xored with K1, a partial (or empty) one is padded 0x80 00.. and
// xored with K2. No allocation: the state is one block on the stack.
Block cmac_tail(const Aes128& aes, const Block& k1, const Block& k2, Block x, const std::uint8_t* p,
                std::size_t n) {
  while (n > 16) {
    for (int i = 0; i < 16; ++i) x[i] ^= p[i];
    aes.encrypt_block(x.data(), x.data());
    p += 16;
    n -= 16;
  }
  if (n == 16) {
    for (int i = 0; i < 16; ++i) x[i] ^= static_cast<std::uint8_t>(p[i] ^ k1[i]);
  } else {
    for (std::size_t i = 0; i < n; ++i) x[i] ^= p[i];
    x[n] ^= 0x80;
    for (int i = 0; i < 16; ++i) x[i] ^= k2[i];
  }
  aes.encrypt_block(x.data(), x.data());
  return x;
}

}  // namespace

Block Cmac::compute(std::span<const std::uint8_t> msg) const {
  return cmac_tail(aes_, k1_, k2_, Block{}, msg.data(), msg.size());
}

Block Cmac::compute(const Block& prefix, std::span<const std::uint8_t> msg) const {
  if (msg.empty()) return cmac_tail(aes_, k1_, k2_, Block{}, prefix.data(), prefix.size());
  // The prefix is a complete block that is never the last one: plain CBC step.
  Block x = prefix;
  aes_.encrypt_block(x.data(), x.data());
  return cmac_tail(aes_, k1_, k2_, x, msg.data(), msg.size());
}

Block aes128_encrypt(const AesKey& key, const Block& block) {
  return Aes128(key).encrypt(block);
}
Block aes128_decrypt(const AesKey& key, const Block& block) {
  return Aes128(key).decrypt(block);
}
Block cmac(const AesKey& key, std::span<const std::uint8_t> msg) {
  return Cmac(key).compute(msg);
}

}  // namespace ranbridge::lorawan
