/// @file
/// `LiteLLMBackend`: the C++ counterpart of `aiflows.backends.llm_lite.LiteLLMBackend`.
///
/// @code
/// litellm::LiteLLMBackend backend(litellm::api_infos_from_env(), "gpt-4o-mini",
///                                 {{"wait_time_per_key", 1}, {"temperature", 0.2}});
/// litellm::json completion = backend.completion(
///     {{"messages", {{{"role", "user"}, {"content", "Hello"}}}}});
/// std::cout << completion["choices"][0]["message"]["content"] << "\n";
/// @endcode
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstddef>
#include <exception>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "litellm/api_info.hpp"
#include "litellm/errors.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/options.hpp"

namespace litellm {

namespace detail {
class BackendState;
}  // namespace detail

/// One request's outcome in a batch: its result, or its error.
///
/// `error` is a copy of the library's failure as a plain `Error` (its kind, message and details);
/// to catch it by its class (`RateLimitError`, `AuthError`, ...), call `rethrow()`:
/// @code
/// try { item.rethrow(); } catch (const litellm::RateLimitError& e) { ... }
/// @endcode
/// A failure that is not the library's (std::bad_alloc, an exception thrown by a callback) is
/// never turned into an `Error`: it is only in `exception`, as thrown, and `error` stays empty.
struct LITELLM_API BatchItem {
  json value;  ///< What `completion()` would have returned, when it succeeded.
  /// Why it failed, when the library reports the failure (sliced to `Error`: see `exception`).
  std::optional<Error> error;
  /// The failure as thrown, with its class: the `Error` subclass of its kind (or, for a failure
  /// that is not the library's, that exception). Null when the request succeeded.
  std::exception_ptr exception;
  /// True when the request succeeded.
  bool ok() const noexcept { return !error.has_value() && !exception; }
  /// Throws the failure with its class (`exception`; when only `error` is set, its kind's
  /// subclass via `rethrow_as_kind`). Does nothing when the request succeeded.
  void rethrow() const {
    if (exception) std::rethrow_exception(exception);
    if (error) rethrow_as_kind(*error);
  }
};

/// The vectors of a `batch_embedding`, in input order.
struct LITELLM_API EmbeddingBatch {
  /// One vector per input; empty when the request that carried the input failed.
  std::vector<std::vector<float>> vectors;
  /// One entry per input: the error of the request that carried it, if it failed and the library
  /// reports the failure (sliced to `Error`: see `exceptions`; as in `BatchItem::error`, a
  /// failure that is not the library's is only in `exceptions`).
  std::vector<std::optional<Error>> errors;
  /// One entry per input: the failure of the request that carried it as thrown, with its class
  /// (see `BatchItem::exception`); null for an input that has its vector.
  std::vector<std::exception_ptr> exceptions;
  std::size_t requests = 0;         ///< Requests sent (inputs / embedding_batch_size, rounded up).
  std::size_t failed_requests = 0;  ///< Requests that failed.
  json usage = json::object();      ///< Usage summed over the successful requests.
  /// True when every input has its vector.
  bool ok() const noexcept { return failed_requests == 0; }
  /// Throws the failure of the request that carried input `input` with its class (as
  /// `BatchItem::rethrow`); does nothing when that input has its vector.
  /// @throws std::out_of_range when `input` is not an input's index.
  void rethrow(std::size_t input) const {
    if (input >= errors.size()) throw std::out_of_range("EmbeddingBatch::rethrow: no such input");
    if (input < exceptions.size() && exceptions[input]) std::rethrow_exception(exceptions[input]);
    if (errors[input]) rethrow_as_kind(*errors[input]);
  }
};

/// Rotates calls across many API keys and calls the providers' endpoints.
///
/// As in Python, `kwargs` may hold `wait_time_per_key` (seconds, default 6: the least time
/// between two uses of one key) and `embeddings_call` (default false); every other member is a
/// default request parameter sent on every call. Parameter precedence, low to high: these
/// defaults < the call's parameters < what the chosen ApiInfo fixes (model, api_base,
/// api_version, api_key).
///
/// Besides the provider's parameters, a call accepts:
/// - `extra_headers`: an object of extra HTTP headers;
/// - `timeout`: seconds, the total timeout of a non-streamed call (a positive number up to one
///   year, or null; anything else is a ConfigError);
/// and ignores the litellm-Python routing parameters that the ApiInfo fixes here (`model`,
/// `api_key`, `api_base`, `base_url`, `api_version`, `custom_llm_provider`).
///
/// Before anything is sent, a call fails with ConfigError naming the parameter's path
/// (`temperature`, `messages[0].content`) when a value cannot be sent as given: a NaN or infinite
/// number (JSON has none; it would go out as null), a string or member name that is not
/// well-formed UTF-8 (it would go out altered), or an `n` that is not an integer from 1 to
/// kMaxChoices.
///
/// Every method is thread-safe; many threads may share one backend.
///
/// Failures: a call takes a key from the pool, sends, and on failure reports the outcome (a
/// rate-limited key cools down; a rejected key, 401 / 403 or an exhausted quota, leaves the
/// rotation and the call moves to the next key). Retryable failures (connection, timeout before
/// the first byte, 408, 409, 429, 5xx, 529) are retried on the key the pool chooses next, up to
/// `RetryPolicy::max_attempts`, never once a chunk has reached the caller. A response's
/// `x-should-retry` header overrides that: `true` retries any failure (within max_attempts, after
/// the backoff), `false` ends the call at once (the key's outcome is still reported). The error
/// thrown is the `litellm::Error` subclass of its kind, carrying the partial completion of a
/// broken stream. When the call took the last key out of rotation, it carries that response's
/// status, provider message, type, code, request id and key id, with every key's reason listed in
/// its message.
class LITELLM_API LiteLLMBackend {
 public:
  /// @throws ConfigError for an empty or invalid `api_infos`, a bad `wait_time_per_key` or
  /// `embeddings_call`, or a model map that names none of the keys' backends.
  LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name,
                 json kwargs = json::object());
  /// As above, with options that are not request parameters.
  /// @throws ConfigError also for an option out of its range (see BackendOptions' fields),
  /// naming it: "BackendOptions.timeouts.total must be positive, got -5 ms".
  LiteLLMBackend(std::vector<ApiInfo> api_infos, ModelName model_name, json kwargs,
                 BackendOptions options);
  ~LiteLLMBackend();
  LiteLLMBackend(const LiteLLMBackend&) = delete;
  LiteLLMBackend& operator=(const LiteLLMBackend&) = delete;

  /// The next key to use: the least recently used one whose last use is more than
  /// `wait_time_per_key` ago, stamped as used now; waits until one is.
  ApiInfo get_key();

  /// `litellm::make_unique_api_info_key(info)` (see key_pool.hpp for the format).
  static std::string make_unique_api_info_key(const ApiInfo& info);

  /// What the Python `__call__` returns:
  /// - with `embeddings_call`: the embedding response's `data` list (float vectors);
  /// - with `stream: true` in the parameters: `merge_streams(chunks, n)`, one message per choice;
  /// - otherwise: the list of the choices' messages.
  json operator()(json params);

  /// A chat completion: the provider's answer as an OpenAI `chat.completion` object.
  json completion(json params);
  /// A streamed chat completion: each OpenAI-format chunk goes to `on_chunk` as it arrives
  /// (returning false cancels with `CancelledError`, which carries the partial completion); returns
  /// the accumulated `chat.completion` (see StreamAccumulator).
  json completion(json params, const ChunkCallback& on_chunk);
  /// `completion` with per-call overrides; `on_chunk` may be null for a non-streamed call.
  json completion(json params, const ChunkCallback& on_chunk, const CallOptions& call_options);

  /// Embeddings: the OpenAI embedding response (`data[i].embedding` float arrays), whatever the
  /// `encoding_format` (base64 answers are decoded).
  json embedding(json params);
  /// `embedding` with per-call overrides.
  json embedding(json params, const CallOptions& call_options);

  /// A chat completion that does not block: the future holds what `completion(params)` returns,
  /// or its error. Calls in flight share the backend's one I/O thread (libcurl multi), so they
  /// cost no thread each; key waits and retries happen there too, never blocking it.
  std::future<json> completion_async(json params, CallOptions call_options = {});
  /// A streamed completion that does not block. `on_chunk` runs on the backend's I/O thread:
  /// keep it short, and do not wait there for another async call of this backend.
  std::future<json> completion_async(json params, ChunkCallback on_chunk,
                                     CallOptions call_options = {});
  /// Embeddings that do not block: the future holds what `embedding(params)` returns.
  std::future<json> embedding_async(json params, CallOptions call_options = {});

  /// Many chat completions at once, at most `options.max_concurrency` in flight, on the I/O
  /// thread. Returns one item per request, in input order, each holding the completion or the
  /// error of that request (a failed request does not fail the batch). Blocks until every
  /// request has finished or the batch was cancelled. Pass the requests with `std::move` when
  /// they are not needed afterwards: they are then not copied. The work is shared: the I/O thread
  /// moves the bytes and checks each response (error bodies are still retried on the next key),
  /// while the calling thread, woken about once per 32 responses, parses them into the results.
  std::vector<BatchItem> batch_completion(std::vector<json> requests,
                                          const BatchOptions& options = {});
  /// Embeddings of many inputs: split into requests of `options.embedding_batch_size` inputs,
  /// sent concurrently, reassembled in input order as float vectors (decoded from base64 where
  /// the provider supports it, without a JSON number per float). `params` holds other embedding
  /// parameters (`dimensions`, `user`, ...). Responses are parsed and decoded on the calling
  /// thread, as in `batch_completion`.
  EmbeddingBatch batch_embedding(const std::vector<std::string>& inputs,
                                 json params = json::object(), const BatchOptions& options = {});

  /// The key pool (snapshots, restore, non-blocking choice).
  KeyPool& key_pool() noexcept;
  /// The default request parameters (kwargs without the consumed members).
  const json& default_params() const noexcept { return defaults_; }
  /// The model setting.
  const ModelName& model_name() const noexcept;
  /// Whether `operator()` calls the embeddings endpoint (`embeddings_call`).
  bool embeddings_call() const noexcept { return embeddings_call_; }
  /// The options in effect.
  const BackendOptions& options() const noexcept;

 private:
  json defaults_;
  bool embeddings_call_ = false;
  /// The model, options, key pool and I/O engine the calls share (see detail/backend_state.hpp).
  std::unique_ptr<detail::BackendState> state_;
};

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
