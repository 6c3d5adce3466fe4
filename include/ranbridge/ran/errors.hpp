#pragma once
// Errors thrown by the RAN client's I/O layer (the codec never throws; see codec.hpp).
//
//   Error                       base of everything below (std::runtime_error)
//   ├── ParameterError          bad argument, raised before any I/O
//   ├── TransportError          resolve/connect/TLS/timeout/closed/protocol failure
//   └── ApiError                RAN answered an error: code, description, HTTP status, raw body
//       ├── UnknownError        "Unknown", any other 4xx body and every 5xx
//       ├── UnauthorizedError   "Unauthorized" (also a websocket handshake answered 401)
//       ├── ValidationFailedError (details: the {loc, msg, type} list)
//       ├── DeviceAlreadyExistsError, DeviceLimitExhaustedError, DeviceNotFoundError
//       └── MulticastGroupAlreadyExistsError, MulticastGroupNotFoundError,
//           MulticastGroupAlreadyContainsTheDeviceError
//
// Messages never contain the access token.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "ranbridge/ran/codec.hpp"

namespace ranbridge::ran {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ParameterError : public Error {
 public:
  using Error::Error;
};

class TransportError : public Error {
 public:
  enum class Kind { Resolve, Connect, Tls, Timeout, Closed, Protocol, Io };
  TransportError(Kind kind, const std::string& what, bool normal_close = false)
      : Error(what), kind_(kind), normal_close_(normal_close) {}
  Kind kind() const { return kind_; }
  // Kind::Closed only: the peer closed with a normal close handshake (1000/1001).
  bool normal_close() const { return normal_close_; }

 private:
  Kind kind_;
  bool normal_close_;
};
const char* to_string(TransportError::Kind k);

class ApiError : public Error {
 public:
  ApiError(std::string code, std::string description, int http_status, std::string raw_body);
  const std::string& code() const { return code_; }
  const std::string& description() const { return description_; }
  int http_status() const { return http_status_; }
  const std::string& raw_body() const { return raw_body_; }

 private:
  std::string code_, description_;
  int http_status_;
  std::string raw_body_;
};

#define RANBRIDGE_RAN_API_ERROR(Name) \
  class Name : public ApiError {      \
   public:                            \
    using ApiError::ApiError;         \
  };
RANBRIDGE_RAN_API_ERROR(UnknownError)
RANBRIDGE_RAN_API_ERROR(UnauthorizedError)
RANBRIDGE_RAN_API_ERROR(DeviceAlreadyExistsError)
RANBRIDGE_RAN_API_ERROR(DeviceLimitExhaustedError)
RANBRIDGE_RAN_API_ERROR(DeviceNotFoundError)
RANBRIDGE_RAN_API_ERROR(MulticastGroupAlreadyExistsError)
RANBRIDGE_RAN_API_ERROR(MulticastGroupNotFoundError)
RANBRIDGE_RAN_API_ERROR(MulticastGroupAlreadyContainsTheDeviceError)
#undef RANBRIDGE_RAN_API_ERROR

class ValidationFailedError : public ApiError {
 public:
  ValidationFailedError(std::string code, std::string description, int http_status,
                        std::string raw_body, std::vector<ValidationDetail> details)
      : ApiError(std::move(code), std::move(description), http_status, std::move(raw_body)),
        details_(std::move(details)) {}
  const std::vector<ValidationDetail>& details() const { return details_; }

 private:
  std::vector<ValidationDetail> details_;
};

// Builds the typed error for an HTTP error answer (status >= 400): a known code in a
// well-formed body gives its own type; anything else (other 4xx bodies, every 5xx) gives
// UnknownError carrying the raw body.
std::unique_ptr<ApiError> make_api_error(int http_status, std::string_view body);
// Same, thrown.
[[noreturn]] void throw_api_error(int http_status, std::string_view body);

}  // namespace ranbridge::ran
