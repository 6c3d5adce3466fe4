#include "ranbridge/ran/errors.hpp"

namespace ranbridge::ran {

const char* to_string(TransportError::Kind k) {
  switch (k) {
    case TransportError::Kind::Resolve:
      return "resolve";
    case TransportError::Kind::Connect:
      return "connect";
    case TransportError::Kind::Tls:
      return "tls";
    case TransportError::Kind::Timeout:
      return "timeout";
    case TransportError::Kind::Closed:
      return "closed";
    case TransportError::Kind::Protocol:
      return "protocol";
    case TransportError::Kind::Io:
      return "io";
  }
  return "io";
}

namespace {
std::string describe(const std::string& code, const std::string& description, int status) {
  std::string s = code + " (HTTP " + std::to_string(status) + ")";
  if (!description.empty()) s += ": " + description;
  return s;
}
}  // namespace

ApiError::ApiError(std::string code, std::string description, int http_status, std::string raw_body)
    : Error(describe(code, description, http_status)),
      code_(std::move(code)),
      description_(std::move(description)),
      http_status_(http_status),
      raw_body_(std::move(raw_body)) {}

std::unique_ptr<ApiError> make_api_error(int status, std::string_view body) {
  std::string raw(body);
  auto parsed = decode_error_body(body);
  // Only 4xx answers carry the API's error codes; a 5xx is the server failing, whatever it says.
  if (status < 400 || status >= 500 || !parsed.ok()) {
    std::string desc = status >= 500 ? "server error" : "unexpected error answer";
    if (!raw.empty()) desc += ": " + raw.substr(0, 200);
    return std::make_unique<UnknownError>("Unknown", desc, status, std::move(raw));
  }
  ErrorBody e = std::move(parsed).value();
  const std::string& c = e.code;
  auto make = [&]<class T>() -> std::unique_ptr<ApiError> {
    return std::make_unique<T>(e.code, e.description, status, raw);
  };
  if (c == "Unauthorized") return make.operator()<UnauthorizedError>();
  if (c == "ValidationFailed")
    return std::make_unique<ValidationFailedError>(e.code, e.description, status, raw,
                                                   std::move(e.details));
  if (c == "Device.AlreadyExists") return make.operator()<DeviceAlreadyExistsError>();
  if (c == "Device.LimitExhausted") return make.operator()<DeviceLimitExhaustedError>();
  if (c == "Device.NotFound") return make.operator()<DeviceNotFoundError>();
  if (c == "MulticastGroup.AlreadyExists")
    return make.operator()<MulticastGroupAlreadyExistsError>();
  if (c == "MulticastGroup.NotFound") return make.operator()<MulticastGroupNotFoundError>();
  if (c == "MulticastGroup.AlreadyContainsTheDevice")
    return make.operator()<MulticastGroupAlreadyContainsTheDeviceError>();
  // "Unknown" and codes this client does not know yet.
  return make.operator()<UnknownError>();
}

void throw_api_error(int status, std::string_view body) {
  auto e = make_api_error(status, body);
  // Rethrow as the dynamic type so that callers can catch the specific class.
  if (auto* p = dynamic_cast<ValidationFailedError*>(e.get())) throw *p;
#define RANBRIDGE_RETHROW(T) \
  if (auto* p = dynamic_cast<T*>(e.get())) throw *p;
  RANBRIDGE_RETHROW(UnauthorizedError)
  RANBRIDGE_RETHROW(DeviceAlreadyExistsError)
  RANBRIDGE_RETHROW(DeviceLimitExhaustedError)
  RANBRIDGE_RETHROW(DeviceNotFoundError)
  RANBRIDGE_RETHROW(MulticastGroupAlreadyExistsError)
  RANBRIDGE_RETHROW(MulticastGroupNotFoundError)
  RANBRIDGE_RETHROW(MulticastGroupAlreadyContainsTheDeviceError)
  RANBRIDGE_RETHROW(UnknownError)
#undef RANBRIDGE_RETHROW
  throw *e;
}

}  // namespace ranbridge::ran
