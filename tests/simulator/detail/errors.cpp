// The provider's error replies (see errors.hpp).
#include "errors.hpp"

#include <algorithm>
#include <cmath>

#include "anthropic_wire.hpp"
#include "bedrock_wire.hpp"
#include "gemini_wire.hpp"
#include "openai_wire.hpp"

namespace litellm::sim::detail {

void set_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void set_retry_headers(httplib::Response& res, double seconds) {
  const double clamped = std::max(0.0, seconds);
  res.set_header("retry-after", std::to_string(static_cast<long long>(std::ceil(clamped))));
  res.set_header("retry-after-ms", std::to_string(std::llround(clamped * 1000)));
}

json bad_request_body(const Exchange& ex, const std::string& message, const std::string& param) {
  if (ex.provider == Provider::anthropic) {
    return anthropic_error("invalid_request_error", message, ex.request_id);
  }
  if (ex.provider == Provider::gemini) return gemini_error(400, "INVALID_ARGUMENT", message);
  if (ex.provider == Provider::bedrock) return bedrock_error(message);
  return openai_error(message, "invalid_request_error", nullptr,
                      param.empty() ? json(nullptr) : json(param));
}

json rate_limit_body(const Exchange& ex, double retry_seconds) {
  const long long whole = static_cast<long long>(std::ceil(std::max(0.0, retry_seconds)));
  switch (ex.provider) {
    case Provider::anthropic:
      return anthropic_rate_limit_error(whole, ex.request_id);
    case Provider::bedrock:
      return bedrock_status_error(429);
    case Provider::azure:
      return azure_rate_limit_error(ex.route, ex.api_version, whole);
    case Provider::gemini:
      return gemini_rate_limit_error(whole);
    case Provider::openai:
      break;
  }
  return openai_rate_limit_error(whole);
}

json status_body(const Exchange& ex, int status, double retry_seconds) {
  if (status == 429) return rate_limit_body(ex, retry_seconds);
  if (ex.provider == Provider::anthropic) return anthropic_status_error(status, ex.request_id);
  if (ex.provider == Provider::gemini) return gemini_status_error(status);
  if (ex.provider == Provider::bedrock) return bedrock_status_error(status);
  return openai_status_error(status, ex.provider == Provider::azure);
}

void set_quota_error(httplib::Response& res, const Exchange& ex) {
  if (ex.provider == Provider::anthropic) {
    set_json(res, 400, anthropic_quota_error(ex.request_id));
    return;
  }
  if (ex.provider == Provider::gemini) {
    set_json(res, 429, gemini_quota_error());  // a per-day quota
    return;
  }
  if (ex.provider == Provider::bedrock) {
    res.set_header("x-amzn-ErrorType", "ServiceQuotaExceededException");
    set_json(res, 429, bedrock_error("Too many tokens per day, please wait before trying again."));
    return;
  }
  set_json(res, 429, openai_quota_error());
}

json inband_error_body(Provider p) {
  if (p == Provider::bedrock) {
    return bedrock_error("The server encountered an internal error while processing the request.");
  }
  if (p == Provider::anthropic) {
    return json{{"type", "error"},
                {"error", json{{"type", "overloaded_error"}, {"message", "Overloaded"}}}};
  }
  if (p == Provider::gemini) {
    return gemini_error(500, "INTERNAL", "An internal error has occurred.");
  }
  return openai_error("The server had an error while processing your request.", "server_error",
                      nullptr);
}

}  // namespace litellm::sim::detail
