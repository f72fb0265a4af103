#include <string>
#include <type_traits>

#include "catch.hpp"
#include "litellm/errors.hpp"

using namespace litellm;

namespace {
ErrorDetails with_status(int status) {
  ErrorDetails d;
  d.http_status = status;
  return d;
}
}  // namespace

TEST_CASE("every error class derives from litellm::Error and std::runtime_error") {
  STATIC_REQUIRE(std::is_base_of_v<std::runtime_error, Error>);
  STATIC_REQUIRE(std::is_base_of_v<Error, ConfigError>);
  STATIC_REQUIRE(std::is_base_of_v<Error, StreamError>);
  STATIC_REQUIRE(std::is_nothrow_copy_constructible_v<Error>);
}

TEST_CASE("throw_error throws the subclass that matches the kind") {
  CHECK_THROWS_AS(throw_error(ErrorKind::config, "x"), ConfigError);
  CHECK_THROWS_AS(throw_error(ErrorKind::auth, "x"), AuthError);
  CHECK_THROWS_AS(throw_error(ErrorKind::rate_limit, "x"), RateLimitError);
  CHECK_THROWS_AS(throw_error(ErrorKind::bad_request, "x"), BadRequestError);
  CHECK_THROWS_AS(throw_error(ErrorKind::not_found, "x"), NotFoundError);
  CHECK_THROWS_AS(throw_error(ErrorKind::server, "x"), ServerError);
  CHECK_THROWS_AS(throw_error(ErrorKind::timeout, "x"), TimeoutError);
  CHECK_THROWS_AS(throw_error(ErrorKind::connection, "x"), ConnectionError);
  CHECK_THROWS_AS(throw_error(ErrorKind::stream, "x"), StreamError);
  CHECK_THROWS_AS(throw_error(ErrorKind::protocol, "x"), ProtocolError);
  CHECK_THROWS_AS(throw_error(ErrorKind::cancelled, "x"), CancelledError);
}

TEST_CASE("the message names the kind, provider, status, type, code and request id") {
  ErrorDetails d;
  d.http_status = 429;
  d.provider = "openai";
  d.error_type = "requests";
  d.error_code = "rate_limit_exceeded";
  d.provider_message = "Slow down";
  d.request_id = "req_123";
  const RateLimitError e("rate limited", d);
  const std::string what = e.what();
  CHECK(what ==
        "litellm rate_limit error (openai, HTTP 429): rate limited: Slow down [type requests] "
        "[code rate_limit_exceeded] [request req_123]");
  CHECK(e.message() == "rate limited");
  CHECK(e.http_status() == 429);
  CHECK(e.request_id() == "req_123");
}

TEST_CASE("retryable covers connection, timeout, server, 408, 409, 429 and 529 only") {
  CHECK(ConnectionError("x").retryable());
  CHECK(TimeoutError("x").retryable());
  CHECK(ServerError("x", with_status(503)).retryable());
  CHECK(RateLimitError("x", with_status(429)).retryable());
  CHECK(Error(ErrorKind::bad_request, "x", with_status(409)).retryable());
  CHECK_FALSE(AuthError("x", with_status(401)).retryable());
  CHECK_FALSE(BadRequestError("x", with_status(400)).retryable());
  CHECK_FALSE(StreamError("x").retryable());
  CHECK_FALSE(CancelledError("x").retryable());
  CHECK_FALSE(ConfigError("x").retryable());
}

TEST_CASE("a 429 with insufficient_quota is not retryable and reports quota exhaustion") {
  ErrorDetails d;
  d.http_status = 429;
  d.error_code = "insufficient_quota";
  const RateLimitError e("quota", d);
  CHECK(e.is_quota_exhausted());
  CHECK_FALSE(e.retryable());
}

TEST_CASE("an error carries the partial result and keeps it across copies and rethrow_as_kind") {
  ErrorDetails d;
  d.partial = json{{"choices", json::array({json{{"message", {{"content", "Hel"}}}}})}};
  const StreamError original("cut", d);
  const Error copy = original;
  REQUIRE(copy.partial() != nullptr);
  CHECK((*copy.partial())["choices"][0]["message"]["content"] == "Hel");
  try {
    rethrow_as_kind(copy);
  } catch (const StreamError& e) {
    REQUIRE(e.partial() != nullptr);
    CHECK(e.message() == "cut");
  }
  CHECK(ConfigError("x").partial() == nullptr);
}
