#include "ranbridge/lorawan/join.hpp"

#include <algorithm>

namespace ranbridge::lorawan {
namespace {

constexpr std::uint8_t kMhdrJoinAccept = 0x20;  // MType 1, Major 0
constexpr std::size_t kFieldsSize = 12;         // JoinNonce..RxDelay
constexpr std::size_t kCfListSize = 16;

ParseError error(ParseErrc code, std::string message) {
  return ParseError{code, std::move(message)};
}

// Checks MHDR and the two allowed sizes (17 = no CFList, 33 = with CFList).
std::optional<ParseError> check_join_accept_shape(std::span<const std::uint8_t> phy) {
  if (phy.empty()) return error(ParseErrc::Empty, "join accept is empty");
  if ((phy[0] >> 5) != static_cast<int>(MType::JoinAccept))
    return error(ParseErrc::BadLength, "MHDR 0x" + to_hex(phy[0], 2) + " is not a join accept");
  if ((phy[0] & 0x03) != 0) return error(ParseErrc::UnsupportedMajor, "join accept Major is not 0");
  if (phy.size() != 17 && phy.size() != 33)
    return error(phy.size() < 17 ? ParseErrc::TooShort : ParseErrc::BadLength,
                 "join accept must be 17 or 33 bytes, got " + std::to_string(phy.size()));
  return std::nullopt;
}

// Runs `op` over each 16-byte block after MHDR.
template <class Op>
std::vector<std::uint8_t> per_block(std::span<const std::uint8_t> phy, Op op) {
  std::vector<std::uint8_t> out(phy.begin(), phy.end());
  for (std::size_t i = 1; i + 16 <= out.size(); i += 16) {
    Block b;
    std::copy_n(out.begin() + static_cast<std::ptrdiff_t>(i), 16, b.begin());
    b = op(b);
    std::copy(b.begin(), b.end(), out.begin() + static_cast<std::ptrdiff_t>(i));
  }
  return out;
}

// One key-derivation block: type | 15 bytes of fields (zero padded).
AesKey derive(const Aes128& aes, std::uint8_t type, std::span<const std::uint8_t> fields) {
  Block b{};
  b[0] = type;
  std::copy_n(fields.begin(), std::min<std::size_t>(fields.size(), 15), b.begin() + 1);
  return key_from_block(aes.encrypt(b));
}

}  // namespace

Parsed<DecryptedJoinAccept> parse_join_accept_plaintext(std::span<const std::uint8_t> p) {
  if (auto e = check_join_accept_shape(p)) return *e;
  DecryptedJoinAccept out;
  JoinAccept& ja = out.fields;
  ja.join_nonce = std::uint32_t{p[1]} | std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]} << 16;
  ja.net_id = NetId{std::uint32_t{p[4]} | std::uint32_t{p[5]} << 8 | std::uint32_t{p[6]} << 16};
  ja.dev_addr = DevAddr{get_le32(&p[7])};
  ja.dl_settings = p[11];
  ja.rx_delay = p[12];
  if (p.size() == 33) {
    std::array<std::uint8_t, 16> cf;
    std::copy_n(p.begin() + 13, 16, cf.begin());
    ja.cf_list = cf;
  }
  out.mic = mic_of(p);
  out.plaintext.assign(p.begin(), p.end());
  return out;
}

Parsed<DecryptedJoinAccept> decrypt_join_accept(const AesKey& key,
                                                std::span<const std::uint8_t> phy) {
  if (auto e = check_join_accept_shape(phy)) return *e;
  Aes128 aes(key);
  // The network applied AES-decrypt; AES-encrypt undoes it.
  return parse_join_accept_plaintext(
      per_block(phy, [&](const Block& b) { return aes.encrypt(b); }));
}

Parsed<std::vector<std::uint8_t>> encrypt_join_accept(const AesKey& key,
                                                      std::span<const std::uint8_t> plaintext) {
  if (auto e = check_join_accept_shape(plaintext)) return *e;
  Aes128 aes(key);
  return per_block(plaintext, [&](const Block& b) { return aes.decrypt(b); });
}

std::vector<std::uint8_t> join_accept_message(const JoinAccept& ja) {
  // Assembled in a fixed buffer first: one allocation, and GCC 12 at -O3 misreads the
  // vector growth path otherwise (-Wstringop-overread false positive).
  std::array<std::uint8_t, 1 + kFieldsSize + kCfListSize> m{};
  m[0] = kMhdrJoinAccept;
  for (int i = 0; i < 3; ++i) m[1 + i] = static_cast<std::uint8_t>(ja.join_nonce >> (8 * i));
  for (int i = 0; i < 3; ++i) m[4 + i] = static_cast<std::uint8_t>(ja.net_id.value >> (8 * i));
  put_le32(&m[7], ja.dev_addr.value);
  m[11] = ja.dl_settings;
  m[12] = ja.rx_delay;
  std::size_t n = 1 + kFieldsSize;
  if (ja.cf_list) {
    std::copy(ja.cf_list->begin(), ja.cf_list->end(), m.begin() + 13);
    n += kCfListSize;
  }
  return std::vector<std::uint8_t>(m.begin(), m.begin() + static_cast<std::ptrdiff_t>(n));
}

Mic join_accept_mic_1_0(const AesKey& nwk_key, std::span<const std::uint8_t> msg) {
  Block c = cmac(nwk_key, msg);
  return Mic{c[0], c[1], c[2], c[3]};
}

Mic join_accept_mic_1_1(const AesKey& js_int_key, std::uint8_t join_req_type, JoinEui join_eui,
                        std::uint16_t dev_nonce, std::span<const std::uint8_t> msg) {
  // JoinReqType(1) | JoinEUI(8) | DevNonce(2) | MHDR..CFList (at most 1 + 12 + 16 bytes).
  std::array<std::uint8_t, 11 + 1 + kFieldsSize + kCfListSize> buf{};
  const std::size_t n = std::min(msg.size(), buf.size() - 11);
  buf[0] = join_req_type;
  for (int i = 0; i < 8; ++i) buf[1 + i] = static_cast<std::uint8_t>(join_eui.value >> (8 * i));
  put_le16(&buf[9], dev_nonce);
  std::copy_n(msg.begin(), n, buf.begin() + 11);
  Block c = cmac(js_int_key, std::span<const std::uint8_t>(buf.data(), 11 + n));
  return Mic{c[0], c[1], c[2], c[3]};
}

std::vector<std::uint8_t> build_join_accept(const JoinAccept& ja, const JoinAcceptBuildKeys& keys) {
  std::vector<std::uint8_t> plain = join_accept_message(ja);
  Mic mic = ja.opt_neg() ? join_accept_mic_1_1(keys.js_int_key, keys.join_req_type, keys.join_eui,
                                               keys.dev_nonce, plain)
                         : join_accept_mic_1_0(keys.nwk_key, plain);
  plain.insert(plain.end(), mic.begin(), mic.end());
  // The shape is right by construction (13 or 29 bytes + MIC).
  return encrypt_join_accept(keys.enc_key, plain).value();
}

SessionKeys derive_session_keys_1_0(const AesKey& app_key, std::uint32_t join_nonce, NetId net_id,
                                    std::uint16_t dev_nonce) {
  std::array<std::uint8_t, 8> f{};
  for (int i = 0; i < 3; ++i) f[i] = static_cast<std::uint8_t>(join_nonce >> (8 * i));
  for (int i = 0; i < 3; ++i) f[3 + i] = static_cast<std::uint8_t>(net_id.value >> (8 * i));
  put_le16(&f[6], dev_nonce);
  Aes128 aes(app_key);
  SessionKeys k;
  k.f_nwk_s_int_key = derive(aes, 0x01, f);
  k.s_nwk_s_int_key = k.f_nwk_s_int_key;
  k.nwk_s_enc_key = k.f_nwk_s_int_key;
  k.app_s_key = derive(aes, 0x02, f);
  return k;
}

SessionKeys derive_session_keys_1_1(const AesKey& nwk_key, const AesKey& app_key,
                                    std::uint32_t join_nonce, JoinEui join_eui,
                                    std::uint16_t dev_nonce) {
  std::array<std::uint8_t, 13> f{};
  for (int i = 0; i < 3; ++i) f[i] = static_cast<std::uint8_t>(join_nonce >> (8 * i));
  for (int i = 0; i < 8; ++i) f[3 + i] = static_cast<std::uint8_t>(join_eui.value >> (8 * i));
  put_le16(&f[11], dev_nonce);
  Aes128 nwk(nwk_key);
  SessionKeys k;
  k.f_nwk_s_int_key = derive(nwk, 0x01, f);
  k.s_nwk_s_int_key = derive(nwk, 0x03, f);
  k.nwk_s_enc_key = derive(nwk, 0x04, f);
  k.app_s_key = derive(Aes128(app_key), 0x02, f);
  return k;
}

namespace {
AesKey derive_js(const AesKey& nwk_key, std::uint8_t type, DevEui dev_eui) {
  std::array<std::uint8_t, 8> f{};
  for (int i = 0; i < 8; ++i) f[i] = static_cast<std::uint8_t>(dev_eui.value >> (8 * i));
  return derive(Aes128(nwk_key), type, f);
}
}  // namespace

AesKey derive_js_int_key(const AesKey& nwk_key, DevEui dev_eui) {
  return derive_js(nwk_key, 0x06, dev_eui);
}
AesKey derive_js_enc_key(const AesKey& nwk_key, DevEui dev_eui) {
  return derive_js(nwk_key, 0x05, dev_eui);
}

}  // namespace ranbridge::lorawan
