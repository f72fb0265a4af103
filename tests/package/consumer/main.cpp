// A program outside the library: it sees only the installed headers and the pinned signatures.
// Built twice, against litellm::litellm and against litellm::litellm_header_only.
#include <litellm/fake_transport.hpp>
#include <litellm/litellm.hpp>

#include <iostream>
#include <vector>

namespace {

// A completion through the whole call path (key pool, adapter, sink), on a scripted transport.
bool completion_works() {
  litellm::BackendOptions options;
  auto transport = std::make_shared<litellm::FakeTransport>();
  options.transport = transport;
  transport->push(litellm::FakeResponse::json_body(R"({"id":"chatcmpl-1","object":"chat.completion",
    "created":1,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant",
    "content":"Hi there"},"finish_reason":"stop"}]})"));
  litellm::LiteLLMBackend backend({{"openai", std::nullopt, "sk-consumer-0000000000000000",
                                    std::string("http://127.0.0.1:9/v1")}},
                                  "gpt-4o", litellm::json{{"wait_time_per_key", 0}}, options);
  const litellm::json reply =
      backend.completion({{"messages", {{{"role", "user"}, {"content", "Hi"}}}}});
  return reply["choices"][0]["message"]["content"] == "Hi there";
}

// libcurl is linked and its errors arrive typed: nothing listens on port 9 of 127.0.0.1.
bool connection_error_is_typed() {
  litellm::BackendOptions options;
  options.retry.max_attempts = 1;
  litellm::LiteLLMBackend backend({{"openai", std::nullopt, "sk-consumer-0000000000000000",
                                    std::string("http://127.0.0.1:9/v1")}},
                                  "gpt-4o", litellm::json{{"wait_time_per_key", 0}}, options);
  try {
    backend.completion({{"messages", {{{"role", "user"}, {"content", "Hi"}}}}});
  } catch (const litellm::ConnectionError& e) {
    return e.kind() == litellm::ErrorKind::connection;
  }
  return false;
}

}  // namespace

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
  const bool completed = completion_works();
  const bool typed = connection_error_is_typed();
  std::cout << "litellm " << litellm::kVersion << ": " << api_infos.size() << " api_infos ("
            << api_infos[0] << "), messages " << litellm::json(messages).dump() << ", completion "
            << (completed ? "ok" : "FAILED") << ", connection error "
            << (typed ? "typed" : "NOT TYPED") << "\n";
  const bool ok = messages.size() == 2 && messages[0]["content"] == "Hello" &&
                  messages[1]["content"] == "Bye" && messages[0]["role"] == "assistant";
  return ok && completed && typed ? 0 : 1;
}
