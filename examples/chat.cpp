// One chat completion per configured provider: each answer comes back as an OpenAI
// chat.completion, whatever the provider speaks.
#include <iostream>

#include "example_support.hpp"

int main() {
  return example::run([] {
    for (const litellm::ApiInfo& info : example::provider_api_infos()) {
      litellm::LiteLLMBackend backend({info}, example::model(),
                                      {{"wait_time_per_key", 0}, {"temperature", 0.2}});
      const litellm::json completion = backend.completion(
          {{"messages", example::user("Write a haiku about connection pooling.")},
           {"max_tokens", 40}});
      const auto& choice = completion["choices"][0];
      std::cout << "[" << info.backend_used << "] "
                << choice["message"]["content"].get<std::string>() << "\n"
                << "  finish_reason " << choice["finish_reason"] << ", usage "
                << completion.value("usage", litellm::json()).dump() << "\n";
    }
  });
}
