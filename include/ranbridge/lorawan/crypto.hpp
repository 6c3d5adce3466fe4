#pragma once
// AES-128 and AES-CMAC (RFC 4493) on OpenSSL 3 with per-key state: the cipher context and the
// CMAC subkeys K1/K2 are computed once when the object is built, so that the MIC hot path does
// one AES block call per 16 bytes and never allocates.
//
// Thread safety: an Aes128/Cmac object may be used by one thread at a time (the OpenSSL context
// is mutable state). Copying one is cheap compared with a key schedule and gives an
// independent object for another thread.

#include <array>
#include <cstdint>
#include <span>

#include "ranbridge/lorawan/types.hpp"

typedef struct evp_cipher_ctx_st EVP_CIPHER_CTX;

namespace ranbridge::lorawan {

using Block = std::array<std::uint8_t, 16>;

// One AES-128 key, ready to encrypt (and decrypt) single 16-byte blocks.
class Aes128 {
 public:
  explicit Aes128(const AesKey& key);
  Aes128(const Aes128& other);
  Aes128& operator=(const Aes128& other);
  Aes128(Aes128&& other) noexcept;
  Aes128& operator=(Aes128&& other) noexcept;
  ~Aes128();

  // out = AES-128-ECB-encrypt(key, in); `in` and `out` may alias. Exactly 16 bytes each.
  void encrypt_block(const std::uint8_t* in, std::uint8_t* out) const;
  Block encrypt(const Block& in) const;
  // The inverse cipher: needed only to build join accepts (the network "encrypts" with it).
  Block decrypt(const Block& in) const;

 private:
  void init(const AesKey& key);
  AesKey key_;  // kept to rebuild the decrypt context lazily and for copies
  EVP_CIPHER_CTX* enc_ = nullptr;
  mutable EVP_CIPHER_CTX* dec_ = nullptr;  // created on first decrypt()
};

// AES-CMAC with the subkeys precomputed for one key.
class Cmac {
 public:
  explicit Cmac(const AesKey& key);

  const Block& k1() const { return k1_; }
  const Block& k2() const { return k2_; }

  // CMAC over `msg`.
  Block compute(std::span<const std::uint8_t> msg) const;
  // CMAC over `prefix | msg` without building the concatenation: the B0/B1 block form used by
  // every data-frame MIC.
  Block compute(const Block& prefix, std::span<const std::uint8_t> msg) const;

  const Aes128& aes() const { return aes_; }

 private:
  Aes128 aes_;
  Block k1_{};
  Block k2_{};
};

// One-shot helpers (build the key state each call: fine for tools and tests, not hot paths).
Block aes128_encrypt(const AesKey& key, const Block& block);
Block aes128_decrypt(const AesKey& key, const Block& block);
Block cmac(const AesKey& key, std::span<const std::uint8_t> msg);

// Builds an AesKey from a block (key derivations produce blocks).
inline AesKey key_from_block(const Block& b) {
  AesKey k;
  k.bytes = b;
  return k;
}

}  // namespace ranbridge::lorawan
