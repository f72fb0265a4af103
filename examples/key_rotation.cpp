// The main demo: several keys, each used at most once per wait_time_per_key, with every answer
// streamed to the terminal and the key that served it shown. Ends with the pool's per-key state.
#include <chrono>
#include <iostream>

#include "example_support.hpp"

int main() {
  return example::run([] {
    const auto infos = example::api_infos();
    // One second between two uses of a key: with three keys, three calls a second at most.
    litellm::BackendOptions options;
    options.logger = [](litellm::LogLevel level, const std::string& message) {
      std::cerr << "  [" << litellm::to_string(level) << "] " << message << "\n";
    };
    litellm::LiteLLMBackend backend(infos, example::model(), {{"wait_time_per_key", 1}}, options);
    const auto start = std::chrono::steady_clock::now();
    const char* questions[] = {"What is a key pool?",         "Why rotate API keys?",
                               "What does Retry-After mean?", "What is HTTP keep-alive?",
                               "What is an SSE stream?",      "Why use a steady clock?"};
    for (const char* question : questions) {
      // get_key() shows the rotation; completion() takes its own key from the same pool.
      const auto snapshot_before = backend.key_pool().snapshot();
      std::string used;
      const litellm::json completion = backend.completion(
          {{"messages", example::user(question)}, {"max_tokens", 12}},
          [&](const litellm::json& chunk) {
            if (used.empty()) {
              const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::steady_clock::now() - start)
                                  .count();
              // The key whose use count went up is the one serving this call.
              const auto now = backend.key_pool().snapshot();
              for (std::size_t i = 0; i < now.size(); ++i) {
                if (now[i].uses > snapshot_before[i].uses) used = now[i].key_id;
              }
              std::cout << "t=" << ms << "ms key " << used << ": ";
            }
            for (const auto& choice : chunk["choices"]) {
              const auto content = choice["delta"].value("content", litellm::json());
              if (content.is_string()) std::cout << content.get<std::string>() << std::flush;
            }
            return true;
          });
      std::cout << " [" << completion["choices"][0]["finish_reason"].get<std::string>() << "]\n";
    }
    std::cout << "\nper-key state:\n";
    for (const auto& state : backend.key_pool().snapshot()) {
      std::cout << "  " << litellm::json(state).dump() << "\n";
    }
  });
}
