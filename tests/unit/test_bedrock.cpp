// The Bedrock adapter: configuration, SigV4 signing of its requests, request translation,
// response / stream / embedding translation and errors, with the FakeTransport.
//
// Expected values were written by hand from reading the recordings in
// LITELLM_TEST_DATA_DIR/llm-vectors/bedrock (their .events.json views for the streams; read by the
// [shared-data] cases only), never computed with the code under test.
#include <optional>
#include <string>
#include <vector>

#include "catch.hpp"
#include "expect_error.hpp"
#include "fake_harness.hpp"
#include "litellm/backend.hpp"
#include "litellm/detail/aws_eventstream.hpp"
#include "litellm/detail/redact.hpp"
#include "litellm/detail/sigv4.hpp"
#include "litellm/detail/stream_call.hpp"
#include "litellm/fake_transport.hpp"
#include "litellm/providers/bedrock.hpp"
#include "scoped_env.hpp"
#include "vectors.hpp"

using litellm::ApiInfo;
using litellm::BedrockAdapter;
using litellm::ConfigError;
using litellm::FakeResponse;
using litellm::HttpRequest;
using litellm::json;
using namespace litellm::test;

namespace {

const BedrockAdapter kAdapter;
constexpr const char* kAccessKey = "AKIDEXAMPLE0000TEST";
constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kToken = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789";
constexpr const char* kModel = "us.amazon.nova-micro-v1:0";

ApiInfo bedrock_info(std::string key = std::string(kAccessKey) + ":" + kSecret,
                     std::optional<std::string> base = std::nullopt) {
  return ApiInfo{"bedrock", "us-east-1", std::move(key), std::move(base)};
}

json user(const std::string& text) {
  return json{{"role", "user"}, {"content", text}};
}

json body_for(const json& params, bool stream = false) {
  return json::parse(kAdapter.chat_request(bedrock_info(), kModel, params, stream).body);
}

template <class F>
std::string config_error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& error) {
    return error.what();
  }
  FAIL("no ConfigError was thrown");
  return {};
}

/// A 200 event-stream answer in `piece`-byte pieces.
FakeResponse event_stream(std::string body, std::size_t piece) {
  FakeResponse r;
  r.headers.add("content-type", "application/vnd.amazon.eventstream");
  r.body = std::move(body);
  r.piece_size = piece;
  return r;
}

/// The completion of `bytes` fed to the stream pipeline (event-stream decoder -> translator ->
/// accumulator) in two pieces cut at `cut`.
json pipeline_completion(const std::string& bytes, std::size_t cut) {
  litellm::detail::StreamCall call(kAdapter, kAdapter.stream_translator("bedrock"), 1, nullptr,
                                   std::size_t{1} << 30U, {}, "bedrock");
  litellm::Headers headers;
  headers.add("content-type", "application/vnd.amazon.eventstream");
  call.on_headers(200, headers);
  call.on_body(std::string_view(bytes).substr(0, cut));
  call.on_body(std::string_view(bytes).substr(cut));
  json completion = call.finish().take();
  completion.erase("created");
  completion.erase("id");
  return completion;
}

/// The completion a backend returns for a recorded stream, checked to be the same when the body
/// is cut in two (at the offsets below), and through the backend and FakeTransport in pieces of a
/// few sizes.
json stream_completion(const std::string& vector) {
  const std::string bytes = vector_file("bedrock/" + vector);
  const json whole = pipeline_completion(bytes, bytes.size());
  // Every offset of the first and the last KiB (the stream's start and its messageStop and
  // metadata; every part of a message: prelude, headers, payload, CRC), every 11th between:
  // every offset of the whole streams costs ~30 s in a Debug build, and the decoder alone is cut
  // at every offset in test_aws_eventstream.
  for (std::size_t cut = 0; cut < bytes.size();
       cut += (cut < 1024 || cut + 1024 >= bytes.size()) ? 1 : 11) {
    REQUIRE(pipeline_completion(bytes, cut) == whole);
  }
  FakeHarness h;
  auto backend = h.backend({bedrock_info()}, kModel);
  for (const std::size_t piece : {1, 2, 3, 5, 8, 13, 64, 1000}) {
    h.transport->push(event_stream(bytes, piece));
    int chunks = 0;
    json completion = backend.completion(json{{"messages", {user("hi")}}},
                                         [&](const json&) { return ++chunks > 0; });
    CHECK(chunks > 0);
    completion.erase("created");
    completion.erase("id");
    REQUIRE(completion == whole);
  }
  return whole;
}

/// One encoded Converse event (or exception).
std::string event(const std::string& type, const json& payload,
                  const std::string& message_type = "event") {
  using litellm::detail::EventHeaderType;
  const char* name_header = message_type == "exception" ? ":exception-type" : ":event-type";
  return litellm::detail::encode_event_message(
      {{name_header, EventHeaderType::string, type},
       {":content-type", EventHeaderType::string, "application/json"},
       {":message-type", EventHeaderType::string, message_type}},
      payload.dump());
}

json usage(long long prompt, long long completion, long long cached = 0) {
  return json{{"prompt_tokens", prompt},
              {"completion_tokens", completion},
              {"total_tokens", prompt + completion},
              {"prompt_tokens_details", {{"cached_tokens", cached}}}};
}

}  // namespace

// ---- Configuration ------------------------------------------------------------------------------

TEST_CASE("A Bedrock ApiInfo needs a region in api_version, named in the error") {
  ApiInfo info = bedrock_info();
  info.api_version.reset();
  const std::string message = config_error_of([&] { info.validate(); });
  CHECK(message.find("region") != std::string::npos);
  CHECK(message.find(kSecret) == std::string::npos);
  info.api_version = "US East 1";
  CHECK(config_error_of([&] { info.validate(); }).find("not an AWS region") != std::string::npos);
  CHECK_NOTHROW(bedrock_info().validate());
}

TEST_CASE("Malformed AWS keys are ConfigErrors that never show the key") {
  for (const std::string& key : {std::string(":") + kSecret, std::string(kAccessKey) + ":",
                                 std::string(kAccessKey) + "::", std::string("AK/ID:") + kSecret,
                                 std::string(kAccessKey) + ":" + kSecret + ":tok:extra"}) {
    CAPTURE(key);
    const std::string message = config_error_of([&] { bedrock_info(key).validate(); });
    CHECK(message.find("api_key") != std::string::npos);
    CHECK(message.find(kSecret) == std::string::npos);
  }
  CHECK_NOTHROW(bedrock_info(std::string(kAccessKey) + ":" + kSecret + ":" + kToken).validate());
  CHECK_NOTHROW(bedrock_info("ABSKQmVkcm9ja0FQSUtleS1leGFtcGxl").validate());
}

TEST_CASE("An AWS key is shown as its access key id only") {
  const std::string shown = litellm::redact_key(std::string(kAccessKey) + ":" + kSecret);
  CHECK(shown == "AKI...TEST:***");
  const std::string text = litellm::detail::redact_keys(
      std::string("echo ") + kSecret + " and " + kToken,
      {bedrock_info(std::string(kAccessKey) + ":" + kSecret + ":" + kToken)});
  CHECK(text.find(kSecret) == std::string::npos);
  CHECK(text.find(kToken) == std::string::npos);
}

TEST_CASE("api_infos_from_env builds a Bedrock key from AWS's variables") {
  ScopedEnv bearer("AWS_BEARER_TOKEN_BEDROCK", nullptr);
  ScopedEnv id("AWS_ACCESS_KEY_ID", kAccessKey);
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", kSecret);
  ScopedEnv token("AWS_SESSION_TOKEN", kToken);
  ScopedEnv region("AWS_REGION", "eu-west-3");
  ScopedEnv endpoint("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", nullptr);
  std::optional<ApiInfo> found;
  for (const ApiInfo& info : litellm::api_infos_from_env()) {
    if (info.backend_used == "bedrock") found = info;
  }
  REQUIRE(found);
  CHECK(found->api_key == std::string(kAccessKey) + ":" + kSecret + ":" + kToken);
  CHECK(found->api_version == std::optional<std::string>("eu-west-3"));
  ScopedEnv bearer_set("AWS_BEARER_TOKEN_BEDROCK", "ABSKexampleBearerKey0123");
  for (const ApiInfo& info : litellm::api_infos_from_env()) {
    if (info.backend_used == "bedrock") CHECK(info.api_key == "ABSKexampleBearerKey0123");
  }
}

// ---- Requests and signing -----------------------------------------------------------------------

TEST_CASE("Converse requests go to the regional endpoint with the model id encoded") {
  const HttpRequest plain =
      kAdapter.chat_request(bedrock_info(), kModel, {{"messages", {user("x")}}}, false);
  CHECK(
      plain.url ==
      "https://bedrock-runtime.us-east-1.amazonaws.com/model/us.amazon.nova-micro-v1%3A0/converse");
  CHECK_FALSE(plain.stream);
  CHECK(plain.headers.value("accept") == "application/json");
  const HttpRequest streamed = kAdapter.chat_request(
      bedrock_info(std::string(kAccessKey) + ":" + kSecret, "http://127.0.0.1:9/"), kModel,
      {{"messages", {user("x")}}}, true);
  CHECK(streamed.url == "http://127.0.0.1:9/model/us.amazon.nova-micro-v1%3A0/converse-stream");
  CHECK(streamed.stream);
  CHECK(streamed.headers.value("accept") == "application/vnd.amazon.eventstream");
}

TEST_CASE("A Converse request carries a SigV4 signature that verifies, and no secret") {
  const std::string key = std::string(kAccessKey) + ":" + kSecret + ":" + kToken;
  const HttpRequest request =
      kAdapter.chat_request(bedrock_info(key), kModel, {{"messages", {user("hello")}}}, false);
  const std::string date = request.headers.value("x-amz-date");
  REQUIRE(date.size() == 16);
  CHECK(request.headers.value("x-amz-security-token") == kToken);
  const auto auth =
      litellm::detail::sigv4_parse_authorization(request.headers.value("authorization"));
  CHECK(auth.access_key_id == kAccessKey);
  CHECK(auth.scope == date.substr(0, 8) + "/us-east-1/bedrock/aws4_request");
  CHECK(auth.signed_headers == "content-type;host;x-amz-date;x-amz-security-token");
  // Recomputed independently of the adapter's own signing call.
  litellm::detail::SigV4Request check;
  check.method = "POST";
  check.path = "/model/us.amazon.nova-micro-v1%3A0/converse";
  check.headers = {{"host", "bedrock-runtime.us-east-1.amazonaws.com"},
                   {"content-type", "application/json"},
                   {"x-amz-date", date},
                   {"x-amz-security-token", kToken}};
  check.payload_hash = litellm::detail::sha256_hex(request.body);
  CHECK(litellm::detail::sigv4_sign(check, kAccessKey, kSecret, "us-east-1", "bedrock", date) ==
        request.headers.value("authorization"));
  for (const auto& [name, value] : request.headers) {
    CHECK(value.find(kSecret) == std::string::npos);
  }
  CHECK(request.body.find(kSecret) == std::string::npos);
}

TEST_CASE("A Bedrock API key is sent as a Bearer token, unsigned") {
  const HttpRequest request = kAdapter.chat_request(bedrock_info("ABSKexampleBearerKey0123"),
                                                    kModel, {{"messages", {user("x")}}}, false);
  CHECK(request.headers.value("authorization") == "Bearer ABSKexampleBearerKey0123");
  CHECK_FALSE(request.headers.contains("x-amz-date"));
}

TEST_CASE("System messages, user text and images become Converse blocks") {
  const json body = body_for(
      {{"messages",
        {{{"role", "system"}, {"content", "Be brief."}},
         {{"role", "user"},
          {"content",
           {{{"type", "text"}, {"text", "What is this?"}},
            {{"type", "image_url"}, {"image_url", {{"url", "data:image/png;base64,iVBORw0K"}}}}}}},
         {{"role", "developer"}, {"content", "No emojis."}}}}});
  CHECK(body["system"] == json::array({{{"text", "Be brief."}}, {{"text", "No emojis."}}}));
  CHECK(body["messages"] ==
        json::array({{{"role", "user"},
                      {"content",
                       {{{"text", "What is this?"}},
                        {{"image", {{"format", "png"}, {"source", {{"bytes", "iVBORw0K"}}}}}}}}}}));
  CHECK(config_error_of([] {
          body_for({{"messages",
                     {{{"role", "user"},
                       {"content",
                        {{{"type", "image_url"},
                          {"image_url", {{"url", "https://example.com/a.png"}}}}}}}}}});
        }).find("data:image") != std::string::npos);
}

TEST_CASE("Tool calls, tool results, tools and tool_choice translate to Converse's") {
  const json body = body_for(
      {{"messages",
        {user("Weather in Paris?"),
         {{"role", "assistant"},
          {"content", nullptr},
          {"tool_calls",
           {{{"id", "tooluse_1"},
             {"type", "function"},
             {"function", {{"name", "get_weather"}, {"arguments", "{\"city\":\"Paris\"}"}}}}}}},
         {{"role", "tool"}, {"tool_call_id", "tooluse_1"}, {"content", "18C"}},
         user("Thanks")}},
       {"tools",
        {{{"type", "function"},
          {"function",
           {{"name", "get_weather"},
            {"description", "Weather now"},
            {"parameters", {{"type", "object"}}}}}}}},
       {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_weather"}}}}}});
  CHECK(body["messages"][1] == json{{"role", "assistant"},
                                    {"content",
                                     {{{"toolUse",
                                        {{"toolUseId", "tooluse_1"},
                                         {"name", "get_weather"},
                                         {"input", {{"city", "Paris"}}}}}}}}});
  // The tool result and the next user text share one user message.
  CHECK(body["messages"][2] ==
        json{{"role", "user"},
             {"content",
              {{{"toolResult", {{"toolUseId", "tooluse_1"}, {"content", {{{"text", "18C"}}}}}}},
               {{"text", "Thanks"}}}}});
  CHECK(body["messages"].size() == 3);
  CHECK(body["toolConfig"] == json{{"tools",
                                    {{{"toolSpec",
                                       {{"name", "get_weather"},
                                        {"description", "Weather now"},
                                        {"inputSchema", {{"json", {{"type", "object"}}}}}}}}}},
                                   {"toolChoice", {{"tool", {{"name", "get_weather"}}}}}});
  const json tools = json::array({{{"type", "function"}, {"function", {{"name", "f"}}}}});
  CHECK(body_for({{"messages", {user("x")}},
                  {"tools", tools},
                  {"tool_choice", "required"}})["toolConfig"]["toolChoice"] ==
        json{{"any", json::object()}});
  CHECK(body_for({{"messages", {user("x")}},
                  {"tools", tools},
                  {"tool_choice", "auto"}})["toolConfig"]["toolChoice"] ==
        json{{"auto", json::object()}});
  CHECK_FALSE(body_for({{"messages", {user("x")}}, {"tools", tools}, {"tool_choice", "none"}})
                  .contains("toolConfig"));
}

TEST_CASE("Sampling parameters go into inferenceConfig and OpenAI-only ones are dropped") {
  const json body = body_for({{"messages", {user("x")}},
                              {"max_tokens", 100},
                              {"temperature", 0.5},
                              {"top_p", 0.9},
                              {"stop", "END"},
                              {"presence_penalty", 1},
                              {"user", "u1"},
                              {"guardrailConfig", {{"guardrailIdentifier", "g"}}}});
  CHECK(body["inferenceConfig"] ==
        json{{"maxTokens", 100}, {"temperature", 0.5}, {"topP", 0.9}, {"stopSequences", {"END"}}});
  CHECK(body["guardrailConfig"] == json{{"guardrailIdentifier", "g"}});
  CHECK_FALSE(body.contains("presence_penalty"));
  CHECK_FALSE(body.contains("user"));
  CHECK_THROWS_AS(body_for({{"messages", {user("x")}}, {"n", 2}}), ConfigError);
}

// ---- Plain responses ----------------------------------------------------------------------------

TEST_CASE("A recorded Converse text answer becomes a chat.completion", "[shared-data]") {
  const json completion =
      kAdapter.chat_response(json::parse(vector_file("bedrock/converse_text_llama32.json")));
  const json& choice = completion["choices"][0];
  CHECK(choice["message"]["content"] ==
        "Why did the OpenTelemetry trace go to therapy?\n\nBecause it was struggling to debug its "
        "issues and was feeling a little \"unreliable\".");
  CHECK(choice["finish_reason"] == "stop");
  CHECK(completion["usage"] == usage(52, 30));
  CHECK(completion["object"] == "chat.completion");
}

TEST_CASE("A recorded Converse toolUse answer becomes a tool call", "[shared-data]") {
  const json completion =
      kAdapter.chat_response(json::parse(vector_file("bedrock/converse_tool_use_nova_micro.json")));
  const json& message = completion["choices"][0]["message"];
  CHECK(message["content"].is_null());
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0]["id"] == "tooluse_Mj06ft-ITJik1Otgpkc1uA");
  CHECK(message["tool_calls"][0]["function"]["name"] == "temperature");
  CHECK(json::parse(message["tool_calls"][0]["function"]["arguments"].get<std::string>()) ==
        json{{"city", "London"}, {"date", "2022-01-01"}});
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(completion["usage"] == usage(571, 22));
}

TEST_CASE("A recorded reasoning + toolUse answer keeps both", "[shared-data]") {
  const json completion = kAdapter.chat_response(
      json::parse(vector_file("bedrock/converse_reasoning_tool_use_kimi.json")));
  const json& message = completion["choices"][0]["message"];
  CHECK(message["reasoning_content"].get<std::string>().rfind(
            " The user is asking for the current temperature in London.", 0) == 0);
  CHECK(message["tool_calls"][0]["id"] == "functions.get_temperature:0");
  CHECK(message["tool_calls"][0]["function"]["arguments"] == "{\"city\":\"London\"}");
  CHECK(completion["usage"] == usage(92, 75));
}

TEST_CASE("A recorded guardrail intervention finishes with content_filter", "[shared-data]") {
  const json completion = kAdapter.chat_response(
      json::parse(vector_file("bedrock/converse_guardrail_intervened_nova_lite.json")));
  CHECK(completion["choices"][0]["message"]["content"] ==
        "{ADDRESS} is the capital of Japan {Account Number}.");
  CHECK(completion["choices"][0]["finish_reason"] == "content_filter");
  CHECK(completion["usage"] == usage(54, 18));
}

TEST_CASE("Stop reasons map to OpenAI finish reasons") {
  CHECK(litellm::bedrock_finish_reason("end_turn") == "stop");
  CHECK(litellm::bedrock_finish_reason("stop_sequence") == "stop");
  CHECK(litellm::bedrock_finish_reason("max_tokens") == "length");
  CHECK(litellm::bedrock_finish_reason("tool_use") == "tool_calls");
  CHECK(litellm::bedrock_finish_reason("guardrail_intervened") == "content_filter");
  CHECK(litellm::bedrock_finish_reason("content_filtered") == "content_filter");
  CHECK(litellm::bedrock_finish_reason(nullptr).is_null());
}

TEST_CASE("A body that is no Converse answer is a ProtocolError keeping AWS's message") {
  const auto error = expect_error<litellm::ProtocolError>([] {
    kAdapter.chat_response(json{{"message", "The server encountered an internal error."}});
  });
  CHECK(error.details().provider_message == "The server encountered an internal error.");
  CHECK(std::string(error.what()).find("no output.message.content") != std::string::npos);
  CHECK_THROWS_AS(kAdapter.chat_response(json{{"output", {{"message", nullptr}}}}),
                  litellm::ProtocolError);
}

TEST_CASE("Cached input tokens count in the prompt and as cached_tokens") {
  CHECK(litellm::bedrock_usage({{"inputTokens", 10},
                                {"outputTokens", 5},
                                {"cacheReadInputTokens", 100},
                                {"cacheWriteInputTokens", 7},
                                {"totalTokens", 122}}) ==
        json{{"prompt_tokens", 117},
             {"completion_tokens", 5},
             {"total_tokens", 122},
             {"prompt_tokens_details", {{"cached_tokens", 100}}}});
}

TEST_CASE("A plain call through the backend returns the translated completion", "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({bedrock_info()}, "bedrock/" + std::string(kModel));
  h.transport->push(FakeResponse::json_body(vector_file("bedrock/converse_text_llama32.json")));
  const json completion = backend.completion(json{{"messages", {user("joke")}}});
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  REQUIRE(h.transport->requests().size() == 1);
  CHECK(h.transport->requests()[0].url.find("/model/us.amazon.nova-micro-v1%3A0/converse") !=
        std::string::npos);
}

// ---- Streams ------------------------------------------------------------------------------------

TEST_CASE("A recorded text stream gives the whole text at any split", "[shared-data]") {
  const json completion = stream_completion("converse_stream_text_nova_micro.bin");
  const json& choice = completion["choices"][0];
  CHECK(choice["message"]["content"] ==
        "The capital of France is Paris. Paris is not only the capital city but also the most "
        "populous city in France, and it is a major center for culture, commerce, fashion, and "
        "international diplomacy. Known for its historical landmarks, such as the Eiffel Tower, "
        "the Louvre Museum, and Notre-Dame Cathedral, Paris is often referred to as \"The City "
        "of Light\" or \"The City of Love.\"");
  CHECK(choice["message"]["role"] == "assistant");
  CHECK(choice["finish_reason"] == "stop");
  CHECK(completion["usage"] == usage(13, 82));
}

TEST_CASE("A recorded stream with text and a tool call in five pieces", "[shared-data]") {
  const json completion = stream_completion("converse_stream_tool_use_claude3.bin");
  const json& message = completion["choices"][0]["message"];
  CHECK(message["content"] ==
        "Okay, let me check the weather for Barcelona using the available tool:");
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0]["id"] == "tooluse_yypYDr71TwCwByoyao4-Vg");
  CHECK(message["tool_calls"][0]["function"]["name"] == "get_weather");
  CHECK(message["tool_calls"][0]["function"]["arguments"] == "{\"location\": \"Barcelona\"}");
  CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  CHECK(completion["usage"] == usage(236, 58));
}

TEST_CASE("A recorded stream whose tool input arrives in one delta", "[shared-data]") {
  const json completion = stream_completion("converse_stream_text_tool_use_nova_micro.bin");
  const json& message = completion["choices"][0]["message"];
  CHECK(message["content"].get<std::string>().rfind("<thinking> To find the temperature", 0) == 0);
  CHECK(message["tool_calls"][0]["function"]["name"] == "get_temperature");
  CHECK(message["tool_calls"][0]["function"]["arguments"] == "{\"city\":\"Paris\"}");
  CHECK(completion["usage"] == usage(471, 91));
}

TEST_CASE("A recorded reasoning stream gives reasoning_content and text", "[shared-data]") {
  const json completion = stream_completion("converse_stream_reasoning_claude_sonnet4.bin");
  const json& message = completion["choices"][0]["message"];
  CHECK(message["reasoning_content"] ==
        "The user has greeted me with a simple \"Hello\". I should respond in a friendly and "
        "welcoming manner. This is a straightforward greeting, so I'll respond warmly and ask "
        "how I can help them today.");
  CHECK(message["content"] == "Hello! It's nice to meet you. How can I help you today?");
  CHECK(completion["usage"] == usage(36, 73));
}

TEST_CASE("A recorded redacted-reasoning stream keeps only its text", "[shared-data]") {
  const json completion = stream_completion("converse_stream_reasoning_redacted_claude37.bin");
  const json& message = completion["choices"][0]["message"];
  CHECK_FALSE(message.contains("reasoning_content"));
  CHECK(message["content"].get<std::string>().rfind("I notice you've sent what appears", 0) == 0);
  CHECK(completion["usage"] == usage(92, 253));
}

TEST_CASE("A recorded guardrail stream finishes with content_filter", "[shared-data]") {
  const json completion = stream_completion("converse_stream_guardrail_trace_titan.bin");
  CHECK(completion["choices"][0]["message"]["content"] ==
        "\nThe capital of {ADDRESS} is {ADDRESS}. The capital of {ADDRESS} is {ADDRESS}.");
  CHECK(completion["choices"][0]["finish_reason"] == "content_filter");
}

TEST_CASE("A server tool's call and result are left out of a recorded stream", "[shared-data]") {
  const json completion = stream_completion("converse_stream_code_execution_nova2.bin");
  const json& message = completion["choices"][0]["message"];
  REQUIRE(message["tool_calls"].size() == 1);
  CHECK(message["tool_calls"][0]["id"] == "tooluse_ptgCcZ0uQu-UUMz0abqoWw");
  CHECK(message["tool_calls"][0]["function"]["name"] == "final_result");
  CHECK(message["tool_calls"][0]["function"]["arguments"] == "{\"result\":7006652.0}");
  CHECK(completion["usage"] == usage(1002, 59));
}

TEST_CASE("A throttling exception mid-stream is a RateLimitError carrying what arrived") {
  FakeHarness h;
  auto backend = h.backend({bedrock_info()}, kModel);
  const std::string bytes =
      event("messageStart", {{"role", "assistant"}}) +
      event("contentBlockDelta", {{"contentBlockIndex", 0}, {"delta", {{"text", "Hel"}}}}) +
      event("throttlingException", {{"message", "Too many requests"}}, "exception");
  h.transport->push(event_stream(bytes, 5));
  const auto error = expect_error<litellm::RateLimitError>([&] {
    backend.completion(json{{"messages", {user("hi")}}}, [](const json&) { return true; });
  });
  CHECK(error.details().error_type == "throttlingException");
  CHECK(error.details().provider_message == "Too many requests");
  REQUIRE(error.details().partial);
  CHECK((*error.details().partial)["choices"][0]["message"]["content"] == "Hel");
}

TEST_CASE("Stream exceptions map to typed errors") {
  for (const auto& [name, kind] : std::vector<std::pair<std::string, litellm::ErrorKind>>{
           {"validationException", litellm::ErrorKind::bad_request},
           {"modelStreamErrorException", litellm::ErrorKind::server},
           {"internalServerException", litellm::ErrorKind::server},
           {"serviceUnavailableException", litellm::ErrorKind::server}}) {
    litellm::BedrockStreamTranslator translator;
    litellm::SseEvent sse;
    sse.event = name;
    sse.id = "exception";
    sse.data = "{\"message\":\"m\"}";
    std::vector<json> out;
    const auto error = expect_error<litellm::Error>([&] { translator.on_event(sse, out); });
    CHECK(error.kind() == kind);
  }
}

TEST_CASE("A stream cut before messageStop is a StreamError") {
  FakeHarness h;
  auto backend = h.backend({bedrock_info()}, kModel);
  h.transport->push(event_stream(
      event("messageStart", {{"role", "assistant"}}) +
          event("contentBlockDelta", {{"contentBlockIndex", 0}, {"delta", {{"text", "Hi"}}}}),
      0));
  CHECK_THROWS_AS(
      backend.completion(json{{"messages", {user("hi")}}}, [](const json&) { return true; }),
      litellm::StreamError);
}

TEST_CASE("A corrupt event-stream message is a ProtocolError") {
  FakeHarness h;
  auto backend = h.backend({bedrock_info()}, kModel);
  std::string bytes = event("messageStart", {{"role", "assistant"}});
  bytes[bytes.size() - 8] = 'X';
  h.transport->push(event_stream(bytes, 0));
  CHECK_THROWS_AS(
      backend.completion(json{{"messages", {user("hi")}}}, [](const json&) { return true; }),
      litellm::ProtocolError);
}

// ---- Errors -------------------------------------------------------------------------------------

namespace {

litellm::HttpResponse error_response(int status, const std::string& type, std::string body) {
  litellm::HttpResponse response;
  response.status = status;
  response.headers.add("content-type", "application/json");
  if (!type.empty()) response.headers.add("x-amzn-ErrorType", type);
  response.headers.add("x-amzn-RequestId", "req-123");
  response.body = std::move(body);
  return response;
}

}  // namespace

TEST_CASE("A recorded 400 is a bad request with its message", "[shared-data]") {
  const litellm::Error error = kAdapter.error_from_response(
      error_response(400,
                     "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/",
                     vector_file("bedrock/error_400_invalid_model_id.json")),
      "bedrock");
  CHECK(error.kind() == litellm::ErrorKind::bad_request);
  CHECK(error.details().error_type == "ValidationException");
  CHECK(error.details().provider_message == "The provided model identifier is invalid.");
  CHECK(error.details().request_id == "req-123");
  const litellm::Error bare = kAdapter.error_from_response(
      error_response(400, "", vector_file("bedrock/error_400_malformed_input.json")), "bedrock");
  CHECK(bare.kind() == litellm::ErrorKind::bad_request);
  CHECK(bare.details().provider_message.rfind("The model returned the following errors", 0) == 0);
}

TEST_CASE("Signature, identity and access failures are AuthErrors; throttling is a rate limit") {
  for (const char* type :
       {"InvalidSignatureException", "UnrecognizedClientException", "AccessDeniedException"}) {
    CHECK(kAdapter.error_from_response(error_response(403, type, "{\"message\":\"no\"}"), "bedrock")
              .kind() == litellm::ErrorKind::auth);
  }
  CHECK(kAdapter
            .error_from_response(
                error_response(400, "ThrottlingException", "{\"message\":\"Too many tokens\"}"),
                "bedrock")
            .kind() == litellm::ErrorKind::rate_limit);
  CHECK(kAdapter.error_from_response(error_response(429, "", "{\"message\":\"x\"}"), "bedrock")
            .kind() == litellm::ErrorKind::rate_limit);
}

TEST_CASE("A 403 moves the call to the next key") {
  FakeHarness h;
  auto backend = h.backend({bedrock_info(std::string("AKIDFIRSTKEY0000:") + kSecret),
                            bedrock_info(std::string("AKIDSECONDKEY000:") + kSecret)},
                           kModel);
  FakeResponse denied = FakeResponse::json_body(
      "{\"message\":\"The security token included in the request is invalid.\"}", 403);
  denied.headers.add("x-amzn-ErrorType", "UnrecognizedClientException");
  h.transport->push(denied);
  h.transport->push(FakeResponse::json_body(
      R"({"output":{"message":{"content":[{"text":"ok"}],"role":"assistant"}},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":1,"totalTokens":2}})"));
  const json completion = backend.completion(json{{"messages", {user("hi")}}});
  CHECK(completion["choices"][0]["message"]["content"] == "ok");
  CHECK(h.transport->requests().size() == 2);
}

// ---- Embeddings ---------------------------------------------------------------------------------

TEST_CASE("Titan embeddings go through InvokeModel, one text per call", "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({bedrock_info()}, "amazon.titan-embed-text-v2:0");
  h.transport->push(
      FakeResponse::json_body(vector_file("bedrock/invoke_titan_embed_text_v2.json")));
  const json response = backend.embedding(json{{"input", "hello"}, {"normalize", true}});
  REQUIRE(h.transport->requests().size() == 1);
  CHECK(h.transport->requests()[0].url ==
        "https://bedrock-runtime.us-east-1.amazonaws.com/model/amazon.titan-embed-text-v2%3A0/"
        "invoke");
  CHECK(json::parse(h.transport->requests()[0].body) ==
        json{{"inputText", "hello"}, {"normalize", true}});
  REQUIRE(response["data"].size() == 1);
  const json& vector = response["data"][0]["embedding"];
  CHECK(vector.size() == 1024);
  CHECK(vector[0].get<double>() == Approx(-0.05289186164736748));
  CHECK(vector[1023].get<double>() == Approx(-0.013372031040489674));
  CHECK(response["usage"]["prompt_tokens"] == 5);
  CHECK_THROWS_AS(backend.embedding(json{{"input", {"a", "b"}}}), ConfigError);
}

TEST_CASE("Cohere embeddings take a list of texts", "[shared-data]") {
  FakeHarness h;
  auto backend = h.backend({bedrock_info()}, "cohere.embed-english-v3");
  h.transport->push(
      FakeResponse::json_body(vector_file("bedrock/invoke_cohere_embed_english_v3.json")));
  const json response = backend.embedding(json{{"input", {"hello, world!"}}});
  CHECK(json::parse(h.transport->requests()[0].body) ==
        json{{"texts", {"hello, world!"}}, {"input_type", "search_document"}});
  REQUIRE(response["data"].size() == 1);
  CHECK(response["data"][0]["embedding"].size() == 1024);
  CHECK(response["data"][0]["embedding"][0].get<double>() == Approx(-0.042236328));
  CHECK(response["data"][0]["embedding"][1023].get<double>() == Approx(0.012451172));
}

TEST_CASE("A verbose trace of a signed request shows neither the signature nor the session token") {
  const std::string key = std::string(kAccessKey) + ":" + kSecret + ":" + kToken;
  const HttpRequest request =
      kAdapter.chat_request(bedrock_info(key), kModel, {{"messages", {user("x")}}}, false);
  std::string trace;
  for (const auto& [name, value] : request.headers) trace += name + ": " + value + "\r\n";
  const std::string signature =
      litellm::detail::sigv4_parse_authorization(request.headers.value("authorization")).signature;
  REQUIRE(trace.find(signature) != std::string::npos);
  litellm::detail::redact_header_secrets(trace, request.headers, "[redacted]");
  CHECK(trace.find(signature) == std::string::npos);
  CHECK(trace.find(kToken) == std::string::npos);
  CHECK(trace.find(kSecret) == std::string::npos);
}
