// The error replies that depend on the provider but not only on the route: a 400 from the body
// checks, the rate limit's 429, a status fault's body, the exhausted quota, and the in-band
// error of inband_error. Each picks its provider's body (openai_wire, anthropic_wire).
#pragma once

#include <string>

#include <httplib.h>

#include "exchange.hpp"

namespace litellm::sim::detail {

/// Sets the status and the JSON body.
void set_json(httplib::Response& res, int status, const json& body);

/// Sets `retry-after` (whole seconds, rounded up) and `retry-after-ms`.
void set_retry_headers(httplib::Response& res, double seconds);

/// The 400 body for a request whose body failed a check (`param`: the member, "" when none).
json bad_request_body(const Exchange& ex, const std::string& message, const std::string& param);

/// The 429 body for a retry after retry_seconds.
json rate_limit_body(const Exchange& ex, double retry_seconds);

/// The body that a status fault answers with: the provider's error for that status.
json status_body(const Exchange& ex, int status, double retry_seconds = 1);

/// The exhausted quota: 429 insufficient_quota (Anthropic: 400, credit balance too low;
/// Gemini: 429 RESOURCE_EXHAUSTED on a per-day quota).
void set_quota_error(httplib::Response& res, const Exchange& ex);

/// The error sent in-band (in a stream, or a 200 body) by the inband_error fault.
json inband_error_body(Provider p);

}  // namespace litellm::sim::detail
