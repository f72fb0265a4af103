// The Gemini adapter: request translation, response translation, stream translation,
// embeddings, errors, and the backend replaying recorded bodies.
//
// Expected values were written by hand from reading the recorded vectors in
// LITELLM_TEST_DATA_DIR/llm-vectors/gemini (read by the [shared-data] cases only), never
// computed with the code under test.
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "expect_error.hpp"
#include "fake_harness.hpp"
#include "litellm/backend.hpp"
#include "litellm/detail/daily_reset.hpp"
#include "litellm/fake_transport.hpp"
#include "litellm/merge.hpp"
#include "litellm/providers/gemini.hpp"
#include "litellm/sse.hpp"
#include "sse_reading.hpp"
#include "vectors.hpp"

using litellm::ApiInfo;
using litellm::ErrorKind;
using litellm::GeminiAdapter;
using litellm::GeminiStreamTranslator;
using litellm::HttpRequest;
using litellm::json;
using namespace litellm::test;

namespace {

const GeminiAdapter kAdapter;
constexpr const char* kKey = "AIzaSy-test-KEY-0123456789abcdef";

ApiInfo gemini_info(std::optional<std::string> base = std::nullopt) {
  return ApiInfo{"gemini", std::nullopt, kKey, std::move(base)};
}

json user(const std::string& text) {
  return json{{"role", "user"}, {"content", text}};
}

HttpRequest request_for(const json& params, bool stream = false) {
  return kAdapter.chat_request(gemini_info(), "gemini-2.5-flash", params, stream);
}

json body_for(const json& params, bool stream = false) {
  return json::parse(request_for(params, stream).body);
}

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

/// Translates `body` fed to the SSE parser split into two pieces at `cut` (npos: whole).
TranslatedStream run_split(const std::string& body, std::size_t cut) {
  GeminiStreamTranslator translator;
  litellm::SseParser parser;
  litellm::StreamAccumulator accumulator(1);
  TranslatedStream run;
  const auto on_event = [&](const litellm::SseEvent& event) {
    std::vector<json> out;
    translator.on_event(event, out);
    for (json& chunk : out) {
      accumulator.add(chunk);
      run.chunks.push_back(std::move(chunk));
    }
  };
  if (cut >= body.size()) {
    parser.feed(body, on_event);
  } else {
    parser.feed(std::string_view(body).substr(0, cut), on_event);
    parser.feed(std::string_view(body).substr(cut), on_event);
  }
  parser.finish(on_event);
  run.completion = accumulator.completion();
  run.completion.erase("created");
  run.finished = translator.finished();
  return run;
}

/// The completion of a recorded stream, after checking that every split of its bytes in two
/// and a byte-by-byte feed give the same chunks' completion and end state. Files over 2 KB
/// (stream_thinking.sse: 17.7 KB) are cut at every 13th offset: the byte-by-byte feed already
/// puts a boundary at every offset, and all cuts would cost quadratic time.
TranslatedStream stream_of(const std::string& vector) {
  const std::string body = vector_file("gemini/" + vector);
  TranslatedStream whole = run_split(body, std::string::npos);
  const std::size_t step = body.size() > 2048 ? 13 : 1;
  for (std::size_t cut = 1; cut < body.size(); cut += step) {
    TranslatedStream split = run_split(body, cut);
    INFO("split at byte " << cut);
    REQUIRE(split.finished == whole.finished);
    REQUIRE(split.completion == whole.completion);
  }
  GeminiStreamTranslator bytewise;
  TranslatedStream by_byte = translate_stream(body, bytewise, 1, 1);
  by_byte.completion.erase("created");
  REQUIRE(by_byte.completion == whole.completion);
  return whole;
}

const json& message_of(const json& completion) {
  return completion["choices"][0]["message"];
}

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

json usage(long long prompt, long long completion, long long total, long long reasoning,
           long long cached = 0) {
  return json{{"prompt_tokens", prompt},
              {"completion_tokens", completion},
              {"total_tokens", total},
              {"prompt_tokens_details", {{"cached_tokens", cached}}},
              {"completion_tokens_details", {{"reasoning_tokens", reasoning}}}};
}

litellm::Error error_for(int status, const std::string& vector) {
  litellm::HttpResponse response;
  response.status = status;
  response.headers = {{"content-type", "application/json; charset=UTF-8"}};
  response.body = vector_file("gemini/" + vector);
  return kAdapter.error_from_response(response);
}

}  // namespace

// ---- Request: URL and headers ---------------------------------------------------------------

TEST_CASE("A Gemini request goes to generateContent under the default base URL") {
  CHECK(request_for(json{{"messages", {user("hi")}}}).url ==
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:"
        "generateContent");
}

TEST_CASE("A streamed Gemini request goes to streamGenerateContent with alt=sse") {
  const HttpRequest request = request_for(json{{"messages", {user("hi")}}}, true);
  CHECK(request.url ==
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:"
        "streamGenerateContent?alt=sse");
  CHECK(request.stream);
  CHECK(request.headers.value("accept") == "text/event-stream");
  CHECK_FALSE(json::parse(request.body).contains("stream"));
}

TEST_CASE("api_base replaces the Gemini host; a base ending in /v1beta gets only /models") {
  CHECK(kAdapter
            .chat_request(gemini_info("http://127.0.0.1:9/"), "models/gemini-2.0-flash",
                          json{{"messages", {user("hi")}}}, false)
            .url == "http://127.0.0.1:9/v1beta/models/gemini-2.0-flash:generateContent");
  CHECK(kAdapter
            .chat_request(gemini_info("http://proxy/v1beta"), "gemini-2.0-flash",
                          json{{"messages", {user("hi")}}}, false)
            .url == "http://proxy/v1beta/models/gemini-2.0-flash:generateContent");
}

TEST_CASE("Tuned models get their own path and odd model names are a ConfigError") {
  CHECK(kAdapter
            .chat_request(gemini_info(), "tunedModels/my-model-1", json{{"messages", {user("hi")}}},
                          false)
            .url ==
        "https://generativelanguage.googleapis.com/v1beta/tunedModels/my-model-1:generateContent");
  for (const char* model : {"gemini?key=x", "a/b", "gemini flash", ""}) {
    CAPTURE(model);
    config_error_of([&] {
      kAdapter.chat_request(gemini_info(), model, json{{"messages", {user("hi")}}}, false);
    });
  }
}

TEST_CASE("The key travels only in the x-goog-api-key header") {
  const HttpRequest request = request_for(json{{"messages", {user("hi")}}});
  CHECK(request.headers.value("x-goog-api-key") == kKey);
  CHECK(request.headers.find("authorization") == nullptr);
  CHECK(request.url.find(kKey) == std::string::npos);
  CHECK(request.body.find(kKey) == std::string::npos);
  CHECK(request.headers.value("content-type") == "application/json");
}

TEST_CASE("The native gemini backend speaks Gemini; gemini_openai keeps the OpenAI endpoint") {
  CHECK(litellm::adapter_for(gemini_info()).protocol() == litellm::WireProtocol::gemini);
  CHECK_FALSE(litellm::spec_for("gemini").body_passthrough);
  CHECK(litellm::spec_for("gemini").error_shape == litellm::ErrorShape::google);
  CHECK(litellm::spec_for("gemini_openai").protocol == litellm::WireProtocol::openai);
  CHECK(litellm::spec_for("gemini_openai").default_api_base ==
        "https://generativelanguage.googleapis.com/v1beta/openai");
}

// ---- Request: messages ----------------------------------------------------------------------

TEST_CASE("System and developer messages become systemInstruction; assistant becomes model") {
  const json body = body_for(json{{"messages",
                                   {{{"role", "system"}, {"content", "Be brief."}},
                                    user("Hi"),
                                    {{"role", "assistant"}, {"content", "Hello!"}},
                                    {{"role", "developer"}, {"content", "Answer in French."}},
                                    user("How are you?")}}});
  CHECK(body["systemInstruction"] ==
        json{{"parts", {{{"text", "Be brief."}}, {{"text", "Answer in French."}}}}});
  CHECK(body["contents"] == json::parse(R"([
    {"role": "user", "parts": [{"text": "Hi"}]},
    {"role": "model", "parts": [{"text": "Hello!"}]},
    {"role": "user", "parts": [{"text": "How are you?"}]}])"));
}

TEST_CASE("Images become inlineData from data URLs and fileData from http URLs") {
  const json body = body_for(json::parse(R"({"messages": [{"role": "user", "content": [
      {"type": "text", "text": "What is this?"},
      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
      {"type": "image_url", "image_url": {"url": "https://example.com/cat.JPG?x=1"}},
      {"type": "image_url", "image_url": {"url": "gs://bucket/doc", "format": "application/pdf"}},
      {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}}]}]})"));
  CHECK(body["contents"][0]["parts"] == json::parse(R"([
      {"text": "What is this?"},
      {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
      {"fileData": {"mimeType": "image/jpeg", "fileUri": "https://example.com/cat.JPG?x=1"}},
      {"fileData": {"mimeType": "application/pdf", "fileUri": "gs://bucket/doc"}},
      {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}}])"));
}

TEST_CASE("An http image URL whose mime type is unknown is a ConfigError asking for a data URL") {
  const std::string message = config_error_of([] {
    request_for(json::parse(R"({"messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "https://example.com/image"}}]}]})"));
  });
  CHECK(message.find("data: URL") != std::string::npos);
}

TEST_CASE("Tool calls become functionCall parts and tool results functionResponse parts") {
  const json body = body_for(json::parse(R"({"messages": [
      {"role": "user", "content": "Weather in Paris and Rome?"},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "call_0", "type": "function",
         "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
         "provider_specific_fields": {"thought_signature": "c2lnbmF0dXJl"}},
        {"id": "call_1", "type": "function",
         "function": {"name": "get_time", "arguments": ""}}]},
      {"role": "tool", "tool_call_id": "call_0", "content": "{\"temp\": 30}"},
      {"role": "tool", "tool_call_id": "call_1", "content": "noon"}]})"));
  CHECK(body["contents"] == json::parse(R"([
      {"role": "user", "parts": [{"text": "Weather in Paris and Rome?"}]},
      {"role": "model", "parts": [
        {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
         "thoughtSignature": "c2lnbmF0dXJl"},
        {"functionCall": {"name": "get_time", "args": {}}}]},
      {"role": "user", "parts": [
        {"functionResponse": {"name": "get_weather", "response": {"temp": 30}}},
        {"functionResponse": {"name": "get_time", "response": {"content": "noon"}}}]}])"));
}

TEST_CASE("A tool result whose call is unknown and that has no name is a ConfigError") {
  const std::string message = config_error_of([] {
    request_for(json::parse(
        R"({"messages": [{"role": "tool", "tool_call_id": "call_9", "content": "x"}]})"));
  });
  CHECK(message.find("call_9") != std::string::npos);
}

TEST_CASE("Tool call arguments that are not a JSON object are a ConfigError") {
  const std::string message = config_error_of([] {
    request_for(json::parse(R"({"messages": [{"role": "assistant", "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "[1]"}}]}]})"));
  });
  CHECK(message.find("c1") != std::string::npos);
}

// ---- Request: tools and generation config -----------------------------------------------------

TEST_CASE("Function tools become functionDeclarations; Gemini tools pass through") {
  const json body = body_for(json::parse(R"({"messages": [{"role": "user", "content": "x"}],
      "tools": [
        {"type": "function", "function": {"name": "get_weather", "description": "Weather",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                         "required": ["city"]}}},
        {"type": "function", "function": {"name": "now",
          "parameters": {"type": "object", "properties": {}}}},
        {"googleSearch": {}}]})"));
  CHECK(body["tools"] == json::parse(R"([
      {"functionDeclarations": [
        {"name": "get_weather", "description": "Weather",
         "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                        "required": ["city"]}},
        {"name": "now"}]},
      {"googleSearch": {}}])"));
}

TEST_CASE("tool_choice maps to functionCallingConfig modes") {
  const auto config = [](const json& choice) {
    return body_for(json{{"messages", {user("x")}}, {"tool_choice", choice}})["toolConfig"];
  };
  CHECK(config("auto") == json::parse(R"({"functionCallingConfig": {"mode": "AUTO"}})"));
  CHECK(config("none") == json::parse(R"({"functionCallingConfig": {"mode": "NONE"}})"));
  CHECK(config("required") == json::parse(R"({"functionCallingConfig": {"mode": "ANY"}})"));
  CHECK(config(json{{"type", "function"}, {"function", {{"name", "now"}}}}) ==
        json::parse(
            R"({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["now"]}})"));
}

TEST_CASE("Sampling parameters, max_tokens, stop, n and seed go into generationConfig") {
  const json body = body_for(json{{"messages", {user("x")}},
                                  {"temperature", 0.5},
                                  {"top_p", 0.9},
                                  {"max_tokens", 100},
                                  {"stop", "END"},
                                  {"n", 2},
                                  {"seed", 7},
                                  {"presence_penalty", 0.1}});
  CHECK(body["generationConfig"] == json::parse(R"({"temperature": 0.5, "topP": 0.9,
      "maxOutputTokens": 100, "stopSequences": ["END"], "candidateCount": 2, "seed": 7,
      "presencePenalty": 0.1})"));
  CHECK(body_for(
            json{{"messages", {user("x")}}, {"max_completion_tokens", 64}})["generationConfig"] ==
        json{{"maxOutputTokens", 64}});
}

TEST_CASE("response_format json_schema sets responseMimeType and responseSchema") {
  const json schema = json::parse(R"({"type": "object", "properties": {"a": {"type": "string"}}})");
  CHECK(body_for(
            json{{"messages", {user("x")}},
                 {"response_format",
                  {{"type", "json_schema"},
                   {"json_schema", {{"name", "r"}, {"schema", schema}}}}}})["generationConfig"] ==
        json{{"responseMimeType", "application/json"}, {"responseSchema", schema}});
  CHECK(body_for(json{{"messages", {user("x")}},
                      {"response_format", {{"type", "json_object"}}}})["generationConfig"] ==
        json{{"responseMimeType", "application/json"}});
}

TEST_CASE("OpenAI-only parameters are dropped and Gemini-native ones pass through") {
  const json body = body_for(json::parse(R"({"messages": [{"role": "user", "content": "x"}],
      "logit_bias": {"1": 2}, "user": "u1", "parallel_tool_calls": false,
      "stream_options": {"include_usage": true}, "temperature": null,
      "safetySettings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}],
      "generationConfig": {"thinkingConfig": {"includeThoughts": true}}})"));
  CHECK(body == json::parse(R"({"contents": [{"role": "user", "parts": [{"text": "x"}]}],
      "safetySettings": [{"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}],
      "generationConfig": {"thinkingConfig": {"includeThoughts": true}}})"));
}

// ---- Responses --------------------------------------------------------------------------------

TEST_CASE("The recorded generateContent becomes a completion with text and thought usage",
          "[shared-data]") {
  const json completion =
      kAdapter.chat_response(json::parse(vector_file("gemini/generate_text.json")));
  CHECK(completion["id"] == "-hk4afOSMZKkjuMPnJWGkAk");
  CHECK(completion["model"] == "gemini-2.5-flash");
  CHECK(completion["object"] == "chat.completion");
  const json& choice = completion["choices"][0];
  CHECK(choice["index"] == 0);
  CHECK(choice["finish_reason"] == "stop");
  const std::string content = choice["message"]["content"];
  CHECK(starts_with(content, "AI stands for **Artificial Intelligence**.\n\n"));
  CHECK(ends_with(content, " job displacement, and the need for responsible development."));
  CHECK_FALSE(choice["message"].contains("reasoning_content"));
  CHECK(completion["usage"] == usage(5, 877 + 1058, 1940, 1058));
}

TEST_CASE("A recorded thought part and function call give reasoning and a tool call",
          "[shared-data]") {
  const json completion = kAdapter.chat_response(
      json::parse(vector_file("gemini/generate_thinking_function_call.json")));
  const json& choice = completion["choices"][0];
  CHECK(choice["finish_reason"] == "tool_calls");
  const json& message = choice["message"];
  CHECK(message["content"].is_null());
  const std::string reasoning = message["reasoning_content"];
  CHECK(starts_with(reasoning, "**Thinking Through the New Year's Eve Calculation**\n\n"));
  CHECK(ends_with(reasoning,
                  "I'll need to check for leap years as well. I think this will all work.\n"));
  REQUIRE(message["tool_calls"].size() == 1);
  const json& call = message["tool_calls"][0];
  CHECK(call["id"] == "call_0");
  CHECK(call["type"] == "function");
  CHECK(call["function"] == json{{"name", "now"}, {"arguments", "{}"}});
  const std::string signature = call["provider_specific_fields"]["thought_signature"];
  CHECK(starts_with(signature, "CtQOAVSoXO74PmYr9AFurEIJNTAtfagOIxtRA5Fc"));
  CHECK(completion["usage"] == usage(38, 8 + 501, 547, 501));
  CHECK(completion["model"] == "gemini-2.5-pro");
}

TEST_CASE("MAX_TOKENS is length, with and without parts", "[shared-data]") {
  const json truncated =
      kAdapter.chat_response(json::parse(vector_file("gemini/generate_max_tokens.json")));
  CHECK(truncated["choices"][0]["finish_reason"] == "length");
  CHECK(truncated["choices"][0]["message"]["content"] == "The capital of France is");
  CHECK(truncated["usage"] == usage(15, 5, 20, 0));
  const json empty =
      kAdapter.chat_response(json::parse(vector_file("gemini/generate_max_tokens_no_parts.json")));
  CHECK(empty["choices"][0]["finish_reason"] == "length");
  CHECK(empty["choices"][0]["message"]["content"].is_null());
  CHECK(empty["usage"] == usage(15, 2, 17, 2));
}

TEST_CASE("finishReason SAFETY with empty content is content_filter", "[shared-data]") {
  const json completion =
      kAdapter.chat_response(json::parse(vector_file("gemini/generate_finish_safety.json")));
  CHECK(completion["choices"][0]["finish_reason"] == "content_filter");
  CHECK(completion["choices"][0]["message"]["content"].is_null());
  CHECK(completion["model"] == "gemini-1.5-flash");
  CHECK(completion["usage"] == usage(14, 0, 14, 0));
}

TEST_CASE("Only promptFeedback and no candidates is a BadRequestError content_filter",
          "[shared-data]") {
  const auto error = expect_error<litellm::BadRequestError>([] {
    kAdapter.chat_response(json::parse(vector_file("gemini/generate_only_prompt_feedback.json")));
  });
  CHECK(error.error_code() == "content_filter");
  CHECK(error.error_type() == "BLOCK_REASON_UNSPECIFIED");
  CHECK(error.provider_message() == "Message");
  CHECK_FALSE(error.retryable());
}

TEST_CASE("A response without candidates or feedback is a ProtocolError") {
  expect_error<litellm::ProtocolError>([] { kAdapter.chat_response(json::parse(R"({"x": 1})")); });
}

TEST_CASE("Finish reasons map as the issue's table says") {
  using litellm::gemini_finish_reason;
  CHECK(gemini_finish_reason("STOP", false) == "stop");
  CHECK(gemini_finish_reason("STOP", true) == "tool_calls");
  CHECK(gemini_finish_reason("MAX_TOKENS", true) == "length");
  for (const char* reason : {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII"}) {
    CHECK(gemini_finish_reason(reason, false) == "content_filter");
  }
  CHECK(gemini_finish_reason(nullptr, false).is_null());
}

TEST_CASE("Two candidates without index become choices 0 and 1 by position") {
  const json completion = kAdapter.chat_response(json::parse(R"({"candidates": [
      {"content": {"parts": [{"text": "a"}], "role": "model"}, "finishReason": "STOP"},
      {"content": {"parts": [{"text": "b"}], "role": "model"}, "finishReason": "STOP"}],
      "responseId": "r", "modelVersion": "m"})"));
  REQUIRE(completion["choices"].size() == 2);
  CHECK(completion["choices"][1]["index"] == 1);
  CHECK(completion["choices"][1]["message"]["content"] == "b");
}

// ---- Streams: every recorded stream, split at every byte offset -------------------------------

TEST_CASE("The recorded text stream accumulates to its text, stop and the last usage",
          "[shared-data]") {
  const TranslatedStream run = stream_of("stream_text.sse");
  CHECK(run.finished);
  CHECK(run.completion["id"] == "w1peaMz6INOvnvgPgYfPiQY");
  CHECK(run.completion["model"] == "gemini-2.0-flash-exp");
  CHECK(message_of(run.completion)["content"] == "The capital of France is Paris.\n");
  CHECK(run.completion["choices"][0]["finish_reason"] == "stop");
  CHECK(run.completion["usage"] == usage(13, 8, 21, 0));
  REQUIRE(run.chunks.size() == 3);
  CHECK(run.chunks[0]["choices"][0]["delta"]["role"] == "assistant");
  CHECK_FALSE(run.chunks[1]["choices"][0]["delta"].contains("role"));
}

TEST_CASE("The recorded UTF-8 stream keeps its text and the last usage", "[shared-data]") {
  const TranslatedStream run = stream_of("stream_text_after_function_response.sse");
  CHECK(run.finished);
  CHECK(message_of(run.completion)["content"] ==
        "The temperature in Paris is 30\xC2\xB0"
        "C.\n");
  CHECK(run.completion["usage"] == usage(79, 12, 91, 0));
}

TEST_CASE("A recorded whole function call in one event is tool call index 0 and tool_calls",
          "[shared-data]") {
  const TranslatedStream run = stream_of("stream_function_call.sse");
  CHECK(run.finished);
  const json& message = message_of(run.completion);
  CHECK(message["content"].is_null());
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0]["id"] == "call_0");
  CHECK(message["tool_calls"][0]["function"] ==
        json{{"name", "get_capital"}, {"arguments", R"({"country":"France"})"}});
  CHECK(run.chunks[0]["choices"][0]["delta"]["tool_calls"][0]["index"] == 0);
  CHECK(run.completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(run.completion["usage"] == usage(52, 5, 57, 0));
}

TEST_CASE("A call in one event and STOP in the next still finishes as tool_calls",
          "[shared-data]") {
  const TranslatedStream run = stream_of("stream_function_call_thought_signature.sse");
  CHECK(run.finished);
  const json& message = message_of(run.completion);
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0]["function"] == json{{"name", "get_country"}, {"arguments", "{}"}});
  const std::string signature =
      message["tool_calls"][0]["provider_specific_fields"]["thought_signature"];
  CHECK(starts_with(signature, "EpwICpkIAXLI2nxlU6gsWZaZHRYkX1orzuM8vSUFwaAt1JRxEC2hJzPAcAu3"));
  CHECK(ends_with(signature, "AXOk15QuFyU="));
  CHECK(message["content"].is_null());
  CHECK(run.completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(run.completion["model"] == "gemini-3-pro-preview");
  CHECK(run.completion["usage"] == usage(29, 10 + 202, 241, 202));
}

TEST_CASE("A recorded call with its own id keeps that id", "[shared-data]") {
  const TranslatedStream run = stream_of("stream_function_call_with_id.sse");
  CHECK(run.finished);
  const json& call = message_of(run.completion)["tool_calls"][0];
  CHECK(call["id"] == "96c1su3s");
  CHECK(call["function"]["name"] == "get_user_country");
  CHECK(ends_with(call["provider_specific_fields"]["thought_signature"], "9L0tnpbDR9Eg"));
  CHECK(run.completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(run.completion["usage"] == usage(29, 12 + 69, 110, 69));
}

TEST_CASE("JSON text split across events and an empty signature part at the end", "[shared-data]") {
  const TranslatedStream run = stream_of("stream_json_text_signature_last.sse");
  CHECK(run.finished);
  CHECK(message_of(run.completion)["content"] ==
        "{\n  \"city\": \"Mexico City\",\n  \"country\": \"Mexico\"\n} ");
  CHECK(run.completion["choices"][0]["finish_reason"] == "stop");
  CHECK(run.completion["usage"] == usage(128, 21 + 30, 179, 30));
}

TEST_CASE("Thought parts stream as reasoning_content before the answer", "[shared-data]") {
  const TranslatedStream run = stream_of("stream_thinking.sse");
  CHECK(run.finished);
  const json& message = message_of(run.completion);
  const std::string reasoning = message["reasoning_content"];
  const std::string content = message["content"];
  CHECK(starts_with(reasoning, "**Clarifying User Goals**\n\nI'm currently"));
  CHECK(ends_with(reasoning, " specific circumstances or locations.\n\n\n"));
  CHECK(starts_with(content, "This is a great question! Safely crossing the street is all "));
  CHECK(ends_with(content, " be predictable**. Always assume a driver might not see you."));
  CHECK(run.chunks.size() == 23);
  CHECK(run.completion["model"] == "gemini-2.5-pro");
  CHECK(run.completion["usage"] == usage(34, 469 + 787, 1290, 787));
}

TEST_CASE("Code execution parts become fenced blocks in the content", "[shared-data]") {
  const TranslatedStream run = stream_of("stream_code_execution.sse");
  CHECK(run.finished);
  CHECK(message_of(run.completion)["content"] ==
        "```python\nresult = 65465 - 6544 * 65464 - 6 + 1.02255\nprint(result)\n```\n"
        "```output\n-428330955.97745\n\n```\n"
        "The result of $65465 - 6544 \\times 65464 - 6 + 1.02255$ is **-428,330,955.97745**.");
  CHECK(run.completion["usage"] == usage(147, 108 + 168, 783, 168));
}

TEST_CASE("A recitation stream ends with content_filter after its text", "[shared-data]") {
  const TranslatedStream run = stream_of("stream_recitation.sse");
  CHECK(run.finished);
  CHECK(message_of(run.completion)["content"] == "text1text2text3text4text5text6text7text8");
  CHECK(run.completion["choices"][0]["finish_reason"] == "content_filter");
  CHECK(run.completion["usage"] == usage(9, 261, 270, 0));
}

TEST_CASE("A blocked prompt in a stream throws BadRequestError SAFETY at every split",
          "[shared-data]") {
  const std::string body = vector_file("gemini/stream_prompt_blocked_safety.sse");
  for (std::size_t cut = 1; cut <= body.size(); ++cut) {
    const auto error = expect_error<litellm::BadRequestError>([&] { run_split(body, cut); });
    CHECK(error.error_code() == "content_filter");
    CHECK(error.error_type() == "SAFETY");
  }
}

TEST_CASE(
    "The Vertex mid-stream file: its two events are read, the bare JSON after them is not "
    "SSE",
    "[shared-data]") {
  // Two `data:` events (each with finishReason STOP), then a pretty-printed JSON error object
  // outside any `data:` field: SSE ignores lines that are not fields, so only the events count.
  const TranslatedStream run = stream_of("stream_error_mid_stream_vertex.txt");
  CHECK(run.finished);
  CHECK(message_of(run.completion)["content"] == "First Second ");
}

TEST_CASE("The JSON-array stream (no alt=sse) accumulates like the SSE one", "[shared-data]") {
  const json completion = kAdapter.chat_response(
      json::parse(vector_file("gemini/stream_json_array_thinking_function_call.json")));
  const json& message = message_of(completion);
  CHECK(ends_with(message["reasoning_content"], "pelican. It's a quick plan.\n\n\n"));
  CHECK(message["tool_calls"][0]["function"] ==
        json{{"name", "pelican_name_generator"}, {"arguments", "{}"}});
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(completion["usage"] == usage(32, 12 + 42, 86, 42));
}

TEST_CASE("Tool call indexes and generated ids count calls across events") {
  GeminiStreamTranslator translator;
  std::vector<json> out;
  translator.on_response(json::parse(R"({"candidates": [{"content": {"parts": [
      {"functionCall": {"name": "a", "args": {"x": 1}}}], "role": "model"}}], "responseId": "r"})"),
                         out);
  translator.on_response(json::parse(R"({"candidates": [{"content": {"parts": [
      {"functionCall": {"name": "b", "args": {}}}], "role": "model"}, "finishReason": "STOP"}]})"),
                         out);
  REQUIRE(out.size() == 2);
  CHECK(out[1]["choices"][0]["delta"]["tool_calls"][0]["index"] == 1);
  CHECK(out[1]["choices"][0]["delta"]["tool_calls"][0]["id"] == "call_1");
  CHECK(out[1]["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(translator.finished());
}

TEST_CASE("An in-band error event throws its typed error") {
  GeminiStreamTranslator translator;
  std::vector<json> out;
  litellm::SseEvent event;
  event.data = R"({"error": {"code": 503, "message": "overloaded", "status": "UNAVAILABLE"}})";
  const auto error = expect_error<litellm::ServerError>([&] { translator.on_event(event, out); });
  CHECK(error.error_type() == "UNAVAILABLE");
}

TEST_CASE("A stream cut before any finishReason is not finished", "[shared-data]") {
  const std::string body = vector_file("gemini/stream_text.sse");
  const std::string cut = body.substr(0, body.rfind("data:"));
  GeminiStreamTranslator translator;
  const TranslatedStream run = translate_stream(cut, translator);
  CHECK_FALSE(run.finished);
  CHECK(message_of(run.completion)["content"] == "The capital of France");
}

// ---- Embeddings ---------------------------------------------------------------------------------

TEST_CASE("Embeddings go to batchEmbedContents, one request per input") {
  const HttpRequest request =
      kAdapter.embedding_request(gemini_info(), "gemini-embedding-001",
                                 json{{"input", {"hello", "world"}}, {"dimensions", 768}});
  CHECK(request.url ==
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-embedding-001:"
        "batchEmbedContents");
  CHECK(request.headers.value("x-goog-api-key") == kKey);
  CHECK(json::parse(request.body) == json::parse(R"({"requests": [
      {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "hello"}]},
       "outputDimensionality": 768},
      {"model": "models/gemini-embedding-001", "content": {"parts": [{"text": "world"}]},
       "outputDimensionality": 768}]})"));
  config_error_of([] {
    kAdapter.embedding_request(gemini_info(), "m", json{{"input", {1, 2, 3}}});
  });
}

TEST_CASE("The recorded batchEmbedContents answer becomes OpenAI's embedding list",
          "[shared-data]") {
  const json response =
      kAdapter.embedding_response(json::parse(vector_file("gemini/batch_embed_contents.json")));
  CHECK(response["object"] == "list");
  REQUIRE(response["data"].size() == 2);
  for (std::size_t i = 0; i < 2; ++i) {
    CHECK(response["data"][i]["object"] == "embedding");
    CHECK(response["data"][i]["index"] == i);
    CHECK(response["data"][i]["embedding"].size() == 768);
  }
  CHECK(response["data"][0]["embedding"][0].get<double>() == Approx(-0.011345503));
  CHECK(response["data"][0]["embedding"][2].get<double>() == Approx(0.05836822));
  CHECK(response["usage"] == json{{"prompt_tokens", 4}, {"total_tokens", 4}});
}

// ---- Errors -------------------------------------------------------------------------------------

TEST_CASE("The recorded 400 API_KEY_INVALID is an AuthError", "[shared-data]") {
  const litellm::Error error = error_for(400, "error_400_api_key_invalid.json");
  CHECK(error.kind() == ErrorKind::auth);
  CHECK(error.http_status() == 400);
  CHECK(error.error_type() == "INVALID_ARGUMENT");
  CHECK(error.error_code() == "API_KEY_INVALID");
  CHECK(error.provider_message() == "API key not valid. Please pass a valid API key.");
  CHECK(error.provider() == "gemini");
}

TEST_CASE("The recorded 403 PERMISSION_DENIED is an AuthError", "[shared-data]") {
  const litellm::Error error = error_for(403, "error_403_api_not_enabled.json");
  CHECK(error.kind() == ErrorKind::auth);
  CHECK(error.error_type() == "PERMISSION_DENIED");
  CHECK(error.error_code() == "SERVICE_DISABLED");
}

TEST_CASE("The recorded 404 is NotFound", "[shared-data]") {
  const litellm::Error error = error_for(404, "error_404_model_not_found.json");
  CHECK(error.kind() == ErrorKind::not_found);
  CHECK(error.error_type() == "NOT_FOUND");
  CHECK(starts_with(error.provider_message(), "models/nonexistent-model is not found"));
}

TEST_CASE("The recorded per-minute 429 is a retryable rate limit", "[shared-data]") {
  const litellm::Error legacy = error_for(429, "error_429_quota_legacy.json");
  CHECK(legacy.kind() == ErrorKind::rate_limit);
  CHECK(legacy.error_type() == "RESOURCE_EXHAUSTED");
  CHECK(legacy.error_code() == "RATE_LIMIT_EXCEEDED");
  CHECK(legacy.retryable());
  CHECK_FALSE(legacy.is_quota_exhausted());
  CHECK_FALSE(legacy.retry_after().has_value());

  const litellm::Error hinted = error_for(429, "error_429_quota_retry_info_handwritten.json");
  CHECK(hinted.kind() == ErrorKind::rate_limit);
  CHECK(hinted.retry_after() == std::chrono::milliseconds(34400));
  CHECK_FALSE(hinted.is_quota_exhausted());
}

TEST_CASE("A 429 on a per-day quota waits for Google's daily reset, not its RetryInfo") {
  litellm::HttpResponse response;
  response.status = 429;
  response.body = R"({"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED",
      "details": [{"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
        {"quotaId": "GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]},
       {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"}]}})";
  const auto before = std::chrono::system_clock::now();
  const litellm::Error error = kAdapter.error_from_response(response);
  const auto after = std::chrono::system_clock::now();
  CHECK(error.kind() == ErrorKind::rate_limit);
  CHECK(error.is_daily_quota());
  CHECK_FALSE(error.is_quota_exhausted());  // the key comes back at the reset
  REQUIRE(error.retry_after());
  // Until 00:00 Pacific time (the 20 s RetryInfo is not used), give or take the test's own time.
  CHECK(*error.retry_after() <= litellm::detail::until_pacific_midnight(before));
  CHECK(*error.retry_after() >=
        litellm::detail::until_pacific_midnight(after) - std::chrono::milliseconds(1));
  CHECK(*error.retry_after() != std::chrono::seconds(20));
}

// ---- The backend over a fake transport ---------------------------------------------------------

TEST_CASE("A gemini backend replays recorded bodies plain, streamed and embedded",
          "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({gemini_info("https://gemini.test")}, "gemini-2.0-flash");
  h.transport->push(
      litellm::FakeResponse::json_body(vector_file("gemini/generate_max_tokens.json")));
  const json plain = backend.completion(json{{"messages", {user("Capital of France?")}}});
  CHECK(plain["choices"][0]["message"]["content"] == "The capital of France is");

  h.transport->push(litellm::FakeResponse::event_stream(vector_file("gemini/stream_text.sse"), 5));
  std::vector<json> chunks;
  const json streamed =
      backend.completion(json{{"messages", {user("Capital of France?")}}}, [&](const json& chunk) {
        chunks.push_back(chunk);
        return true;
      });
  CHECK(streamed["choices"][0]["message"]["content"] == "The capital of France is Paris.\n");
  CHECK(chunks.size() == 3);

  h.transport->push(
      litellm::FakeResponse::json_body(vector_file("gemini/batch_embed_contents.json")));
  const json embedded = backend.embedding(json{{"input", {"a", "b"}}});
  CHECK(embedded["data"].size() == 2);
  CHECK(embedded["data"][1]["embedding"].size() == 768);

  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].url == "https://gemini.test/v1beta/models/gemini-2.0-flash:generateContent");
  CHECK(requests[1].url ==
        "https://gemini.test/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
  CHECK(requests[2].url == "https://gemini.test/v1beta/models/gemini-2.0-flash:batchEmbedContents");
}

TEST_CASE("A gemini stream cut before its finishReason is a StreamError carrying the text",
          "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({gemini_info("https://gemini.test")}, "gemini-2.0-flash");
  const std::string body = vector_file("gemini/stream_text.sse");
  h.transport->push(litellm::FakeResponse::event_stream(body.substr(0, body.rfind("data:"))));
  const auto error = expect_error<litellm::StreamError>([&] {
    backend.completion(json{{"messages", {user("x")}}}, [](const json&) { return true; });
  });
  REQUIRE(error.partial() != nullptr);
  CHECK((*error.partial())["choices"][0]["message"]["content"] == "The capital of France");
}

TEST_CASE("A bad gemini key moves the call to the next key", "[shared-data]") {
  FakeHarness h;
  auto backend =
      h.backend({gemini_info("https://a.test"), gemini_info("https://b.test")}, "gemini-2.0-flash");
  litellm::FakeResponse bad =
      litellm::FakeResponse::json_body(vector_file("gemini/error_400_api_key_invalid.json"), 400);
  h.transport->push(bad);
  h.transport->push(
      litellm::FakeResponse::json_body(vector_file("gemini/generate_max_tokens.json")));
  const json completion = backend.completion(json{{"messages", {user("x")}}});
  CHECK(completion["choices"][0]["finish_reason"] == "length");
  CHECK(h.transport->requests().size() == 2);
}

TEST_CASE("A blocked streamed prompt reaches the caller as a BadRequestError", "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({gemini_info("https://gemini.test")}, "gemini-2.0-flash");
  h.transport->push(
      litellm::FakeResponse::event_stream(vector_file("gemini/stream_prompt_blocked_safety.sse")));
  const auto error = expect_error<litellm::BadRequestError>([&] {
    backend.completion(json{{"messages", {user("x")}}}, [](const json&) { return true; });
  });
  CHECK(error.error_type() == "SAFETY");
  CHECK(h.transport->requests().size() == 1);  // not retried
}

TEST_CASE("A streamed call answered with the JSON-array form (no alt=sse) still accumulates",
          "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({gemini_info("https://gemini.test")}, "gemini-2.5-flash");
  h.transport->push(litellm::FakeResponse::json_body(
      vector_file("gemini/stream_json_array_thinking_function_call.json")));
  std::vector<json> chunks;
  const json completion =
      backend.completion(json{{"messages", {user("x")}}}, [&](const json& chunk) {
        chunks.push_back(chunk);
        return true;
      });
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(completion["choices"][0]["message"]["tool_calls"][0]["function"]["name"] ==
        "pelican_name_generator");
  CHECK_FALSE(chunks.empty());
}
