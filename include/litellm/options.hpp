/// @file
/// What a `LiteLLMBackend` is configured with, apart from its keys: the model setting
/// (`ModelName`), the options that are not request parameters (`BackendOptions`, `CallOptions`,
/// `BatchOptions`) and the callbacks it calls (`Logger`, `ChunkCallback`, batch progress).
///
/// The library's internals include this header, never backend.hpp (the facade).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "litellm/errors.hpp"
#include "litellm/http.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/retry.hpp"
#include "litellm/sse.hpp"

namespace litellm {

/// The model to call: one name for every backend, or one per `backend_used`.
///
/// Converts implicitly from a string (a literal works), from a JSON string or object, and from a
/// `std::map<std::string, std::string>` from backend name to model. A provider prefix
/// (`azure/<deployment>`, `anthropic/<model>`, ...) is stripped before sending.
class LITELLM_API ModelName {
 public:
  /// One model name for every backend.
  ModelName(const char* name) : single_(name ? name : "") {}  // NOLINT(google-explicit-constructor)
  /// One model name for every backend.
  ModelName(std::string name) : single_(std::move(name)) {}  // NOLINT(google-explicit-constructor)
  /// A map from backend name to model.
  ModelName(std::map<std::string, std::string> by_backend)  // NOLINT(google-explicit-constructor)
      : by_backend_(std::move(by_backend)), is_map_(true) {}
  /// A JSON string (one name) or object (backend -> model); anything else is a ConfigError.
  ModelName(const json& value);  // NOLINT(google-explicit-constructor)

  /// The model for `backend_used`.
  /// @throws ConfigError naming the backend when this is a map without it.
  const std::string& for_backend(const std::string& backend_used) const;
  /// True when this maps backends to models.
  bool is_map() const noexcept { return is_map_; }

 private:
  std::string single_;
  std::map<std::string, std::string> by_backend_;
  bool is_map_ = false;
};

/// Severity of a log record.
enum class LogLevel { debug, info, warning, error };

/// The name of a level ("debug", "info", "warning", "error").
constexpr std::string_view to_string(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "unknown";
}

/// Receives the backend's log records: attempts, retries, key rotation. Messages name keys only
/// by their redacted id. Called from the calling thread; must not throw.
using Logger = std::function<void(LogLevel level, const std::string& message)>;

/// The largest `n` (choices per chat call) a call accepts: OpenAI's own limit. A call with a
/// larger `n`, or one that is not a positive integer, is a ConfigError before anything is sent.
inline constexpr int kMaxChoices = 128;

/// Per-backend settings that are not request parameters. Every field has a working default.
struct LITELLM_API BackendOptions {
  /// The key registry the backend's pool uses: the process-wide one by default, so backends
  /// given the same key share its timer (as in the Python original).
  std::shared_ptr<KeyRegistry> key_registry = KeyRegistry::global();
  /// Cooldown policy for rate-limited keys and its cap. `wait_per_key` here is ignored: it comes
  /// from the `wait_time_per_key` kwarg. A negative `rate_limit_backoff.initial` / `.maximum` or
  /// `max_cooldown` is a ConfigError (0 is allowed: no cooldown).
  KeyPoolOptions key_pool;
  /// How requests are sent. Default (null): a libcurl transport built from `curl`.
  std::shared_ptr<Transport> transport;
  /// Settings of the default libcurl transport (CA file, proxy, user agent).
  CurlOptions curl;
  /// Connect, total, first-byte and idle timeouts. `connect` and `total` must be positive;
  /// `first_byte`, `idle` and `stream_total` must not be negative, 0 meaning no limit. Anything
  /// else is a ConfigError naming the field (here and in `CallOptions::timeouts`).
  Timeouts timeouts;
  /// How often a failed call is retried: 3 attempts, Retry-After honoured up to 60 s.
  /// `max_attempts` must be at least 1 and `max_retry_after` not negative (0: no server-requested
  /// wait is honoured), else ConfigError (here and in `CallOptions::retry`).
  RetryPolicy retry;
  /// The wait between attempts after a server error, timeout or connection failure (rate limits
  /// wait on the key pool instead): 0.5 s doubling to 8 s with jitter. A negative `initial` or
  /// `maximum` is a ConfigError (0: retry at once).
  BackoffPolicy backoff;
  /// The longest wait for a ready key per attempt; nullopt: as long as it takes (the Python
  /// behaviour). When it expires the call fails with `RateLimitError` carrying `retry_after`.
  /// Negative is a ConfigError; 0 fails at once when no key is ready.
  std::optional<std::chrono::milliseconds> max_key_wait;
  /// The largest response accepted (a non-streamed body, or a whole stream), in bytes; 0 is a
  /// ConfigError.
  std::size_t max_response_bytes = std::size_t{64} << 20;
  /// Limits of the SSE parser (line and event sizes).
  SseParserOptions sse;
  /// Log sink; null: no logging.
  Logger logger;
};

/// Per-call overrides of `BackendOptions`, checked as those are (a negative timeout,
/// `max_attempts` below 1, ... make the call fail with ConfigError naming the field, before
/// anything is sent).
struct LITELLM_API CallOptions {
  std::optional<Timeouts> timeouts;                       ///< Instead of BackendOptions::timeouts.
  std::optional<RetryPolicy> retry;                       ///< Instead of BackendOptions::retry.
  std::optional<std::chrono::milliseconds> max_key_wait;  ///< Instead of the backend's.
};

/// Receives each streamed `chat.completion.chunk` (OpenAI format, whatever the provider) as it
/// arrives; returning false cancels the stream. The chunk is valid for the duration of the call
/// only (the library reuses its storage for the next chunk): copy it to keep it.
using ChunkCallback = std::function<bool(const json& chunk)>;

/// How far a batch has come, as handed to `BatchOptions::on_progress`.
struct LITELLM_API BatchProgress {
  std::size_t done = 0;                  ///< Requests finished, successfully or not.
  std::size_t total = 0;                 ///< Requests in the batch.
  std::size_t errors = 0;                ///< Requests that failed.
  std::size_t in_flight = 0;             ///< Requests started and not finished.
  double requests_per_s = 0;             ///< Finished requests per second since the batch started.
  std::chrono::milliseconds elapsed{0};  ///< Time since the batch started.
};

/// Settings of `batch_completion` and `batch_embedding`.
struct LITELLM_API BatchOptions {
  /// Requests in flight at once (1 to 4096). Each still takes a key from the pool, so
  /// `wait_time_per_key` and cooldowns apply to every request.
  std::size_t max_concurrency = 16;
  /// Called on the calling thread as requests finish (at most once per `progress_interval`) and
  /// once at the end. May be null.
  std::function<void(const BatchProgress&)> on_progress;
  /// The least time between two progress calls (except the last).
  std::chrono::milliseconds progress_interval{100};
  /// When this turns true, requests not finished yet end with `CancelledError` (in-flight
  /// transfers are aborted) and the batch returns. May be null.
  const std::atomic<bool>* cancel = nullptr;
  /// Overrides for every request of the batch.
  CallOptions call;
  /// `batch_embedding`: inputs per request (the provider's limit is typically 2048).
  std::size_t embedding_batch_size = 256;
};

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
