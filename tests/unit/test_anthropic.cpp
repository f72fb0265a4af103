// The Anthropic adapter: request translation, response translation, stream translation, errors.
//
// Expected values were written by hand from reading the recorded vectors in
// LITELLM_TEST_DATA_DIR/llm-vectors/anthropic (and index.json for their HTTP status and headers;
// read by the [shared-data] cases only), never computed with the code under test.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "fake_harness.hpp"
#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "litellm/merge.hpp"
#include "litellm/providers/anthropic.hpp"
#include "litellm/sse.hpp"
#include "sse_reading.hpp"
#include "vectors.hpp"

using litellm::AnthropicAdapter;
using litellm::AnthropicStreamTranslator;
using litellm::ApiInfo;
using litellm::ErrorKind;
using litellm::HttpRequest;
using litellm::json;
using namespace litellm::test;

namespace {

const AnthropicAdapter kAdapter;
constexpr const char* kKey = "sk-ant-test-KEY-0123456789";

ApiInfo anthropic_info(std::optional<std::string> base = std::nullopt,
                       std::optional<std::string> version = std::nullopt) {
  ApiInfo info;
  info.backend_used = "anthropic";
  info.api_key = kKey;
  info.api_base = std::move(base);
  info.api_version = std::move(version);
  return info;
}

/// A user message with string content.
json user(const std::string& text) {
  return json{{"role", "user"}, {"content", text}};
}

/// The request built for `params` (non-streaming unless said otherwise).
HttpRequest request_for(const json& params, bool stream = false) {
  return kAdapter.chat_request(anthropic_info(), "claude-sonnet-4-5", params, stream);
}

/// The JSON body built for `params`.
json body_for(const json& params, bool stream = false) {
  return json::parse(request_for(params, stream).body);
}

/// The message of the ConfigError `f` throws; fails the test when it throws nothing else.
template <class F>
std::string config_error_of(F&& f) {
  try {
    f();
  } catch (const litellm::ConfigError& error) {
    return error.what();
  }
  FAIL("no ConfigError was thrown");
  return {};
}

/// Parses a recorded Anthropic stream fed in pieces of `piece` bytes (0: all at once),
/// translates every event and accumulates the chunks.
TranslatedStream run_stream(const std::string& vector, std::size_t piece) {
  AnthropicStreamTranslator translator;
  return translate_stream(vector_file("anthropic/" + vector), translator, 1, piece);
}

/// The completion of a recorded stream, after checking that feeding it whole and split at every
/// 7th byte gives the same result and that the stream finished.
json stream_completion(const std::string& vector) {
  TranslatedStream whole = run_stream(vector, 0);
  TranslatedStream split = run_stream(vector, 7);
  REQUIRE(whole.finished);
  REQUIRE(split.finished);
  whole.completion.erase("created");
  split.completion.erase("created");
  REQUIRE(whole.completion == split.completion);
  return whole.completion;
}

/// Translates a single hand-written event.
std::vector<json> translate(AnthropicStreamTranslator& translator, const std::string& event,
                            const std::string& data) {
  litellm::SseEvent sse;
  sse.event = event;
  sse.data = data;
  std::vector<json> out;
  translator.on_event(sse, out);
  return out;
}

json usage(long long prompt, long long completion, long long cache_creation, long long cache_read) {
  return json{{"prompt_tokens", prompt},
              {"completion_tokens", completion},
              {"total_tokens", prompt + completion},
              {"prompt_tokens_details", {{"cached_tokens", cache_read}}},
              {"cache_creation_input_tokens", cache_creation},
              {"cache_read_input_tokens", cache_read}};
}

}  // namespace

// ---- Request: URL and headers ---------------------------------------------------------------

TEST_CASE("The request goes to /v1/messages under the default Anthropic base URL") {
  const HttpRequest request = request_for({{"messages", {user("hi")}}});
  CHECK(request.method == "POST");
  CHECK(request.url == "https://api.anthropic.com/v1/messages");
}

TEST_CASE("A base URL that already ends in /v1 only gets /messages appended") {
  const json params{{"messages", {user("hi")}}};
  CHECK(kAdapter
            .chat_request(anthropic_info("https://proxy.example/anthropic/v1/"), "m", params, false)
            .url == "https://proxy.example/anthropic/v1/messages");
  CHECK(kAdapter.chat_request(anthropic_info("http://localhost:9000"), "m", params, false).url ==
        "http://localhost:9000/v1/messages");
}

TEST_CASE("The request carries the key, version, content type and accept headers") {
  const HttpRequest request = request_for({{"messages", {user("hi")}}});
  CHECK(request.headers.value("x-api-key") == kKey);
  CHECK(request.headers.value("anthropic-version") == "2023-06-01");
  CHECK(request.headers.value("content-type") == "application/json");
  CHECK(request.headers.value("accept") == "application/json");
  CHECK_FALSE(request.headers.contains("authorization"));
}

TEST_CASE("ApiInfo.api_version overrides the anthropic-version header") {
  const HttpRequest request = kAdapter.chat_request(anthropic_info(std::nullopt, "2024-10-22"), "m",
                                                    {{"messages", {user("hi")}}}, false);
  CHECK(request.headers.value("anthropic-version") == "2024-10-22");
}

TEST_CASE("The key appears only in the x-api-key header") {
  const HttpRequest request =
      request_for({{"messages", {user("hi")}}, {"user", "u-1"}, {"temperature", 0.5}}, true);
  for (const auto& [name, value] : request.headers) {
    if (name == "x-api-key") continue;
    CHECK(value.find(kKey) == std::string::npos);
  }
  CHECK(request.url.find(kKey) == std::string::npos);
  CHECK(request.body.find(kKey) == std::string::npos);
}

TEST_CASE("A streamed request asks for an event stream and sets stream true") {
  const HttpRequest request = request_for({{"messages", {user("hi")}}}, true);
  CHECK(request.stream);
  CHECK(request.headers.value("accept") == "text/event-stream");
  CHECK(json::parse(request.body)["stream"] == true);
}

TEST_CASE("A non-streamed request has no stream field even when the params carry one") {
  const json body = body_for({{"messages", {user("hi")}}, {"stream", true}});
  CHECK_FALSE(body.contains("stream"));
}

TEST_CASE("The model goes into the body") {
  CHECK(body_for({{"messages", {user("hi")}}})["model"] == "claude-sonnet-4-5");
}

// ---- Request: body --------------------------------------------------------------------------

TEST_CASE("A system message is hoisted to the system field") {
  const json body =
      body_for({{"messages", {json{{"role", "system"}, {"content", "Be brief."}}, user("hi")}}});
  CHECK(body["system"] == "Be brief.");
  CHECK(body["messages"] == json::array({user("hi")}));
}

TEST_CASE("Several system and developer messages are joined with blank lines") {
  const json body = body_for({{"messages",
                               {json{{"role", "system"}, {"content", "One."}},
                                json{{"role", "developer"}, {"content", "Two."}}, user("hi"),
                                json{{"role", "system"}, {"content", "Three."}}}}});
  CHECK(body["system"] == "One.\n\nTwo.\n\nThree.");
  CHECK(body["messages"] == json::array({user("hi")}));
}

TEST_CASE("System messages with content parts become text blocks that keep cache_control") {
  const json cache{{"type", "ephemeral"}};
  const json body = body_for(
      {{"messages",
        {json{{"role", "system"}, {"content", "Plain."}},
         json{{"role", "system"},
              {"content", {json{{"type", "text"}, {"text", "Cached."}, {"cache_control", cache}}}}},
         user("hi")}}});
  const json expected = json::array(
      {json{{"type", "text"}, {"text", "Plain."}},
       json{{"type", "text"}, {"text", "Cached."}, {"cache_control", {{"type", "ephemeral"}}}}});
  CHECK(body["system"] == expected);
}

TEST_CASE("max_tokens defaults to 4096") {
  CHECK(body_for({{"messages", {user("hi")}}})["max_tokens"] == 4096);
}

TEST_CASE("max_tokens is taken from max_tokens, else from max_completion_tokens") {
  CHECK(body_for({{"messages", {user("hi")}}, {"max_tokens", 100}})["max_tokens"] == 100);
  const json body = body_for({{"messages", {user("hi")}}, {"max_completion_tokens", 200}});
  CHECK(body["max_tokens"] == 200);
  CHECK_FALSE(body.contains("max_completion_tokens"));
}

TEST_CASE("String user content stays a string and text parts become text blocks") {
  const json body =
      body_for({{"messages",
                 {json{{"role", "user"},
                       {"content", {json{{"type", "text"}, {"text", "Look at this"}}}}}}}});
  CHECK(body["messages"][0]["content"] ==
        json::array({json{{"type", "text"}, {"text", "Look at this"}}}));
  CHECK(body_for({{"messages", {user("plain")}}})["messages"][0]["content"] == "plain");
}

TEST_CASE("An image part with a data URL becomes a base64 image block") {
  const json part{{"type", "image_url"},
                  {"image_url", {{"url", "data:image/png;base64,iVBORw0K"}}}};
  const json body =
      body_for({{"messages", {json{{"role", "user"}, {"content", json::array({part})}}}}});
  const json expected{
      {"type", "image"},
      {"source", {{"type", "base64"}, {"media_type", "image/png"}, {"data", "iVBORw0K"}}}};
  CHECK(body["messages"][0]["content"] == json::array({expected}));
}

TEST_CASE("An image part with an https URL becomes a url image block") {
  const json part{{"type", "image_url"},
                  {"image_url", {{"url", "https://example.com/cat.jpg"}, {"detail", "high"}}}};
  const json body =
      body_for({{"messages", {json{{"role", "user"}, {"content", json::array({part})}}}}});
  const json expected{{"type", "image"},
                      {"source", {{"type", "url"}, {"url", "https://example.com/cat.jpg"}}}};
  CHECK(body["messages"][0]["content"] == json::array({expected}));
}

TEST_CASE("An image part with neither a data nor an http URL is a ConfigError") {
  const json part{{"type", "image_url"}, {"image_url", {{"url", "file:///etc/passwd"}}}};
  const std::string message = config_error_of([&] {
    request_for({{"messages", {json{{"role", "user"}, {"content", json::array({part})}}}}});
  });
  CHECK(message.find("image_url") != std::string::npos);
}

TEST_CASE("Assistant tool calls and tool results round-trip as tool_use and tool_result blocks") {
  const json params{
      {"messages",
       {user("Weather in SF?"),
        json{{"role", "assistant"},
             {"content", "Let me check."},
             {"tool_calls",
              {json{{"id", "toolu_1"},
                    {"type", "function"},
                    {"function",
                     {{"name", "get_weather"},
                      {"arguments", R"({"location": "San Francisco, CA", "units": "f"})"}}}}}}},
        json{{"role", "tool"}, {"tool_call_id", "toolu_1"}, {"content", "68F, sunny"}}}}};
  const json expected =
      json::array({json{{"role", "user"}, {"content", "Weather in SF?"}},
                   json{{"role", "assistant"},
                        {"content",
                         {json{{"type", "text"}, {"text", "Let me check."}},
                          json{{"type", "tool_use"},
                               {"id", "toolu_1"},
                               {"name", "get_weather"},
                               {"input", {{"location", "San Francisco, CA"}, {"units", "f"}}}}}}},
                   json{{"role", "user"},
                        {"content",
                         {json{{"type", "tool_result"},
                               {"tool_use_id", "toolu_1"},
                               {"content", "68F, sunny"}}}}}});
  CHECK(body_for(params)["messages"] == expected);
}

TEST_CASE("Consecutive tool results are merged into one user message") {
  const json params{{"messages",
                     {user("Weather and time?"),
                      json{{"role", "assistant"},
                           {"content", nullptr},
                           {"tool_calls",
                            {json{{"id", "t1"},
                                  {"type", "function"},
                                  {"function", {{"name", "get_weather"}, {"arguments", "{}"}}}},
                             json{{"id", "t2"},
                                  {"type", "function"},
                                  {"function", {{"name", "get_time"}, {"arguments", ""}}}}}}},
                      json{{"role", "tool"}, {"tool_call_id", "t1"}, {"content", "sunny"}},
                      json{{"role", "tool"},
                           {"tool_call_id", "t2"},
                           {"content", {json{{"type", "text"}, {"text", "noon"}}}}}}}};
  const json messages = body_for(params)["messages"];
  REQUIRE(messages.size() == 3);
  CHECK(messages[1]["content"] == json::array({json{{"type", "tool_use"},
                                                    {"id", "t1"},
                                                    {"name", "get_weather"},
                                                    {"input", json::object()}},
                                               json{{"type", "tool_use"},
                                                    {"id", "t2"},
                                                    {"name", "get_time"},
                                                    {"input", json::object()}}}));
  CHECK(messages[2] ==
        json{{"role", "user"},
             {"content",
              {json{{"type", "tool_result"}, {"tool_use_id", "t1"}, {"content", "sunny"}},
               json{{"type", "tool_result"},
                    {"tool_use_id", "t2"},
                    {"content", {json{{"type", "text"}, {"text", "noon"}}}}}}}});
}

TEST_CASE("Consecutive messages of the same role are merged into one") {
  const json messages = body_for({{"messages", {user("one"), user("two")}}})["messages"];
  CHECK(messages == json::array({json{{"role", "user"},
                                      {"content",
                                       {json{{"type", "text"}, {"text", "one"}},
                                        json{{"type", "text"}, {"text", "two"}}}}}}));
}

TEST_CASE("Tool call arguments that are not valid JSON are a ConfigError naming the call") {
  const json params{
      {"messages",
       {user("hi"),
        json{{"role", "assistant"},
             {"tool_calls",
              {json{{"id", "call_bad"},
                    {"type", "function"},
                    {"function", {{"name", "lookup"}, {"arguments", "{not json"}}}}}}}}}};
  const std::string message = config_error_of([&] { request_for(params); });
  CHECK(message.find("call_bad") != std::string::npos);
  CHECK(message.find("lookup") != std::string::npos);
}

TEST_CASE("Function tools become name, description and input_schema; other tools pass through") {
  const json schema{
      {"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}, {"required", {"city"}}};
  const json native{{"type", "web_search_20250305"}, {"name", "web_search"}, {"max_uses", 3}};
  const json body = body_for(
      {{"messages", {user("hi")}},
       {"tools",
        {json{{"type", "function"},
              {"function",
               {{"name", "get_weather"}, {"description", "Weather"}, {"parameters", schema}}}},
         json{{"type", "function"}, {"function", {{"name", "now"}}}}, native}}});
  const json expected = json::array(
      {json{{"name", "get_weather"}, {"description", "Weather"}, {"input_schema", schema}},
       json{{"name", "now"},
            {"input_schema", {{"type", "object"}, {"properties", json::object()}}}},
       native});
  CHECK(body["tools"] == expected);
}

TEST_CASE("tool_choice strings and named functions map to Anthropic's tool_choice") {
  const auto choice_for = [](const json& choice) {
    return body_for({{"messages", {user("hi")}},
                     {"tools", {json{{"type", "function"}, {"function", {{"name", "f"}}}}}},
                     {"tool_choice", choice}})["tool_choice"];
  };
  CHECK(choice_for("auto") == json{{"type", "auto"}});
  CHECK(choice_for("required") == json{{"type", "any"}});
  CHECK(choice_for("none") == json{{"type", "none"}});
  CHECK(choice_for(json{{"type", "function"}, {"function", {{"name", "f"}}}}) ==
        json{{"type", "tool"}, {"name", "f"}});
}

TEST_CASE("parallel_tool_calls false disables parallel tool use on the tool choice") {
  const json tools = json::array({json{{"type", "function"}, {"function", {{"name", "f"}}}}});
  const json without_choice =
      body_for({{"messages", {user("hi")}}, {"tools", tools}, {"parallel_tool_calls", false}});
  CHECK(without_choice["tool_choice"] ==
        json{{"type", "auto"}, {"disable_parallel_tool_use", true}});
  CHECK_FALSE(without_choice.contains("parallel_tool_calls"));
  const json with_choice = body_for({{"messages", {user("hi")}},
                                     {"tools", tools},
                                     {"tool_choice", "required"},
                                     {"parallel_tool_calls", false}});
  CHECK(with_choice["tool_choice"] == json{{"type", "any"}, {"disable_parallel_tool_use", true}});
}

TEST_CASE("stop as a string or a list becomes stop_sequences") {
  const json from_string = body_for({{"messages", {user("hi")}}, {"stop", "END"}});
  CHECK(from_string["stop_sequences"] == json::array({"END"}));
  CHECK_FALSE(from_string.contains("stop"));
  CHECK(body_for({{"messages", {user("hi")}}, {"stop", {"A", "B"}}})["stop_sequences"] ==
        json::array({"A", "B"}));
}

TEST_CASE("user becomes metadata.user_id, merged with given metadata") {
  const json body = body_for({{"messages", {user("hi")}}, {"user", "user-42"}});
  CHECK(body["metadata"] == json{{"user_id", "user-42"}});
  CHECK_FALSE(body.contains("user"));
  const json merged =
      body_for({{"messages", {user("hi")}}, {"user", "user-42"}, {"metadata", {{"trace", "abc"}}}});
  CHECK(merged["metadata"] == json{{"trace", "abc"}, {"user_id", "user-42"}});
}

TEST_CASE("n greater than 1 is a ConfigError and n of 1 is dropped") {
  const std::string message = config_error_of([] {
    request_for({{"messages", {user("hi")}}, {"n", 2}});
  });
  CHECK(message.find("n > 1") != std::string::npos);
  CHECK_FALSE(body_for({{"messages", {user("hi")}}, {"n", 1}}).contains("n"));
}

TEST_CASE("OpenAI-only parameters Anthropic rejects are dropped") {
  const json body = body_for({{"messages", {user("hi")}},
                              {"presence_penalty", 0.1},
                              {"frequency_penalty", 0.2},
                              {"logit_bias", {{"50256", -100}}},
                              {"logprobs", true},
                              {"top_logprobs", 2},
                              {"seed", 7},
                              {"response_format", {{"type", "json_object"}}},
                              {"stream_options", {{"include_usage", true}}},
                              {"reasoning_effort", "low"},
                              {"service_tier", "default"}});
  for (const char* key :
       {"presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs", "seed",
        "response_format", "stream_options", "reasoning_effort", "service_tier"}) {
    INFO(key);
    CHECK_FALSE(body.contains(key));
  }
}

TEST_CASE("service_tier auto and standard_only are kept") {
  CHECK(body_for({{"messages", {user("hi")}}, {"service_tier", "auto"}})["service_tier"] == "auto");
  CHECK(body_for({{"messages", {user("hi")}}, {"service_tier", "standard_only"}})["service_tier"] ==
        "standard_only");
}

TEST_CASE("Sampling parameters, thinking and unknown parameters pass through") {
  const json thinking{{"type", "enabled"}, {"budget_tokens", 1024}};
  const json body = body_for({{"messages", {user("hi")}},
                              {"temperature", 0.3},
                              {"top_p", 0.9},
                              {"top_k", 40},
                              {"thinking", thinking},
                              {"container", "cntr_1"},
                              {"some_new_param", {{"a", 1}}}});
  CHECK(body["temperature"] == 0.3);
  CHECK(body["top_p"] == 0.9);
  CHECK(body["top_k"] == 40);
  CHECK(body["thinking"] == thinking);
  CHECK(body["container"] == "cntr_1");
  CHECK(body["some_new_param"] == json{{"a", 1}});
}

TEST_CASE("Embeddings are a ConfigError that points to an OpenAI-compatible backend") {
  const std::string message = config_error_of([] {
    kAdapter.embedding_request(anthropic_info(), "m", {{"input", "x"}});
  });
  CHECK(message.find("anthropic has no embeddings endpoint; use an OpenAI-compatible backend for "
                     "embeddings") != std::string::npos);
}

// ---- Response -------------------------------------------------------------------------------

TEST_CASE("The recorded message becomes a chat.completion with text, stop and usage",
          "[shared-data]") {
  const json body = json::parse(vector_file("anthropic/recorded_message.json"));
  const json completion = kAdapter.chat_response(body);
  CHECK(completion["id"] == "msg_01Egs18hRzhru3uGon3qesbA");
  CHECK(completion["object"] == "chat.completion");
  CHECK(completion["model"] == "claude-sonnet-4-5-20250929");
  CHECK(completion["created"].get<long long>() > 1700000000);
  REQUIRE(completion["choices"].size() == 1);
  const json& choice = completion["choices"][0];
  CHECK(choice["index"] == 0);
  CHECK(choice["finish_reason"] == "stop");
  CHECK(choice["logprobs"].is_null());
  CHECK(choice["message"] ==
        json{{"role", "assistant"},
             {"content", R"({"product_name": "Green Tea", "price": 5.50, "quantity": 2})"}});
  CHECK(completion["usage"] == usage(249, 26, 0, 0));
}

TEST_CASE("A message with thinking and tool_use blocks gives reasoning and tool calls") {
  const json body{{"type", "message"},
                  {"id", "msg_x"},
                  {"model", "claude-x"},
                  {"role", "assistant"},
                  {"content",
                   {json{{"type", "thinking"}, {"thinking", "Hmm."}, {"signature", "sig"}},
                    json{{"type", "text"}, {"text", "Checking."}},
                    json{{"type", "tool_use"},
                         {"id", "toolu_9"},
                         {"name", "get_weather"},
                         {"input", {{"city", "Paris"}}}}}},
                  {"stop_reason", "tool_use"},
                  {"usage",
                   {{"input_tokens", 10},
                    {"cache_creation_input_tokens", 5},
                    {"cache_read_input_tokens", 20},
                    {"output_tokens", 7}}}};
  const json completion = kAdapter.chat_response(body);
  const json& choice = completion["choices"][0];
  CHECK(choice["finish_reason"] == "tool_calls");
  CHECK(choice["message"]["content"] == "Checking.");
  CHECK(choice["message"]["reasoning_content"] == "Hmm.");
  CHECK(choice["message"]["tool_calls"] ==
        json::array(
            {json{{"id", "toolu_9"},
                  {"type", "function"},
                  {"function", {{"name", "get_weather"}, {"arguments", R"({"city":"Paris"})"}}}}}));
  CHECK(completion["usage"] == usage(35, 7, 5, 20));
}

TEST_CASE("A message without text blocks has null content") {
  const json body{{"type", "message"},
                  {"content", json::array()},
                  {"stop_reason", "refusal"},
                  {"usage", {{"input_tokens", 1}, {"output_tokens", 0}}}};
  const json completion = kAdapter.chat_response(body);
  CHECK(completion["choices"][0]["message"]["content"].is_null());
  CHECK(completion["choices"][0]["finish_reason"] == "content_filter");
}

TEST_CASE("Stop reasons map to OpenAI finish reasons") {
  using litellm::anthropic_finish_reason;
  CHECK(anthropic_finish_reason("end_turn") == "stop");
  CHECK(anthropic_finish_reason("stop_sequence") == "stop");
  CHECK(anthropic_finish_reason("pause_turn") == "stop");
  CHECK(anthropic_finish_reason("max_tokens") == "length");
  CHECK(anthropic_finish_reason("model_context_window_exceeded") == "length");
  CHECK(anthropic_finish_reason("tool_use") == "tool_calls");
  CHECK(anthropic_finish_reason("refusal") == "content_filter");
  CHECK(anthropic_finish_reason(nullptr).is_null());
}

TEST_CASE("A response body that is not a message is a ProtocolError") {
  CHECK_THROWS_AS(kAdapter.chat_response(json::array()), litellm::ProtocolError);
  CHECK_THROWS_AS(kAdapter.chat_response(json{{"choices", json::array()}}), litellm::ProtocolError);
}

// ---- Errors ---------------------------------------------------------------------------------

TEST_CASE("The recorded 400 becomes a bad_request error with Anthropic's type and message",
          "[shared-data]") {
  litellm::HttpResponse response;
  response.status = 400;
  response.body = vector_file("anthropic/recorded_400_invalid_request.json");
  const litellm::Error error = kAdapter.error_from_response(response);
  CHECK(error.kind() == ErrorKind::bad_request);
  CHECK(error.http_status() == 400);
  CHECK(error.provider() == "anthropic");
  CHECK(error.error_type() == "invalid_request_error");
  CHECK(error.provider_message() ==
        "messages.0.content.1: unexpected `tool_use_id` found in `tool_result` blocks: "
        "toolu_01GHndag5wQmbzNihYmV2UBj. Each `tool_result` block must have a corresponding "
        "`tool_use` block in the previous message.");
  CHECK(error.request_id() == "req_011CYHyk9NPsBYeGbC9LuDNK");
  CHECK_FALSE(error.retryable());
}

TEST_CASE("The recorded 429 becomes a retryable rate_limit error", "[shared-data]") {
  litellm::HttpResponse response;
  response.status = 429;
  response.headers = {{"content-type", "application/json"}, {"x-should-retry", "true"}};
  response.body = vector_file("anthropic/recorded_429_rate_limit.json");
  const litellm::Error error = kAdapter.error_from_response(response);
  CHECK(error.kind() == ErrorKind::rate_limit);
  CHECK(error.http_status() == 429);
  CHECK(error.error_type() == "rate_limit_error");
  CHECK(error.provider_message() ==
        "This request would exceed your organization's rate limit of 20,000,000 prompt bytes "
        "per hour (org: 5576611f-a1ee-427c-9800-298d9579899c, model: "
        "claude-sonnet-4-5-20250929). For details, refer to: "
        "https://docs.claude.com/en/api/rate-limits. You can see the response headers for "
        "current usage. Please reduce the prompt length or the maximum tokens requested, or try "
        "again later. You may also contact sales at https://www.anthropic.com/contact-sales to "
        "discuss your options for a rate limit increase.");
  CHECK(error.request_id() == "req_011CYK5mje9HkutJtmfPzzNC");
  CHECK(error.retryable());
  CHECK_FALSE(error.is_quota_exhausted());
}

// ---- Recorded streams -----------------------------------------------------------------------

TEST_CASE("The basic stream accumulates to its text with stop and usage", "[shared-data]") {
  const json completion = stream_completion("basic_response.sse");
  CHECK(completion["id"] == "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK");
  CHECK(completion["model"] == "claude-3-opus-latest");
  CHECK(completion["choices"][0]["message"] ==
        json{{"role", "assistant"}, {"content", "Hello there!"}});
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(completion["usage"] == usage(11, 6, 0, 0));
}

TEST_CASE("The tool use stream accumulates to its text and one tool call", "[shared-data]") {
  const json completion = stream_completion("tool_use_response.sse");
  const json& message = completion["choices"][0]["message"];
  CHECK(message["content"] == "I'll check the current weather in Paris for you.");
  CHECK(message["tool_calls"] ==
        json::array({json{
            {"id", "toolu_01NRLabsLyVHZPKxbKvkfSMn"},
            {"type", "function"},
            {"function", {{"name", "get_weather"}, {"arguments", R"({"location": "Paris"})"}}}}}));
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(completion["usage"] == usage(377, 65, 0, 0));
}

TEST_CASE("The stream cut by max_tokens keeps its truncated tool arguments and says length",
          "[shared-data]") {
  const json completion = stream_completion("incomplete_partial_json_response.sse");
  const json& message = completion["choices"][0]["message"];
  CHECK(message["content"] ==
        "I'll create a comprehensive tax guide for someone with multiple W2s and save it in a "
        "file called taxes.txt. Let me do that for you now.");
  REQUIRE(message["tool_calls"].size() == 1);
  const json& call = message["tool_calls"][0];
  CHECK(call["id"] == "toolu_01EKqbqmZrGRXy18eN7m9kvY");
  CHECK(call["function"]["name"] == "make_file");
  const std::string arguments = call["function"]["arguments"];
  CHECK(arguments ==
        "{\"filename\": \"taxes.txt\", \"lines_of_text\": [\n"
        "\"# COMPREHENSIVE TAX GUIDE FOR INDIVIDUALS WITH MULTIPLE W-2s\",\n\"\",\n"
        "\"## INTRODUCTION\",\n\"\",\n\"Filing taxes");
  CHECK_FALSE(json::accept(arguments));  // cut off: the caller must not trust it as JSON
  CHECK(completion["choices"][0]["finish_reason"] == "length");
  CHECK(completion["usage"] == usage(450, 124, 0, 0));
}

TEST_CASE("The refusal stream has no content and finishes with content_filter", "[shared-data]") {
  const json completion = stream_completion("refusal_response.sse");
  CHECK(completion["id"] == "msg_01RefusalTestMessage123456789");
  CHECK(completion["model"] == "claude-opus-4-7");
  CHECK(completion["choices"][0]["message"]["content"].is_null());
  CHECK_FALSE(completion["choices"][0]["message"].contains("tool_calls"));
  CHECK(completion["choices"][0]["finish_reason"] == "content_filter");
  CHECK(completion["usage"] == usage(20, 0, 0, 0));
}

TEST_CASE("The prompt caching stream counts cached tokens in the prompt and reports them",
          "[shared-data]") {
  const json completion = stream_completion("recorded_prompt_caching_stream.sse");
  CHECK(completion["model"] == "claude-3-5-sonnet-20240620");
  CHECK(completion["choices"][0]["message"]["content"] ==
        "Here are concise summaries of the three articles:\n\n"
        "1. OpenLLMetry: New open-source library extending OpenTelemetry with LLM "
        "functionality. Key features include LLM-specific metrics/traces, integration with "
        "existing setups, and support for popular LLM frameworks. Aims to provide deeper "
        "insights into AI model performance in applications.\n\n"
        "2. Major LLM providers introduce prompt caching to improve speed and reduce costs. "
        "Benefits include faster response times, lower computational costs, and improved "
        "scalability. Particularly useful for applications with repetitive prompts like "
        "chatbots and content moderation. Expected to impact AI industry by enabling wider "
        "adoption and new application types.\n\n"
        "3. Importance of unit testing in software development:\n- Catches bugs early\n- Saves "
        "time and money\n- Improves code quality\n- Facilitates refactoring\n- Serves as "
        "documentation\n- Enhances collaboration\nThe post emphasizes that unit testing is "
        "crucial for professional software development and pays off in the long run.");
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(completion["usage"] == usage(1169, 221, 0, 1165));
}

TEST_CASE("The thinking stream yields reasoning_content and drops the signature", "[shared-data]") {
  const json completion = stream_completion("recorded_thinking_stream.sse");
  const json& message = completion["choices"][0]["message"];
  CHECK(message["reasoning_content"] ==
        "Let me count the occurrences of the letter 'r' in the word \"strawberry\".\n\n"
        "The word \"strawberry\" is spelled: s-t-r-a-w-b-e-r-r-y\n\n"
        "I'll go through each letter:\ns - not an 'r'\nt - not an 'r'\n"
        "r - this is an 'r', so count = 1\na - not an 'r'\nw - not an 'r'\nb - not an 'r'\n"
        "e - not an 'r'\nr - this is an 'r', so count = 2\nr - this is an 'r', so count = 3\n"
        "y - not an 'r'\n\nSo the letter 'r' appears 3 times in the word \"strawberry\".");
  CHECK(message["content"] == "The letter 'r' appears 3 times in the word \"strawberry\".");
  CHECK(completion.dump().find("ErUBCkYIARgC") == std::string::npos);
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(completion["usage"] == usage(52, 216, 0, 0));
}

TEST_CASE("The first tool runner stream is a tool call without text", "[shared-data]") {
  const json completion = stream_completion("recorded_tool_runner_stream_0.sse");
  const json& message = completion["choices"][0]["message"];
  CHECK(completion["model"] == "claude-haiku-4-5-20251001");
  CHECK(message["content"].is_null());
  CHECK(
      message["tool_calls"] ==
      json::array({json{{"id", "toolu_018acGYLtfR52q9yDbWaEdQZ"},
                        {"type", "function"},
                        {"function",
                         {{"name", "get_weather"},
                          {"arguments", R"({"location": "San Francisco, CA", "units": "f"})"}}}}}));
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(completion["usage"] == usage(656, 74, 0, 0));
}

TEST_CASE("The second tool runner stream is the final text answer, UTF-8 intact", "[shared-data]") {
  const json completion = stream_completion("recorded_tool_runner_stream_1.sse");
  CHECK(completion["id"] == "msg_016HxyUMAncysqX7dn1kWNRx");
  CHECK(completion["choices"][0]["message"]["content"] ==
        "The weather in San Francisco, CA is currently:\n- **Temperature:** 68\xC2\xB0"
        "F\n- **Condition:** Sunny\n\nIt's a nice sunny day!");
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(completion["usage"] == usage(770, 38, 0, 0));
}

TEST_CASE("The recorded tools stream gives text and two tool calls in order", "[shared-data]") {
  const json completion = stream_completion("recorded_tools_stream.sse");
  const json& message = completion["choices"][0]["message"];
  CHECK(message["content"] ==
        "Certainly! I can help you with that information. To get the weather and current time "
        "in San Francisco, I'll need to use two separate functions. Let me fetch that data for "
        "you.");
  CHECK(message["tool_calls"] ==
        json::array(
            {json{{"id", "toolu_014x5X91kx3fvdhpLvwXZWE2"},
                  {"type", "function"},
                  {"function",
                   {{"name", "get_weather"},
                    {"arguments", R"({"location": "San Francisco, CA", "unit": "celsius"})"}}}},
             json{{"id", "toolu_0121kXsENLvoDZ72LCuAnCCz"},
                  {"type", "function"},
                  {"function",
                   {{"name", "get_time"},
                    {"arguments", R"({"timezone": "America/Los_Angeles"})"}}}}}));
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(completion["usage"] == usage(506, 153, 0, 0));
}

// ---- Stream translation details -------------------------------------------------------------

TEST_CASE("Tool call chunks are indexed by tool call, not by content block", "[shared-data]") {
  const TranslatedStream run = run_stream("recorded_tools_stream.sse", 0);
  std::vector<int> indexes;
  for (const json& chunk : run.chunks) {
    const json& delta = chunk["choices"][0]["delta"];
    if (delta.contains("tool_calls")) indexes.push_back(delta["tool_calls"][0]["index"]);
  }
  REQUIRE_FALSE(indexes.empty());
  CHECK(indexes.front() == 0);
  CHECK(indexes.back() == 1);
  CHECK(std::all_of(indexes.begin(), indexes.end(), [](int i) { return i == 0 || i == 1; }));
}

TEST_CASE("Every chunk is a chat.completion.chunk with message_start's id, model and created",
          "[shared-data]") {
  const TranslatedStream run = run_stream("basic_response.sse", 0);
  REQUIRE(run.chunks.size() == 5);  // start, three text deltas, message_delta
  for (const json& chunk : run.chunks) {
    CHECK(chunk["object"] == "chat.completion.chunk");
    CHECK(chunk["id"] == "msg_4QpJur2dWWDjF6C758FbBw5vm12BaVipnK");
    CHECK(chunk["model"] == "claude-3-opus-latest");
    CHECK(chunk["created"] == run.chunks.front()["created"]);
  }
  CHECK(run.chunks.front()["choices"][0]["delta"] == json{{"role", "assistant"}, {"content", ""}});
  CHECK(run.chunks.back()["choices"][0]["finish_reason"] == "stop");
  CHECK(run.chunks.back()["usage"] == usage(11, 6, 0, 0));
}

TEST_CASE("The stream is finished only after message_stop") {
  AnthropicStreamTranslator translator;
  translate(translator, "message_start",
            R"({"type":"message_start","message":{"id":"m","model":"x","usage":{}}})");
  translate(
      translator, "message_delta",
      R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}})");
  CHECK_FALSE(translator.finished());
  CHECK(translate(translator, "message_stop", R"({"type":"message_stop"})").empty());
  CHECK(translator.finished());
}

TEST_CASE("Events without an event name are typed by the data's type field") {
  AnthropicStreamTranslator translator;
  translate(translator, "message",
            R"({"type":"message_start","message":{"id":"m1","model":"x","usage":{}}})");
  const auto out = translate(
      translator, "message",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}})");
  // message_start's chunk goes out with the message's first output.
  REQUIRE(out.size() == 2);
  CHECK(out[0]["id"] == "m1");
  CHECK(out[0]["choices"][0]["delta"] == json{{"role", "assistant"}, {"content", ""}});
  CHECK(out[1]["id"] == "m1");
  CHECK(out[1]["choices"][0]["delta"] == json{{"content", "Hi"}});
}

TEST_CASE("Ping, block stops, signatures and unknown events yield no chunk") {
  AnthropicStreamTranslator translator;
  CHECK(translate(translator, "ping", R"({"type": "ping"})").empty());
  CHECK(translate(
            translator, "content_block_start",
            R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})")
            .empty());
  CHECK(
      translate(
          translator, "content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}})")
          .empty());
  CHECK(
      translate(
          translator, "content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"citations_delta","citation":{}}})")
          .empty());
  CHECK(translate(translator, "content_block_stop", R"({"type":"content_block_stop","index":0})")
            .empty());
  CHECK(translate(translator, "brand_new_event", R"({"type":"brand_new_event"})").empty());
  CHECK_FALSE(translator.finished());
}

TEST_CASE("A tool call that streams no arguments gets an empty JSON object") {
  AnthropicStreamTranslator translator;
  litellm::StreamAccumulator accumulator;
  const auto feed = [&](const std::string& event, const std::string& data) {
    for (const json& chunk : translate(translator, event, data)) accumulator.add(chunk);
  };
  feed("message_start", R"({"type":"message_start","message":{"id":"m","model":"x","usage":{}}})");
  feed(
      "content_block_start",
      R"({"type":"content_block_start","index":0,"content_block":{"type":"tool_use","id":"t","name":"now","input":{}}})");
  feed(
      "content_block_delta",
      R"({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":""}})");
  feed("content_block_stop", R"({"type":"content_block_stop","index":0})");
  const json message = accumulator.completion()["choices"][0]["message"];
  CHECK(message["tool_calls"][0]["function"] == json{{"name", "now"}, {"arguments", "{}"}});
}

TEST_CASE("An error event throws the typed error: overloaded is a retryable server error") {
  AnthropicStreamTranslator translator;
  try {
    translate(translator, "error",
              R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})");
    FAIL("no error was thrown");
  } catch (const litellm::ServerError& error) {
    CHECK(error.kind() == ErrorKind::server);
    CHECK(error.provider() == "anthropic");
    CHECK(error.error_type() == "overloaded_error");
    CHECK(error.provider_message() == "Overloaded");
    CHECK(error.retryable());
  }
}

TEST_CASE("Stream data that is not JSON is a ProtocolError") {
  AnthropicStreamTranslator translator;
  CHECK_THROWS_AS(translate(translator, "content_block_delta", "{not json"),
                  litellm::ProtocolError);
}

TEST_CASE("The adapter hands out a fresh Anthropic stream translator") {
  const auto translator = kAdapter.stream_translator();
  REQUIRE(translator != nullptr);
  CHECK_FALSE(translator->finished());
  CHECK(dynamic_cast<AnthropicStreamTranslator*>(translator.get()) != nullptr);
}

namespace {

/// An SSE event block of an Anthropic stream.
std::string sse_event(const std::string& event, const std::string& data) {
  return "event: " + event + "\ndata: " + data + "\n\n";
}

std::string message_start_event(const std::string& id, const std::string& model) {
  return sse_event("message_start", R"({"type":"message_start","message":{"id":")" + id +
                                        R"(","type":"message","role":"assistant","content":[],)" +
                                        R"("model":")" + model +
                                        R"(","usage":{"input_tokens":5,"output_tokens":1}}})");
}

std::string text_block_event(int index) {
  return sse_event("content_block_start", R"({"type":"content_block_start","index":)" +
                                              std::to_string(index) +
                                              R"(,"content_block":{"type":"text","text":""}})");
}

std::string text_delta_event(int index, const std::string& text) {
  return sse_event("content_block_delta",
                   R"({"type":"content_block_delta","index":)" + std::to_string(index) +
                       R"(,"delta":{"type":"text_delta","text":")" + text + R"("}})");
}

std::string block_stop_event(int index) {
  return sse_event("content_block_stop",
                   R"({"type":"content_block_stop","index":)" + std::to_string(index) + "}");
}

/// message_delta (end_turn, 3 output tokens) and message_stop.
std::string message_end_events() {
  return sse_event(
             "message_delta",
             R"({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}})") +
         sse_event("message_stop", R"({"type":"message_stop"})");
}

/// Translates and accumulates a whole hand-written stream; `chunks` receives every chunk.
json accumulate_stream(const std::string& body, std::vector<json>* chunks = nullptr) {
  AnthropicStreamTranslator translator;
  TranslatedStream run = translate_stream(body, translator);
  CHECK(run.finished);
  if (chunks != nullptr) *chunks = std::move(run.chunks);
  return run.completion;
}

/// A streamed completion of `body` through a LiteLLMBackend whose Anthropic key is answered by a
/// fake transport.
json backend_stream(const std::string& body) {
  FakeHarness h;
  h.transport->push(litellm::FakeResponse::event_stream(body));
  auto backend = h.backend({anthropic_info()}, "claude-sonnet-4-5");
  return backend.completion(json{{"messages", json::array({user("Hi")})}},
                            [](const json&) { return true; });
}

}  // namespace

TEST_CASE("A message_start of another message while one is open is a ProtocolError") {
  AnthropicStreamTranslator translator;
  translate(translator, "message_start",
            R"({"type":"message_start","message":{"id":"msg_a","model":"x","usage":{}}})");
  CHECK_THROWS_AS(
      translate(translator, "message_start",
                R"({"type":"message_start","message":{"id":"msg_b","model":"x","usage":{}}})"),
      litellm::ProtocolError);
}

TEST_CASE("A spliced stream fails the backend call with a ProtocolError carrying what arrived") {
  const std::string body = message_start_event("msg_first", "claude-a") + text_block_event(0) +
                           text_delta_event(0, "Hel") +
                           message_start_event("msg_second", "claude-a") + text_block_event(0) +
                           text_delta_event(0, "Other") + block_stop_event(0) +
                           message_end_events();
  try {
    backend_stream(body);
    FAIL("no error was thrown");
  } catch (const litellm::ProtocolError& error) {
    CHECK(error.kind() == ErrorKind::protocol);
    const json* partial = error.partial();
    REQUIRE(partial != nullptr);
    CHECK((*partial)["id"] == "msg_first");
    CHECK((*partial)["choices"][0]["message"]["content"] == "Hel");
    CHECK((*partial)["choices"][0]["finish_reason"].is_null());
  }
}

TEST_CASE("A repeated message_start of the open message is ignored") {
  const std::string start = message_start_event("msg_same", "claude-a");
  std::vector<json> chunks;
  const json completion =
      accumulate_stream(start + start + text_block_event(0) + text_delta_event(0, "Hello") +
                            block_stop_event(0) + message_end_events(),
                        &chunks);
  CHECK(completion["id"] == "msg_same");
  CHECK(completion["choices"][0]["message"] == json{{"role", "assistant"}, {"content", "Hello"}});
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(completion["usage"]["prompt_tokens"] == 5);
  const auto role_chunks = std::count_if(chunks.begin(), chunks.end(), [](const json& chunk) {
    return chunk["choices"][0]["delta"].contains("role");
  });
  CHECK(role_chunks == 1);
}

TEST_CASE("Events after message_stop are ignored, a stray [DONE] included") {
  AnthropicStreamTranslator translator;
  translate(translator, "message_start",
            R"({"type":"message_start","message":{"id":"m","model":"x","usage":{}}})");
  translate(translator, "message_stop", R"({"type":"message_stop"})");
  REQUIRE(translator.finished());
  CHECK(translate(translator, "message", "[DONE]").empty());
  CHECK(
      translate(
          translator, "content_block_delta",
          R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"late"}})")
          .empty());
  CHECK(translate(translator, "error",
                  R"({"type":"error","error":{"type":"overloaded_error","message":"late"}})")
            .empty());
  CHECK(translator.finished());
}

TEST_CASE("A backend stream with [DONE] after message_stop returns the completed response") {
  const std::string body = message_start_event("msg_done", "claude-a") + text_block_event(0) +
                           text_delta_event(0, "pong") + block_stop_event(0) +
                           message_end_events() + "data: [DONE]\n\n";
  const json completion = backend_stream(body);
  CHECK(completion["id"] == "msg_done");
  CHECK(completion["choices"][0]["message"]["content"] == "pong");
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
}

TEST_CASE("A fallback block makes the completion name the model that answered") {
  const std::string fallback =
      sse_event("content_block_start",
                R"({"type":"content_block_start","index":0,"content_block":{"type":"fallback",)"
                R"("from":{"model":"claude-first"},"to":{"model":"claude-second"}}})");
  std::vector<json> chunks;
  const json completion = accumulate_stream(
      message_start_event("msg_fb", "claude-first") + fallback + block_stop_event(0) +
          text_block_event(1) + text_delta_event(1, "Answer") + block_stop_event(1) +
          message_end_events(),
      &chunks);
  CHECK(completion["model"] == "claude-second");
  CHECK(completion["choices"][0]["message"] == json{{"role", "assistant"}, {"content", "Answer"}});
  REQUIRE_FALSE(chunks.empty());
  for (const json& chunk : chunks) CHECK(chunk["model"] == "claude-second");
}

TEST_CASE("A message without output still yields its role chunk at message_stop") {
  AnthropicStreamTranslator translator;
  CHECK(translate(translator, "message_start",
                  R"({"type":"message_start","message":{"id":"m","model":"x","usage":{}}})")
            .empty());
  const auto out = translate(translator, "message_stop", R"({"type":"message_stop"})");
  REQUIRE(out.size() == 1);
  CHECK(out[0]["id"] == "m");
  CHECK(out[0]["choices"][0]["delta"] == json{{"role", "assistant"}, {"content", ""}});
}
