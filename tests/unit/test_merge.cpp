// Stream merging: merge_delta_to_stream, merge_streams, StreamAccumulator, finalize_message.
//
// The expected values below were read off the recorded vectors (LITELLM_TEST_DATA_DIR/llm-vectors,
// read by the [shared-data] cases only) by hand (and with a throwaway python3 script), never
// computed with the code under test.
#include <string>
#include <vector>

#include "catch.hpp"
#include "litellm/merge.hpp"
#include "vectors.hpp"

using litellm::json;
using litellm::merge_delta_to_stream;
using litellm::merge_streams;
using litellm::StreamAccumulator;

namespace {

/// The JSON payloads of a recorded OpenAI-style SSE body (LF line ends), up to `[DONE]`.
std::vector<json> chunks_of(const std::string& vector) {
  const std::string body = litellm::test::vector_file(vector);
  std::vector<json> chunks;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t blank = std::min(body.find("\n\n", pos), body.size());
    std::string data;
    for (std::size_t line = pos; line < blank;) {
      const std::size_t eol = std::min(body.find('\n', line), blank);
      if (body.compare(line, 5, "data:") == 0) {
        std::size_t start = line + 5;
        if (start < eol && body[start] == ' ') ++start;
        if (!data.empty()) data += '\n';
        data.append(body, start, eol - start);
      }
      line = eol + 1;
    }
    pos = blank + 2;
    if (data == "[DONE]") break;
    if (!data.empty()) chunks.push_back(json::parse(data));
  }
  return chunks;
}

/// The completion a StreamAccumulator builds from a recorded stream.
json accumulate(const std::string& vector, int n = 1) {
  StreamAccumulator accumulator(n);
  for (const auto& chunk : chunks_of(vector)) accumulator.add(chunk);
  return accumulator.completion();
}

/// The only choice's message of merge_streams over a recorded single-choice stream.
json single_message(const std::string& vector) {
  const auto messages = merge_streams(chunks_of(vector), 1);
  REQUIRE(messages.size() == 1);
  return messages[0];
}

/// A chunk with one choice carrying `delta`.
json chunk_with(json delta, int index = 0) {
  return json{{"choices", json::array({json{{"index", index}, {"delta", std::move(delta)}}})}};
}

/// Drops null members of every message in a non-streamed body's choices.
json without_null_message_fields(json body) {
  for (auto& choice : body["choices"]) {
    auto& message = choice["message"];
    for (auto it = message.begin(); it != message.end();) {
      it = it->is_null() && it.key() != "content" ? message.erase(it) : std::next(it);
    }
  }
  return body;
}

/// The shape of a JSON value: the same keys, recursively, with each leaf replaced by its type.
json shape(const json& value) {
  if (value.is_object()) {
    json out = json::object();
    for (const auto& item : value.items()) out[item.key()] = shape(item.value());
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) out.push_back(shape(item));
    return out;
  }
  return value.is_number() ? "number" : value.type_name();
}

const std::vector<std::string> kRecordedStreams = {
    "openai/stream_length.sse",
    "openai/stream_logprobs.sse",
    "openai/stream_long_json.sse",
    "openai/stream_n3_json.sse",
    "openai/stream_n3_usage.sse",
    "openai/stream_parallel_tool_calls.sse",
    "openai/stream_parallel_tool_calls_usage.sse",
    "openai/stream_refusal.sse",
    "openai/stream_refusal_logprobs.sse",
    "openai/stream_text.sse",
    "openai/stream_text_usage.sse",
    "openai/stream_tool_call.sse",
    "openai/stream_tool_call_gpt35.sse",
    "openai/stream_tool_call_strict.sse",
    "openai/stream_tools_function_calls.sse",
    "azure/stream_content_filter_gpt35.sse",
    "azure/stream_content_filter_gpt41mini.sse",
    "azure/stream_gpt4o_quarkus.sse",
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Recorded OpenAI streams

TEST_CASE("a recorded OpenAI text stream merges into its whole text with a single role",
          "[shared-data]") {
  const json message = single_message("openai/stream_text.sse");
  CHECK(message == json{{"role", "assistant"},
                        {"content",
                         "I'm unable to provide real-time weather updates. To get the current "
                         "weather in San Francisco, I recommend checking a reliable weather "
                         "website or a weather app."}});
}

TEST_CASE("the accumulated completion of a text stream carries the chunk identity and usage",
          "[shared-data]") {
  const json completion = accumulate("openai/stream_text.sse");
  CHECK(completion["id"] == "chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL");
  CHECK(completion["object"] == "chat.completion");
  CHECK(completion["created"] == 1727346168);
  CHECK(completion["model"] == "gpt-4o-2024-08-06");
  CHECK(completion["system_fingerprint"] == "fp_5050236cbd");
  REQUIRE(completion["choices"].size() == 1);
  CHECK(completion["choices"][0]["index"] == 0);
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(completion["choices"][0]["logprobs"].is_null());
  CHECK(completion["usage"] == json{{"prompt_tokens", 14},
                                    {"completion_tokens", 30},
                                    {"total_tokens", 44},
                                    {"completion_tokens_details", {{"reasoning_tokens", 0}}}});
}

TEST_CASE("a text stream with a final usage chunk keeps the text and takes the usage",
          "[shared-data]") {
  const auto chunks = chunks_of("openai/stream_text_usage.sse");
  StreamAccumulator accumulator;
  for (const auto& chunk : chunks) accumulator.add(chunk);
  REQUIRE(accumulator.usage() != nullptr);
  CHECK(*accumulator.usage() ==
        json{{"prompt_tokens", 14}, {"completion_tokens", 47}, {"total_tokens", 61}});
  const auto messages = merge_streams(chunks, 1);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["content"] ==
        "I'm unable to provide real-time updates, including current weather information. For "
        "the latest weather in San Francisco, I recommend checking a reliable weather website "
        "or app such as the Weather Channel, BBC Weather, or a local San Francisco news "
        "station.");
  CHECK(accumulator.completion()["choices"][0]["finish_reason"] == "stop");
}

TEST_CASE("a long stream of small deltas is concatenated byte for byte", "[shared-data]") {
  const json message = single_message("openai/stream_long_json.sse");
  const std::string content = message["content"].get<std::string>();
  CHECK(content.size() == 615);  // 608 characters, seven of them a two-byte degree sign
  CHECK(content.rfind("\n  {\n    \"location\": \"San Francisco, CA\",\n    \"weather\": {\n", 0) ==
        0);
  const std::string suffix =
      "\"low\": \"14\xC2\xB0"
      "C\",\n        \"condition\": \"Cloudy\"\n"
      "      }\n    ]\n  }\n";
  REQUIRE(content.size() >= suffix.size());
  CHECK(content.substr(content.size() - suffix.size()) == suffix);
  CHECK(json::parse(content)["forecast"].size() == 3);
  const json completion = accumulate("openai/stream_long_json.sse");
  CHECK(completion["usage"]["completion_tokens"] == 177);
  CHECK(completion["usage"]["total_tokens"] == 196);
}

TEST_CASE("three interleaved choices are merged each into its own message", "[shared-data]") {
  const auto messages = merge_streams(chunks_of("openai/stream_n3_json.sse"), 3);
  REQUIRE(messages.size() == 3);
  CHECK(messages[0] ==
        json{{"role", "assistant"},
             {"content", R"({"city":"San Francisco","temperature":65,"units":"f"})"}});
  CHECK(messages[1] ==
        json{{"role", "assistant"},
             {"content", R"({"city":"San Francisco","temperature":61,"units":"f"})"}});
  CHECK(messages[2] ==
        json{{"role", "assistant"},
             {"content", R"({"city":"San Francisco","temperature":59,"units":"f"})"}});
  const json completion = accumulate("openai/stream_n3_json.sse", 3);
  REQUIRE(completion["choices"].size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(completion["choices"][i]["index"] == i);
    CHECK(completion["choices"][i]["finish_reason"] == "stop");
    CHECK(completion["choices"][i]["message"] == messages[static_cast<std::size_t>(i)]);
  }
  CHECK(completion["usage"]["total_tokens"] == 121);
}

TEST_CASE("an n=3 stream where one choice refuses keeps content null and the refusal text",
          "[shared-data]") {
  const json completion = accumulate("openai/stream_n3_usage.sse", 3);
  REQUIRE(completion["choices"].size() == 3);
  CHECK(completion["choices"][0]["message"]["content"] ==
        R"({"city":"San Francisco","temperature":63,"units":"f"})");
  CHECK(completion["choices"][1]["message"]["content"] ==
        R"({"city":"San Francisco","temperature":58.6,"units":"f"})");
  CHECK(completion["choices"][2]["message"] ==
        json{{"role", "assistant"},
             {"content", nullptr},
             {"refusal",
              "I'm sorry, but I can't accurately provide the current weather for San Francisco "
              "as my data is up to October 2023. You can try checking a reliable weather website "
              "or app for real-time updates."}});
  for (const auto& choice : completion["choices"]) CHECK(choice["finish_reason"] == "stop");
  CHECK(completion["usage"] ==
        json{{"prompt_tokens", 17}, {"completion_tokens", 71}, {"total_tokens", 88}});
}

TEST_CASE("a stream cut by max_tokens reports finish_reason length", "[shared-data]") {
  const json completion = accumulate("openai/stream_length.sse");
  CHECK(completion["choices"][0]["message"] == json{{"role", "assistant"}, {"content", "{\""}});
  CHECK(completion["choices"][0]["finish_reason"] == "length");
  CHECK(completion["usage"]["completion_tokens"] == 1);
}

TEST_CASE("a refusal stream yields the refusal text and null content", "[shared-data]") {
  const json message = single_message("openai/stream_refusal.sse");
  CHECK(message == json{{"role", "assistant"},
                        {"content", nullptr},
                        {"refusal", "I'm sorry, I can't assist with that request."}});
}

TEST_CASE("content logprobs of every chunk are appended in order", "[shared-data]") {
  const json completion = accumulate("openai/stream_logprobs.sse");
  const json& choice = completion["choices"][0];
  CHECK(choice["message"]["content"] == "Foo!");
  REQUIRE(choice["logprobs"]["content"].size() == 2);
  CHECK(choice["logprobs"]["content"][0] == json{{"token", "Foo"},
                                                 {"logprob", -0.0025094282},
                                                 {"bytes", {70, 111, 111}},
                                                 {"top_logprobs", json::array()}});
  CHECK(choice["logprobs"]["content"][1]["token"] == "!");
  CHECK_FALSE(choice["logprobs"].contains("refusal"));
  CHECK(completion["usage"]["total_tokens"] == 11);
}

TEST_CASE("refusal logprobs are appended token by token", "[shared-data]") {
  const json completion = accumulate("openai/stream_refusal_logprobs.sse");
  const json& choice = completion["choices"][0];
  CHECK(choice["message"]["refusal"] == "I'm very sorry, but I can't assist with that.");
  CHECK(choice["message"]["content"].is_null());
  const json& tokens = choice["logprobs"]["refusal"];
  REQUIRE(tokens.size() == 11);
  CHECK(tokens[0]["token"] == "I'm");
  CHECK(tokens[6]["token"] == " can't");
  CHECK(tokens[10]["token"] == ".");
}

TEST_CASE("a streamed tool call is rebuilt with its id, name and whole arguments",
          "[shared-data]") {
  const json completion = accumulate("openai/stream_tool_call.sse");
  const json& choice = completion["choices"][0];
  CHECK(choice["finish_reason"] == "tool_calls");
  CHECK(choice["message"] ==
        json{{"role", "assistant"},
             {"content", nullptr},
             {"tool_calls",
              {{{"id", "call_c91SqDXlYFuETYv8mUHzz6pp"},
                {"type", "function"},
                {"function",
                 {{"name", "GetWeatherArgs"},
                  {"arguments", R"({"city":"Edinburgh","country":"UK","units":"c"})"}}}}}}});
}

TEST_CASE("a strict tool call stream is rebuilt with its whole arguments", "[shared-data]") {
  const json message = single_message("openai/stream_tool_call_strict.sse");
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(
      message["tool_calls"][0] ==
      json{{"id", "call_CTf1nWJLqSeRgDqaCG27xZ74"},
           {"type", "function"},
           {"function",
            {{"name", "get_weather"}, {"arguments", R"({"city":"San Francisco","state":"CA"})"}}}});
  CHECK(message["content"].is_null());
}

TEST_CASE("a gpt-3.5 tool call stream without usage is rebuilt", "[shared-data]") {
  const json completion = accumulate("openai/stream_tool_call_gpt35.sse");
  const json& message = completion["choices"][0]["message"];
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0]["id"] == "call_P9Ayqu3UQNYuTBVAg2sLimh9");
  CHECK(message["tool_calls"][0]["function"]["name"] == "get_current_weather");
  CHECK(message["tool_calls"][0]["function"]["arguments"] == R"({"location":"San Francisco"})");
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK_FALSE(completion.contains("usage"));
  CHECK_FALSE(completion.contains("system_fingerprint"));  // sent as null in every chunk
  CHECK(completion["model"] == "gpt-3.5-turbo-0125");
}

TEST_CASE("a tools stream from the function-calls cassette is rebuilt", "[shared-data]") {
  const json message = single_message("openai/stream_tools_function_calls.sse");
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0] == json{{"id", "call_90R0NgAY0rQUYihSqVx7OuIs"},
                                         {"type", "function"},
                                         {"function",
                                          {{"name", "get_current_weather"},
                                           {"arguments", R"({"location":"San Francisco, CA"})"}}}});
}

TEST_CASE("parallel tool calls are merged by their index into two calls", "[shared-data]") {
  const json completion = accumulate("openai/stream_parallel_tool_calls.sse");
  const json& calls = completion["choices"][0]["message"]["tool_calls"];
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]["id"] == "call_JMW1whyEaYG438VE1OIflxA2");
  CHECK(calls[0]["function"]["name"] == "GetWeatherArgs");
  CHECK(calls[0]["function"]["arguments"] ==
        R"({"city": "Edinburgh", "country": "GB", "units": "c"})");
  CHECK(calls[1]["id"] == "call_DNYTawLBoN8fj3KN6qU9N1Ou");
  CHECK(calls[1]["function"]["name"] == "get_stock_price");
  CHECK(calls[1]["function"]["arguments"] == R"({"ticker": "AAPL", "exchange": "NASDAQ"})");
  for (const auto& call : calls) {
    CHECK(call["type"] == "function");
    CHECK_FALSE(call.contains("index"));
  }
  CHECK(completion["choices"][0]["message"]["content"].is_null());
  CHECK(completion["usage"]["total_tokens"] == 209);
}

TEST_CASE("parallel tool calls with a usage chunk are merged into two calls", "[shared-data]") {
  const auto chunks = chunks_of("openai/stream_parallel_tool_calls_usage.sse");
  const auto messages = merge_streams(chunks, 1);
  REQUIRE(messages.size() == 1);
  const json& calls = messages[0]["tool_calls"];
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]["id"] == "call_lQnnsesjFMWMQ5IeWPHzR4th");
  CHECK(calls[0]["function"]["arguments"] ==
        R"({"city": "Edinburgh", "country": "UK", "units": "c"})");
  CHECK(calls[1]["id"] == "call_2xjOUgaCdiwAcl9ZBL9LyMUU");
  CHECK(calls[1]["function"]["name"] == "get_stock_price");
  CHECK(calls[1]["function"]["arguments"] == R"({"ticker": "AAPL", "exchange": "NASDAQ"})");
  StreamAccumulator accumulator;
  for (const auto& chunk : chunks) accumulator.add(chunk);
  REQUIRE(accumulator.usage() != nullptr);
  CHECK(*accumulator.usage() ==
        json{{"prompt_tokens", 149}, {"completion_tokens", 60}, {"total_tokens", 209}});
}

// ---------------------------------------------------------------------------------------------
// Recorded Azure streams

TEST_CASE("an Azure stream skips the empty-choices filter chunk and keeps its filter results",
          "[shared-data]") {
  const json completion = accumulate("azure/stream_content_filter_gpt35.sse");
  CHECK(completion["id"] == "chatcmpl-9HpbaAXyt0cAnlWvI8kUAFpZt5jyQ");
  CHECK(completion["created"] == 1714036974);
  CHECK(completion["model"] == "gpt-35-turbo");
  CHECK_FALSE(completion.contains("system_fingerprint"));
  REQUIRE(completion["prompt_filter_results"].size() == 1);
  CHECK(completion["prompt_filter_results"][0]["prompt_index"] == 0);
  CHECK(completion["prompt_filter_results"][0]["content_filter_results"]["hate"] ==
        json{{"filtered", false}, {"severity", "safe"}});
  REQUIRE(completion["choices"].size() == 1);
  CHECK(completion["choices"][0]["message"] ==
        json{{"role", "assistant"},
             {"content",
              "Why did the Opentelemetry developer bring a ladder to the coding competition? "
              "\n\nBecause they wanted to reach new traces!"}});
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  // The last chunk's empty {} does not erase the last filter results that said something.
  const json safe = {{"filtered", false}, {"severity", "safe"}};
  CHECK(completion["choices"][0]["content_filter_results"] ==
        json{{"hate", safe}, {"self_harm", safe}, {"sexual", safe}, {"violence", safe}});
}

TEST_CASE("an Azure gpt-4.1-mini stream drops obfuscation and keeps the latest filter results",
          "[shared-data]") {
  const json completion = accumulate("azure/stream_content_filter_gpt41mini.sse");
  CHECK(completion["id"] == "chatcmpl-DPTJDcpU38gpauDwhl0FmP7yBQe2H");
  CHECK(completion["created"] == 1774963235);
  CHECK(completion["model"] == "gpt-4.1-mini-2025-04-14");
  CHECK(completion["system_fingerprint"] == "fp_b6f445fc1c");
  CHECK(completion["object"] == "chat.completion");
  CHECK_FALSE(completion.contains("obfuscation"));
  CHECK(completion["prompt_filter_results"][0]["content_filter_results"]["jailbreak"] ==
        json{{"detected", false}, {"filtered", false}});
  const json& choice = completion["choices"][0];
  CHECK(choice["message"] ==
        json{{"role", "assistant"},
             {"content",
              "Sure! Here's a light-hearted joke about OpenTelemetry:\n\nWhy did the developer "
              "break up with their old monitoring tool?\n\nBecause OpenTelemetry was just so good "
              "at *tracing* their every move! \xF0\x9F\x98\x84"}});
  CHECK(choice["finish_reason"] == "stop");
  CHECK(choice["content_filter_results"]["protected_material_code"] ==
        json{{"detected", false}, {"filtered", false}});
  CHECK(choice["content_filter_results"].size() == 6);
}

TEST_CASE("the Azure gpt-4o stream quoted by quarkus merges into Hallo Welt", "[shared-data]") {
  const auto chunks = chunks_of("azure/stream_gpt4o_quarkus.sse");
  REQUIRE(chunks.size() == 6);
  const auto messages = merge_streams(chunks, 1);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0] == json{{"role", "assistant"}, {"content", "Hallo Welt!"}});
  const json completion = accumulate("azure/stream_gpt4o_quarkus.sse");
  CHECK(completion["id"] == "chatcmpl-BleatwEUn3D8iXsgXpDqeOPEMuW3j");
  CHECK(completion["created"] == 1750697159);
  CHECK(completion["system_fingerprint"] == "fp_ee1d74bde0");
  CHECK(completion["prompt_filter_results"].size() == 1);
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
}

TEST_CASE("merge_streams returns the accumulator's messages for every recorded stream",
          "[shared-data]") {
  for (const auto& vector : kRecordedStreams) {
    CAPTURE(vector);
    const auto chunks = chunks_of(vector);
    const int n = vector.find("n3") != std::string::npos ? 3 : 1;
    StreamAccumulator accumulator(n);
    for (const auto& chunk : chunks) accumulator.add(chunk);
    const auto messages = merge_streams(chunks, n);
    CHECK(messages == accumulator.messages());
    const json completion = accumulator.completion();
    REQUIRE(completion["choices"].size() == messages.size());
    for (std::size_t i = 0; i < messages.size(); ++i) {
      CHECK(completion["choices"][i]["message"] == messages[i]);
    }
    CHECK(accumulator.all_choices_finished());
    CHECK(accumulator.chunk_count() == chunks.size());
  }
}

TEST_CASE("adding chunks by move gives the same completion as adding copies", "[shared-data]") {
  for (const auto& vector : kRecordedStreams) {
    CAPTURE(vector);
    StreamAccumulator by_copy(3);
    StreamAccumulator by_move(3);
    for (auto& chunk : chunks_of(vector)) {
      by_copy.add(chunk);
      by_move.add(std::move(chunk));
    }
    CHECK(by_move.completion() == by_copy.completion());
  }
}

// ---------------------------------------------------------------------------------------------
// Non-streamed twins

TEST_CASE("the length stream accumulates to its non-streamed twin", "[shared-data]") {
  // Same request, same one-token answer, same usage and fingerprint; only id/created differ.
  json expected = without_null_message_fields(
      json::parse(litellm::test::vector_file("openai/chat_length.json")));
  json actual = accumulate("openai/stream_length.sse");
  for (auto* body : {&expected, &actual}) {
    body->erase("id");
    body->erase("created");
  }
  CHECK(actual == expected);
}

TEST_CASE("the refusal stream accumulates to the non-streamed refusal", "[shared-data]") {
  // The stream also asked for logprobs; message, finish_reason and usage are the twin's.
  const json expected = without_null_message_fields(
      json::parse(litellm::test::vector_file("openai/chat_refusal.json")));
  const json actual = accumulate("openai/stream_refusal_logprobs.sse");
  CHECK(actual["choices"][0]["message"] == expected["choices"][0]["message"]);
  CHECK(actual["choices"][0]["finish_reason"] == expected["choices"][0]["finish_reason"]);
  CHECK(actual["usage"] == expected["usage"]);
  CHECK(actual["model"] == expected["model"]);
}

TEST_CASE("the tool call stream accumulates to the non-streamed tool call but for the call id",
          "[shared-data]") {
  json expected = without_null_message_fields(
      json::parse(litellm::test::vector_file("openai/chat_tool_call.json")));
  json actual = accumulate("openai/stream_tool_call.sse");
  for (auto* body : {&expected, &actual}) {
    body->erase("id");
    body->erase("created");
    body->erase("system_fingerprint");
    (*body)["choices"][0]["message"]["tool_calls"][0].erase("id");
  }
  CHECK(actual == expected);
}

TEST_CASE("the parallel tool calls stream accumulates to its two-call twin but for the ids",
          "[shared-data]") {
  json expected = without_null_message_fields(
      json::parse(litellm::test::vector_file("openai/chat_two_tool_calls.json")));
  json actual = accumulate("openai/stream_parallel_tool_calls.sse");
  for (auto* body : {&expected, &actual}) {
    body->erase("id");
    body->erase("created");
    body->erase("system_fingerprint");
    for (auto& call : (*body)["choices"][0]["message"]["tool_calls"]) call.erase("id");
  }
  CHECK(actual == expected);
}

TEST_CASE("accumulated OpenAI completions have the shape of the non-streamed bodies",
          "[shared-data]") {
  // Different answers to the same prompts: compare fields and types only.
  const json text =
      without_null_message_fields(json::parse(litellm::test::vector_file("openai/chat_text.json")));
  CHECK(shape(accumulate("openai/stream_text.sse")) == shape(text));
  const json n3 =
      without_null_message_fields(json::parse(litellm::test::vector_file("openai/chat_n3.json")));
  CHECK(shape(accumulate("openai/stream_n3_json.sse", 3)) == shape(n3));
}

TEST_CASE("an accumulated Azure completion has the shape of the non-streamed Azure body",
          "[shared-data]") {
  json expected = without_null_message_fields(
      json::parse(litellm::test::vector_file("azure/chat_gpt41mini.json")));
  json actual = accumulate("azure/stream_content_filter_gpt41mini.sse");
  // Only the non-streamed body has message annotations and a usage (no usage was requested).
  expected["choices"][0]["message"].erase("annotations");
  expected.erase("usage");
  CHECK(shape(actual) == shape(expected));
}

// ---------------------------------------------------------------------------------------------
// merge_delta_to_stream

TEST_CASE("a role repeated in every delta is kept once") {
  json merged = json::object();
  merge_delta_to_stream(merged, {{"role", "assistant"}, {"content", "a"}});
  merge_delta_to_stream(merged, {{"role", "assistant"}, {"content", "b"}});
  CHECK(merged == json{{"role", "assistant"}, {"content", "ab"}});
}

TEST_CASE("a repeated tool call type is kept once") {
  json merged = json::object();
  const json fragment = {{"index", 0}, {"type", "function"}, {"function", {{"arguments", "x"}}}};
  merge_delta_to_stream(merged, {{"tool_calls", {fragment}}});
  merge_delta_to_stream(merged, {{"tool_calls", {fragment}}});
  CHECK(merged["tool_calls"] ==
        json{{{"index", 0}, {"type", "function"}, {"function", {{"arguments", "xx"}}}}});
}

TEST_CASE("an identity field replaces only an empty value") {
  json merged = json::object();
  merge_delta_to_stream(merged, {{"role", ""}, {"name", nullptr}});
  merge_delta_to_stream(merged, {{"role", "assistant"}, {"name", "bot"}});
  merge_delta_to_stream(merged, {{"role", "user"}, {"name", "other"}});
  CHECK(merged == json{{"role", "assistant"}, {"name", "bot"}});
}

TEST_CASE("tool call fragments without index go to the call with their id or to the last call") {
  json merged = json::object();
  merge_delta_to_stream(merged, {{"tool_calls",
                                  {{{"id", "call_a"},
                                    {"type", "function"},
                                    {"function", {{"name", "f"}, {"arguments", "{\"a\""}}}}}}});
  merge_delta_to_stream(merged, {{"tool_calls", {{{"function", {{"arguments", ":1}"}}}}}}});
  merge_delta_to_stream(merged, {{"tool_calls",
                                  {{{"id", "call_b"},
                                    {"type", "function"},
                                    {"function", {{"name", "g"}, {"arguments", "{"}}}}}}});
  merge_delta_to_stream(merged, {{"tool_calls", {{{"function", {{"arguments", "}"}}}}}}});
  CHECK(merged["tool_calls"] == json{{{"id", "call_a"},
                                      {"type", "function"},
                                      {"function", {{"name", "f"}, {"arguments", "{\"a\":1}"}}}},
                                     {{"id", "call_b"},
                                      {"type", "function"},
                                      {"function", {{"name", "g"}, {"arguments", "{}"}}}}});
  merge_delta_to_stream(merged,
                        {{"tool_calls", {{{"id", "call_a"}, {"function", {{"arguments", "!"}}}}}}});
  CHECK(merged["tool_calls"][0]["function"]["arguments"] == "{\"a\":1}!");
}

TEST_CASE("a tool call fragment without index or id and no call yet opens a call") {
  json merged = json::object();
  merge_delta_to_stream(merged, {{"tool_calls", {{{"function", {{"arguments", "{}"}}}}}}});
  CHECK(merged["tool_calls"] == json{{{"function", {{"arguments", "{}"}}}}});
}

TEST_CASE("a new id on index 0 opens a second call that takes the following fragments") {
  json merged = json::object();
  merge_delta_to_stream(
      merged, {{"tool_calls", {{{"index", 0}, {"id", "c1"}, {"function", {{"name", "f"}}}}}}});
  merge_delta_to_stream(merged,
                        {{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "{1}"}}}}}}});
  merge_delta_to_stream(
      merged, {{"tool_calls", {{{"index", 0}, {"id", "c2"}, {"function", {{"name", "g"}}}}}}});
  merge_delta_to_stream(merged,
                        {{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "{2}"}}}}}}});
  REQUIRE(merged["tool_calls"].size() == 2);
  CHECK(merged["tool_calls"][0]["id"] == "c1");
  CHECK(merged["tool_calls"][0]["function"] == json{{"name", "f"}, {"arguments", "{1}"}});
  CHECK(merged["tool_calls"][1]["id"] == "c2");
  CHECK(merged["tool_calls"][1]["function"] == json{{"name", "g"}, {"arguments", "{2}"}});
}

TEST_CASE("the same id repeated on its index stays one call") {
  json merged = json::object();
  merge_delta_to_stream(merged, {{"tool_calls", {{{"index", 0}, {"id", "c1"}}}}});
  merge_delta_to_stream(merged, {{"tool_calls", {{{"index", 0}, {"id", "c1"}}}}});
  CHECK(merged["tool_calls"].size() == 1);
}

TEST_CASE("tool call arguments that arrive before the name are kept") {
  json merged = json::object();
  merge_delta_to_stream(
      merged, {{"tool_calls", {{{"index", 0}, {"function", {{"arguments", "{\"x\""}}}}}}});
  merge_delta_to_stream(
      merged,
      {{"tool_calls",
        {{{"index", 0}, {"id", "c"}, {"function", {{"name", "f"}, {"arguments", ":1}"}}}}}}});
  CHECK(
      merged["tool_calls"] ==
      json{{{"index", 0}, {"id", "c"}, {"function", {{"arguments", "{\"x\":1}"}, {"name", "f"}}}}});
}

TEST_CASE("null values never overwrite and never throw") {
  json merged = json::object();
  merge_delta_to_stream(merged, {{"content", "hi"}, {"role", "assistant"}});
  CHECK_NOTHROW(merge_delta_to_stream(merged, {{"content", nullptr},
                                               {"role", nullptr},
                                               {"refusal", nullptr},
                                               {"tool_calls", nullptr},
                                               {"function_call", nullptr},
                                               {"audio", {{"id", nullptr}}}}));
  CHECK(merged == json{{"content", "hi"}, {"role", "assistant"}, {"audio", json::object()}});
}

TEST_CASE("merging a null or non-object delta leaves the merged stream unchanged") {
  json merged = {{"content", "x"}};
  for (const json& delta : {json(nullptr), json("text"), json(3), json::array({1}), json(true)}) {
    CHECK_NOTHROW(merge_delta_to_stream(merged, delta));
  }
  CHECK(merged == json{{"content", "x"}});
}

TEST_CASE("a null merged stream becomes an object and a non-object one is replaced") {
  json null_stream;
  CHECK(merge_delta_to_stream(null_stream, nullptr) == json::object());
  json text_stream = "junk";
  CHECK(merge_delta_to_stream(text_stream, {{"content", "a"}}) == json{{"content", "a"}});
}

TEST_CASE("tool calls that are not a list and fragments that are not objects are skipped") {
  json merged = json::object();
  CHECK_NOTHROW(merge_delta_to_stream(merged, {{"tool_calls", "oops"}}));
  CHECK_NOTHROW(merge_delta_to_stream(merged, {{"tool_calls", {1, "x", nullptr, json::array()}}}));
  CHECK(merged == json{{"tool_calls", json::array()}});
}

TEST_CASE("a legacy function_call merges its name once and concatenates its arguments") {
  json merged = json::object();
  merge_delta_to_stream(
      merged, {{"role", "assistant"}, {"function_call", {{"name", "f"}, {"arguments", ""}}}});
  merge_delta_to_stream(merged, {{"function_call", {{"arguments", "{\"a\":"}}}});
  merge_delta_to_stream(merged, {{"function_call", {{"name", "f"}, {"arguments", "1}"}}}});
  CHECK(merged["function_call"] == json{{"name", "f"}, {"arguments", "{\"a\":1}"}});
}

TEST_CASE("nested strings concatenate, arrays append and numbers take the latest value") {
  json merged = json::object();
  merge_delta_to_stream(merged,
                        {{"reasoning_content", "Let "},
                         {"audio", {{"id", "a1"}, {"transcript", "Hel"}, {"expires_at", 1}}},
                         {"parts", {1}},
                         {"flag", false}});
  merge_delta_to_stream(merged, {{"reasoning_content", "me think"},
                                 {"audio", {{"id", "a1"}, {"transcript", "lo"}, {"expires_at", 2}}},
                                 {"parts", {2, 3}},
                                 {"flag", true}});
  CHECK(merged == json{{"reasoning_content", "Let me think"},
                       {"audio", {{"id", "a1"}, {"transcript", "Hello"}, {"expires_at", 2}}},
                       {"parts", {1, 2, 3}},
                       {"flag", true}});
}

TEST_CASE("a value of another type replaces the old one") {
  json merged = json::object();
  merge_delta_to_stream(merged, {{"a", "text"}, {"b", 1}, {"c", {1}}});
  merge_delta_to_stream(merged, {{"a", 5}, {"b", "x"}, {"c", {{"k", "v"}}}});
  CHECK(merged == json{{"a", 5}, {"b", "x"}, {"c", {{"k", "v"}}}});
}

// ---------------------------------------------------------------------------------------------
// finalize_message

TEST_CASE("finalize_message turns empty content into null and defaults the role") {
  CHECK(litellm::finalize_message(json{{"content", ""}}) ==
        json{{"role", "assistant"}, {"content", nullptr}});
  CHECK(litellm::finalize_message(json::object()) ==
        json{{"role", "assistant"}, {"content", nullptr}});
  CHECK(litellm::finalize_message(json("not an object")) ==
        json{{"role", "assistant"}, {"content", nullptr}});
}

TEST_CASE("finalize_message drops nulls, strips tool call indexes and keeps other fields") {
  const json merged = {{"role", "assistant"},
                       {"content", "x"},
                       {"refusal", nullptr},
                       {"reasoning_content", "why"},
                       {"audio", {{"id", "a"}}},
                       {"tool_calls", {{{"index", 0}, {"id", "c"}, {"type", "function"}}}}};
  CHECK(litellm::finalize_message(merged) ==
        json{{"role", "assistant"},
             {"content", "x"},
             {"reasoning_content", "why"},
             {"audio", {{"id", "a"}}},
             {"tool_calls", {{{"id", "c"}, {"type", "function"}}}}});
}

// ---------------------------------------------------------------------------------------------
// StreamAccumulator and merge_streams on hand-made chunks

TEST_CASE("a stream whose only content is empty yields null content") {
  const auto messages = merge_streams(
      {chunk_with({{"role", "assistant"}, {"content", ""}}), chunk_with({{"content", ""}})}, 1);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0] == json{{"role", "assistant"}, {"content", nullptr}});
}

TEST_CASE("a choice index beyond n yields highest index plus one messages") {
  const auto messages = merge_streams({chunk_with({{"content", "c"}}, 3)}, 1);
  REQUIRE(messages.size() == 4);
  for (int i = 0; i < 3; ++i) {
    CHECK(messages[static_cast<std::size_t>(i)] ==
          json{{"role", "assistant"}, {"content", nullptr}});
  }
  CHECK(messages[3] == json{{"role", "assistant"}, {"content", "c"}});
}

TEST_CASE("n choices are reported even when the stream mentions fewer") {
  StreamAccumulator accumulator(2);
  accumulator.add(chunk_with({{"content", "a"}}));
  const json completion = accumulator.completion();
  REQUIRE(completion["choices"].size() == 2);
  CHECK(completion["choices"][1] == json{{"index", 1},
                                         {"message", {{"role", "assistant"}, {"content", nullptr}}},
                                         {"logprobs", nullptr},
                                         {"finish_reason", nullptr}});
}

TEST_CASE("a choice without index is choice 0") {
  const json chunk = {{"choices", {{{"delta", {{"content", "x"}}}}}}};
  const auto messages = merge_streams({chunk}, 1);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0]["content"] == "x");
}

TEST_CASE("a choice index at or above kMaxStreamChoices is a ProtocolError") {
  StreamAccumulator accumulator;
  CHECK_THROWS_AS(accumulator.add(chunk_with({{"content", "x"}}, litellm::kMaxStreamChoices)),
                  litellm::ProtocolError);
  CHECK_THROWS_AS(accumulator.add(json::parse("{\"choices\":[{\"index\":" +
                                              std::to_string(litellm::kMaxStreamChoices) + "}]}")),
                  litellm::ProtocolError);
  CHECK_THROWS_AS(accumulator.add(json::parse(R"({"choices":[{"index":1e30,"delta":{}}]})")),
                  litellm::ProtocolError);
  CHECK_NOTHROW(accumulator.add(chunk_with({{"content", "x"}}, litellm::kMaxStreamChoices - 1)));
  CHECK(accumulator.messages().size() == static_cast<std::size_t>(litellm::kMaxStreamChoices));
}

TEST_CASE("a negative or non-integer choice index is a ProtocolError") {
  CHECK_THROWS_AS(merge_streams({chunk_with({{"content", "x"}}, -1)}, 1), litellm::ProtocolError);
  const json text_index = {{"choices", {{{"index", "0"}, {"delta", {{"content", "x"}}}}}}};
  CHECK_THROWS_AS(merge_streams({text_index}, 1), litellm::ProtocolError);
  const json float_index = {{"choices", {{{"index", 0.5}, {"delta", {{"content", "x"}}}}}}};
  CHECK_THROWS_AS(merge_streams({float_index}, 1), litellm::ProtocolError);
}

TEST_CASE("a chunk rejected for its choice index leaves the accumulator unchanged") {
  StreamAccumulator accumulator;
  accumulator.add(chunk_with({{"content", "a"}}));
  json bad = {{"choices", {{{"index", 0}, {"delta", {{"content", "b"}}}}, {{"index", -3}}}}};
  CHECK_THROWS_AS(accumulator.add(bad), litellm::ProtocolError);
  CHECK_THROWS_AS(accumulator.add(std::move(bad)), litellm::ProtocolError);
  CHECK(accumulator.chunk_count() == 1);
  CHECK(accumulator.messages()[0]["content"] == "a");
}

TEST_CASE("chunks of any JSON shape are skipped without throwing") {
  StreamAccumulator accumulator;
  const std::vector<json> junk = {
      json(nullptr),
      json("text"),
      json::array({1, 2}),
      json{{"choices", nullptr}},
      json{{"choices", "nope"}},
      json{{"choices", {nullptr, 1, "x", json::array()}}},
      json{{"choices", {{{"index", 0}, {"delta", nullptr}}}}},
      json{{"choices", {{{"index", 0}, {"delta", "text"}, {"logprobs", nullptr}}}}},
      json{{"choices", {{{"index", nullptr}, {"delta", {{"tool_calls", {{"index", 0}}}}}}}}},
      json{{"choices",
            {{{"index", 0}, {"delta", {{"content", nullptr}, {"tool_calls", nullptr}}}}}}},
      json{{"id", nullptr}, {"usage", nullptr}, {"model", 5}}};
  for (const auto& chunk : junk) CHECK_NOTHROW(accumulator.add(chunk));
  CHECK(accumulator.chunk_count() == junk.size());
  CHECK(accumulator.usage() == nullptr);
  CHECK(accumulator.messages() ==
        std::vector<json>{json{{"role", "assistant"}, {"content", nullptr}}});
  CHECK_NOTHROW(accumulator.completion());
}

TEST_CASE("logprobs arrays of later chunks are appended") {
  StreamAccumulator accumulator;
  const json first = {{"choices",
                       {{{"index", 0},
                         {"delta", {{"content", "a"}}},
                         {"logprobs", {{"content", {{{"token", "a"}}}}, {"refusal", nullptr}}}}}}};
  const json second = {{"choices",
                        {{{"index", 0},
                          {"delta", {{"content", "b"}}},
                          {"logprobs", {{"content", {{{"token", "b"}}, {{"token", "c"}}}}}}}}}};
  const json last = {
      {"choices", {{{"index", 0}, {"logprobs", nullptr}, {"finish_reason", "stop"}}}}};
  accumulator.add(first);
  accumulator.add(second);
  accumulator.add(last);
  CHECK(accumulator.completion()["choices"][0]["logprobs"] ==
        json{{"content", {{{"token", "a"}}, {{"token", "b"}}, {{"token", "c"}}}}});
}

TEST_CASE("choice-level content_filter_results are replaced by later ones, not merged") {
  StreamAccumulator accumulator;
  const json first_filter = {{"hate", {{"filtered", false}, {"severity", "safe"}}}};
  const json second_filter = {{"hate", {{"filtered", true}, {"severity", "high"}}}};
  accumulator.add({{"choices",
                    {{{"index", 0},
                      {"delta", {{"content", "a"}}},
                      {"content_filter_results", first_filter}}}}});
  accumulator.add({{"choices",
                    {{{"index", 0},
                      {"delta", {{"content", "b"}}},
                      {"content_filter_results", second_filter}}}}});
  accumulator.add({{"choices", {{{"index", 0}, {"content_filter_results", nullptr}}}}});
  CHECK(accumulator.completion()["choices"][0]["content_filter_results"] == second_filter);
}

TEST_CASE("identity fields come from the first chunk with a non-empty value") {
  StreamAccumulator accumulator;
  accumulator.add(
      {{"id", ""}, {"created", 0}, {"model", ""}, {"object", ""}, {"choices", json::array()}});
  accumulator.add({{"id", "chatcmpl-1"},
                   {"created", 10},
                   {"model", "m1"},
                   {"service_tier", "default"},
                   {"object", "chat.completion.chunk"},
                   {"choices", json::array()}});
  accumulator.add({{"id", "chatcmpl-2"},
                   {"created", 20},
                   {"model", "m2"},
                   {"service_tier", "flex"},
                   {"object", "chat.completion.chunk"},
                   {"choices", json::array()}});
  const json completion = accumulator.completion();
  CHECK(completion["id"] == "chatcmpl-1");
  CHECK(completion["created"] == 10);
  CHECK(completion["model"] == "m1");
  CHECK(completion["service_tier"] == "default");
  CHECK(completion["object"] == "chat.completion");
}

TEST_CASE("usage is the latest non-null usage") {
  StreamAccumulator accumulator;
  accumulator.add({{"usage", {{"total_tokens", 1}}}, {"choices", json::array()}});
  accumulator.add({{"usage", nullptr}, {"choices", json::array()}});
  accumulator.add({{"usage", {{"total_tokens", 7}}}, {"choices", json::array()}});
  accumulator.add({{"usage", nullptr}});
  REQUIRE(accumulator.usage() != nullptr);
  CHECK(*accumulator.usage() == json{{"total_tokens", 7}});
  CHECK(accumulator.completion()["usage"] == json{{"total_tokens", 7}});
}

TEST_CASE("the finish_reason is the latest non-null one") {
  StreamAccumulator accumulator;
  accumulator.add({{"choices", {{{"index", 0}, {"finish_reason", "length"}}}}});
  accumulator.add({{"choices", {{{"index", 0}, {"finish_reason", nullptr}}}}});
  CHECK(accumulator.completion()["choices"][0]["finish_reason"] == "length");
}

TEST_CASE("all choices are finished only once every seen choice has a finish_reason") {
  StreamAccumulator accumulator(2);
  CHECK_FALSE(accumulator.all_choices_finished());
  accumulator.add(chunk_with({{"content", "a"}}, 0));
  accumulator.add(chunk_with({{"content", "b"}}, 1));
  accumulator.add(
      {{"choices", {{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}}}});
  CHECK_FALSE(accumulator.all_choices_finished());
  accumulator.add(
      {{"choices", {{{"index", 1}, {"delta", json::object()}, {"finish_reason", "stop"}}}}});
  CHECK(accumulator.all_choices_finished());
}

TEST_CASE("a partial stream can be read at any time", "[shared-data]") {
  const auto chunks = chunks_of("openai/stream_text.sse");
  StreamAccumulator accumulator;
  for (std::size_t i = 0; i < 4; ++i) accumulator.add(chunks[i]);
  CHECK_FALSE(accumulator.all_choices_finished());
  CHECK(accumulator.completion()["choices"][0]["message"]["content"] == "I'm unable to");
  CHECK(accumulator.completion()["choices"][0]["finish_reason"].is_null());
}

namespace {

/// A chunk text with one choice (index 0) carrying `delta` (a JSON object text) and `rest`
/// (more members of the choice, e.g. `,"finish_reason":"stop"`).
std::string audio_chunk(const std::string& delta, const std::string& rest = "") {
  return R"({"id":"chatcmpl-a","object":"chat.completion.chunk","created":1,"model":"gpt-audio",)"
         R"("choices":[{"index":0,"delta":)" +
         delta + rest + "}]}";
}

/// What a StreamAccumulator made of `chunks`, fed by one route.
struct Accumulated {
  json completion;
  bool finished = false;
};

/// The chunks fed by copy, by move and as text: the three routes of StreamAccumulator.
std::vector<Accumulated> accumulate_three_ways(const std::vector<std::string>& chunks) {
  StreamAccumulator by_copy;
  StreamAccumulator by_move;
  StreamAccumulator by_text;
  for (const std::string& text : chunks) {
    const json chunk = json::parse(text);
    by_copy.add(chunk);
    by_move.add(json::parse(text));
    by_text.add_chunk_text(text);
  }
  std::vector<Accumulated> out;
  for (const StreamAccumulator* accumulator : {&by_copy, &by_move, &by_text}) {
    out.push_back({accumulator->completion(), accumulator->all_choices_finished()});
  }
  return out;
}

/// An audio answer: its id, two transcript pieces and two data pieces, without a finish_reason.
std::vector<std::string> audio_answer() {
  return {
      audio_chunk(
          R"({"role":"assistant","content":null,"audio":{"id":"audio_1","transcript":"Hi"}})"),
      audio_chunk(R"({"audio":{"data":"AAAA","transcript":" there"}})"),
      audio_chunk(R"({"audio":{"data":"BBBB"}})"),
  };
}

}  // namespace

TEST_CASE(
    "an audio stream that ends with its expires_at marker finishes with stop, by every route") {
  std::vector<std::string> chunks = audio_answer();
  chunks.push_back(audio_chunk(R"({"audio":{"expires_at":1700000000}})"));
  for (const Accumulated& result : accumulate_three_ways(chunks)) {
    const json& choice = result.completion["choices"][0];
    CHECK(choice["finish_reason"] == "stop");
    CHECK(result.finished);
    CHECK(choice["message"]["audio"] == json{{"id", "audio_1"},
                                             {"transcript", "Hi there"},
                                             {"data", "AAAABBBB"},
                                             {"expires_at", 1700000000}});
  }
}

TEST_CASE("an audio stream that has not ended with its marker gets no inferred finish_reason") {
  std::vector<std::string> cut = audio_answer();
  for (const Accumulated& result : accumulate_three_ways(cut)) {
    CHECK(result.completion["choices"][0]["finish_reason"].is_null());
    CHECK_FALSE(result.finished);
  }
  // The marker, then more: the latest delta is not the end marker.
  std::vector<std::string> more = audio_answer();
  more.push_back(audio_chunk(R"({"audio":{"expires_at":1700000000}})"));
  more.push_back(audio_chunk(R"({"content":"and more"})"));
  for (const Accumulated& result : accumulate_three_ways(more)) {
    CHECK(result.completion["choices"][0]["finish_reason"].is_null());
    CHECK_FALSE(result.finished);
  }
  // A marker that arrives with other fields is not the end marker.
  std::vector<std::string> mixed = audio_answer();
  mixed.push_back(audio_chunk(R"({"content":"x","audio":{"expires_at":1700000000}})"));
  for (const Accumulated& result : accumulate_three_ways(mixed)) {
    CHECK(result.completion["choices"][0]["finish_reason"].is_null());
  }
}

TEST_CASE("the audio end marker infers nothing when the audio is incomplete") {
  const std::vector<std::string> chunks = {
      audio_chunk(R"({"role":"assistant","audio":{"id":"audio_1","transcript":"Hi"}})"),
      audio_chunk(R"({"audio":{"expires_at":1700000000}})"),  // no data ever arrived
  };
  for (const Accumulated& result : accumulate_three_ways(chunks)) {
    CHECK(result.completion["choices"][0]["finish_reason"].is_null());
    CHECK_FALSE(result.finished);
  }
}

TEST_CASE("a finish_reason the audio stream sent is kept over the inferred one") {
  std::vector<std::string> chunks = audio_answer();
  chunks.push_back(audio_chunk("{}", R"(,"finish_reason":"length")"));
  chunks.push_back(audio_chunk(R"({"audio":{"expires_at":1700000000}})"));
  for (const Accumulated& result : accumulate_three_ways(chunks)) {
    CHECK(result.completion["choices"][0]["finish_reason"] == "length");
    CHECK(result.finished);
  }
}
