// What every example shares: where to send requests.
//
// - With LITELLM_EXAMPLE_BASE set (examples/run-demo.sh sets it to the bundled provider simulator),
//   three demo keys on that server.
// - Otherwise the real services whose keys are in the environment (OPENAI_API_KEY,
//   ANTHROPIC_API_KEY, AZURE_API_KEY + AZURE_API_BASE + AZURE_API_VERSION, GROQ_API_KEY, ...).
// The model is LITELLM_EXAMPLE_MODEL, else a small model per backend (Azure: AZURE_DEPLOYMENT).
#pragma once

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <litellm/litellm.hpp>

namespace example {

inline std::string env(const char* name, const std::string& fallback = "") {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

/// The simulator's base URL, or "" when the examples call real services.
inline std::string simulator_base() {
  return env("LITELLM_EXAMPLE_BASE");
}

/// The keys to use. Exits with instructions when there are none.
inline std::vector<litellm::ApiInfo> api_infos() {
  if (const std::string base = simulator_base(); !base.empty()) {
    std::vector<litellm::ApiInfo> infos;
    for (const char* key :
         {"sk-demo-key-0001-aaaaaaaa", "sk-demo-key-0002-bbbbbbbb", "sk-demo-key-0003-cccccccc"}) {
      infos.push_back({"openai", std::nullopt, key, base + "/v1"});
    }
    return infos;
  }
  std::vector<litellm::ApiInfo> infos = litellm::api_infos_from_env();
  if (infos.empty()) {
    std::cerr << "No API key found. Set OPENAI_API_KEY, ANTHROPIC_API_KEY or AZURE_API_KEY "
                 "(with AZURE_API_BASE and AZURE_API_VERSION), or run examples/run-demo.sh to "
                 "use the bundled provider simulator.\n";
    std::exit(2);
  }
  return infos;
}

/// One key per provider: on the simulator OpenAI, Azure and Anthropic (each over its own wire
/// format); otherwise every provider configured in the environment.
inline std::vector<litellm::ApiInfo> provider_api_infos() {
  if (const std::string base = simulator_base(); !base.empty()) {
    return {{"openai", std::nullopt, "sk-demo-key-0001-aaaaaaaa", base + "/v1"},
            {"azure", std::string("2024-10-21"), "sk-demo-key-0002-bbbbbbbb", base},
            {"anthropic", std::nullopt, "sk-demo-key-0003-cccccccc", base}};
  }
  return api_infos();
}

/// The model per backend.
inline litellm::ModelName model() {
  if (const std::string model = env("LITELLM_EXAMPLE_MODEL"); !model.empty()) return model;
  return std::map<std::string, std::string>{
      {"openai", "gpt-4o-mini"},
      {"azure", env("AZURE_DEPLOYMENT", "gpt-4o-mini")},
      {"anthropic", "claude-3-5-haiku-latest"},
      {"groq", "llama-3.1-8b-instant"},
      {"mistral", "mistral-small-latest"},
      {"deepseek", "deepseek-chat"},
      {"gemini", "gemini-2.5-flash"},
      {"gemini_openai", "gemini-2.5-flash"},
      {"openrouter", "openai/gpt-4o-mini"},
      {"together_ai", "meta-llama/Llama-3.3-70B-Instruct-Turbo"},
      {"fireworks_ai", "accounts/fireworks/models/llama-v3p1-8b-instruct"},
      {"xai", "grok-3-mini"},
  };
}

/// One user message.
inline litellm::json user(const std::string& text) {
  return litellm::json::array({{{"role", "user"}, {"content", text}}});
}

/// Runs `body`, printing a litellm::Error's details instead of terminating.
template <class Body>
int run(Body&& body) {
  try {
    body();
    return 0;
  } catch (const litellm::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    if (const litellm::json* partial = e.partial()) {
      std::cerr << "partial result: " << partial->dump() << "\n";
    }
    return 1;
  }
}

}  // namespace example
