// One call's attempts, shared by the synchronous methods and the asynchronous engine.
//
// A call is prepared once (CallSpec: merged parameters, headers, timeouts, retry policy). Each
// attempt then goes: lease a key -> begin_attempt (build the request and its response sink) ->
// the transport runs the exchange -> end_attempt, which reports the outcome to the key pool and
// decides: done (the result), retry (after a delay, on the key the pool chooses next) or fail.
#pragma once

#include "litellm/config.hpp"
#if defined(LITELLM_HEADER_ONLY) && !defined(LITELLM_DETAIL_IN_HEADER)
#define LITELLM_DETAIL_IN_HEADER
#define LITELLM_DETAIL_OUTERMOST_DETAIL_CALL_HPP
#endif

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "litellm/backend.hpp"
#include "litellm/http.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/providers/provider.hpp"

namespace litellm::detail {

/// What a call asks for.
enum class CallKind { chat, chat_stream, embedding };

/// What the embedding result looks like.
enum class EmbeddingResult {
  json_floats,  ///< `data[i].embedding` as JSON float arrays (embedding()).
  raw_body,     ///< The response as received, base64 strings kept (batch_embedding decodes).
};

/// What stays the same across the attempts of one call.
struct CallSpec {
  CallKind kind = CallKind::chat;
  json params;  ///< The body parameters: defaults < call parameters, routing members removed.
  Headers extra_headers;
  Timeouts timeouts;
  RetryPolicy retry;
  std::optional<std::chrono::milliseconds> max_key_wait;
  int n = 1;
  ChunkCallback on_chunk;  ///< Streams only; may be empty.
  EmbeddingResult embedding_result = EmbeddingResult::json_floats;
  /// Batch calls: a successful response that needs nothing but parsing (valid JSON, not an error
  /// body; a chat completion from the built-in OpenAI or Azure adapter, or a raw_body embedding)
  /// is checked on the I/O thread without being parsed, and the call's result is the body text
  /// as a JSON string, for the caller to parse with parse_json (which then cannot fail). Other
  /// responses take the usual path and give a parsed result (always an object or an error).
  bool defer_body_parse = false;
};

/// True when `result` is a body left unparsed by CallSpec::defer_body_parse.
inline bool is_unparsed_body(const json& result) noexcept {
  return result.is_string();
}

/// Checks what the backend's options must hold (positive timeouts, at least one attempt, ...: see
/// the fields' comments). @throws ConfigError naming the field ("BackendOptions.timeouts.total").
void check_backend_options(const BackendOptions& options);

/// As check_backend_options for the overrides a call sets ("CallOptions.retry.max_attempts").
void check_call_options(const CallOptions& options);

/// Merges and checks a call's parameters and options, in one pass over the parameters: the
/// CallOptions overrides, `timeout`, `n`, and every value that would be sent (no NaN or infinite
/// number, no string or member name that is not well-formed UTF-8).
/// @throws ConfigError naming the parameter ("messages[0].content") or option.
CallSpec make_call_spec(CallKind kind, const json& defaults, json params, ChunkCallback on_chunk,
                        const CallOptions& call_options, const BackendOptions& options);

/// The backend's parts a call uses.
struct CallContext {
  const ModelName* model_name = nullptr;
  const BackendOptions* options = nullptr;
  KeyPool* pool = nullptr;
  void log(LogLevel level, const std::string& message) const;
};

class StreamCall;

/// One call's attempts.
class CallRunner {
 public:
  /// What to do after an attempt.
  struct Decision {
    enum class Kind { done, retry, fail };
    Kind kind = Kind::fail;
    json result;                         ///< done: what the call returns.
    std::chrono::milliseconds delay{0};  ///< retry: wait this long first.
    std::exception_ptr error;            ///< fail: what the call throws.
  };

  CallRunner(const CallContext& context, CallSpec spec);
  ~CallRunner();
  CallRunner(const CallRunner&) = delete;
  CallRunner& operator=(const CallRunner&) = delete;

  const CallSpec& spec() const noexcept { return spec_; }
  /// Attempts begun so far (moving off a rejected key does not count).
  int attempts() const noexcept { return attempts_; }

  /// The deadline for taking a key for the next attempt.
  Clock::time_point key_deadline() const;

  /// Prepares an attempt on `lease`: builds the request and the response sink.
  /// @throws ConfigError when the request cannot be built (the key is given back unused).
  void begin_attempt(KeyLease lease);
  /// The request of the current attempt.
  const HttpRequest& request() const noexcept { return request_; }
  /// The sink of the current attempt.
  ResponseSink& sink() noexcept;

  /// Ends the current attempt, given how the exchange ended (null: it completed), and frees its
  /// request and sink.
  Decision end_attempt(std::exception_ptr transport_error);

  /// What the call ends with when taking a key for its next attempt failed with `error`. When
  /// every key is out of rotation and this call's last response took a key out (401 / 403, an
  /// exhausted quota), that is the response's error (status, provider message, type, code,
  /// request id, key id) with the pool's list of reasons as its message; otherwise `error`.
  std::exception_ptr key_failure(std::exception_ptr error) const;

 private:
  Decision decide_attempt(std::exception_ptr transport_error);
  json finish_response();
  Decision decide(const Error& raw);

  CallContext context_;
  CallSpec spec_;
  int attempts_ = 0;
  /// The error of the last attempt when it took its key out of rotation and no attempt began
  /// since (see key_failure).
  std::optional<Error> rejection_;
  std::optional<KeyLease> lease_;
  const ProviderAdapter* adapter_ = nullptr;
  HttpRequest request_;
  std::unique_ptr<StreamCall> stream_;
  /// The sink when the call is not streamed (a success's headers are never read: not kept).
  std::optional<BufferingSink> buffer_;
};

/// Runs a call to its end on the calling thread (blocking key waits and retry delays).
json run_call(const CallContext& context, CallSpec spec);

/// Replaces base64 embeddings in a response body with JSON float arrays.
void decode_embeddings_to_json(json& body);

/// Decodes one embedding (a JSON float array or a base64 string) into `out`.
/// @throws ProtocolError when it is neither.
void decode_embedding(const json& embedding, std::vector<float>& out);

}  // namespace litellm::detail

// Header-only mode: the outermost litellm header, once complete, brings the definitions.
#ifdef LITELLM_DETAIL_OUTERMOST_DETAIL_CALL_HPP
#undef LITELLM_DETAIL_OUTERMOST_DETAIL_CALL_HPP
#undef LITELLM_DETAIL_IN_HEADER
#include "litellm/impl/header_only.hpp"
#endif
