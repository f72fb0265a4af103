/// @file
/// Provider adapters: pure translation between OpenAI's chat format, which the library exposes,
/// and what each provider speaks. No I/O happens here; the backend sends what adapters build.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "litellm/api_info.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"
#include "litellm/providers/registry.hpp"
#include "litellm/sse.hpp"

namespace litellm {

/// Turns one provider's stream events into OpenAI `chat.completion.chunk` objects.
class LITELLM_API StreamTranslator {
 public:
  virtual ~StreamTranslator() = default;
  /// Translates one event, appending the chunks it yields (often one, sometimes none) to `out`.
  /// @throws the typed error of an in-band error event (`data: {"error": ...}`, Anthropic
  /// `event: error`), `ProtocolError` for data that is not what the protocol allows.
  virtual void on_event(const SseEvent& event, std::vector<json>& out) = 0;
  /// True once the stream's own terminator arrived (`[DONE]`, `message_stop`).
  virtual bool finished() const noexcept = 0;
};

/// One provider dialect. Implementations are stateless and thread-safe.
class LITELLM_API ProviderAdapter {
 public:
  virtual ~ProviderAdapter() = default;

  /// The dialect this adapter speaks.
  virtual WireProtocol protocol() const noexcept = 0;

  /// The HTTP request of a chat completion.
  /// @param api_info the key, base URL and version to use (validated).
  /// @param model the model (or Azure deployment), its provider prefix already stripped.
  /// @param params the OpenAI-format body without `model` and `stream` (messages, tools, n, ...).
  /// @param stream whether to ask for an event stream (streams also ask for the usage chunk
  ///        with `stream_options.include_usage` when the backend's spec says `stream_usage`,
  ///        unless `params` has `stream_options`).
  /// @throws ConfigError for parameters the provider cannot honour.
  virtual HttpRequest chat_request(const ApiInfo& api_info, const std::string& model,
                                   const json& params, bool stream) const = 0;

  /// The OpenAI `chat.completion` for a successful, non-streamed response body (taken by value:
  /// move it in, the OpenAI adapter returns it without a copy).
  /// @throws ProtocolError when the body is not what the provider sends.
  virtual json chat_response(json body) const = 0;

  /// A fresh translator for one streamed response, whose in-band errors name `provider` (the
  /// ApiInfo's `backend_used`: "groq", "my_vllm", ...; a streamed and a plain call to one backend
  /// name it alike) and are read in the shape of `spec_for(provider)`.
  virtual std::unique_ptr<StreamTranslator> stream_translator(std::string_view provider) const = 0;

  /// A fresh translator whose errors name the protocol's own backend (`spec_for(protocol())`).
  std::unique_ptr<StreamTranslator> stream_translator() const {
    return stream_translator(spec_for(protocol()).name);
  }

  /// The HTTP request of an embeddings call (OpenAI format: `input`, `encoding_format`, ...).
  /// @throws ConfigError when the provider has no embeddings endpoint (Anthropic).
  virtual HttpRequest embedding_request(const ApiInfo& api_info, const std::string& model,
                                        const json& params) const = 0;

  /// The OpenAI embedding response (`{"object": "list", "data": [{"index", "embedding"}],
  /// "usage"}`) of a successful embeddings body. By default the body as it is (OpenAI's own).
  /// @throws ProtocolError when the body is not what the provider sends.
  virtual json embedding_response(json body) const { return body; }

  /// The typed error for a response whose status is not 2xx, naming `provider` (the ApiInfo's
  /// `backend_used`). By default `error_from_http(response, provider,
  /// spec_for(provider).error_shape)`.
  virtual Error error_from_response(const HttpResponse& response, std::string_view provider) const;

  /// The typed error for a response whose status is not 2xx, naming the protocol's own backend.
  Error error_from_response(const HttpResponse& response) const {
    return error_from_response(response, spec_for(protocol()).name);
  }
};

/// The adapter for a protocol: the registry's map from a protocol to the static instance that
/// speaks it (each adapter names its own `protocol()`).
LITELLM_API const ProviderAdapter& adapter_for(WireProtocol protocol) noexcept;

/// The adapter for an ApiInfo's backend (`adapter_for(spec_for(backend_used).protocol)`: unknown
/// names speak OpenAI's dialect).
LITELLM_API const ProviderAdapter& adapter_for(const ApiInfo& api_info) noexcept;

/// `model` without a leading `<backend_used>/` (e.g. `azure/my-deployment` -> `my-deployment`
/// for the azure backend; `openrouter/openai/gpt-4o` -> `openai/gpt-4o` for openrouter).
LITELLM_API std::string strip_model_prefix(std::string_view model, std::string_view backend_used);

/// The base URL to use: `api_base` or the backend's default, without trailing slashes.
/// @throws ConfigError when neither exists.
LITELLM_API std::string effective_api_base(const ApiInfo& api_info);

/// The typed error of an HTTP failure, from its status and the provider's error body read in
/// `shape` (by default any shape: OpenAI / Azure `{"error": {"message", "type", "code",
/// "param"}}`, Anthropic `{"type": "error", "error": {"type", "message"}}`, Google's, and
/// plain-text bodies; see ErrorShape).
/// Status mapping: 400, 413, 422 and other 4xx -> bad_request; 401, 403 -> auth;
/// 404 -> not_found; 408 -> timeout; 429 -> rate_limit; 409, 5xx, 529 -> server.
/// `retry_after` comes from the headers (`retry_after_from_headers`), the request id from
/// `x-request-id`, `request-id` or `apim-request-id`.
LITELLM_API Error error_from_http(const HttpResponse& response, std::string_view provider,
                                  ErrorShape shape = ErrorShape::any);

/// The typed error of an in-band stream error object (`{"error": {...}}` in an OpenAI stream, or
/// Anthropic's `{"type": "error", "error": {"type": "overloaded_error", ...}}`), read in `shape`
/// (by default any) and mapped by its type or code (rate_limit_error / overloaded_error /
/// api_error / ...) to a kind.
LITELLM_API Error error_from_stream_event(const json& error_object, std::string_view provider,
                                          ErrorShape shape = ErrorShape::any);

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
