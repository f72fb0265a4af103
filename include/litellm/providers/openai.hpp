/// @file
/// OpenAI and every OpenAI-compatible server, and Azure OpenAI (the same bodies on other paths).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include "litellm/providers/provider.hpp"

namespace litellm {

/// OpenAI's dialect: `POST {base}/chat/completions` and `{base}/embeddings` with
/// `Authorization: Bearer <key>` (no header when the key is empty, as local servers expect).
///
/// Streams ask for the usage chunk (`stream_options.include_usage`) when the backend's spec says
/// `stream_usage` (openai only: several compatible servers and older Azure API versions reject
/// the field). Pass `stream_options` yourself to ask any server for it.
class LITELLM_API OpenAIAdapter : public ProviderAdapter {
 public:
  WireProtocol protocol() const noexcept override { return WireProtocol::openai; }
  HttpRequest chat_request(const ApiInfo& api_info, const std::string& model, const json& params,
                           bool stream) const override;
  json chat_response(json body) const override;
  using ProviderAdapter::stream_translator;
  std::unique_ptr<StreamTranslator> stream_translator(std::string_view provider) const override;
  HttpRequest embedding_request(const ApiInfo& api_info, const std::string& model,
                                const json& params) const override;

 protected:
  /// The URL of an endpoint (`chat/completions`, `embeddings`) for a model.
  virtual std::string endpoint_url(const ApiInfo& api_info, const std::string& model,
                                   std::string_view endpoint) const;
  /// Adds the credentials header.
  virtual void add_auth(const ApiInfo& api_info, Headers& headers) const;
  /// Whether the body carries `model` (Azure names the deployment in the path instead).
  virtual bool model_in_body() const noexcept { return true; }
};

/// Azure OpenAI: `POST {api_base}/openai/deployments/{deployment}/chat/completions
/// ?api-version={api_version}` with an `api-key` header. The model is the deployment name
/// (path-encoded); an api_base that already ends in `/openai` is accepted.
class LITELLM_API AzureAdapter final : public OpenAIAdapter {
 public:
  WireProtocol protocol() const noexcept override { return WireProtocol::azure; }

 protected:
  std::string endpoint_url(const ApiInfo& api_info, const std::string& model,
                           std::string_view endpoint) const override;
  void add_auth(const ApiInfo& api_info, Headers& headers) const override;
  bool model_in_body() const noexcept override { return false; }
};

/// The OpenAI stream translator: each `data:` event is a chunk; `[DONE]` ends the stream; a
/// `{"error": ...}` object (or an `event: error`) is an in-band error.
class LITELLM_API OpenAIStreamTranslator final : public StreamTranslator {
 public:
  /// @param provider the name used in errors (the ApiInfo's `backend_used`), whose spec's
  ///        `error_shape` says how in-band errors are read.
  explicit OpenAIStreamTranslator(std::string provider)
      : provider_(std::move(provider)), error_shape_(spec_for(provider_).error_shape) {}
  void on_event(const SseEvent& event, std::vector<json>& out) override;
  bool finished() const noexcept override { return finished_; }

  /// True when `chunk` is an in-band error, which on_event throws typed: an object whose
  /// top-level `error` is not null.
  static bool is_error_chunk(const json& chunk);

 private:
  std::string provider_;
  ErrorShape error_shape_;
  bool finished_ = false;
};

/// Percent-encodes everything but RFC 3986 unreserved characters (for path segments and query
/// values).
LITELLM_API std::string url_encode(std::string_view text);

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
