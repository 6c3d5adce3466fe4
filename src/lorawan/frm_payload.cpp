#include "ranbridge/lorawan/frm_payload.hpp"

#include "ranbridge/lorawan/phy_payload.hpp"

namespace ranbridge::lorawan {
namespace {

Block a_block(Direction dir, DevAddr addr, std::uint32_t fcnt, std::uint8_t byte4,
              std::uint8_t byte15) {
  Block a{};
  a[0] = 0x01;
  a[4] = byte4;
  a[5] = static_cast<std::uint8_t>(dir);
  put_le32(&a[6], addr.value);
  put_le32(&a[10], fcnt);
  a[15] = byte15;
  return a;
}

}  // namespace

void crypt_frm_payload(const Aes128& key, Direction dir, DevAddr addr, std::uint32_t fcnt,
                       std::span<std::uint8_t> data) {
  Block a = a_block(dir, addr, fcnt, 0, 0);
  Block s;
  for (std::size_t off = 0, i = 1; off < data.size(); off += 16, ++i) {
    a[15] = static_cast<std::uint8_t>(i);  // at most 16 blocks in a 255-byte frame
    key.encrypt_block(a.data(), s.data());
    for (std::size_t j = 0; j < 16 && off + j < data.size(); ++j) data[off + j] ^= s[j];
  }
}

std::vector<std::uint8_t> crypt_frm_payload(const AesKey& key, Direction dir, DevAddr addr,
                                            std::uint32_t fcnt,
                                            std::span<const std::uint8_t> data) {
  std::vector<std::uint8_t> out(data.begin(), data.end());
  crypt_frm_payload(Aes128(key), dir, addr, fcnt, out);
  return out;
}

void crypt_fopts_raw(const Aes128& key, Direction dir, DevAddr addr, std::uint32_t fcnt,
                     std::uint8_t a_byte4, std::uint8_t a_byte15, std::span<std::uint8_t> fopts) {
  Block s = key.encrypt(a_block(dir, addr, fcnt, a_byte4, a_byte15));
  for (std::size_t j = 0; j < fopts.size() && j < 16; ++j) fopts[j] ^= s[j];
}

void crypt_fopts_1_1(const Aes128& nwk_s_enc_key, FOptsCounter counter, Direction dir, DevAddr addr,
                     std::uint32_t fcnt, std::span<std::uint8_t> fopts) {
  crypt_fopts_raw(nwk_s_enc_key, dir, addr, fcnt, static_cast<std::uint8_t>(counter), 0x01, fopts);
}

std::vector<std::uint8_t> crypt_fopts_1_1(const AesKey& nwk_s_enc_key, FOptsCounter counter,
                                          Direction dir, DevAddr addr, std::uint32_t fcnt,
                                          std::span<const std::uint8_t> fopts) {
  std::vector<std::uint8_t> out(fopts.begin(), fopts.end());
  crypt_fopts_1_1(Aes128(nwk_s_enc_key), counter, dir, addr, fcnt, out);
  return out;
}

}  // namespace ranbridge::lorawan
