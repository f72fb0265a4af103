#include <string>
#include <type_traits>

#include "catch.hpp"
#include "litellm/errors.hpp"
#include "litellm/providers/provider.hpp"

using namespace litellm;

namespace {
ErrorDetails with_status(int status) {
  ErrorDetails d;
  d.http_status = status;
  return d;
}

/// An error response with a JSON body (and the headers given).
HttpResponse response(int status, std::string body, Headers headers = {}) {
  headers.add("content-type", "application/json");
  return HttpResponse{status, std::move(headers), std::move(body)};
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

// ---- x-should-retry ----------------------------------------------------------------------------

TEST_CASE("x-should-retry true makes any failed response retryable") {
  const Error error = error_from_http(
      response(400, R"({"error":{"message":"try again","type":"invalid_request_error"}})",
               {{"x-should-retry", "true"}}),
      "openai");
  CHECK(error.kind() == ErrorKind::bad_request);
  CHECK(error.details().should_retry == true);
  CHECK(error.retryable());
}

TEST_CASE("x-should-retry false makes any failed response not retryable") {
  const Error error =
      error_from_http(response(503, R"({"error":{"message":"down","type":"server_error"}})",
                               {{"x-should-retry", "false"}}),
                      "openai");
  CHECK(error.kind() == ErrorKind::server);
  CHECK(error.details().should_retry == false);
  CHECK_FALSE(error.retryable());
}

TEST_CASE("an x-should-retry value other than true or false is ignored") {
  const Error error = error_from_http(response(503, "{}", {{"x-should-retry", "maybe"}}), "openai");
  CHECK_FALSE(error.details().should_retry.has_value());
  CHECK(error.retryable());  // by its status
}

// ---- Provider error shapes (bodies written by hand after each provider's documented shape) ----

TEST_CASE("an OpenAI 429 rate_limit_exceeded is a retryable rate limit with its details") {
  const Error error = error_from_http(
      response(429,
               R"({"error":{"message":"Rate limit reached for requests","type":"requests",)"
               R"("param":null,"code":"rate_limit_exceeded"}})",
               {{"x-request-id", "req_abc"}, {"retry-after", "2"}}),
      "openai");
  CHECK(error.kind() == ErrorKind::rate_limit);
  CHECK(error.http_status() == 429);
  CHECK(error.provider() == "openai");
  CHECK(error.provider_message() == "Rate limit reached for requests");
  CHECK(error.error_type() == "requests");
  CHECK(error.error_code() == "rate_limit_exceeded");
  CHECK(error.request_id() == "req_abc");
  CHECK(error.retry_after() == std::chrono::milliseconds(2000));
  CHECK(error.retryable());
}

TEST_CASE("an OpenAI 429 insufficient_quota is an exhausted quota") {
  const Error error = error_from_http(
      response(429, R"({"error":{"message":"You exceeded your current quota",)"
                    R"("type":"insufficient_quota","param":null,"code":"insufficient_quota"}})"),
      "openai");
  CHECK(error.kind() == ErrorKind::rate_limit);
  CHECK(error.is_quota_exhausted());
  CHECK(error.error_code() == "insufficient_quota");
  CHECK(error.provider_message() == "You exceeded your current quota");
  CHECK_FALSE(error.retryable());
}

TEST_CASE("an Azure 401 with its code as a string is an auth error") {
  const Error error = error_from_http(
      response(401, R"({"error":{"code":"401","message":"Access denied due to invalid key."}})"),
      "azure");
  CHECK(error.kind() == ErrorKind::auth);
  CHECK(error.error_code() == "401");
  CHECK(error.provider_message() == "Access denied due to invalid key.");
}

TEST_CASE("an Azure content filter 400 is a bad request with code content_filter") {
  const Error error =
      error_from_http(response(400, R"({"error":{"message":"The prompt was filtered.","type":null,)"
                                    R"("param":"prompt","code":"content_filter","status":400,)"
                                    R"("innererror":{"code":"ResponsibleAIPolicyViolation"}}})"),
                      "azure");
  CHECK(error.kind() == ErrorKind::bad_request);
  CHECK(error.error_code() == "content_filter");
  CHECK(error.error_type().empty());
  CHECK(error.provider_message() == "The prompt was filtered.");
  CHECK_FALSE(error.retryable());
}

TEST_CASE("an Azure API management body without an error member is read as the error") {
  const Error error = error_from_http(
      response(401, R"({"statusCode":401,"message":"Invalid subscription."})"), "azure");
  CHECK(error.kind() == ErrorKind::auth);
  CHECK(error.provider_message() == "Invalid subscription.");
}

TEST_CASE("an Anthropic 429 is a rate limit with the request id from the body") {
  const Error error = error_from_http(
      response(429, R"({"type":"error","error":{"type":"rate_limit_error","message":"Slow down"},)"
                    R"("request_id":"req_011X"})"),
      "anthropic");
  CHECK(error.kind() == ErrorKind::rate_limit);
  CHECK(error.error_type() == "rate_limit_error");
  CHECK(error.provider_message() == "Slow down");
  CHECK(error.request_id() == "req_011X");
  CHECK(error.retryable());
}

TEST_CASE("an Anthropic 529 overloaded is a retryable server error") {
  const Error error = error_from_http(
      response(529,
               R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"),
      "anthropic");
  CHECK(error.kind() == ErrorKind::server);
  CHECK(error.error_type() == "overloaded_error");
  CHECK(error.provider_message() == "Overloaded");
  CHECK(error.retryable());
}

TEST_CASE("an Anthropic 400 about credit is an exhausted quota") {
  const Error error = error_from_http(
      response(400, R"({"type":"error","error":{"type":"invalid_request_error",)"
                    R"("message":"Your credit balance is too low to access the API."}})"),
      "anthropic");
  CHECK(error.kind() == ErrorKind::rate_limit);
  CHECK(error.is_quota_exhausted());
}

TEST_CASE("a Gemini bad key (400 with a list body) is an auth error with its reason as code") {
  const Error error = error_from_http(
      response(400, R"([{"error":{"code":400,"message":"API key not valid. Please pass a valid )"
                    R"(API key.","status":"INVALID_ARGUMENT","details":[{"@type":)"
                    R"("type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID",)"
                    R"("domain":"googleapis.com"}]}}])"),
      "gemini");
  CHECK(error.kind() == ErrorKind::auth);
  CHECK(error.http_status() == 400);
  CHECK(error.provider_message() == "API key not valid. Please pass a valid API key.");
  CHECK(error.error_type() == "INVALID_ARGUMENT");
  CHECK(error.error_code() == "API_KEY_INVALID");
  CHECK_FALSE(error.retryable());
}

TEST_CASE("a Gemini bad key in an object body is an auth error too") {
  const Error error = error_from_http(
      response(400, R"({"error":{"code":400,"message":"API key not valid.",)"
                    R"("status":"INVALID_ARGUMENT","details":[{"@type":)"
                    R"("type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}})"),
      "gemini");
  CHECK(error.kind() == ErrorKind::auth);
  CHECK(error.error_code() == "API_KEY_INVALID");
}

TEST_CASE("other Gemini 400s stay bad requests") {
  const Error error =
      error_from_http(response(400, R"([{"error":{"code":400,"message":"Invalid JSON payload.",)"
                                    R"("status":"INVALID_ARGUMENT"}}])"),
                      "gemini");
  CHECK(error.kind() == ErrorKind::bad_request);
  CHECK(error.error_type() == "INVALID_ARGUMENT");
  CHECK(error.error_code() == "400");
  CHECK(error.provider_message() == "Invalid JSON payload.");
}

TEST_CASE("a Gemini 403 and 404 are auth and not found errors") {
  const Error denied = error_from_http(
      response(403,
               R"({"error":{"code":403,"message":"API not enabled.",)"
               R"("status":"PERMISSION_DENIED","details":[{"@type":)"
               R"("type.googleapis.com/google.rpc.ErrorInfo","reason":"SERVICE_DISABLED"}]}})"),
      "gemini");
  CHECK(denied.kind() == ErrorKind::auth);
  CHECK(denied.error_code() == "SERVICE_DISABLED");
  const Error missing =
      error_from_http(response(404, R"({"error":{"code":404,"message":"models/x is not found.",)"
                                    R"("status":"NOT_FOUND"}})"),
                      "gemini");
  CHECK(missing.kind() == ErrorKind::not_found);
  CHECK(missing.provider_message() == "models/x is not found.");
}

TEST_CASE("a Gemini 429 takes its wait from the body's RetryInfo when no header gives one") {
  const Error error = error_from_http(
      response(429, R"({"error":{"code":429,"message":"Quota exceeded.",)"
                    R"("status":"RESOURCE_EXHAUSTED","details":[{"@type":)"
                    R"("type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.4s"}]}})"),
      "gemini");
  CHECK(error.kind() == ErrorKind::rate_limit);
  CHECK(error.error_type() == "RESOURCE_EXHAUSTED");
  CHECK(error.retry_after() == std::chrono::milliseconds(34400));
  CHECK(error.retryable());
}

TEST_CASE("a body with only a message (Bedrock) gives its message") {
  const Error error = error_from_http(
      response(400, R"({"message":"The provided model identifier is invalid."})"), "bedrock");
  CHECK(error.kind() == ErrorKind::bad_request);
  CHECK(error.provider_message() == "The provided model identifier is invalid.");
}

TEST_CASE("an in-band stream error in Google's shape is classified by its status") {
  const Error limited = error_from_stream_event(
      json::parse(R"({"code":429,"message":"Too many","status":"RESOURCE_EXHAUSTED"})"), "gemini");
  CHECK(limited.kind() == ErrorKind::rate_limit);
  CHECK(limited.provider_message() == "Too many");
  const Error bad_key = error_from_stream_event(
      json::parse(R"({"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT",)"
                  R"("details":[{"reason":"API_KEY_INVALID"}]})"),
      "gemini");
  CHECK(bad_key.kind() == ErrorKind::auth);
}
