// Google's Gemini through its native API (backend "gemini"): a plain answer, a streamed one with
// the model's thoughts kept apart, and embeddings, all in OpenAI's format.
//
// Keys: GEMINI_API_KEY (or GOOGLE_API_KEY); with LITELLM_EXAMPLE_BASE set (examples/run-demo.sh),
// the bundled provider simulator's Gemini API instead. The model is LITELLM_EXAMPLE_MODEL, else
// gemini-2.5-flash; the embedding model LITELLM_EXAMPLE_EMBEDDING_MODEL, else
// gemini-embedding-001.
#include <iostream>

#include "example_support.hpp"

namespace {

/// Two Gemini keys on the simulator, else the Gemini key in the environment.
std::vector<litellm::ApiInfo> gemini_api_infos() {
  if (const std::string base = example::simulator_base(); !base.empty()) {
    return {{"gemini", std::nullopt, "sk-demo-key-0001-aaaaaaaa", base},
            {"gemini", std::nullopt, "sk-demo-key-0002-bbbbbbbb", base}};
  }
  const std::string key = example::env("GEMINI_API_KEY", example::env("GOOGLE_API_KEY"));
  if (key.empty()) {
    std::cerr << "No Gemini key found. Set GEMINI_API_KEY, or run examples/run-demo.sh to use "
                 "the bundled provider simulator.\n";
    std::exit(2);
  }
  // api_base (here: GEMINI_API_BASE when set) replaces https://generativelanguage.googleapis.com.
  const std::string base = example::env("GEMINI_API_BASE");
  return {{"gemini", std::nullopt, key,
           base.empty() ? std::nullopt : std::optional<std::string>(base)}};
}

}  // namespace

int main() {
  return example::run([] {
    const std::vector<litellm::ApiInfo> infos = gemini_api_infos();
    litellm::LiteLLMBackend chat(infos, example::env("LITELLM_EXAMPLE_MODEL", "gemini-2.5-flash"),
                                 {{"wait_time_per_key", 0}});

    // Plain: system messages become systemInstruction, temperature goes into generationConfig.
    const litellm::json answer =
        chat.completion({{"messages",
                          {{{"role", "system"}, {"content", "Answer in one sentence."}},
                           {{"role", "user"}, {"content", "What is a tokenizer?"}}}},
                         {"temperature", 0.2}});
    std::cout << answer["choices"][0]["message"]["content"] << "\n[finish_reason "
              << answer["choices"][0]["finish_reason"] << ", usage " << answer["usage"].dump()
              << "]\n";

    // Streamed: thought parts (when the model sends them) arrive as reasoning_content.
    const litellm::json streamed = chat.completion(
        {{"messages", example::user("Name three prime numbers.")},
         {"generationConfig", {{"thinkingConfig", {{"includeThoughts", true}}}}}},
        [](const litellm::json& chunk) {
          for (const auto& choice : chunk["choices"]) {
            const auto& delta = choice["delta"];
            if (delta.contains("reasoning_content")) {
              std::cout << "[thought] " << delta["reasoning_content"].get<std::string>() << "\n";
            }
            const auto content = delta.value("content", litellm::json());
            if (content.is_string()) std::cout << content.get<std::string>() << std::flush;
          }
          return true;
        });
    std::cout << "\n[finish_reason " << streamed["choices"][0]["finish_reason"] << "]\n";

    // Embeddings: batchEmbedContents, answered in OpenAI's embedding format.
    litellm::LiteLLMBackend embed(
        infos, example::env("LITELLM_EXAMPLE_EMBEDDING_MODEL", "gemini-embedding-001"),
        {{"wait_time_per_key", 0}, {"embeddings_call", true}});
    const litellm::json vectors =
        embed.embedding({{"input", {"first text", "second text"}}, {"dimensions", 8}});
    for (const auto& item : vectors["data"]) {
      std::cout << "embedding " << item["index"] << ": " << item["embedding"].size()
                << " floats, first " << item["embedding"][0] << "\n";
    }
  });
}
