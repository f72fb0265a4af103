// A call's request, prepared once before its first attempt: the merged parameters, the headers,
// timeouts and retry policy (CallSpec), with every parameter and option checked first, so that a
// call that cannot be sent fails with ConfigError before anything is sent. The facade calls these
// at the public edge, on the caller's thread, before a call exists: their ConfigError is thrown
// straight to the caller (an asynchronous method or a batch throws it rather than returning).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <optional>

#include <nlohmann/json.hpp>

#include "litellm/errors.hpp"
#include "litellm/http.hpp"
#include "litellm/options.hpp"
#include "litellm/retry.hpp"

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

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
