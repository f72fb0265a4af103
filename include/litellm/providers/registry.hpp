/// @file
/// The backends the library knows by name: which wire protocol each speaks, its default base URL,
/// whether it needs a key, and where the environment keeps that key.
///
/// Any other `backend_used` name is accepted when its ApiInfo has an `api_base`, and is spoken
/// to as an OpenAI-compatible server.
#pragma once

#include "litellm/config.hpp"
#if defined(LITELLM_HEADER_ONLY) && !defined(LITELLM_DETAIL_IN_HEADER)
#define LITELLM_DETAIL_IN_HEADER
#define LITELLM_DETAIL_OUTERMOST_PROVIDERS_REGISTRY_HPP
#endif

#include <array>
#include <string_view>

namespace litellm {

/// The HTTP dialect a backend speaks.
enum class WireProtocol {
  openai,     ///< OpenAI and every OpenAI-compatible server: `{base}/chat/completions`, Bearer.
  azure,      ///< Azure OpenAI: deployment paths, `api-version` query, `api-key` header.
  anthropic,  ///< Anthropic Messages API: `{base}/v1/messages`, `x-api-key`.
};

/// What the library knows about one named backend.
struct LITELLM_API ProviderSpec {
  std::string_view name;              ///< The `backend_used` value ("openai", "groq", ...).
  WireProtocol protocol;              ///< The dialect it speaks.
  std::string_view default_api_base;  ///< Used when ApiInfo has no api_base; empty: required.
  bool requires_key;                  ///< False for local servers (ollama, vllm, ...).
  std::string_view key_env;           ///< The environment variable that usually holds its key.
};

/// Every backend known by name. Order is documentation order.
inline constexpr std::array<ProviderSpec, 15> kKnownProviders{{
    {"openai", WireProtocol::openai, "https://api.openai.com/v1", true, "OPENAI_API_KEY"},
    {"azure", WireProtocol::azure, "", true, "AZURE_API_KEY"},
    {"anthropic", WireProtocol::anthropic, "https://api.anthropic.com", true, "ANTHROPIC_API_KEY"},
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
    {"gemini", WireProtocol::openai, "https://generativelanguage.googleapis.com/v1beta/openai",
     true, "GEMINI_API_KEY"},
    {"ollama", WireProtocol::openai, "http://localhost:11434/v1", false, ""},
    {"vllm", WireProtocol::openai, "http://localhost:8000/v1", false, ""},
    {"llamacpp", WireProtocol::openai, "http://localhost:8080/v1", false, ""},
    {"lm_studio", WireProtocol::openai, "http://localhost:1234/v1", false, ""},
}};

/// The spec of a backend known by name, or nullptr.
constexpr const ProviderSpec* find_provider(std::string_view backend_used) noexcept {
  for (const auto& spec : kKnownProviders) {
    if (spec.name == backend_used) return &spec;
  }
  return nullptr;
}

/// The protocol for a backend name: its spec's, or OpenAI-compatible for unknown names.
constexpr WireProtocol protocol_of(std::string_view backend_used) noexcept {
  const ProviderSpec* spec = find_provider(backend_used);
  return spec ? spec->protocol : WireProtocol::openai;
}

}  // namespace litellm

// Header-only mode: the outermost litellm header, once complete, brings the definitions.
#ifdef LITELLM_DETAIL_OUTERMOST_PROVIDERS_REGISTRY_HPP
#undef LITELLM_DETAIL_OUTERMOST_PROVIDERS_REGISTRY_HPP
#undef LITELLM_DETAIL_IN_HEADER
#include "litellm/impl/header_only.hpp"
#endif
