/// @file
/// The backends the library knows by name, and what each one does: which wire protocol it speaks,
/// its default base URL, whether it needs a key and where the environment keeps it, and its
/// capabilities (stream usage, base64 embeddings, responses passed through unchanged, the shape
/// of its error bodies).
///
/// The rest of the library asks a backend's spec (`spec_for`) what it does; it never compares
/// backend names or protocols itself. Any other `backend_used` name is accepted when its ApiInfo
/// has an `api_base`, and is spoken to as an OpenAI-compatible server (`kOpenAICompatible`).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <array>
#include <string_view>

namespace litellm {

/// The HTTP dialect a backend speaks.
enum class WireProtocol {
  openai,     ///< OpenAI and every OpenAI-compatible server: `{base}/chat/completions`, Bearer.
  azure,      ///< Azure OpenAI: deployment paths, `api-version` query, `api-key` header.
  anthropic,  ///< Anthropic Messages API: `{base}/v1/messages`, `x-api-key`.
  gemini,     ///< Google's native Gemini API: `{base}/v1beta/models/{model}:generateContent`.
  /// AWS Bedrock's Converse API: `{base}/model/{modelId}/converse`, SigV4-signed (or a Bedrock
  /// API key as Bearer).
  bedrock,
};

/// How a backend frames its stream bodies.
enum class StreamFraming {
  sse,              ///< `text/event-stream` (SseParser).
  aws_eventstream,  ///< AWS's binary `application/vnd.amazon.eventstream` (Bedrock).
};

/// How a backend lays out its error bodies (HTTP errors and in-band stream errors alike). Every
/// shape reads OpenAI's `{"error": {"message", "type", "code", "param"}}`, a bare
/// `{"message": ...}` (Azure APIM, Bedrock) and plain-text bodies; a shape adds what its provider
/// sends beyond that.
enum class ErrorShape {
  /// OpenAI's, nothing more (OpenAI, Azure, the OpenAI-compatible services).
  openai,
  /// Anthropic's `{"type": "error", "error": {"type", "message"}, "request_id"}`: the body's
  /// `request_id` is used when no request-id header came.
  anthropic,
  /// Google's `[{"error": {"code", "message", "status", "details": [...]}}]` (the list is
  /// optional): `status` is the error type, a google.rpc.ErrorInfo `reason` the error code, and a
  /// google.rpc.RetryInfo `retryDelay` the wait when no header gives one.
  google,
  /// Any of the above: for servers known only by their api_base, which may relay another
  /// provider's errors.
  any,
};

/// What the library knows about one named backend. An aggregate: the members after `key_env`
/// have defaults, so `{name, protocol, default_api_base, requires_key, key_env}` is a complete
/// spec of a plain OpenAI-compatible service.
struct LITELLM_API ProviderSpec {
  std::string_view name;              ///< The `backend_used` value ("openai", "groq", ...).
  WireProtocol protocol;              ///< The dialect it speaks.
  std::string_view default_api_base;  ///< Used when ApiInfo has no api_base; empty: required.
  bool requires_key;                  ///< False for local servers (ollama, vllm, ...).
  std::string_view key_env;           ///< The environment variable that usually holds its key.

  /// Streams ask for the usage chunk (`stream_options: {"include_usage": true}`) unless the
  /// caller passed `stream_options`. Default false: several compatible servers and older Azure
  /// API versions reject the field.
  bool stream_usage = false;
  /// Embeddings are asked for as base64 (`encoding_format: "base64"`, ~4x smaller on the wire)
  /// when the caller chose no encoding_format. Default false: not every compatible server
  /// answers it.
  bool base64_embeddings = false;
  /// Responses pass through unchanged: a completion body is already OpenAI's `chat.completion`
  /// (the adapter only checks it) and stream events are already OpenAI chunks, so neither is
  /// translated. Default: true for the openai and azure protocols, whose bodies are OpenAI's (the
  /// anthropic, gemini and bedrock adapters translate).
  bool body_passthrough = protocol == WireProtocol::openai || protocol == WireProtocol::azure;
  /// The shape of its error bodies. Default: OpenAI's.
  ErrorShape error_shape = ErrorShape::openai;
  /// A second variable for the key, read when `key_env` is unset. Default: none.
  std::string_view key_env_alias = {};
  /// Variables that may hold the api_base, the first one set wins. Default: none.
  std::array<std::string_view, 2> api_base_env = {};
  /// Variables that may hold the api_version, the first one set wins. Default: none.
  std::array<std::string_view, 2> api_version_env = {};
  /// What an api_base looks like, for the message when one is required and missing (empty
  /// `default_api_base`). Default: none.
  std::string_view api_base_example = {};
  /// An example api_version when one is required (azure: "2024-10-21"); empty (the default):
  /// the backend needs none.
  std::string_view required_api_version_example = {};
  /// How its stream bodies are framed. Default: server-sent events.
  StreamFraming stream_framing = StreamFraming::sse;
  /// AWS credentials: the key is "ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]" (requests are
  /// SigV4-signed) or an API key without ':' (sent as Bearer); the api_version is the AWS region
  /// (required); `api_infos_from_env` also builds the key from AWS_ACCESS_KEY_ID,
  /// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Default: false.
  bool aws_credentials = false;
};

/// Every backend known by name. Order is documentation order (and `api_infos_from_env`'s).
inline constexpr std::array<ProviderSpec, 17> kKnownProviders{{
    {"openai",
     WireProtocol::openai,
     "https://api.openai.com/v1",
     true,
     "OPENAI_API_KEY",
     /*stream_usage=*/true,
     /*base64_embeddings=*/true,
     /*body_passthrough=*/true,
     ErrorShape::openai,
     /*key_env_alias=*/"",
     {"OPENAI_BASE_URL", "OPENAI_API_BASE"}},
    {"azure",
     WireProtocol::azure,
     "",
     true,
     "AZURE_API_KEY",
     /*stream_usage=*/false,
     /*base64_embeddings=*/true,
     /*body_passthrough=*/true,
     ErrorShape::openai,
     "AZURE_OPENAI_API_KEY",
     {"AZURE_API_BASE", "AZURE_OPENAI_ENDPOINT"},
     {"AZURE_API_VERSION", "OPENAI_API_VERSION"},
     "https://<resource>.openai.azure.com",
     "2024-10-21"},
    {"anthropic",
     WireProtocol::anthropic,
     "https://api.anthropic.com",
     true,
     "ANTHROPIC_API_KEY",
     /*stream_usage=*/false,
     /*base64_embeddings=*/false,
     /*body_passthrough=*/false,
     ErrorShape::anthropic,
     /*key_env_alias=*/"",
     {"ANTHROPIC_BASE_URL", "ANTHROPIC_API_BASE"}},
    // Google's native Gemini API (GeminiAdapter); gemini_openai below is its OpenAI-compatible
    // endpoint, which this row's name had before the native adapter existed.
    {"gemini",
     WireProtocol::gemini,
     "https://generativelanguage.googleapis.com",
     true,
     "GEMINI_API_KEY",
     /*stream_usage=*/false,
     /*base64_embeddings=*/false,
     /*body_passthrough=*/false,
     ErrorShape::google,
     "GOOGLE_API_KEY",
     {"GEMINI_API_BASE", ""}},
    {"bedrock",
     WireProtocol::bedrock,
     "https://bedrock-runtime.{region}.amazonaws.com",
     true,
     "AWS_BEARER_TOKEN_BEDROCK",
     /*stream_usage=*/false,
     /*base64_embeddings=*/false,
     /*body_passthrough=*/false,
     ErrorShape::openai,
     /*key_env_alias=*/"",
     {"AWS_ENDPOINT_URL_BEDROCK_RUNTIME", ""},
     {"AWS_REGION", "AWS_DEFAULT_REGION"},
     /*api_base_example=*/"",
     /*required_api_version_example=*/"us-east-1",
     StreamFraming::aws_eventstream,
     /*aws_credentials=*/true},
    {"groq", WireProtocol::openai, "https://api.groq.com/openai/v1", true, "GROQ_API_KEY"},
    {"mistral", WireProtocol::openai, "https://api.mistral.ai/v1", true, "MISTRAL_API_KEY"},
    {"deepseek", WireProtocol::openai, "https://api.deepseek.com/v1", true, "DEEPSEEK_API_KEY"},
    {"together_ai", WireProtocol::openai, "https://api.together.xyz/v1", true,
     "TOGETHERAI_API_KEY"},
    {"openrouter", WireProtocol::openai, "https://openrouter.ai/api/v1", true,
     "OPENROUTER_API_KEY"},
    {"fireworks_ai", WireProtocol::openai, "https://api.fireworks.ai/inference/v1", true,
     "FIREWORKS_AI_API_KEY"},
    {"xai", WireProtocol::openai, "https://api.x.ai/v1", true, "XAI_API_KEY"},
    // Gemini's OpenAI-compatible endpoint (the name "gemini" is the native API above). Its key
    // is read from the environment by the native row only, so api_infos_from_env does not list
    // one key twice.
    {"gemini_openai", WireProtocol::openai,
     "https://generativelanguage.googleapis.com/v1beta/openai", true, "",
     /*stream_usage=*/false, /*base64_embeddings=*/false,
     /*body_passthrough=*/true, ErrorShape::google},
    {"ollama", WireProtocol::openai, "http://localhost:11434/v1", false, ""},
    {"vllm", WireProtocol::openai, "http://localhost:8000/v1", false, ""},
    {"llamacpp", WireProtocol::openai, "http://localhost:8080/v1", false, ""},
    {"lm_studio", WireProtocol::openai, "http://localhost:1234/v1", false, ""},
}};

/// The spec of a backend known only by its api_base (any name not in `kKnownProviders`): an
/// OpenAI-compatible server. Its name is empty (errors name the ApiInfo's `backend_used`); it
/// needs no key (local servers), has no default base, asks for neither stream usage nor base64
/// embeddings (not every server knows them), and reads errors of any shape.
inline constexpr ProviderSpec kOpenAICompatible{"",
                                                WireProtocol::openai,
                                                "",
                                                false,
                                                "",
                                                /*stream_usage=*/false,
                                                /*base64_embeddings=*/false,
                                                /*body_passthrough=*/true,
                                                ErrorShape::any};

/// The spec of a backend known by name, or nullptr.
constexpr const ProviderSpec* find_provider(std::string_view backend_used) noexcept {
  for (const auto& spec : kKnownProviders) {
    if (spec.name == backend_used) return &spec;
  }
  return nullptr;
}

/// The spec of a backend: its entry in `kKnownProviders`, or `kOpenAICompatible` for any other
/// name. What the library does with a backend is asked here.
constexpr const ProviderSpec& spec_for(std::string_view backend_used) noexcept {
  const ProviderSpec* spec = find_provider(backend_used);
  return spec != nullptr ? *spec : kOpenAICompatible;
}

/// The protocol's own backend: the first known backend that speaks it ("openai", "azure",
/// "anthropic"). Names the provider when no ApiInfo says which backend is meant.
constexpr const ProviderSpec& spec_for(WireProtocol protocol) noexcept {
  for (const auto& spec : kKnownProviders) {
    if (spec.protocol == protocol) return spec;
  }
  return kOpenAICompatible;
}

/// The protocol for a backend name: its spec's, or OpenAI-compatible for unknown names.
constexpr WireProtocol protocol_of(std::string_view backend_used) noexcept {
  return spec_for(backend_used).protocol;
}

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
