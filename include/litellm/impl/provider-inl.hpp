#pragma once

// What every adapter shares: choosing the adapter, base URLs, model prefixes, error mapping.
#include "litellm/providers/provider.hpp"

#include <algorithm>
#include <chrono>

#include "litellm/detail/daily_reset.hpp"
#include "litellm/providers/anthropic.hpp"
#include "litellm/providers/bedrock.hpp"
#include "litellm/providers/gemini.hpp"
#include "litellm/providers/openai.hpp"
#include "litellm/retry.hpp"

namespace litellm {
namespace detail {

LITELLM_INLINE std::string json_scalar_to_string(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_null()) return {};
  return value.dump();
}

/// Keeps provider text short and on one line.
LITELLM_INLINE std::string tidy_message(std::string text) {
  constexpr std::size_t kMax = 1000;
  for (char& c : text) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

LITELLM_INLINE ErrorKind kind_for_status(int status) {
  switch (status) {
    case 401:
    case 403:
      return ErrorKind::auth;
    case 404:
      return ErrorKind::not_found;
    case 408:
      return ErrorKind::timeout;
    case 409:
      return ErrorKind::server;
    case 429:
      return ErrorKind::rate_limit;
    case 529:
      return ErrorKind::server;
    default:
      break;
  }
  if (status >= 500) return ErrorKind::server;
  if (status >= 400) return ErrorKind::bad_request;
  return ErrorKind::protocol;  // a 1xx / 3xx where a final answer was expected
}

LITELLM_INLINE std::string_view summary_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::auth:
      return "the key was rejected";
    case ErrorKind::rate_limit:
      return "rate limited";
    case ErrorKind::not_found:
      return "not found (model, deployment or path)";
    case ErrorKind::timeout:
      return "the server timed out";
    case ErrorKind::server:
      return "the provider failed";
    case ErrorKind::bad_request:
      return "the request was rejected";
    case ErrorKind::protocol:
      return "unexpected response status";
    default:
      return "request failed";
  }
}

/// Kind of an error named by a type or code string (OpenAI and Anthropic vocabularies).
LITELLM_INLINE std::optional<ErrorKind> kind_for_name(std::string_view name) {
  if (name == "rate_limit_error" || name == "rate_limit_exceeded" || name == "requests" ||
      name == "tokens" || name == "insufficient_quota") {
    return ErrorKind::rate_limit;
  }
  if (name == "overloaded_error" || name == "api_error" || name == "server_error" ||
      name == "internal_error" || name == "internal_server_error" ||
      name == "service_unavailable") {
    return ErrorKind::server;
  }
  if (name == "authentication_error" || name == "invalid_api_key" || name == "permission_error" ||
      name == "permission_denied") {
    return ErrorKind::auth;
  }
  if (name == "not_found_error" || name == "model_not_found" || name == "DeploymentNotFound") {
    return ErrorKind::not_found;
  }
  if (name == "invalid_request_error" || name == "request_too_large" || name == "content_filter" ||
      name == "context_length_exceeded") {
    return ErrorKind::bad_request;
  }
  if (name == "timeout_error") return ErrorKind::timeout;
  // Google (Gemini's OpenAI-compatible endpoint): google.rpc status names and ErrorInfo reasons.
  if (name == "API_KEY_INVALID" || name == "UNAUTHENTICATED" || name == "PERMISSION_DENIED") {
    return ErrorKind::auth;
  }
  if (name == "RESOURCE_EXHAUSTED" || name == "RATE_LIMIT_EXCEEDED") return ErrorKind::rate_limit;
  if (name == "UNAVAILABLE" || name == "INTERNAL") return ErrorKind::server;
  if (name == "NOT_FOUND") return ErrorKind::not_found;
  if (name == "INVALID_ARGUMENT" || name == "FAILED_PRECONDITION") return ErrorKind::bad_request;
  if (name == "DEADLINE_EXCEEDED") return ErrorKind::timeout;
  return std::nullopt;
}

/// True for an error code that says the key itself is not valid, whatever the status (Google
/// answers a bad key with 400 INVALID_ARGUMENT and the ErrorInfo reason API_KEY_INVALID).
LITELLM_INLINE bool is_invalid_key_code(std::string_view code) {
  return code == "API_KEY_INVALID" || code == "invalid_api_key";
}

/// The google.rpc.ErrorInfo `reason` among an error object's `details`, or nullptr.
LITELLM_INLINE const std::string* google_reason(const json& error) {
  const auto details = error.find("details");
  if (details == error.end() || !details->is_array()) return nullptr;
  for (const json& detail : *details) {
    if (!detail.is_object()) continue;
    const auto reason = detail.find("reason");
    if (reason != detail.end() && reason->is_string() &&
        !reason->get_ref<const std::string&>().empty()) {
      return &reason->get_ref<const std::string&>();
    }
  }
  return nullptr;
}

/// The wait a google.rpc.RetryInfo among an error object's `details` asks for ("34.4s").
LITELLM_INLINE std::optional<std::chrono::milliseconds> google_retry_delay(const json& error) {
  const auto details = error.find("details");
  if (details == error.end() || !details->is_array()) return std::nullopt;
  for (const json& detail : *details) {
    if (!detail.is_object()) continue;
    const auto delay = detail.find("retryDelay");
    if (delay == detail.end() || !delay->is_string()) continue;
    auto wait = parse_reset_duration(delay->get_ref<const std::string&>(),
                                     std::chrono::system_clock::now());
    if (wait)
      wait = std::clamp(*wait, std::chrono::milliseconds(0),
                        std::chrono::milliseconds(std::chrono::hours(24)));
    return wait;
  }
  return std::nullopt;
}

/// True when a google.rpc.QuotaFailure among an error object's `details` names a per-day quota
/// (a `quotaId` or `quotaMetric` with "PerDay" / "per_day", as in
/// "GenerateRequestsPerDayPerProjectPerModel-FreeTier"), or an ErrorInfo's `quota_limit` does.
/// Waiting seconds does not help such a key: its quota is back only at the daily reset.
LITELLM_INLINE bool google_daily_quota(const json& error) {
  const auto details = error.find("details");
  if (details == error.end() || !details->is_array()) return false;
  const auto per_day = [](const json& object, std::string_view key) {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return false;
    const auto& text = it->get_ref<const std::string&>();
    return text.find("PerDay") != std::string::npos || text.find("per_day") != std::string::npos;
  };
  for (const json& detail : *details) {
    if (!detail.is_object()) continue;
    if (const auto violations = detail.find("violations");
        violations != detail.end() && violations->is_array()) {
      for (const json& violation : *violations) {
        if (violation.is_object() &&
            (per_day(violation, "quotaId") || per_day(violation, "quotaMetric"))) {
          return true;
        }
      }
    }
    if (const auto metadata = detail.find("metadata");
        metadata != detail.end() && metadata->is_object() && per_day(*metadata, "quota_limit")) {
      return true;
    }
  }
  return false;
}

/// True when a rate-limit message names a per-day limit (OpenAI: "... on requests per day (RPD):
/// Limit 200, Used 200, Requested 1.", Bedrock: "Too many tokens per day").
LITELLM_INLINE bool names_daily_limit(std::string_view message) {
  std::string lower(message.substr(0, 500));
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower.find("per day") != std::string::npos;
}

/// True when error bodies of `shape` may carry what `provider_shape` adds to OpenAI's.
constexpr bool shape_reads(ErrorShape shape, ErrorShape provider_shape) noexcept {
  return shape == provider_shape || shape == ErrorShape::any;
}

/// Reads {message, type, code} out of an error object (or a bare string); in Google's shape the
/// `status` stands in for a missing type and an ErrorInfo reason for the code.
LITELLM_INLINE void read_error_object(const json& error, ErrorDetails& details, ErrorShape shape) {
  if (error.is_string()) {
    details.provider_message = tidy_message(error.get<std::string>());
    return;
  }
  if (!error.is_object()) return;
  if (const auto it = error.find("message"); it != error.end()) {
    details.provider_message = tidy_message(json_scalar_to_string(*it));
  }
  const bool google = shape_reads(shape, ErrorShape::google);
  if (const auto it = error.find("type"); it != error.end()) {
    details.error_type = json_scalar_to_string(*it);
  } else if (const auto status = error.find("status");
             google && status != error.end() && status->is_string()) {
    details.error_type = status->get<std::string>();  // Google: "INVALID_ARGUMENT", ...
  }
  if (const auto it = error.find("code"); it != error.end()) {
    details.error_code = json_scalar_to_string(*it);
  }
  // Google's code is the HTTP status again; its ErrorInfo reason says what went wrong.
  if (const std::string* reason = google ? google_reason(error) : nullptr) {
    details.error_code = *reason;
  }
  const bool google_daily = google && google_daily_quota(error);
  if (google_daily) {
    // Back at Google's daily reset, midnight Pacific time. The RetryInfo delay Google also sends
    // (often seconds) would only spend calls on a key that cannot answer before then.
    details.retry_after = until_pacific_midnight(std::chrono::system_clock::now());
  }
  details.daily_quota =
      details.daily_quota || google_daily || names_daily_limit(details.provider_message);
}

/// A redirect's Location as it may appear in a message: without user info (credentials), query
/// (tokens, signatures) or fragment.
LITELLM_INLINE std::string redirect_target(std::string_view location) {
  location = location.substr(0, location.find_first_of("?#"));
  std::string out(location);
  std::size_t authority = std::string::npos;
  if (const std::size_t scheme = out.find("://"); scheme != std::string::npos) {
    authority = scheme + 3;
  } else if (out.rfind("//", 0) == 0) {
    authority = 2;  // scheme-relative
  }
  if (authority != std::string::npos) {
    const std::size_t end = std::min(out.find('/', authority), out.size());
    const std::size_t at = out.rfind('@', end == 0 ? 0 : end - 1);
    if (at != std::string::npos && at >= authority && at < end) {
      out.erase(authority, at + 1 - authority);
    }
  }
  return tidy_message(std::move(out));
}

LITELLM_INLINE bool is_credit_exhaustion(std::string_view message) {
  return message.find("credit balance") != std::string_view::npos;
}

}  // namespace detail

LITELLM_INLINE Error ProviderAdapter::error_from_response(const HttpResponse& response,
                                                          std::string_view provider) const {
  return error_from_http(response, provider, spec_for(provider).error_shape);
}

LITELLM_INLINE const ProviderAdapter& adapter_for(WireProtocol protocol) noexcept {
  static const OpenAIAdapter openai;
  static const AzureAdapter azure;
  static const AnthropicAdapter anthropic;
  static const GeminiAdapter gemini;
  static const BedrockAdapter bedrock;
  static const ProviderAdapter* const kAdapters[] = {&openai, &azure, &anthropic, &gemini,
                                                     &bedrock};
  for (const ProviderAdapter* adapter : kAdapters) {
    if (adapter->protocol() == protocol) return *adapter;
  }
  return openai;
}

LITELLM_INLINE const ProviderAdapter& adapter_for(const ApiInfo& api_info) noexcept {
  return adapter_for(spec_for(api_info.backend_used).protocol);
}

LITELLM_INLINE std::string strip_model_prefix(std::string_view model,
                                              std::string_view backend_used) {
  if (!backend_used.empty() && model.size() > backend_used.size() + 1 &&
      model.substr(0, backend_used.size()) == backend_used && model[backend_used.size()] == '/') {
    model.remove_prefix(backend_used.size() + 1);
  }
  return std::string(model);
}

LITELLM_INLINE std::string effective_api_base(const ApiInfo& api_info) {
  std::string_view base;
  if (api_info.api_base && !api_info.api_base->empty()) {
    base = *api_info.api_base;
  } else if (const ProviderSpec* spec = find_provider(api_info.backend_used)) {
    base = spec->default_api_base;
  }
  while (!base.empty() && base.back() == '/') base.remove_suffix(1);
  if (base.empty()) {
    throw ConfigError("ApiInfo.api_base is required for backend '" + api_info.backend_used + "'");
  }
  std::string out(base);
  // A default base with the region in it (bedrock): the api_version is the region.
  if (const std::size_t region = out.find("{region}"); region != std::string::npos) {
    out.replace(region, 8, api_info.api_version.value_or(""));
  }
  return out;
}

LITELLM_INLINE Error error_from_http(const HttpResponse& response, std::string_view provider,
                                     ErrorShape shape) {
  ErrorDetails details;
  details.http_status = response.status;
  details.provider = std::string(provider);
  for (const char* name : {"x-request-id", "request-id", "apim-request-id", "x-ms-request-id"}) {
    if (const std::string* id = response.headers.find(name); id != nullptr && !id->empty()) {
      details.request_id = detail::tidy_message(*id);
      break;
    }
  }
  details.retry_after = retry_after_from_headers(response.headers);
  // As openai-python and anthropic-sdk-python: exactly "true" or "false" decides.
  if (const std::string* should_retry = response.headers.find("x-should-retry")) {
    if (*should_retry == "true") details.should_retry = true;
    if (*should_retry == "false") details.should_retry = false;
  }

  const bool google = detail::shape_reads(shape, ErrorShape::google);
  const json parsed = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  // Gemini's OpenAI-compatible endpoint wraps its error in a list: [{"error": {...}}].
  const json& body = google && parsed.is_array() && !parsed.empty() && parsed.front().is_object()
                         ? parsed.front()
                         : parsed;
  if (body.is_object()) {
    const auto it = body.find("error");
    const json& error = it != body.end() ? *it : body;  // else Azure APIM: {statusCode, message}
    detail::read_error_object(error, details, shape);
    if (google && !details.retry_after && error.is_object()) {
      details.retry_after = detail::google_retry_delay(error);
    }
  } else if (!response.body.empty()) {
    details.provider_message = detail::tidy_message(response.body);
  }
  if (detail::shape_reads(shape, ErrorShape::anthropic) && details.request_id.empty() &&
      body.is_object()) {
    // Anthropic also puts it in the body ({"type": "error", ..., "request_id": "req_..."}).
    if (const auto it = body.find("request_id"); it != body.end() && it->is_string()) {
      details.request_id = detail::tidy_message(it->get<std::string>());
    }
  }

  ErrorKind kind = detail::kind_for_status(response.status);
  // A key the provider says is not valid is an auth failure whatever the status (Google: 400).
  if (response.status >= 400 && response.status < 500 &&
      detail::is_invalid_key_code(details.error_code)) {
    kind = ErrorKind::auth;
  }
  // Quota or credit gone: the key is out, not just slow.
  if (details.error_code == "insufficient_quota" || details.error_type == "insufficient_quota" ||
      (response.status == 400 && detail::is_credit_exhaustion(details.provider_message))) {
    kind = ErrorKind::rate_limit;
    details.error_code = "insufficient_quota";
  }
  std::string message(detail::summary_for(kind));
  if (response.status >= 300 && response.status <= 399) {
    // Redirects are never followed (the key would go along): say where it pointed.
    message = "the server redirected (HTTP " + std::to_string(response.status) + ")";
    const std::string* location = response.headers.find("location");
    const std::string target =
        location != nullptr ? detail::redirect_target(*location) : std::string();
    message += target.empty() ? std::string(" without a Location") : " to " + target;
    message += "; redirects are not followed";
  }
  return Error(kind, message, std::move(details));
}

LITELLM_INLINE Error error_from_stream_event(const json& error_object, std::string_view provider,
                                             ErrorShape shape) {
  ErrorDetails details;
  details.provider = std::string(provider);
  detail::read_error_object(error_object, details, shape);
  ErrorKind kind = ErrorKind::server;
  if (auto by_code = detail::kind_for_name(details.error_code)) {
    kind = *by_code;
  } else if (auto by_type = detail::kind_for_name(details.error_type)) {
    kind = *by_type;
  }
  if (details.error_code == "insufficient_quota" || details.error_type == "insufficient_quota") {
    details.error_code = "insufficient_quota";
  }
  return Error(kind, "the stream reported an error", std::move(details));
}

}  // namespace litellm
