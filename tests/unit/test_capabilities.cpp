// What a backend does comes from its spec in the registry (stream usage, base64 embeddings,
// responses passed through, error shape), and every error of a backend names it: plain and
// streamed, HTTP and in-band, known backends and custom OpenAI-compatible ones alike.
#include <string>
#include <vector>

#include "catch.hpp"
#include "fake_harness.hpp"
#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "litellm/providers/anthropic.hpp"
#include "litellm/providers/openai.hpp"
#include "litellm/providers/provider.hpp"
#include "litellm/providers/registry.hpp"
#include "requests.hpp"
#include "samples.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

const std::string kKey = "sk-test-capabilities-AAAAAAAAAAAA";

ApiInfo groq_key() {
  return ApiInfo{"groq", std::nullopt, kKey, std::nullopt};
}

ApiInfo my_vllm_key() {
  return ApiInfo{"my_vllm", std::nullopt, kKey, std::string("http://127.0.0.1:9/v1")};
}

const std::string kInBandError =
    "data: {\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\"}}\n\n";
const std::string kErrorBody =
    R"({"error":{"message":"bad model","type":"invalid_request_error"}})";

/// The provider named by the error a call throws ("" when it throws none).
template <typename Call>
std::string provider_of_error(Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.provider();
  }
  return "";
}

/// The provider named by the error a translator throws for one event.
std::string provider_of_event(StreamTranslator& translator, const std::string& data,
                              const std::string& event = "message") {
  std::vector<json> out;
  SseEvent sse;
  sse.event = event;
  sse.data = data;
  return provider_of_error([&] { translator.on_event(sse, out); });
}

HttpResponse response(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

const std::string kGoogleBadKey =
    R"([{"error":{"code":400,"message":"API key not valid.","status":"INVALID_ARGUMENT",)"
    R"("details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo",)"
    R"("reason":"API_KEY_INVALID"}]}}])";

}  // namespace

// ---- The registry ------------------------------------------------------------------------------

TEST_CASE("a spec given only its first five members has the documented defaults") {
  constexpr ProviderSpec plain{"x", WireProtocol::openai, "http://x.test/v1", false, ""};
  CHECK_FALSE(plain.stream_usage);
  CHECK_FALSE(plain.base64_embeddings);
  CHECK(plain.body_passthrough);
  CHECK(plain.error_shape == ErrorShape::openai);
  CHECK(plain.key_env_alias.empty());
  CHECK(plain.api_base_env[0].empty());
  CHECK(plain.api_version_env[0].empty());
  CHECK(plain.required_api_version_example.empty());
  constexpr ProviderSpec translated{"y", WireProtocol::anthropic, "http://y.test", true, "Y"};
  CHECK_FALSE(translated.body_passthrough);
}

TEST_CASE("only openai asks streams for usage") {
  for (const ProviderSpec& spec : kKnownProviders) {
    CAPTURE(spec.name);
    CHECK(spec.stream_usage == (spec.name == "openai"));
  }
  CHECK_FALSE(kOpenAICompatible.stream_usage);
}

TEST_CASE("openai and azure are asked for base64 embeddings, no other backend") {
  for (const ProviderSpec& spec : kKnownProviders) {
    CAPTURE(spec.name);
    CHECK(spec.base64_embeddings == (spec.name == "openai" || spec.name == "azure"));
  }
  CHECK_FALSE(kOpenAICompatible.base64_embeddings);
}

TEST_CASE("every backend of the openai and azure protocols passes its responses through") {
  for (const ProviderSpec& spec : kKnownProviders) {
    CAPTURE(spec.name);
    CHECK(spec.body_passthrough ==
          (spec.protocol == WireProtocol::openai || spec.protocol == WireProtocol::azure));
  }
  CHECK(kOpenAICompatible.body_passthrough);
}

TEST_CASE("error shapes: anthropic's, gemini's Google's, OpenAI's for the others") {
  CHECK(spec_for("anthropic").error_shape == ErrorShape::anthropic);
  CHECK(spec_for("gemini").error_shape == ErrorShape::google);
  CHECK(spec_for("gemini_openai").error_shape == ErrorShape::google);
  CHECK(spec_for("openai").error_shape == ErrorShape::openai);
  CHECK(spec_for("azure").error_shape == ErrorShape::openai);
  CHECK(spec_for("groq").error_shape == ErrorShape::openai);
}

TEST_CASE("an unknown backend's spec is an OpenAI-compatible server that reads any error") {
  const ProviderSpec& spec = spec_for("my_vllm");
  CHECK(&spec == &kOpenAICompatible);
  CHECK(spec.protocol == WireProtocol::openai);
  CHECK(spec.error_shape == ErrorShape::any);
  CHECK(find_provider("my_vllm") == nullptr);
  CHECK(&spec_for("groq") == find_provider("groq"));
}

TEST_CASE("each protocol's own backend and adapter") {
  for (const WireProtocol protocol : {WireProtocol::openai, WireProtocol::azure,
                                      WireProtocol::anthropic, WireProtocol::bedrock}) {
    CHECK(spec_for(protocol).protocol == protocol);
    CHECK(adapter_for(protocol).protocol() == protocol);
  }
  CHECK(spec_for(WireProtocol::openai).name == "openai");
  CHECK(spec_for(WireProtocol::azure).name == "azure");
  CHECK(spec_for(WireProtocol::anthropic).name == "anthropic");
  CHECK(spec_for(WireProtocol::bedrock).name == "bedrock");
  CHECK(adapter_for(my_vllm_key()).protocol() == WireProtocol::openai);
}

// ---- Capabilities at work ----------------------------------------------------------------------

TEST_CASE("a stream asks for usage on openai, not on groq or a custom server") {
  const json params = chat_params();
  const auto stream_body = [&](const ApiInfo& info) {
    return json::parse(adapter_for(info).chat_request(info, "m", params, true).body);
  };
  const ApiInfo openai{"openai", std::nullopt, kKey, std::nullopt};
  CHECK(stream_body(openai)["stream_options"] == json{{"include_usage", true}});
  CHECK_FALSE(stream_body(groq_key()).contains("stream_options"));
  CHECK_FALSE(stream_body(my_vllm_key()).contains("stream_options"));
}

TEST_CASE("embeddings are asked for as base64 on azure, not on a custom server") {
  FakeHarness h;
  const ApiInfo azure{"azure", std::string("2024-10-21"), kKey,
                      std::string("https://res.openai.azure.com")};
  auto on_azure = h.backend({azure}, "embed");
  h.transport->push(FakeResponse::json_body(sample_embedding_response(8, true)));
  on_azure.embedding(json{{"input", "hello"}});
  auto on_custom = h.backend({my_vllm_key()}, "embed");
  h.transport->push(FakeResponse::json_body(sample_embedding_response(8)));
  on_custom.embedding(json{{"input", "hello"}});
  const auto requests = h.transport->requests();
  REQUIRE(requests.size() == 2);
  CHECK(json::parse(requests[0].body)["encoding_format"] == "base64");
  CHECK_FALSE(json::parse(requests[1].body).contains("encoding_format"));
}

TEST_CASE("a Google error body is read as Google's for gemini and a custom server only") {
  const Error gemini = error_from_http(response(400, kGoogleBadKey), "gemini", ErrorShape::google);
  CHECK(gemini.kind() == ErrorKind::auth);
  CHECK(gemini.error_code() == "API_KEY_INVALID");
  const Error custom =
      adapter_for(my_vllm_key()).error_from_response(response(400, kGoogleBadKey), "my_vllm");
  CHECK(custom.kind() == ErrorKind::auth);
  CHECK(custom.error_type() == "INVALID_ARGUMENT");
  const Error openai = error_from_http(response(400, kGoogleBadKey), "openai", ErrorShape::openai);
  CHECK(openai.kind() == ErrorKind::bad_request);
  CHECK(openai.error_code().empty());
}

TEST_CASE("an error body's request_id is read in Anthropic's shape, not in OpenAI's") {
  const std::string body =
      R"({"type":"error","error":{"type":"api_error","message":"x"},"request_id":"req_1"})";
  CHECK(error_from_http(response(500, body), "anthropic", ErrorShape::anthropic).request_id() ==
        "req_1");
  CHECK(error_from_http(response(500, body), "groq", ErrorShape::openai).request_id().empty());
}

// ---- The provider named in errors --------------------------------------------------------------

TEST_CASE("a translator's in-band errors name the backend it was made for") {
  const auto groq = adapter_for(groq_key()).stream_translator("groq");
  CHECK(provider_of_event(*groq, kErrorBody) == "groq");
  const auto custom = adapter_for(my_vllm_key()).stream_translator("my_vllm");
  CHECK(provider_of_event(*custom, kErrorBody, "error") == "my_vllm");
  const auto anthropic = adapter_for(WireProtocol::anthropic).stream_translator("anthropic");
  CHECK(provider_of_event(*anthropic,
                          R"({"type":"error","error":{"type":"overloaded_error","message":"x"}})",
                          "error") == "anthropic");
}

TEST_CASE("without a backend, a translator and an HTTP error name the protocol's own backend") {
  const auto translator = adapter_for(WireProtocol::openai).stream_translator();
  CHECK(provider_of_event(*translator, kErrorBody) == "openai");
  CHECK(
      adapter_for(WireProtocol::azure).error_from_response(response(400, kErrorBody)).provider() ==
      "azure");
}

TEST_CASE("an adapter's HTTP errors name the backend they are for") {
  CHECK(adapter_for(groq_key()).error_from_response(response(400, kErrorBody), "groq").provider() ==
        "groq");
}

TEST_CASE("groq's plain, streamed in-band and streamed HTTP errors all name groq") {
  FakeHarness h;
  auto backend = h.backend({groq_key()});
  h.transport->push(FakeResponse::json_body(kErrorBody, 400));
  h.transport->push(FakeResponse::event_stream(kInBandError));
  h.transport->push(FakeResponse::json_body(kErrorBody, 400));
  const auto on_chunk = [](const json&) { return true; };
  CHECK(provider_of_error([&] { backend.completion(chat_params()); }) == "groq");
  CHECK(provider_of_error([&] { backend.completion(chat_params(), on_chunk); }) == "groq");
  CHECK(provider_of_error([&] { backend.completion(chat_params(), on_chunk); }) == "groq");
}

TEST_CASE("a custom server's plain and streamed in-band errors name it") {
  FakeHarness h;
  auto backend = h.backend({my_vllm_key()});
  h.transport->push(FakeResponse::json_body(kErrorBody, 400));
  h.transport->push(FakeResponse::event_stream(kInBandError));
  h.transport->push(FakeResponse::json_body(kErrorBody));  // a 200 error body to a stream
  const auto on_chunk = [](const json&) { return true; };
  CHECK(provider_of_error([&] { backend.completion(chat_params()); }) == "my_vllm");
  CHECK(provider_of_error([&] { backend.completion(chat_params(), on_chunk); }) == "my_vllm");
  CHECK(provider_of_error([&] { backend.completion(chat_params(), on_chunk); }) == "my_vllm");
  CHECK(h.transport->requests().size() == 3);
}
