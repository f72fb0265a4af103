/// @file
/// The exception hierarchy: every failure the library reports is a `litellm::Error`.
///
/// An `Error` carries a kind (what went wrong, in provider-neutral terms), the HTTP status, the
/// provider, the provider's own error type / code / message, the request id, the server's
/// `retry_after` hint and, when a stream broke after it started, the partial result that had
/// arrived. One subclass per kind lets callers `catch (const litellm::RateLimitError&)`.
///
/// No message built by this library contains an API key: keys appear only redacted.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

namespace litellm {

/// The JSON type used throughout the library.
using json = nlohmann::json;

/// What went wrong, independent of the provider.
enum class ErrorKind {
  config,       ///< Invalid configuration or arguments, detected before anything was sent.
  auth,         ///< 401 / 403: the key is wrong, revoked or lacks permission.
  rate_limit,   ///< 429: too many requests, or the key's quota is exhausted.
  bad_request,  ///< 400, 413, 422 and other 4xx the request itself caused.
  not_found,    ///< 404: unknown model, deployment or path.
  server,       ///< 5xx, 529 (overloaded), 409: the provider failed.
  timeout,      ///< A connect, first-byte, idle or total timeout expired (or HTTP 408).
  connection,   ///< DNS, connect, TLS or reset before a response arrived.
  stream,       ///< A stream broke after it started: cut, or ended without its terminator.
  protocol,     ///< The peer sent something that is not what the protocol allows.
  cancelled,    ///< The caller cancelled (a chunk callback returned false, or a cancel token).
};

/// The kind's name as used in messages: "rate_limit", "auth", ...
constexpr std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::config:
      return "config";
    case ErrorKind::auth:
      return "auth";
    case ErrorKind::rate_limit:
      return "rate_limit";
    case ErrorKind::bad_request:
      return "bad_request";
    case ErrorKind::not_found:
      return "not_found";
    case ErrorKind::server:
      return "server";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::connection:
      return "connection";
    case ErrorKind::stream:
      return "stream";
    case ErrorKind::protocol:
      return "protocol";
    case ErrorKind::cancelled:
      return "cancelled";
  }
  return "unknown";
}

/// Writes `to_string(kind)`.
inline std::ostream& operator<<(std::ostream& os, ErrorKind kind) {
  return os << to_string(kind);
}

/// Everything an `Error` knows besides its kind and message. All fields are optional.
struct LITELLM_API ErrorDetails {
  int http_status = 0;           ///< HTTP status, 0 when no response arrived.
  std::string provider;          ///< The backend name ("openai", "azure", "anthropic", ...).
  std::string error_type;        ///< The provider's error type ("invalid_request_error", ...).
  std::string error_code;        ///< The provider's error code ("insufficient_quota", ...).
  std::string provider_message;  ///< The provider's own message (keys redacted).
  std::string request_id;        ///< x-request-id / request-id / apim-request-id, when sent.
  std::optional<std::chrono::milliseconds> retry_after;  ///< The server's wait hint, if any.
  std::string key_id;  ///< `make_unique_api_info_key` of the key used: redacted, never the key.
  int attempts = 0;    ///< Attempts made before giving up (0 when not known).
  /// The server's `x-should-retry` response header: `true` / `false` when it sent exactly that
  /// (as openai-python and anthropic-sdk-python read it), nullopt otherwise. When set, it decides
  /// `Error::retryable()` whatever the status.
  std::optional<bool> should_retry;
  /// A 429 for a per-day limit (OpenAI's "requests per day", Gemini's `...PerDay...` quota ids,
  /// Bedrock's "tokens per day"), not a per-minute one: the key and model wait for its reset.
  bool daily_quota = false;
  /// What arrived before the failure: for a stream, the accumulated chat.completion so far.
  std::optional<json> partial;
};

/// The root of every exception the library throws.
///
/// Copying is cheap and never throws: the details are shared, as `std::runtime_error` shares
/// its message.
class LITELLM_API Error : public std::runtime_error {
 public:
  /// @param kind what went wrong; @param message a sentence without any key material.
  Error(ErrorKind kind, const std::string& message, ErrorDetails details = {})
      : std::runtime_error(compose(kind, message, details)),
        kind_(kind),
        message_(std::make_shared<const std::string>(message)),
        details_(std::make_shared<const ErrorDetails>(std::move(details))) {}

  /// What went wrong.
  ErrorKind kind() const noexcept { return kind_; }
  /// The sentence given at construction, without the kind / status / provider decorations.
  const std::string& message() const noexcept { return *message_; }
  /// Everything else known about the failure.
  const ErrorDetails& details() const noexcept { return *details_; }
  /// HTTP status, 0 when no response arrived.
  int http_status() const noexcept { return details_->http_status; }
  /// The backend name, empty when not tied to one.
  const std::string& provider() const noexcept { return details_->provider; }
  /// The provider's error type, empty when none was sent.
  const std::string& error_type() const noexcept { return details_->error_type; }
  /// The provider's error code, empty when none was sent.
  const std::string& error_code() const noexcept { return details_->error_code; }
  /// The provider's message, empty when none was sent.
  const std::string& provider_message() const noexcept { return details_->provider_message; }
  /// The provider's request id, empty when none was sent.
  const std::string& request_id() const noexcept { return details_->request_id; }
  /// The server's wait hint (Retry-After and friends), if it sent one.
  const std::optional<std::chrono::milliseconds>& retry_after() const noexcept {
    return details_->retry_after;
  }
  /// What had arrived before the failure (for streams: the partial chat.completion), or null.
  const json* partial() const noexcept { return details_->partial ? &*details_->partial : nullptr; }

  /// True when the same request may succeed if sent again (possibly on another key): what the
  /// server's `x-should-retry` header says when it sent one (see ErrorDetails::should_retry),
  /// else connection failures (except a failed TLS certificate verification, error code
  /// "tls_verification"), timeouts, 408, 409, 429 (except an exhausted quota), 5xx and 529.
  bool retryable() const noexcept {
    if (details_->should_retry) return *details_->should_retry;
    switch (kind_) {
      case ErrorKind::connection:
        return details_->error_code != "tls_verification";
      case ErrorKind::timeout:
      case ErrorKind::server:
        return true;
      case ErrorKind::rate_limit:
        return !is_quota_exhausted();
      default: {
        const int s = details_->http_status;
        return s == 408 || s == 409 || s == 429 || s == 529 || (s >= 500 && s <= 599);
      }
    }
  }

  /// True for a 429 caused by a per-day limit (see ErrorDetails::daily_quota).
  bool is_daily_quota() const noexcept {
    return kind_ == ErrorKind::rate_limit && details_->daily_quota;
  }
  /// True for a 429 that means the key's quota or credit is gone rather than "slow down".
  bool is_quota_exhausted() const noexcept {
    return kind_ == ErrorKind::rate_limit && (details_->error_code == "insufficient_quota" ||
                                              details_->error_type == "insufficient_quota");
  }

 private:
  static std::string compose(ErrorKind kind, const std::string& message, const ErrorDetails& d) {
    std::string out = "litellm ";
    out += to_string(kind);
    out += " error";
    if (d.http_status != 0 || !d.provider.empty()) {
      out += " (";
      if (!d.provider.empty()) out += d.provider;
      if (d.http_status != 0) {
        if (!d.provider.empty()) out += ", ";
        out += "HTTP " + std::to_string(d.http_status);
      }
      out += ")";
    }
    out += ": ";
    out += message;
    if (!d.provider_message.empty() && message.find(d.provider_message) == std::string::npos) {
      out += ": " + d.provider_message;
    }
    if (!d.error_type.empty()) out += " [type " + d.error_type + "]";
    if (!d.error_code.empty()) out += " [code " + d.error_code + "]";
    if (!d.request_id.empty()) out += " [request " + d.request_id + "]";
    return out;
  }

  ErrorKind kind_;
  std::shared_ptr<const std::string> message_;
  std::shared_ptr<const ErrorDetails> details_;
};

/// Declares a subclass of `Error` with a fixed kind.
#define LITELLM_DETAIL_DECLARE_ERROR(Name, kind_value)                   \
  class LITELLM_API Name : public Error {                                \
   public:                                                               \
    explicit Name(const std::string& message, ErrorDetails details = {}) \
        : Error(ErrorKind::kind_value, message, std::move(details)) {}   \
  }

/// Invalid configuration or arguments (bad ApiInfo, unknown backend, missing model ...).
LITELLM_DETAIL_DECLARE_ERROR(ConfigError, config);
/// 401 / 403: the key was rejected.
LITELLM_DETAIL_DECLARE_ERROR(AuthError, auth);
/// 429, or no key could be had in time; `retry_after()` says when to try again.
LITELLM_DETAIL_DECLARE_ERROR(RateLimitError, rate_limit);
/// The request was rejected as malformed or unacceptable (400, 413, 422, ...).
LITELLM_DETAIL_DECLARE_ERROR(BadRequestError, bad_request);
/// 404: unknown model, deployment or path.
LITELLM_DETAIL_DECLARE_ERROR(NotFoundError, not_found);
/// The provider failed (5xx, 529 overloaded, 409).
LITELLM_DETAIL_DECLARE_ERROR(ServerError, server);
/// A timeout expired, or the server answered 408.
LITELLM_DETAIL_DECLARE_ERROR(TimeoutError, timeout);
/// No response: DNS, connect, TLS failure, or a reset before the headers.
LITELLM_DETAIL_DECLARE_ERROR(ConnectionError, connection);
/// A stream broke after it started; `partial()` holds what arrived.
LITELLM_DETAIL_DECLARE_ERROR(StreamError, stream);
/// The peer broke the protocol (malformed SSE or JSON, a line over the size limit, ...).
LITELLM_DETAIL_DECLARE_ERROR(ProtocolError, protocol);
/// The caller cancelled the call.
LITELLM_DETAIL_DECLARE_ERROR(CancelledError, cancelled);

#undef LITELLM_DETAIL_DECLARE_ERROR

/// Throws the subclass of `Error` that matches `kind`.
[[noreturn]] inline void throw_error(ErrorKind kind, const std::string& message,
                                     ErrorDetails details = {}) {
  switch (kind) {
    case ErrorKind::config:
      throw ConfigError(message, std::move(details));
    case ErrorKind::auth:
      throw AuthError(message, std::move(details));
    case ErrorKind::rate_limit:
      throw RateLimitError(message, std::move(details));
    case ErrorKind::bad_request:
      throw BadRequestError(message, std::move(details));
    case ErrorKind::not_found:
      throw NotFoundError(message, std::move(details));
    case ErrorKind::server:
      throw ServerError(message, std::move(details));
    case ErrorKind::timeout:
      throw TimeoutError(message, std::move(details));
    case ErrorKind::connection:
      throw ConnectionError(message, std::move(details));
    case ErrorKind::stream:
      throw StreamError(message, std::move(details));
    case ErrorKind::protocol:
      throw ProtocolError(message, std::move(details));
    case ErrorKind::cancelled:
      throw CancelledError(message, std::move(details));
  }
  throw Error(kind, message, std::move(details));
}

/// Rethrows `error` as its kind's subclass, keeping every detail (used after `catch (Error&)`
/// where the static type was lost, e.g. when an error crossed a thread as a value).
[[noreturn]] inline void rethrow_as_kind(const Error& error) {
  throw_error(error.kind(), error.message(), error.details());
}

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
