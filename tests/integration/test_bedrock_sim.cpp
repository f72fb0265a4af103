// Bedrock against the simulator over real HTTP: Converse plain and streamed (binary event
// stream), InvokeModel embeddings, SigV4 signatures that the simulator verifies (a wrong secret
// gets AWS's 403), Bearer API keys. The faults x {plain, streamed, embeddings} x {one key, three
// keys} are in test_fault_matrix.cpp, with every other provider's.
#include <chrono>
#include <string>
#include <vector>

#include "catch.hpp"
#include "harness.hpp"
#include "litellm/backend.hpp"
#include "simulator.hpp"
#include "stream_collector.hpp"
#include "text.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

constexpr const char* kBearer = "ABSKsimBedrockApiKey0000000001";
constexpr const char* kModel = "us.amazon.nova-micro-v1:0";

/// The harness's simulator, which also knows the Bearer key, and Bedrock backends on it.
struct BedrockSim : Harness {
  static sim::SimulatorOptions with_bearer() {
    sim::SimulatorOptions options = known_keys();
    options.keys.push_back(kBearer);
    return options;
  }
  BedrockSim() : Harness(with_bearer()) {}

  ApiInfo info(const std::string& key) const { return info_with_key("bedrock", key); }
  std::vector<ApiInfo> infos(std::size_t count) const { return Harness::infos("bedrock", count); }
  LiteLLMBackend backend(std::vector<ApiInfo> infos, BackendOptions o = Harness::options(),
                         const std::string& model = kModel) const {
    return LiteLLMBackend(std::move(infos), model, wait_time_per_key(0), std::move(o));
  }
};

}  // namespace

TEST_CASE("bedrock: a plain Converse call is signed, verified and answered") {
  BedrockSim s;
  LiteLLMBackend backend = s.backend(s.infos(1));
  const json completion = backend.completion(ping(20));  // max_tokens is a cap, as on Bedrock
  CHECK(text_of(completion) == kPingAnswer);
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(completion["usage"]["completion_tokens"].get<int>() > 0);
  const auto requests = s.simulator.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].status == 200);
  CHECK(requests[0].provider == "bedrock");
  CHECK(requests[0].path == "/model/us.amazon.nova-micro-v1%3A0/converse");
  CHECK(requests[0]
            .headers.at("authorization")
            .rfind("AWS4-HMAC-SHA256 Credential=AKIDHARNESS000000001/", 0) == 0);
}

TEST_CASE("bedrock: a streamed Converse call decodes the binary event stream") {
  BedrockSim s;
  LiteLLMBackend backend = s.backend(s.infos(1));
  StreamCollector collector;
  const json completion = backend.completion(ping(20), collector.callback());
  CHECK(collector.text == kPingAnswer);
  CHECK(text_of(completion) == kPingAnswer);
  CHECK(completion["choices"][0]["finish_reason"] == "stop");
  CHECK(completion["usage"]["prompt_tokens"].get<int>() > 0);
  CHECK(s.simulator.requests().at(0).path == "/model/us.amazon.nova-micro-v1%3A0/converse-stream");
}

TEST_CASE("bedrock: a session token is sent and signed") {
  BedrockSim s;
  LiteLLMBackend backend = s.backend({s.info(kHarnessAwsKeys[1])});
  CHECK(text_of(backend.completion(ping())) == kPingAnswer);
  const auto request = s.simulator.requests().at(0);
  CHECK(request.headers.at("x-amz-security-token") == "harnessSessionToken0002");
  CHECK(request.headers.at("authorization").find("x-amz-security-token") != std::string::npos);
}

TEST_CASE("bedrock: tool calls come back streamed and plain") {
  BedrockSim s;
  LiteLLMBackend backend = s.backend(s.infos(1));
  const json params{
      {"messages", {{{"role", "user"}, {"content", "Weather?"}}}},
      {"tools",
       {{{"type", "function"},
         {"function",
          {{"name", "get_weather"},
           {"parameters",
            {{"type", "object"}, {"properties", {{"city", {{"type", "string"}}}}}}}}}}}}};
  for (const bool streamed : {false, true}) {
    INFO(streamed);
    StreamCollector collector;
    const json completion =
        streamed ? backend.completion(params, collector.callback()) : backend.completion(params);
    const json& message = completion["choices"][0]["message"];
    REQUIRE(message["tool_calls"].size() == 1);
    CHECK(message["tool_calls"][0]["function"]["name"] == "get_weather");
    CHECK(json::parse(message["tool_calls"][0]["function"]["arguments"].get<std::string>()) ==
          json{{"city", "sim"}});
    CHECK(completion["choices"][0]["finish_reason"] == "tool_calls");
  }
}

TEST_CASE("bedrock: Titan and Cohere embeddings through InvokeModel") {
  BedrockSim s;
  LiteLLMBackend titan = s.backend(s.infos(1), Harness::options(), "amazon.titan-embed-text-v2:0");
  const json one = titan.embedding(json{{"input", "hello world"}});
  REQUIRE(one["data"].size() == 1);
  CHECK(one["data"][0]["embedding"].size() == 8);
  CHECK(one["usage"]["prompt_tokens"] == 2);
  LiteLLMBackend cohere = s.backend(s.infos(1), Harness::options(), "cohere.embed-english-v3");
  const json two = cohere.embedding(json{{"input", {"a b", "c"}}});
  REQUIRE(two["data"].size() == 2);
  CHECK(two["data"][1]["index"] == 1);
  CHECK(s.simulator.requests().back().path == "/model/cohere.embed-english-v3/invoke");
}

TEST_CASE("bedrock: a wrong secret gets AWS's 403 InvalidSignatureException, an AuthError") {
  BedrockSim s;
  const std::string wrong = "AKIDHARNESS000000001:notTheSecretAtAll0000000000000000000";
  LiteLLMBackend backend = s.backend({s.info(wrong)});
  try {
    backend.completion(ping());
    FAIL("no error");
  } catch (const AuthError& e) {
    CHECK(e.details().http_status == 403);
    CHECK(e.details().error_type == "InvalidSignatureException");
    CHECK(e.details().provider_message.rfind(
              "The request signature we calculated does not match the signature you provided.",
              0) == 0);
    CHECK(std::string(e.what()).find("notTheSecretAtAll") == std::string::npos);
  }
  CHECK(s.simulator.requests().at(0).status == 403);
}

TEST_CASE("bedrock: an unknown access key is rejected and the call moves to the next key") {
  BedrockSim s;
  LiteLLMBackend backend = s.backend(
      {s.info("AKIDUNKNOWN000000000:someSecret0000000000000000"), s.info(kHarnessAwsKeys[0])});
  CHECK(text_of(backend.completion(ping())) == kPingAnswer);
  const auto requests = s.simulator.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].status == 403);
  CHECK(requests[1].status == 200);
  CHECK_FALSE(backend.key_pool().snapshot()[0].in_rotation);
}

TEST_CASE("bedrock: a Bedrock API key is sent as Bearer") {
  BedrockSim s;
  LiteLLMBackend backend = s.backend({s.info(kBearer)});
  StreamCollector collector;
  backend.completion(ping(), collector.callback());
  CHECK(collector.text == kPingAnswer);
  CHECK(s.simulator.requests().at(0).headers.at("authorization") ==
        std::string("Bearer ") + kBearer);
}
