// Scripted provider answers for a FakeTransport: OpenAI-shaped error responses, the common ones
// by name (and what the error made of one must say), so that tests script failures in one line
// and alike across files.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "litellm/api_info.hpp"
#include "litellm/errors.hpp"
#include "litellm/fake_transport.hpp"

namespace litellm::test {

/// An OpenAI error body: {"error": {"message", "type", "param": null, "code"}}.
inline std::string openai_error_body(const std::string& type, const std::string& code,
                                     const std::string& message) {
  return nlohmann::json{
      {"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}
      .dump();
}

/// A JSON answer with `status` and an OpenAI error body (openai_error_body).
inline FakeResponse openai_error(int status, const std::string& type, const std::string& code,
                                 const std::string& message) {
  return FakeResponse::json_body(openai_error_body(type, code, message), status);
}

/// `response` with `request_id` in its x-request-id header (unchanged when it is empty).
inline FakeResponse with_request_id(FakeResponse response, const std::string& request_id) {
  if (!request_id.empty()) response.headers.add("x-request-id", request_id);
  return response;
}

/// OpenAI's 401 for a key it does not know (invalid_api_key): the key leaves the rotation.
inline FakeResponse rejected_key(const std::string& request_id = "") {
  return with_request_id(
      openai_error(401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided"),
      request_id);
}

/// Checks that `error` carries what a rejected_key(`request_id`) answer to `key` says.
inline void check_rejected_key_error(const Error& error, const std::string& request_id,
                                     const ApiInfo& key) {
  CHECK(error.http_status() == 401);
  CHECK(error.provider() == "openai");
  CHECK(error.error_type() == "invalid_request_error");
  CHECK(error.error_code() == "invalid_api_key");
  CHECK(error.provider_message() == "Incorrect API key provided");
  CHECK(error.request_id() == request_id);
  CHECK(error.details().key_id == make_unique_api_info_key(key));
}

/// OpenAI's 429 for an account without credit (insufficient_quota): the key leaves the rotation.
inline FakeResponse exhausted_quota(const std::string& request_id = "") {
  return with_request_id(openai_error(429, "insufficient_quota", "insufficient_quota",
                                      "You exceeded your current quota"),
                         request_id);
}

/// OpenAI's 429 for too many requests (rate_limit_exceeded): the key cools down.
inline FakeResponse rate_limited() {
  return openai_error(429, "requests", "rate_limit_exceeded", "Rate limit reached");
}

}  // namespace litellm::test
