// One attempt of a call: the request built for the key the retry loop took, the response sink
// the transport fills, and the response read back into the call's result or its failure.
//
// The attempt runner decides nothing about what comes next: the retry loop (retry_loop.hpp)
// reports the outcome to the key pool and decides whether to retry, rotate the key or give up.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "litellm/api_info.hpp"
#include "litellm/call_cost.hpp"
#include "litellm/detail/call_spec.hpp"
#include "litellm/detail/failure.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/options.hpp"
#include "litellm/providers/provider.hpp"
#include "litellm/rate_limits.hpp"

namespace litellm::detail {

/// The backend's parts a call uses.
struct CallContext {
  const ModelName* model_name = nullptr;
  const BackendOptions* options = nullptr;
  KeyPool* pool = nullptr;
  /// Hands `message` to the options' logger, if any; a logger that throws is ignored (a log
  /// record must not break a call).
  void log(LogLevel level, const std::string& message) const;
};

/// How one attempt ended.
struct AttemptResult {
  json value;  ///< The call's result, when the attempt succeeded.
  /// Why it failed, otherwise: the library's error as the call reports it (a response over
  /// max_response_bytes is a ProtocolError, a connection cut after a stream started a
  /// StreamError, a callback's false a CancelledError), or an exception from elsewhere.
  std::optional<Failure> failure;
  std::optional<json> partial;  ///< What a stream had accumulated, when anything had.
  bool delivered = false;       ///< True when a chunk reached the caller's callback.
  /// What the response's rate-limit headers said (empty when no response came).
  RateLimitReport limits;
  /// What the call spent, from a successful answer's `usage`.
  std::optional<CallCost> usage;
};

class StreamCall;

/// Runs the attempts of one call, one at a time: builds each attempt's request and sink, and
/// reads how it ended.
class CallRunner {
 public:
  CallRunner(const CallContext& context, CallSpec spec);
  ~CallRunner();
  CallRunner(const CallRunner&) = delete;
  CallRunner& operator=(const CallRunner&) = delete;

  const CallSpec& spec() const noexcept { return spec_; }

  /// Prepares an attempt with `info`'s key: builds the request and the response sink. The error
  /// (a ConfigError) when the request cannot be built for that key; nothing is then sent.
  std::optional<Failure> begin_attempt(const ApiInfo& info);
  /// The request of the current attempt.
  const HttpRequest& request() const noexcept { return request_; }
  /// The sink of the current attempt.
  ResponseSink& sink() noexcept;

  /// Ends the current attempt, given how the exchange ended (null: it completed), and frees its
  /// request and sink.
  AttemptResult end_attempt(std::exception_ptr transport_error);

 private:
  CallResult finish_response();
  /// The failure as the call reports it, given what the sink saw (`has_partial`: a stream had
  /// accumulated something).
  Failure classify(Failure raw, bool has_partial) const;

  CallContext context_;
  CallSpec spec_;
  const ApiInfo* info_ = nullptr;
  const ProviderAdapter* adapter_ = nullptr;
  HttpRequest request_;
  std::unique_ptr<StreamCall> stream_;
  /// The sink when the call is not streamed (a success's headers are never read: not kept).
  std::optional<BufferingSink> buffer_;
};

/// `error` with the call's context added (the backend the caller named, the key id, the
/// attempts, a stream's partial result) and any echo of a key of the pool removed.
Error with_context(const Error& error, const ApiInfo& info, const std::vector<ApiInfo>& keys,
                   const std::string& key_id, int attempts, const std::optional<json>& partial);

/// The error a 200 body stands for, when it is really an error (some compatible servers do that).
std::optional<Error> error_in_body(const json& body, std::string_view provider);

/// Chunks that replay a non-streamed completion (for servers that answer a stream request with
/// plain JSON).
std::vector<json> chunks_of_completion(const json& completion);

/// Replaces base64 embeddings in a response body with JSON float arrays; the error when the body
/// is not an embedding response.
std::optional<Error> decode_embeddings_to_json(json& body);

/// Decodes one embedding (a JSON float array or a base64 string) into `out`; a ProtocolError
/// when it is neither.
std::optional<Error> decode_embedding(const json& embedding, std::vector<float>& out);

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
