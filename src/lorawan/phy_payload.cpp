#include "ranbridge/lorawan/phy_payload.hpp"

#include <algorithm>

namespace ranbridge::lorawan {
namespace {

constexpr std::size_t kMicSize = 4;
constexpr std::size_t kJoinRequestSize = 23;          // MHDR 1 + 18 + MIC 4
constexpr std::size_t kRejoin02Size = 19;             // MHDR 1 + 14 + MIC 4
constexpr std::size_t kRejoin1Size = 24;              // MHDR 1 + 19 + MIC 4
constexpr std::size_t kDataMinSize = 12;              // MHDR + FHDR(7) + MIC
constexpr std::size_t kJoinAcceptSizes[] = {17, 33};  // without / with CFList
constexpr std::size_t kMaxFOpts = 15;

ParseError error(ParseErrc code, std::string message) {
  return ParseError{code, std::move(message)};
}

std::string what(MType m) {
  return std::string(to_string(m));
}

std::uint64_t get_le64(const std::uint8_t* p) {
  return std::uint64_t{get_le32(p)} | std::uint64_t{get_le32(p + 4)} << 32;
}
void put_le64(std::uint8_t* p, std::uint64_t v) {
  put_le32(p, static_cast<std::uint32_t>(v));
  put_le32(p + 4, static_cast<std::uint32_t>(v >> 32));
}
std::uint32_t get_le24(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16;
}
void put_le24(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 3; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

Parsed<PhyPayload> parse_data(PhyPayload f, std::span<const std::uint8_t> b) {
  if (b.size() < kDataMinSize)
    return error(ParseErrc::TooShort,
                 what(f.mtype) + " must be at least 12 bytes, got " + std::to_string(b.size()));
  DataFrame d;
  d.dev_addr = DevAddr{get_le32(&b[1])};
  const std::uint8_t fctrl = b[5];
  d.fctrl.adr = (fctrl & 0x80) != 0;
  d.fctrl.ack = (fctrl & 0x20) != 0;
  if (is_uplink(f.mtype)) {
    d.fctrl.adr_ack_req = (fctrl & 0x40) != 0;
    d.fctrl.class_b = (fctrl & 0x10) != 0;
  } else {
    d.fctrl.rfu = (fctrl & 0x40) != 0;
    d.fctrl.f_pending = (fctrl & 0x10) != 0;
  }
  d.fcnt = get_le16(&b[6]);
  const std::size_t fopts_len = fctrl & 0x0F;
  const std::size_t payload_end = b.size() - kMicSize;
  std::size_t pos = 8;
  if (pos + fopts_len > payload_end)
    return error(ParseErrc::FOptsOverflow, "FOptsLen " + std::to_string(fopts_len) +
                                               " exceeds the " + std::to_string(payload_end - pos) +
                                               " bytes before the MIC");
  d.fopts.assign(b.begin() + pos, b.begin() + pos + fopts_len);
  pos += fopts_len;
  if (pos < payload_end) {
    d.fport = b[pos++];
    d.frm_payload.assign(b.begin() + pos, b.begin() + payload_end);
    if (*d.fport == 0 && fopts_len > 0)
      return error(ParseErrc::FOptsWithPortZero,
                   "FOpts present (" + std::to_string(fopts_len) + " bytes) with FPort 0");
  }
  f.body = std::move(d);
  return f;
}

Parsed<PhyPayload> parse_rejoin(PhyPayload f, std::span<const std::uint8_t> b) {
  if (b.size() < 2) return error(ParseErrc::TooShort, "rejoin request has no rejoin type byte");
  RejoinRequest r;
  r.type = b[1];
  if (r.type > 2)
    return error(ParseErrc::BadRejoinType,
                 "rejoin type " + std::to_string(r.type) + " is not 0, 1 or 2");
  const std::size_t want = r.type == 1 ? kRejoin1Size : kRejoin02Size;
  if (b.size() != want)
    return error(ParseErrc::BadLength, "rejoin request type " + std::to_string(r.type) +
                                           " must be " + std::to_string(want) + " bytes, got " +
                                           std::to_string(b.size()));
  if (r.type == 1) {
    r.join_eui = JoinEui{get_le64(&b[2])};
    r.dev_eui = DevEui{get_le64(&b[10])};
    r.rj_count = get_le16(&b[18]);
  } else {
    r.net_id = NetId{get_le24(&b[2])};
    r.dev_eui = DevEui{get_le64(&b[5])};
    r.rj_count = get_le16(&b[13]);
  }
  f.body = r;
  return f;
}

}  // namespace

std::string_view to_string(MType m) {
  switch (m) {
    case MType::JoinRequest:
      return "JoinRequest";
    case MType::JoinAccept:
      return "JoinAccept";
    case MType::UnconfirmedDataUp:
      return "UnconfirmedDataUp";
    case MType::UnconfirmedDataDown:
      return "UnconfirmedDataDown";
    case MType::ConfirmedDataUp:
      return "ConfirmedDataUp";
    case MType::ConfirmedDataDown:
      return "ConfirmedDataDown";
    case MType::RejoinRequest:
      return "RejoinRequest";
    case MType::Proprietary:
      return "Proprietary";
  }
  return "Unknown";
}

std::string_view to_string(ParseErrc e) {
  switch (e) {
    case ParseErrc::Empty:
      return "empty";
    case ParseErrc::UnsupportedMajor:
      return "unsupported_major";
    case ParseErrc::TooShort:
      return "too_short";
    case ParseErrc::TooLong:
      return "too_long";
    case ParseErrc::BadLength:
      return "bad_length";
    case ParseErrc::FOptsOverflow:
      return "fopts_overflow";
    case ParseErrc::FOptsWithPortZero:
      return "fopts_with_port_zero";
    case ParseErrc::BadRejoinType:
      return "bad_rejoin_type";
  }
  return "unknown";
}

Mic mic_of(std::span<const std::uint8_t> phy) {
  Mic m{};
  if (phy.size() >= kMicSize) std::copy(phy.end() - kMicSize, phy.end(), m.begin());
  return m;
}

void set_mic(std::span<std::uint8_t> phy, const Mic& mic) {
  if (phy.size() >= kMicSize) std::copy(mic.begin(), mic.end(), phy.end() - kMicSize);
}

Parsed<PhyPayload> parse_phy_payload(std::span<const std::uint8_t> b) {
  if (b.empty()) return error(ParseErrc::Empty, "PHYPayload is empty");
  if (b.size() > kMaxPhyPayloadSize)
    return error(ParseErrc::TooLong, "PHYPayload of " + std::to_string(b.size()) +
                                         " bytes exceeds " + std::to_string(kMaxPhyPayloadSize));
  PhyPayload f;
  f.mtype = static_cast<MType>(b[0] >> 5);
  f.major = b[0] & 0x03;
  f.rfu = (b[0] >> 2) & 0x07;
  if (f.major != 0)
    return error(ParseErrc::UnsupportedMajor,
                 "Major " + std::to_string(f.major) + " is not LoRaWAN R1 (0)");
  if (b.size() < 1 + kMicSize)
    return error(ParseErrc::TooShort, what(f.mtype) + " of " + std::to_string(b.size()) +
                                          " bytes has no room for a MIC");
  f.mic = mic_of(b);

  switch (f.mtype) {
    case MType::JoinRequest: {
      if (b.size() != kJoinRequestSize)
        return error(ParseErrc::BadLength,
                     "join request must be 23 bytes, got " + std::to_string(b.size()));
      f.body = JoinRequest{JoinEui{get_le64(&b[1])}, DevEui{get_le64(&b[9])}, get_le16(&b[17])};
      return f;
    }
    case MType::JoinAccept: {
      if (std::find(std::begin(kJoinAcceptSizes), std::end(kJoinAcceptSizes), b.size()) ==
          std::end(kJoinAcceptSizes))
        return error(ParseErrc::BadLength,
                     "join accept must be 17 or 33 bytes, got " + std::to_string(b.size()));
      f.body = JoinAcceptEncrypted{std::vector<std::uint8_t>(b.begin() + 1, b.end())};
      return f;
    }
    case MType::RejoinRequest:
      return parse_rejoin(std::move(f), b);
    case MType::Proprietary:
      f.body = Proprietary{std::vector<std::uint8_t>(b.begin() + 1, b.end() - kMicSize)};
      return f;
    default:
      return parse_data(std::move(f), b);
  }
}

Parsed<std::vector<std::uint8_t>> build_phy_payload(const PhyPayload& f) {
  if (f.major > 3) return error(ParseErrc::UnsupportedMajor, "Major must fit in 2 bits");
  if (f.rfu > 7) return error(ParseErrc::BadLength, "MHDR RFU must fit in 3 bits");
  std::vector<std::uint8_t> out;
  out.reserve(64);
  out.push_back(
      static_cast<std::uint8_t>(static_cast<std::uint8_t>(f.mtype) << 5 | f.rfu << 2 | f.major));
  auto bad_body = [&] {
    return error(ParseErrc::BadLength, "body does not match MType " + what(f.mtype));
  };

  switch (f.mtype) {
    case MType::JoinRequest: {
      const auto* j = f.join_request();
      if (j == nullptr) return bad_body();
      out.resize(1 + 18);
      put_le64(&out[1], j->join_eui.value);
      put_le64(&out[9], j->dev_eui.value);
      put_le16(&out[17], j->dev_nonce);
      break;
    }
    case MType::JoinAccept: {
      const auto* j = f.join_accept();
      if (j == nullptr) return bad_body();
      if (j->bytes.size() != 16 && j->bytes.size() != 32)
        return error(ParseErrc::BadLength, "join accept body must be 16 or 32 bytes, got " +
                                               std::to_string(j->bytes.size()));
      // The encrypted body already ends with the (encrypted) MIC.
      out.insert(out.end(), j->bytes.begin(), j->bytes.end());
      return out;
    }
    case MType::RejoinRequest: {
      const auto* r = f.rejoin_request();
      if (r == nullptr) return bad_body();
      if (r->type > 2)
        return error(ParseErrc::BadRejoinType,
                     "rejoin type " + std::to_string(r->type) + " is not 0, 1 or 2");
      out.push_back(r->type);
      if (r->type == 1) {
        out.resize(2 + 18);
        put_le64(&out[2], r->join_eui.value);
        put_le64(&out[10], r->dev_eui.value);
        put_le16(&out[18], r->rj_count);
      } else {
        out.resize(2 + 13);
        put_le24(&out[2], r->net_id.value);
        put_le64(&out[5], r->dev_eui.value);
        put_le16(&out[13], r->rj_count);
      }
      break;
    }
    case MType::Proprietary: {
      const auto* p = f.proprietary();
      if (p == nullptr) return bad_body();
      out.insert(out.end(), p->payload.begin(), p->payload.end());
      break;
    }
    default: {
      const auto* d = f.data();
      if (d == nullptr) return bad_body();
      if (d->fopts.size() > kMaxFOpts)
        return error(ParseErrc::FOptsOverflow,
                     "FOpts of " + std::to_string(d->fopts.size()) + " bytes exceeds 15");
      if (d->fport && *d->fport == 0 && !d->fopts.empty())
        return error(ParseErrc::FOptsWithPortZero, "FOpts present with FPort 0");
      if (!d->fport && !d->frm_payload.empty())
        return error(ParseErrc::BadLength, "FRMPayload without FPort");
      std::uint8_t fctrl = static_cast<std::uint8_t>(d->fopts.size());
      if (d->fctrl.adr) fctrl |= 0x80;
      if (d->fctrl.ack) fctrl |= 0x20;
      if (is_uplink(f.mtype)) {
        if (d->fctrl.adr_ack_req) fctrl |= 0x40;
        if (d->fctrl.class_b) fctrl |= 0x10;
      } else {
        if (d->fctrl.rfu) fctrl |= 0x40;
        if (d->fctrl.f_pending) fctrl |= 0x10;
      }
      out.resize(8);
      put_le32(&out[1], d->dev_addr.value);
      out[5] = fctrl;
      put_le16(&out[6], d->fcnt);
      out.insert(out.end(), d->fopts.begin(), d->fopts.end());
      if (d->fport) {
        out.push_back(*d->fport);
        out.insert(out.end(), d->frm_payload.begin(), d->frm_payload.end());
      }
      break;
    }
  }
  out.insert(out.end(), f.mic.begin(), f.mic.end());
  if (out.size() > kMaxPhyPayloadSize)
    return error(ParseErrc::TooLong, "frame of " + std::to_string(out.size()) + " bytes exceeds " +
                                         std::to_string(kMaxPhyPayloadSize));
  return out;
}

}  // namespace ranbridge::lorawan
