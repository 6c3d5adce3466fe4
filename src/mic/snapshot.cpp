// Session store snapshot: one binary file, versioned and checksummed, replaced atomically.
//
//   "RBSESS\r\n" | u32 format version (2) | u64 device count | records... | u32 CRC-32
//
// All integers little-endian. Record: u64 DevEUI | u8 flags (1 active, 2 pending, 4 ABP
// counter) | [session] | [session] | [u32 ABP FCntUp] | u8 n | n x (u64 JoinEUI, u16 DevNonce,
// u8 JoinReqType). Version 1 (still read) had no JoinReqType: every entry was a join request.
// Session: u32 DevAddr | u8 version | u8 has FCntUp | u32 FCntUp | u16 ConfFCntDown | 4 x 16
// key bytes (FNwkSIntKey, SNwkSIntKey, NwkSEncKey, AppSKey). The CRC covers every byte before it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "ranbridge/mic/session_store.hpp"

namespace ranbridge::mic {
namespace {

constexpr char kMagic[8] = {'R', 'B', 'S', 'E', 'S', 'S', '\r', '\n'};
constexpr std::uint32_t kFormatVersion = 2;
constexpr std::uint32_t kOldestReadableVersion = 1;

std::uint32_t crc32(const std::uint8_t* p, std::size_t n) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

class Writer {
 public:
  void u8(std::uint8_t v) { b.push_back(v); }
  void u16(std::uint16_t v) { uint(v, 2); }
  void u32(std::uint32_t v) { uint(v, 4); }
  void u64(std::uint64_t v) { uint(v, 8); }
  void key(const AesKey& k) { b.insert(b.end(), k.bytes.begin(), k.bytes.end()); }
  void session(const Session& s) {
    u32(s.dev_addr.value);
    u8(static_cast<std::uint8_t>(s.version));
    u8(s.fcnt_up ? 1 : 0);
    u32(s.fcnt_up.value_or(0));
    u16(s.conf_fcnt_down);
    key(s.keys.f_nwk_s_int_key);
    key(s.keys.s_nwk_s_int_key);
    key(s.keys.nwk_s_enc_key);
    key(s.keys.app_s_key);
  }
  std::vector<std::uint8_t> b;

 private:
  void uint(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
};

// Bounds-checked reader: any read past the end sets `bad` and yields zeros.
class Reader {
 public:
  Reader(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
  bool bad = false;
  std::size_t left() const { return n_ - pos_; }
  std::uint64_t uint(int n) {
    if (left() < static_cast<std::size_t>(n)) {
      bad = true;
      pos_ = n_;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= std::uint64_t{p_[pos_ + i]} << (8 * i);
    pos_ += n;
    return v;
  }
  AesKey key() {
    AesKey k;
    if (left() < 16) {
      bad = true;
      pos_ = n_;
      return k;
    }
    std::memcpy(k.bytes.data(), p_ + pos_, 16);
    pos_ += 16;
    return k;
  }
  std::optional<Session> session(std::string& error) {
    Session s;
    s.dev_addr = DevAddr{static_cast<std::uint32_t>(uint(4))};
    const auto v = uint(1);
    if (v > static_cast<std::uint64_t>(LorawanVersion::V1_1)) {
      error = "unknown LoRaWAN version code " + std::to_string(v);
      return std::nullopt;
    }
    s.version = static_cast<LorawanVersion>(v);
    const bool has = uint(1) != 0;
    const auto f = static_cast<std::uint32_t>(uint(4));
    if (has) s.fcnt_up = f;
    s.conf_fcnt_down = static_cast<std::uint16_t>(uint(2));
    s.keys.f_nwk_s_int_key = key();
    s.keys.s_nwk_s_int_key = key();
    s.keys.nwk_s_enc_key = key();
    s.keys.app_s_key = key();
    return s;
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t pos_ = 0;
};

std::string errno_text(const std::string& what, const std::filesystem::path& p) {
  return what + " " + p.string() + ": " + std::strerror(errno);
}

}  // namespace

std::optional<std::string> MemorySessionStore::save(const std::filesystem::path& path) const {
  const auto devices = all();
  Writer w;
  w.b.insert(w.b.end(), std::begin(kMagic), std::end(kMagic));
  w.u32(kFormatVersion);
  w.u64(devices.size());
  for (const auto& d : devices) {
    w.u64(d.dev_eui.value);
    w.u8(static_cast<std::uint8_t>((d.active ? 1 : 0) | (d.pending ? 2 : 0) |
                                   (d.abp_fcnt_up ? 4 : 0)));
    if (d.active) w.session(*d.active);
    if (d.pending) w.session(*d.pending);
    if (d.abp_fcnt_up) w.u32(*d.abp_fcnt_up);
    w.u8(static_cast<std::uint8_t>(d.recent_joins.size()));
    for (const auto& j : d.recent_joins) {
      w.u64(j.join_eui.value);
      w.u16(j.dev_nonce);
      w.u8(j.join_req_type);
    }
  }
  w.u32(crc32(w.b.data(), w.b.size()));

  const std::filesystem::path tmp = path.string() + ".tmp";
  // Session keys are secrets: owner-only permissions from the start.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return errno_text("cannot create", tmp);
  std::size_t done = 0;
  while (done < w.b.size()) {
    const ssize_t n = ::write(fd, w.b.data() + done, w.b.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto e = errno_text("cannot write", tmp);
      ::close(fd);
      ::unlink(tmp.c_str());
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = errno_text("cannot fsync", tmp);
    ::close(fd);
    ::unlink(tmp.c_str());
    return e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto e = errno_text("cannot rename onto", path);
    ::unlink(tmp.c_str());
    return e;
  }
  // The rename itself is durable only once the directory is synced.
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return std::nullopt;
}

std::optional<std::string> MemorySessionStore::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::nullopt;  // first start: empty store
    return errno_text("cannot open session snapshot", path);
  }
  std::vector<std::uint8_t> b((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  const std::string name = path.string() + ": ";
  if (b.size() < sizeof kMagic + 4 + 8 + 4 || std::memcmp(b.data(), kMagic, sizeof kMagic) != 0)
    return name + "not a ran-bridge session snapshot (bad header)";
  Reader head(b.data() + sizeof kMagic, 4);
  const auto version = head.uint(4);
  if (version < kOldestReadableVersion || version > kFormatVersion)
    return name + "unsupported snapshot format version " + std::to_string(version) +
           " (this build reads " + std::to_string(kOldestReadableVersion) + ".." +
           std::to_string(kFormatVersion) + ")";
  const std::size_t body = b.size() - 4;
  Reader crc_r(b.data() + body, 4);
  if (crc_r.uint(4) != crc32(b.data(), body))
    return name + "checksum mismatch (the file is corrupted or truncated)";

  Reader r(b.data() + sizeof kMagic + 4, body - sizeof kMagic - 4);
  const auto count = r.uint(8);
  std::vector<DeviceSessions> devices;
  std::string error;
  for (std::uint64_t i = 0; i < count && !r.bad; ++i) {
    DeviceSessions d;
    d.dev_eui = DevEui{r.uint(8)};
    const auto flags = r.uint(1);
    if (flags & ~std::uint64_t{7}) return name + "bad record flags";
    if (flags & 1) {
      d.active = r.session(error);
      if (!d.active) return name + error;
    }
    if (flags & 2) {
      d.pending = r.session(error);
      if (!d.pending) return name + error;
    }
    if (flags & 4) d.abp_fcnt_up = static_cast<std::uint32_t>(r.uint(4));
    const auto n = r.uint(1);
    if (n > kMaxRecentJoins) return name + "bad record (too many join requests)";
    for (std::uint64_t j = 0; j < n; ++j) {
      JoinRequestSeen js;
      js.join_eui = JoinEui{r.uint(8)};
      js.dev_nonce = static_cast<std::uint16_t>(r.uint(2));
      if (version >= 2) js.join_req_type = static_cast<std::uint8_t>(r.uint(1));
      d.recent_joins.push_back(js);
    }
    devices.push_back(std::move(d));
  }
  if (r.bad) return name + "truncated record";
  if (r.left() != 0) return name + "trailing bytes after the last record";

  replace_all(std::move(devices));
  return std::nullopt;
}

}  // namespace ranbridge::mic
