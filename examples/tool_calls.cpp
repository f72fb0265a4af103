// Tool calling: the model asks for a function, we run it locally and send the result back for the
// final answer. The same OpenAI-format messages work with Anthropic (translated both ways).
#include <iostream>

#include "example_support.hpp"

namespace {

litellm::json get_weather(const litellm::json& arguments) {
  return {{"city", arguments.value("city", "?")}, {"temperature_c", 18}, {"sky", "cloudy"}};
}

}  // namespace

int main() {
  return example::run([] {
    litellm::LiteLLMBackend backend(example::api_infos(), example::model(),
                                    {{"wait_time_per_key", 0}});
    const litellm::json tools = litellm::json::array({{
        {"type", "function"},
        {"function",
         {{"name", "get_weather"},
          {"description", "The current weather in a city"},
          {"parameters",
           {{"type", "object"},
            {"properties", {{"city", {{"type", "string"}}}}},
            {"required", {"city"}}}}}},
    }});
    litellm::json messages = example::user("What is the weather in Lausanne?");
    const litellm::json first = backend.completion({{"messages", messages}, {"tools", tools}});
    const litellm::json& reply = first["choices"][0]["message"];
    messages.push_back(reply);
    for (const auto& call : reply.value("tool_calls", litellm::json::array())) {
      const auto arguments = litellm::json::parse(call["function"]["arguments"].get<std::string>());
      std::cout << "model calls " << call["function"]["name"].get<std::string>() << "("
                << arguments.dump() << ")\n";
      messages.push_back({{"role", "tool"},
                          {"tool_call_id", call["id"]},
                          {"content", get_weather(arguments).dump()}});
    }
    const litellm::json second = backend.completion({{"messages", messages}, {"tools", tools}});
    std::cout << "answer: " << second["choices"][0]["message"]["content"].get<std::string>()
              << "\n";
  });
}
