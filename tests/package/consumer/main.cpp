// A program outside the library: it sees only the installed headers and the pinned signatures.
#include <litellm/litellm.hpp>

#include <iostream>
#include <vector>

int main() {
  const litellm::json config = litellm::json::parse(R"([
    {"backend_used": "openai", "api_version": null, "api_key": "sk-consumer-0000000000000000",
     "api_base": null},
    {"backend_used": "anthropic", "api_key": "sk-ant-consumer-111111111111"}])");
  const auto api_infos = config.get<std::vector<litellm::ApiInfo>>();
  for (const auto& info : api_infos) info.validate();

  const std::vector<litellm::json> chunks = {
      litellm::json::parse(
          R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]})"),
      litellm::json::parse(
          R"({"choices":[{"index":1,"delta":{"role":"assistant","content":"Bye"}}]})"),
      litellm::json::parse(
          R"({"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]})"),
  };
  const std::vector<litellm::json> messages = litellm::merge_streams(chunks, 2);
  std::cout << "litellm " << litellm::kVersion << ": " << api_infos.size() << " api_infos ("
            << api_infos[0] << "), messages " << litellm::json(messages).dump() << "\n";
  const bool ok = messages.size() == 2 && messages[0]["content"] == "Hello" &&
                  messages[1]["content"] == "Bye" && messages[0]["role"] == "assistant";
  return ok ? 0 : 1;
}
