// Streams an answer to the terminal as it arrives, then prints the accumulated completion's
// finish reason and usage.
#include <iostream>

#include "example_support.hpp"

int main() {
  return example::run([] {
    litellm::LiteLLMBackend backend(example::api_infos(), example::model(),
                                    {{"wait_time_per_key", 0}});
    const litellm::json completion = backend.completion(
        {{"messages", example::user("Explain server-sent events in three sentences.")}},
        [](const litellm::json& chunk) {
          for (const auto& choice : chunk["choices"]) {
            const auto content = choice["delta"].value("content", litellm::json());
            if (content.is_string()) std::cout << content.get<std::string>() << std::flush;
          }
          return true;  // false would cancel the stream
        });
    std::cout << "\n[finish_reason " << completion["choices"][0]["finish_reason"] << ", usage "
              << completion.value("usage", litellm::json()).dump() << "]\n";
  });
}
