#include "ranbridge/ran/endpoints.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <boost/url/url.hpp>

#include "ranbridge/ran/errors.hpp"

namespace ranbridge::ran {

namespace {
std::uint16_t default_port(std::string_view scheme) {
  return (scheme == "https" || scheme == "wss") ? 443 : 80;
}

boost::urls::url parse_checked(std::string_view text) {
  auto r = boost::urls::parse_uri(text);
  if (!r) throw ParameterError("invalid URL '" + std::string(text) + "': " + r.error().message());
  boost::urls::url u(*r);
  std::string scheme(u.scheme());
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https" && scheme != "ws" && scheme != "wss")
    throw ParameterError("URL '" + std::string(text) + "': scheme must be http, https, ws or wss");
  if (u.host().empty()) throw ParameterError("URL '" + std::string(text) + "' has no host");
  if (u.has_userinfo())
    throw ParameterError("URL '" + std::string(text) + "' must not carry credentials");
  u.set_scheme(scheme);
  return u;
}
}  // namespace

std::string Url::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != default_port(scheme)) h += ":" + std::to_string(port);
  return h;
}

Url parse_url(std::string_view text) {
  auto u = parse_checked(text);
  Url out;
  out.scheme = u.scheme();
  out.host = u.host_type() == boost::urls::host_type::ipv6 ? std::string(u.encoded_host_address())
                                                           : std::string(u.host());
  if (u.has_port()) {
    if (u.port_number() == 0) throw ParameterError("URL '" + std::string(text) + "': bad port");
    out.port = u.port_number();
  } else {
    out.port = default_port(out.scheme);
  }
  out.target = u.encoded_path().empty() ? "/" : std::string(u.encoded_path());
  if (u.has_query()) out.target += "?" + std::string(u.encoded_query());
  return out;
}

Endpoints Endpoints::from_base(std::string_view base) {
  auto u = parse_checked(base);
  u.remove_query();
  u.remove_fragment();
  std::string path(u.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  const bool tls = u.scheme() == "https" || u.scheme() == "wss";
  std::string authority(u.encoded_authority());
  const std::string rest = std::string(tls ? "https" : "http") + "://" + authority + path;
  const std::string ws = std::string(tls ? "wss" : "ws") + "://" + authority + path;
  return Endpoints{rest + "/devices", rest + "/multicast/multicast-groups",
                   ws + "/stream/upstream/", ws + "/stream/downstream/"};
}

std::string with_access_token(std::string_view url, std::string_view token) {
  auto u = parse_checked(url);
  u.remove_fragment();
  u.set_encoded_query("access_token=" + boost::urls::encode(token, boost::urls::unreserved_chars));
  return std::string(u.buffer());
}

}  // namespace ranbridge::ran
