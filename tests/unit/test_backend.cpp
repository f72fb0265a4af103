// LiteLLMBackend against the fake transport: request shapes, return shapes, rotation and retry on
// every failure class, partial results, redaction (over the project's sample answers,
// samples.hpp), and every recorded stream replayed in pieces (the [shared-data] cases, which read
// other projects' recordings from LITELLM_TEST_DATA_DIR).
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "fake_harness.hpp"
#include "fake_responses.hpp"
#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "litellm/merge.hpp"
#include "litellm/providers/provider.hpp"
#include "requests.hpp"
#include "samples.hpp"
#include "sse_reading.hpp"
#include "stream_collector.hpp"
#include "text.hpp"
#include "vectors.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

/// The key a request carried, whatever its provider's header.
std::string request_key(const HttpRequest& request) {
  if (const std::string* auth = request.headers.find("authorization")) return auth->substr(7);
  if (const std::string* key = request.headers.find("api-key")) return *key;
  if (const std::string* key = request.headers.find("x-api-key")) return *key;
  return "";
}

/// What a stream's events make, without the backend and transport: parser -> translator ->
/// accumulator on the whole body.
json accumulate_directly(const std::string& body, const ProviderAdapter& adapter, int n = 1) {
  return translate_stream(body, *adapter.stream_translator(), n).completion;
}

/// A completion without the fields that legitimately differ between runs (Anthropic's created).
json stable(json completion) {
  completion.erase("created");
  return completion;
}

}  // namespace

TEST_CASE("an OpenAI completion request has the URL, bearer key, model and parameters") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)}, "openai/gpt-4o-mini",
                           json{{"wait_time_per_key", 0}, {"temperature", 0.1}});
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());
  const HttpRequest request = h.transport->requests().at(0);
  CHECK(request.url == "https://api.test/v1/chat/completions");
  CHECK(request.headers.value("authorization") == "Bearer " + kKeyA);
  CHECK_FALSE(request.stream);
  const json body = json::parse(request.body);
  CHECK(body["model"] == "gpt-4o-mini");  // provider prefix stripped
  CHECK(body["temperature"] == 0.1);
  CHECK(body["messages"] == user_messages());
  CHECK_FALSE(body.contains("stream"));
}

TEST_CASE("parameters: defaults < call parameters < what the ApiInfo fixes") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)}, "gpt-4o",
                           json{{"wait_time_per_key", 0}, {"temperature", 0.1}, {"top_p", 0.5}});
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  json params = chat_params();
  params["temperature"] = 0.7;
  params["model"] = "not-this-one";
  params["api_base"] = "https://elsewhere.example/v1";
  params["api_key"] = "sk-not-this-key-000000000000";
  backend.completion(params);
  const HttpRequest request = h.transport->requests().at(0);
  const json body = json::parse(request.body);
  CHECK(body["temperature"] == 0.7);
  CHECK(body["top_p"] == 0.5);
  CHECK(body["model"] == "gpt-4o");
  CHECK_FALSE(body.contains("api_base"));
  CHECK_FALSE(body.contains("api_key"));
  CHECK(request.url == "https://api.test/v1/chat/completions");
  CHECK(request_key(request) == kKeyA);
}

TEST_CASE("an Azure request names the encoded deployment, the api-version and the api-key header") {
  FakeHarness h;
  const ApiInfo azure{"azure", std::string("2024-10-21"), kKeyA,
                      std::string("https://res.openai.azure.com/")};
  auto backend = h.backend({azure}, "azure/my deployment");
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());
  const HttpRequest request = h.transport->requests().at(0);
  CHECK(request.url ==
        "https://res.openai.azure.com/openai/deployments/my%20deployment/chat/completions"
        "?api-version=2024-10-21");
  CHECK(request.headers.value("api-key") == kKeyA);
  CHECK_FALSE(request.headers.contains("authorization"));
}

TEST_CASE("an Anthropic request goes to /v1/messages with x-api-key and anthropic-version") {
  FakeHarness h;
  const ApiInfo anthropic{"anthropic", std::nullopt, kKeyA, std::nullopt};
  auto backend = h.backend({anthropic}, "anthropic/claude-sonnet-4");
  h.transport->push(FakeResponse::json_body(sample_anthropic_message()));
  const json completion = backend.completion(chat_params());
  const HttpRequest request = h.transport->requests().at(0);
  CHECK(request.url == "https://api.anthropic.com/v1/messages");
  CHECK(request.headers.value("x-api-key") == kKeyA);
  CHECK(request.headers.value("anthropic-version") == "2023-06-01");
  CHECK(json::parse(request.body)["model"] == "claude-sonnet-4");
  CHECK(completion["object"] == "chat.completion");
  CHECK(completion["choices"][0]["message"]["role"] == "assistant");
}

TEST_CASE("a model map picks the model of the chosen key's backend") {
  FakeHarness h;
  const ApiInfo azure{"azure", std::string("2024-10-21"), kKeyB,
                      std::string("https://r.azure.test")};
  auto backend =
      h.backend({openai_key(kKeyA), azure}, json{{"openai", "gpt-4o"}, {"azure", "my-deployment"}});
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());
  backend.completion(chat_params());
  const auto requests = h.transport->requests();
  CHECK(json::parse(requests[0].body)["model"] == "gpt-4o");
  CHECK(contains(requests[1].url, "/deployments/my-deployment/"));
}

TEST_CASE("a model map without the chosen key's backend is a ConfigError that keeps the key") {
  FakeHarness h;
  const ApiInfo anthropic{"anthropic", std::nullopt, kKeyB, std::nullopt};
  auto backend = h.backend({anthropic, openai_key(kKeyA)}, json{{"openai", "gpt-4o"}});
  CHECK_THROWS_AS(backend.completion(chat_params()), ConfigError);
  CHECK(backend.key_pool().snapshot()[0].uses == 0);
  CHECK(backend.key_pool().snapshot()[0].in_flight == 0);
  CHECK(h.transport->requests().empty());
}

TEST_CASE("operator() returns the choices' messages, as the Python __call__ does") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::json_body(sample_chat_completion(3)));
  const json messages = backend(json{{"messages", user_messages()}, {"n", 3}});
  REQUIRE(messages.is_array());
  REQUIRE(messages.size() == 3);
  for (const json& message : messages) {
    CHECK(message["role"] == "assistant");
    CHECK(message["content"].is_string());
  }
}

TEST_CASE("operator() with stream returns merge_streams' messages, one per choice") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  test::SampleStream three;
  three.n = 3;
  three.usage = true;
  const std::string body = test::sample_stream_sse(three);
  h.transport->push(FakeResponse::event_stream(body, 64));
  const json messages = backend(json{{"messages", user_messages()}, {"n", 3}, {"stream", true}});
  REQUIRE(messages.size() == 3);
  const json direct = accumulate_directly(body, adapter_for(WireProtocol::openai), 3);
  for (int i = 0; i < 3; ++i) CHECK(messages[i] == direct["choices"][i]["message"]);
  CHECK(json::parse(h.transport->requests()[0].body)["stream"] == true);
}

TEST_CASE("operator() with embeddings_call returns the data list") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)}, "text-embedding-3-large",
                           json{{"wait_time_per_key", 0}, {"embeddings_call", true}});
  h.transport->push(FakeResponse::json_body(test::sample_embedding_response(256)));
  const json data = backend(json{{"input", "hello"}});
  REQUIRE(data.is_array());
  CHECK(data[0]["embedding"].size() == 256);
  CHECK(h.transport->requests()[0].url == "https://api.test/v1/embeddings");
}

TEST_CASE("base64 embeddings decode to the same floats as the float answer", "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)}, "text-embedding-3-large");
  h.transport->push(FakeResponse::json_body(vector_file("openai/embeddings_base64.json")));
  const json decoded = backend.embedding(json{{"input", "hello"}, {"encoding_format", "base64"}});
  const json floats = json::parse(vector_file("openai/embeddings_float.json"));
  const json& a = decoded["data"][0]["embedding"];
  const json& b = floats["data"][0]["embedding"];
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].get<double>() == Approx(b[i].get<double>()).epsilon(1e-6).margin(1e-9));
  }
}

TEST_CASE("every recorded OpenAI and Azure stream yields the same completion in any pieces",
          "[shared-data]") {
  const std::vector<std::pair<std::string, bool>> files = {
      {"openai/stream_text.sse", false},
      {"openai/stream_text_usage.sse", false},
      {"openai/stream_n3_json.sse", false},
      {"openai/stream_n3_usage.sse", false},
      {"openai/stream_length.sse", false},
      {"openai/stream_logprobs.sse", false},
      {"openai/stream_long_json.sse", false},
      {"openai/stream_refusal.sse", false},
      {"openai/stream_refusal_logprobs.sse", false},
      {"openai/stream_tool_call.sse", false},
      {"openai/stream_tool_call_gpt35.sse", false},
      {"openai/stream_tool_call_strict.sse", false},
      {"openai/stream_parallel_tool_calls.sse", false},
      {"openai/stream_parallel_tool_calls_usage.sse", false},
      {"openai/stream_tools_function_calls.sse", false},
      {"azure/stream_content_filter_gpt35.sse", true},
      {"azure/stream_content_filter_gpt41mini.sse", true},
      {"azure/stream_gpt4o_quarkus.sse", true},
  };
  for (const auto& [file, azure] : files) {
    const std::string body = vector_file(file);
    const ApiInfo info = azure ? ApiInfo{"azure", std::string("2024-10-21"), kKeyA,
                                         std::string("https://r.azure.test")}
                               : openai_key(kKeyA);
    const json expected = accumulate_directly(body, adapter_for(info), 1);
    // The chunks as sent: the callback sees each one whole, nothing left over from the last.
    const std::vector<json> sent = sse_chunks(body);
    for (const std::size_t piece : {std::size_t{1}, std::size_t{97}, std::size_t{0}}) {
      INFO(file << " in pieces of " << piece);
      FakeHarness h;
      auto backend = h.backend({info});
      h.transport->push(FakeResponse::event_stream(body, piece));
      std::vector<json> seen;
      const json completion = backend.completion(chat_params(), [&](const json& chunk) {
        seen.push_back(chunk);
        return true;
      });
      CHECK(completion == expected);
      CHECK(seen == sent);
    }
  }
}

TEST_CASE("recorded streams yield the content they carry", "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::event_stream(vector_file("openai/stream_tool_call.sse"), 5));
  const json completion = backend.completion(chat_params(), [](const json&) { return true; });
  const json& message = completion["choices"][0]["message"];
  CHECK(message["content"].is_null());
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0]["function"]["name"] == "GetWeatherArgs");
  CHECK(json::parse(message["tool_calls"][0]["function"]["arguments"].get<std::string>()) ==
        json{{"city", "Edinburgh"}, {"country", "UK"}, {"units", "c"}});
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
}

TEST_CASE("every recorded Anthropic stream yields the same completion in any pieces",
          "[shared-data]") {
  const ApiInfo anthropic{"anthropic", std::nullopt, kKeyA, std::nullopt};
  for (const char* file :
       {"anthropic/basic_response.sse", "anthropic/tool_use_response.sse",
        "anthropic/recorded_tools_stream.sse", "anthropic/recorded_thinking_stream.sse",
        "anthropic/recorded_prompt_caching_stream.sse",
        "anthropic/recorded_tool_runner_stream_0.sse",
        "anthropic/recorded_tool_runner_stream_1.sse", "anthropic/refusal_response.sse",
        "anthropic/incomplete_partial_json_response.sse"}) {
    const std::string body = vector_file(file);
    const json expected = stable(accumulate_directly(body, adapter_for(anthropic), 1));
    for (const std::size_t piece : {std::size_t{1}, std::size_t{61}}) {
      INFO(file << " in pieces of " << piece);
      FakeHarness h;
      auto backend = h.backend({anthropic}, "claude");
      h.transport->push(FakeResponse::event_stream(body, piece));
      const json completion = backend.completion(chat_params(), [](const json&) { return true; });
      CHECK(stable(completion) == expected);
    }
  }
}

TEST_CASE("chunks reach the callback in arrival order, before the stream ends") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  const std::string body = sample_stream_sse();
  FakeResponse response = FakeResponse::event_stream(body, 1);
  h.transport->push(response);
  StreamCollector collector;
  const json completion = backend.completion(chat_params(), collector.callback());
  CHECK(collector.chunks == 33);  // 34 events, the last one [DONE]
  CHECK(collector.text == test::sample_text(0));
  CHECK(collector.text == completion["choices"][0]["message"]["content"]);
}

TEST_CASE("a server error is retried on the key the pool chooses next") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->push(openai_error(500, "server_error", "", "boom"));
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  const json completion = backend.completion(chat_params());
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(request_key(requests[0]) == kKeyA);
  CHECK(request_key(requests[1]) == kKeyB);
  CHECK(backend.key_pool().snapshot()[0].failures == 1);
  CHECK(backend.key_pool().snapshot()[1].successes == 1);
}

TEST_CASE("a rate-limited key cools down and the call moves to the other key at once") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  FakeResponse limited = rate_limited();
  limited.headers.add("retry-after", "30");
  h.transport->push(limited);
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());
  const auto snapshot = backend.key_pool().snapshot();
  CHECK(snapshot[0].rate_limits == 1);
  CHECK(snapshot[0].cooldown_left > 29s);
  CHECK(request_key(h.transport->requests()[1]) == kKeyB);
}

TEST_CASE("a rejected key leaves the rotation and the call succeeds on the next key") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->push(rejected_key());
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());
  const auto snapshot = backend.key_pool().snapshot();
  CHECK_FALSE(snapshot[0].in_rotation);
  CHECK(contains(snapshot[0].disabled_reason, "invalid_api_key"));
  CHECK(snapshot[1].in_rotation);
  // Later calls skip the rejected key.
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());
  CHECK(request_key(h.transport->requests()[2]) == kKeyB);
}

TEST_CASE("an exhausted quota takes the key out of rotation") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->push(exhausted_quota());
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());
  CHECK_FALSE(backend.key_pool().snapshot()[0].in_rotation);
}

TEST_CASE("when every key is rejected the call fails with the reasons and no key") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  for (int i = 0; i < 2; ++i) {
    h.transport->push(openai_error(401, "invalid_request_error", "invalid_api_key",
                                   "Incorrect API key " + kKeyA));
  }
  try {
    backend.completion(chat_params());
    FAIL("no exception");
  } catch (const AuthError& e) {
    const std::string what = e.what();
    CHECK(contains(what, "all 2 keys are out of rotation"));
    CHECK_FALSE(contains(what, kKeyA));
    CHECK_FALSE(contains(what, kKeyB));
  }
}

TEST_CASE("a bad request is not retried") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->push(openai_error(400, "invalid_request_error", "", "messages must not be empty"));
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  CHECK_THROWS_AS(backend.completion(chat_params()), BadRequestError);
  CHECK(h.transport->requests().size() == 1);
}

TEST_CASE("retries stop after max_attempts with the last error and its attempt count") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  for (int i = 0; i < 5; ++i) {
    h.transport->push(openai_error(503, "server_error", "", "boom"));
  }
  try {
    backend.completion(chat_params());
    FAIL("no exception");
  } catch (const ServerError& e) {
    CHECK(e.http_status() == 503);
    CHECK(e.details().attempts == 3);
    CHECK(e.provider() == "openai");
    CHECK(e.details().key_id == make_unique_api_info_key(openai_key(kKeyA)));
  }
  CHECK(h.transport->requests().size() == 3);
}

TEST_CASE("a Retry-After longer than max_retry_after ends the call instead of waiting") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  FakeResponse unavailable = openai_error(503, "server_error", "", "busy");
  unavailable.headers.add("retry-after", "3600");
  h.transport->push(unavailable);
  CHECK_THROWS_AS(backend.completion(chat_params()), ServerError);
  CHECK(h.transport->requests().size() == 1);
}

TEST_CASE("a connection failure or timeout before the response is retried") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  FakeResponse reset;
  reset.fail_before_headers = true;
  FakeResponse timeout;
  timeout.fail_before_headers = true;
  timeout.fail_as_timeout = true;
  h.transport->push(reset);
  h.transport->push(timeout);
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  CHECK_NOTHROW(backend.completion(chat_params()));
  CHECK(h.transport->requests().size() == 3);
}

TEST_CASE("a stream cut after chunks reached the caller is a StreamError with the partial text") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  FakeResponse cut = FakeResponse::event_stream(sample_stream_sse(), 50);
  cut.fail_after_bytes = 3000;
  h.transport->push(cut);
  h.transport->push(FakeResponse::event_stream(sample_stream_sse()));
  std::string seen;
  try {
    backend.completion(chat_params(), [&](const json& chunk) {
      seen += delta_text(chunk);
      return true;
    });
    FAIL("no exception");
  } catch (const StreamError& e) {
    REQUIRE(e.partial() != nullptr);
    const json& content = (*e.partial())["choices"][0]["message"]["content"];
    REQUIRE(content.is_string());
    CHECK(content.get<std::string>() == seen);
    CHECK(!seen.empty());
  }
  CHECK(h.transport->requests().size() == 1);  // never retried once the caller saw chunks
}

TEST_CASE("a stream cut before any chunk is retried") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  FakeResponse cut = FakeResponse::event_stream(sample_stream_sse());
  cut.fail_after_bytes = 10;  // inside the first event
  h.transport->push(cut);
  h.transport->push(FakeResponse::event_stream(sample_stream_sse()));
  const json completion = backend.completion(chat_params(), [](const json&) { return true; });
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(h.transport->requests().size() == 2);
}

TEST_CASE("a stream that ends without its terminator is a StreamError carrying what arrived") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  std::string body = sample_stream_sse();
  body = body.substr(0, body.find("\n\n", 2000) + 2);  // clean end after a few chunks
  h.transport->push(FakeResponse::event_stream(body));
  try {
    backend.completion(chat_params(), [](const json&) { return true; });
    FAIL("no exception");
  } catch (const StreamError& e) {
    REQUIRE(e.partial() != nullptr);
    CHECK((*e.partial())["choices"][0]["finish_reason"].is_null());
    CHECK((*e.partial())["choices"][0]["message"]["content"].is_string());
  }
}

TEST_CASE("an in-band stream error becomes its typed error with the partial completion") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  std::string body = sample_stream_sse();
  body = body.substr(0, body.find("\n\n", 1500) + 2);
  body +=
      "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n";
  h.transport->push(FakeResponse::event_stream(body));
  try {
    backend.completion(chat_params(), [](const json&) { return true; });
    FAIL("no exception");
  } catch (const ServerError& e) {
    CHECK(e.provider_message() == "The server had an error");
    REQUIRE(e.partial() != nullptr);
  }
  CHECK(h.transport->requests().size() == 1);
}

TEST_CASE("a callback returning false cancels with the partial result and spares the key") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::event_stream(sample_stream_sse(), 10));
  int calls = 0;
  try {
    backend.completion(chat_params(), [&](const json&) { return ++calls < 3; });
    FAIL("no exception");
  } catch (const CancelledError& e) {
    REQUIRE(e.partial() != nullptr);
  }
  CHECK(calls == 3);
  const auto snapshot = backend.key_pool().snapshot();
  CHECK(snapshot[0].failures == 0);
  CHECK(snapshot[0].in_flight == 0);
}

TEST_CASE("a stream answered with plain JSON is delivered as chunks") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  std::size_t chunks = 0;
  const json completion = backend.completion(chat_params(), [&](const json&) {
    ++chunks;
    return true;
  });
  const json original = json::parse(sample_chat_completion());
  CHECK(chunks == 2);  // the choice, then the usage
  CHECK(completion["choices"][0]["message"]["content"] ==
        original["choices"][0]["message"]["content"]);
  CHECK(completion["usage"] == original["usage"]);
}

TEST_CASE("a body that is not JSON is a ProtocolError") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::json_body("<html>gateway</html>"));
  CHECK_THROWS_AS(backend.completion(chat_params()), ProtocolError);
}

TEST_CASE("a response over max_response_bytes is a ProtocolError") {
  FakeHarness h;
  BackendOptions options = h.options();
  options.max_response_bytes = 100;
  LiteLLMBackend backend({openai_key(kKeyA)}, "gpt-4o", json{{"wait_time_per_key", 0}}, options);
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  CHECK_THROWS_AS(backend.completion(chat_params()), ProtocolError);
  h.transport->push(FakeResponse::event_stream(sample_stream_sse()));
  CHECK_THROWS_AS(backend.completion(chat_params(), [](const json&) { return true; }),
                  ProtocolError);
}

TEST_CASE("a key echoed by the provider is redacted in the error and the log") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(openai_error(400, "invalid_request_error", "", "Bad key " + kKeyA + " given"));
  try {
    backend.completion(chat_params());
    FAIL("no exception");
  } catch (const BadRequestError& e) {
    CHECK_FALSE(contains(e.what(), kKeyA));
    CHECK(contains(e.provider_message(), redact_key(kKeyA)));
  }
  for (const std::string& line : h.log.lines()) CHECK_FALSE(contains(line, kKeyA));
  CHECK_FALSE(h.log.lines().empty());
}

TEST_CASE("extra_headers are sent, and one with a line break is refused before sending") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  json params = chat_params();
  params["extra_headers"] = {{"OpenAI-Organization", "org-1"}};
  backend.completion(params);
  CHECK(h.transport->requests()[0].headers.value("openai-organization") == "org-1");
  params["extra_headers"] = {{"X-Evil", "a\r\nInjected: yes"}};
  CHECK_THROWS_AS(backend.completion(params), ConfigError);
  CHECK(h.transport->requests().size() == 1);
  CHECK(backend.key_pool().snapshot()[0].uses == 1);  // the refused call did not consume it
}

TEST_CASE("missing messages or input is a ConfigError before anything is sent") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  CHECK_THROWS_AS(backend.completion(json{{"temperature", 1}}), ConfigError);
  CHECK_THROWS_AS(backend.embedding(json::object()), ConfigError);
  CHECK(h.transport->requests().empty());
}

TEST_CASE("a timeout parameter sets the total timeout of the call") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  json params = chat_params();
  params["timeout"] = 2.5;
  backend.completion(params);
  const HttpRequest request = h.transport->requests()[0];
  CHECK(request.timeouts.total == 2500ms);
  CHECK_FALSE(json::parse(request.body).contains("timeout"));
}

TEST_CASE("OpenAI streams ask for the usage chunk") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  test::SampleStream with_usage;
  with_usage.usage = true;
  h.transport->push(FakeResponse::event_stream(test::sample_stream_sse(with_usage)));
  const json completion = backend.completion(chat_params(), [](const json&) { return true; });
  const json body = json::parse(h.transport->requests()[0].body);
  CHECK(body["stream_options"] == json{{"include_usage", true}});
  CHECK(h.transport->requests()[0].stream);
  CHECK(completion["usage"]["total_tokens"] == test::sample_usage()["total_tokens"]);
}

TEST_CASE("a caller's stream_options are sent with a stream and dropped without one") {
  FakeHarness h;
  const ApiInfo vllm{"vllm", std::nullopt, kKeyA, std::string("http://127.0.0.1:1/v1")};
  auto backend = h.backend({openai_key(kKeyA)});
  auto compatible = h.backend({vllm}, "my-model");
  json params = chat_params();
  params["stream_options"] = {{"include_usage", false}};
  for (int i = 0; i < 2; ++i) {
    h.transport->push(FakeResponse::event_stream(sample_stream_sse()));
  }
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(params, [](const json&) { return true; });
  params["stream_options"] = {{"include_usage", true}};
  compatible.completion(params, [](const json&) { return true; });  // no default for vllm
  backend.completion(params);
  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 3);
  CHECK(json::parse(requests[0].body)["stream_options"] == json{{"include_usage", false}});
  CHECK(json::parse(requests[1].body)["stream_options"] == json{{"include_usage", true}});
  CHECK(json::parse(requests[1].body)["stream"] == true);
  const json plain = json::parse(requests[2].body);
  CHECK_FALSE(plain.contains("stream_options"));  // OpenAI rejects it without stream
  CHECK_FALSE(plain.contains("stream"));
  CHECK(plain["model"] == "gpt-4o");
}

TEST_CASE("operator() with stream still raises an in-band error as its typed error") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  std::string body = sample_stream_sse();
  body = body.substr(0, body.find("\n\n", 1500) + 2);
  body += "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n";
  // No chunk reached a caller, so the error is retried: every attempt gets the same stream.
  for (int i = 0; i < 3; ++i) h.transport->push(FakeResponse::event_stream(body, 33));
  CHECK_THROWS_AS(backend(json{{"messages", user_messages()}, {"stream", true}}), ServerError);
  CHECK(h.transport->requests().size() == 3);
}

TEST_CASE("BufferingSink keeps a success's headers unless told not to and always an error's") {
  const Headers headers{{"Retry-After", "2"}, {"Content-Type", "application/json"}};
  BufferingSink keeping;
  CHECK(keeping.wants_headers(200));
  keeping.on_headers(200, headers);
  CHECK(keeping.response().headers.size() == 2);
  BufferingSink lean(1024, /*keep_success_headers=*/false);
  CHECK_FALSE(lean.wants_headers(200));
  CHECK(lean.wants_headers(429));
  CHECK(lean.wants_headers(101));
  lean.on_headers(204, headers);
  CHECK(lean.response().status == 204);
  CHECK(lean.response().headers.empty());
  lean.on_headers(429, headers);
  CHECK(lean.response().headers.value("retry-after") == "2");
}

// ---- The last key out of rotation --------------------------------------------------------------

TEST_CASE("a 401 on the last key fails with that response's status, details and key id") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  h.transport->push(rejected_key("req_401"));
  try {
    backend.completion(chat_params());
    FAIL("no exception");
  } catch (const AuthError& e) {
    check_rejected_key_error(e, "req_401", openai_key(kKeyA));
    CHECK(contains(e.what(), "all 1 keys are out of rotation"));
  }
  CHECK(h.transport->requests().size() == 1);
}

TEST_CASE("an exhausted quota on the last key fails with the 429's details") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  for (int i = 0; i < 2; ++i) {
    h.transport->push(exhausted_quota("req_quota_" + std::to_string(i)));
  }
  try {
    backend.completion(chat_params());
    FAIL("no exception");
  } catch (const RateLimitError& e) {
    CHECK(e.http_status() == 429);
    CHECK(e.is_quota_exhausted());
    CHECK(e.error_type() == "insufficient_quota");
    CHECK(e.provider_message() == "You exceeded your current quota");
    CHECK(e.request_id() == "req_quota_1");  // the response that took the last key out
    CHECK(e.details().key_id == make_unique_api_info_key(openai_key(kKeyB)));
    CHECK(contains(e.what(), "all 2 keys are out of rotation"));
  }
}

// ---- x-should-retry ----------------------------------------------------------------------------

TEST_CASE("x-should-retry true retries a response that is otherwise final") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  FakeResponse bad = openai_error(400, "invalid_request_error", "", "hiccup");
  bad.headers.add("x-should-retry", "true");
  h.transport->push(bad);
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  CHECK(backend.completion(chat_params())["choices"][0]["finish_reason"] == "stop");
  CHECK(h.transport->requests().size() == 2);
}

TEST_CASE("x-should-retry true still stops at max_attempts") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  for (int i = 0; i < 5; ++i) {
    FakeResponse bad = openai_error(400, "invalid_request_error", "", "hiccup");
    bad.headers.add("x-should-retry", "true");
    h.transport->push(bad);
  }
  CHECK_THROWS_AS(backend.completion(chat_params()), BadRequestError);
  CHECK(h.transport->requests().size() == 3);
}

TEST_CASE("x-should-retry false ends the call after one attempt whatever the status") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  FakeResponse down = openai_error(503, "server_error", "", "down");
  down.headers.add("x-should-retry", "false");
  h.transport->push(down);
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  CHECK_THROWS_AS(backend.completion(chat_params()), ServerError);
  CHECK(h.transport->requests().size() == 1);
}

TEST_CASE("x-should-retry false on a rejected key ends the call and still takes the key out") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  FakeResponse rejected = rejected_key();
  rejected.headers.add("x-should-retry", "false");
  h.transport->push(rejected);
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  CHECK_THROWS_AS(backend.completion(chat_params()), AuthError);
  CHECK(h.transport->requests().size() == 1);
  CHECK_FALSE(backend.key_pool().snapshot()[0].in_rotation);
}

// ---- Gemini ------------------------------------------------------------------------------------

TEST_CASE("a Gemini bad key (400 with a list body) takes the key out and moves to the next") {
  FakeHarness h;
  // Gemini's OpenAI-compatible endpoint (the native API's backend is "gemini": test_gemini.cpp).
  const auto gemini = [](const std::string& key) {
    return ApiInfo{"gemini_openai", std::nullopt, key,
                   std::string("https://gemini.test/v1beta/openai")};
  };
  auto backend = h.backend({gemini(kKeyA), gemini(kKeyB)}, "gemini-2.0-flash");
  h.transport->push(FakeResponse::json_body(
      R"([{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.",)"
      R"("status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.)"
      R"(ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}])",
      400));
  h.transport->push(FakeResponse::json_body(sample_chat_completion()));
  backend.completion(chat_params());
  const auto snapshot = backend.key_pool().snapshot();
  CHECK_FALSE(snapshot[0].in_rotation);
  CHECK(contains(snapshot[0].disabled_reason, "API_KEY_INVALID"));
  CHECK(request_key(h.transport->requests().at(1)) == kKeyB);
}

TEST_CASE("an OpenAI-compatible backend's errors name it, plain and streamed alike") {
  FakeHarness h;
  const ApiInfo groq{"groq", std::nullopt, kKeyA, std::nullopt};
  auto backend = h.backend({groq}, "llama-3.3-70b");
  h.transport->push(FakeResponse::json_body(
      R"({"error":{"message":"bad model","type":"invalid_request_error"}})", 400));
  h.transport->push(FakeResponse::event_stream(
      "data: {\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"}}\n\n"));
  std::string plain;
  std::string streamed;
  try {
    backend.completion(chat_params());
  } catch (const BadRequestError& e) {
    plain = e.provider();
  }
  try {
    backend.completion(chat_params(), [](const json&) { return true; });
  } catch (const Error& e) {
    streamed = e.provider();
  }
  CHECK(plain == "groq");
  CHECK(streamed == "groq");
}

// ---- Failures that are not the library's -------------------------------------------------------
// A std::bad_alloc or a callback's own exception is never relabelled as a litellm::Error (it used
// to become "cancelled" on the way): the synchronous caller gets it as it was thrown, the call is
// not retried, and the key's record is left alone.

namespace {

/// A transport answer that throws `exception` instead of answering.
template <typename Exception>
FakeResponse throwing(Exception exception) {
  FakeResponse response = FakeResponse::json_body(sample_chat_completion());
  response.on_request = [exception](const HttpRequest&) { throw exception; };
  return response;
}

/// The key pool after one failed call: nothing reported, nothing in flight.
void check_keys_untouched(LiteLLMBackend& backend) {
  for (const KeyStateSnapshot& key : backend.key_pool().snapshot()) {
    CHECK(key.failures == 0);
    CHECK(key.in_flight == 0);
  }
}

}  // namespace

TEST_CASE("std::bad_alloc from the transport reaches a synchronous caller as it is, not retried") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->push(throwing(std::bad_alloc()));
  h.transport->respond_with(
      [](const HttpRequest&) { return FakeResponse::json_body(sample_chat_completion()); });
  CHECK_THROWS_AS(backend.completion(chat_params()), std::bad_alloc);
  CHECK(h.transport->requests().size() == 1);
  check_keys_untouched(backend);
}

TEST_CASE("a std::runtime_error from the transport reaches a synchronous caller unchanged") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA), openai_key(kKeyB)});
  h.transport->push(throwing(std::runtime_error("disk on fire")));
  try {
    backend.embedding(json{{"input", "x"}});
    FAIL("no exception");
  } catch (const Error& e) {
    FAIL("relabelled as a litellm error: " << e.what());
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "disk on fire");
  }
  CHECK(h.transport->requests().size() == 1);
  check_keys_untouched(backend);
}

TEST_CASE("a chunk callback's own exception ends a synchronous stream as it was thrown") {
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  SECTION("std::runtime_error") {
    h.transport->push(FakeResponse::event_stream(sample_stream_sse(), 10));
    try {
      backend.completion(chat_params(),
                         [](const json&) -> bool { throw std::runtime_error("callback failed"); });
      FAIL("no exception");
    } catch (const Error& e) {
      FAIL("relabelled as a litellm error: " << e.what());
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()) == "callback failed");
    }
  }
  SECTION("std::bad_alloc") {
    h.transport->push(FakeResponse::event_stream(sample_stream_sse(), 10));
    CHECK_THROWS_AS(
        backend.completion(chat_params(), [](const json&) -> bool { throw std::bad_alloc(); }),
        std::bad_alloc);
  }
  SECTION("from a stream answered with plain JSON") {
    h.transport->push(FakeResponse::json_body(sample_chat_completion()));
    CHECK_THROWS_AS(
        backend.completion(chat_params(), [](const json&) -> bool { throw std::bad_alloc(); }),
        std::bad_alloc);
  }
  CHECK(h.transport->requests().size() == 1);
  check_keys_untouched(backend);
}

TEST_CASE("a stream chunk whose content mentions \"error\" is merged, with a callback or without") {
  const std::string body =
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
      "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"an \\\"error\\\" "
      "here\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
      "\"error\":null,\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: [DONE]\n\n";
  FakeHarness h;
  auto backend = h.backend({openai_key(kKeyA)});
  // Without a callback (operator() with stream): merged from the chunks' text.
  h.transport->push(FakeResponse::event_stream(body));
  const json messages = backend(json{{"messages", user_messages()}, {"stream", true}});
  CHECK(messages.at(0)["content"] == "an \"error\" here");
  // With a callback: merged from each chunk's json, and both chunks delivered.
  h.transport->push(FakeResponse::event_stream(body));
  int chunks = 0;
  const json completion =
      backend.completion(chat_params(), [&](const json&) { return ++chunks > 0; });
  CHECK(completion["choices"][0]["message"]["content"] == "an \"error\" here");
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks == 2);
}
