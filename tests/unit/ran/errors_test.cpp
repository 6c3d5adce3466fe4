// Typed API errors from error bodies, for every code of the contract.
#include "ranbridge/ran/errors.hpp"

#include <gtest/gtest.h>

namespace ran = ranbridge::ran;

namespace {
std::string body(const std::string& code) {
  return ran::encode(ran::ErrorBody{code, "what happened", {}});
}
template <class T>
void expect_type(const std::string& code, int status = 400) {
  auto e = ran::make_api_error(status, body(code));
  ASSERT_NE(dynamic_cast<T*>(e.get()), nullptr) << code;
  EXPECT_EQ(e->code(), code);
  EXPECT_EQ(e->description(), "what happened");
  EXPECT_EQ(e->http_status(), status);
  EXPECT_EQ(e->raw_body(), body(code));
  EXPECT_NE(std::string(e->what()).find(code), std::string::npos);
  // throw_api_error throws the same dynamic type.
  EXPECT_THROW(ran::throw_api_error(status, body(code)), T);
}
}  // namespace

TEST(RanErrors, EveryCodeHasItsType) {
  expect_type<ran::UnknownError>("Unknown");
  expect_type<ran::UnauthorizedError>("Unauthorized", 401);
  expect_type<ran::ValidationFailedError>("ValidationFailed", 422);
  expect_type<ran::DeviceAlreadyExistsError>("Device.AlreadyExists");
  expect_type<ran::DeviceLimitExhaustedError>("Device.LimitExhausted");
  expect_type<ran::DeviceNotFoundError>("Device.NotFound", 404);
  expect_type<ran::MulticastGroupAlreadyExistsError>("MulticastGroup.AlreadyExists");
  expect_type<ran::MulticastGroupNotFoundError>("MulticastGroup.NotFound", 404);
  expect_type<ran::MulticastGroupAlreadyContainsTheDeviceError>(
      "MulticastGroup.AlreadyContainsTheDevice");
}

TEST(RanErrors, ValidationFailedCarriesDetails) {
  ran::ErrorBody b{"ValidationFailed", "bad", {{{"body", "DevEUI"}, "bad hex", "value_error"}}};
  try {
    ran::throw_api_error(400, ran::encode(b));
    FAIL() << "no throw";
  } catch (const ran::ValidationFailedError& e) {
    ASSERT_EQ(e.details().size(), 1u);
    EXPECT_EQ(e.details()[0].loc.back(), "DevEUI");
    EXPECT_EQ(e.details()[0].msg, "bad hex");
  }
}

TEST(RanErrors, UnknownCodesOtherBodiesAndServerErrorsAreUnknown) {
  auto e = ran::make_api_error(400, body("Device.SomethingNew"));
  EXPECT_NE(dynamic_cast<ran::UnknownError*>(e.get()), nullptr);
  EXPECT_EQ(e->code(), "Device.SomethingNew");

  e = ran::make_api_error(404, "<html>Not Found</html>");
  ASSERT_NE(dynamic_cast<ran::UnknownError*>(e.get()), nullptr);
  EXPECT_EQ(e->code(), "Unknown");
  EXPECT_EQ(e->raw_body(), "<html>Not Found</html>");
  EXPECT_EQ(e->http_status(), 404);

  // A 5xx is the server failing, even with a well-formed body.
  e = ran::make_api_error(500, body("Device.NotFound"));
  EXPECT_NE(dynamic_cast<ran::UnknownError*>(e.get()), nullptr);
  EXPECT_EQ(e->http_status(), 500);
  EXPECT_THROW(ran::throw_api_error(503, ""), ran::UnknownError);
  EXPECT_THROW(ran::throw_api_error(503, ""), ran::ApiError);
}

TEST(RanErrors, TransportErrorKinds) {
  ran::TransportError t(ran::TransportError::Kind::Closed, "closed", true);
  EXPECT_TRUE(t.normal_close());
  EXPECT_EQ(t.kind(), ran::TransportError::Kind::Closed);
  EXPECT_STREQ(ran::to_string(ran::TransportError::Kind::Timeout), "timeout");
}
