// Bedrock against the simulator over real HTTP: Converse plain and streamed (binary event
// stream), InvokeModel embeddings, SigV4 signatures that the simulator verifies (a wrong secret
// gets AWS's 403), Bearer API keys, and the faults x {plain, streamed, embeddings} x
// {one key, three keys} with key rotation.
#include <chrono>
#include <functional>
#include <optional>
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

const std::vector<std::string> kAwsKeys = {
    "AKIDSIMKEY0000000001:simSecretKey0001/aaaaaaaaaaaaaaaaaaaaaaaaaa",
    "AKIDSIMKEY0000000002:simSecretKey0002/bbbbbbbbbbbbbbbbbbbbbbbbbb:simSessionToken0002zzzz",
    "AKIDSIMKEY0000000003:simSecretKey0003/cccccccccccccccccccccccccc"};
constexpr const char* kBearer = "ABSKsimBedrockApiKey0000000001";
constexpr const char* kModel = "us.amazon.nova-micro-v1:0";

/// A simulator that knows the AWS keys and the Bearer key.
sim::SimulatorOptions aws_options() {
  sim::SimulatorOptions options;
  options.keys = kAwsKeys;
  options.keys.push_back(kBearer);
  return options;
}

struct BedrockSim {
  sim::ProviderSimulator simulator{aws_options()};
  BedrockSim() { simulator.start(); }
  ~BedrockSim() { simulator.stop(); }

  ApiInfo info(const std::string& key) const {
    return ApiInfo{"bedrock", std::string("us-east-1"), key, simulator.base_url()};
  }
  std::vector<ApiInfo> infos(std::size_t count) const {
    std::vector<ApiInfo> out;
    for (std::size_t i = 0; i < count; ++i) out.push_back(info(kAwsKeys[i]));
    return out;
  }
  LiteLLMBackend backend(std::vector<ApiInfo> infos, BackendOptions o = Harness::options(),
                         const std::string& model = kModel) const {
    return LiteLLMBackend(std::move(infos), model, wait_time_per_key(0), std::move(o));
  }
};

enum class Mode { plain, streamed, embeddings };

struct Outcome {
  bool ok = false;
  std::optional<ErrorKind> error;
  bool has_partial = false;
  bool partial_matches = true;
  std::string seen;
  std::string message;  ///< The error's, when it failed.
  std::vector<sim::RecordedRequest> requests;
  std::vector<KeyStateSnapshot> pool;
};

Outcome run(const Fault& fault, Mode mode, std::size_t key_count,
            const std::function<void(BackendOptions&)>& adjust = {}) {
  BedrockSim s;
  BackendOptions options = Harness::options();
  options.timeouts.total = 400ms;
  options.timeouts.first_byte = 400ms;
  options.timeouts.idle = 400ms;
  options.retry.max_retry_after = 5s;
  if (adjust) adjust(options);
  const std::string model = mode == Mode::embeddings ? "amazon.titan-embed-text-v2:0" : kModel;
  LiteLLMBackend backend = s.backend(s.infos(key_count), options, model);
  s.simulator.push_fault(fault);
  Outcome out;
  StreamCollector collector;
  try {
    if (mode == Mode::plain) {
      backend.completion(ping());
    } else if (mode == Mode::streamed) {
      backend.completion(ping(), collector.callback());
    } else {
      backend.embedding(json{{"input", "ping pong"}});
    }
    out.ok = true;
  } catch (const Error& e) {
    out.error = e.kind();
    out.message = e.what();
    if (const json* partial = e.partial()) {
      out.has_partial = true;
      out.partial_matches = text_of(*partial) == collector.text;
    }
  }
  out.seen = collector.text;
  s.simulator.release_stalls();
  out.requests = s.simulator.requests();
  out.pool = backend.key_pool().snapshot();
  return out;
}

Fault make(FaultKind kind, int after_chunks = 4, int status = 500) {
  Fault f = make_fault(kind, after_chunks);
  f.status = status;
  f.stall = 5s;
  return f;
}

const Mode kAllModes[] = {Mode::plain, Mode::streamed, Mode::embeddings};
const std::size_t kKeyCounts[] = {1, 3};

std::string label(Mode mode, std::size_t keys) {
  const char* name = mode == Mode::plain      ? "plain"
                     : mode == Mode::streamed ? "streamed"
                                              : "embeddings";
  return std::string(name) + ", " + std::to_string(keys) + " keys";
}

void check_recovered(const Outcome& o, std::size_t keys) {
  CHECK(o.ok);
  REQUIRE(o.requests.size() == 2);
  CHECK(o.requests[1].status == 200);
  if (keys > 1) CHECK(o.requests[0].key != o.requests[1].key);
}

void check_broken_stream(const Outcome& o, ErrorKind kind) {
  REQUIRE(o.error.has_value());
  CHECK(*o.error == kind);
  CHECK(o.has_partial);
  CHECK(o.partial_matches);
  CHECK_FALSE(o.seen.empty());
  CHECK(o.requests.size() == 1);
}

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
            .rfind("AWS4-HMAC-SHA256 Credential=AKIDSIMKEY0000000001/", 0) == 0);
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
  LiteLLMBackend backend = s.backend({s.info(kAwsKeys[1])});
  CHECK(text_of(backend.completion(ping())) == kPingAnswer);
  const auto request = s.simulator.requests().at(0);
  CHECK(request.headers.at("x-amz-security-token") == "simSessionToken0002zzzz");
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
  const std::string wrong = "AKIDSIMKEY0000000001:notTheSecretAtAll0000000000000000000";
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
  LiteLLMBackend backend =
      s.backend({s.info("AKIDUNKNOWN000000000:someSecret0000000000000000"), s.info(kAwsKeys[0])});
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

TEST_CASE("bedrock faults: a 500 is retried, 429 rotates, 403 takes the key out") {
  for (const Mode mode : kAllModes) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      const Outcome server = run(make(FaultKind::status, 4, 500), mode, keys);
      check_recovered(server, keys);
      const Outcome limited = run(make(FaultKind::status, 4, 429), mode, keys);
      check_recovered(limited, keys);
      CHECK(limited.pool[0].rate_limits == 1);
      const Outcome denied = run(make(FaultKind::status, 4, 403), mode, keys);
      CHECK_FALSE(denied.pool[0].in_rotation);
      if (keys == 1) {
        REQUIRE(denied.error.has_value());
        CHECK(*denied.error == ErrorKind::auth);
      } else {
        CHECK(denied.ok);
      }
    }
  }
}

TEST_CASE("bedrock faults: resets and stalls before any byte are retried") {
  for (const Mode mode : kAllModes) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      check_recovered(run(make(FaultKind::reset_before_headers), mode, keys), keys);
      check_recovered(run(make(FaultKind::stall, 0), mode, keys), keys);
    }
  }
}

TEST_CASE("bedrock faults: a broken event stream keeps what arrived") {
  for (const std::size_t keys : kKeyCounts) {
    INFO(keys << " keys");
    check_broken_stream(run(make(FaultKind::reset_mid_stream), Mode::streamed, keys),
                        ErrorKind::stream);
    check_broken_stream(run(make(FaultKind::no_terminator), Mode::streamed, keys),
                        ErrorKind::stream);
    check_broken_stream(run(make(FaultKind::malformed_chunk, 3), Mode::streamed, keys),
                        ErrorKind::protocol);
    check_broken_stream(run(make(FaultKind::inband_error), Mode::streamed, keys),
                        ErrorKind::server);
    check_broken_stream(run(make(FaultKind::stall, 4), Mode::streamed, keys), ErrorKind::timeout);
  }
}

TEST_CASE("bedrock faults: plain and embedding answers with faults mid-body") {
  for (const Mode mode : {Mode::plain, Mode::embeddings}) {
    for (const std::size_t keys : kKeyCounts) {
      INFO(label(mode, keys));
      check_recovered(run(make(FaultKind::reset_mid_stream), mode, keys), keys);
      const Outcome malformed = run(make(FaultKind::malformed_chunk, 3), mode, keys);
      REQUIRE(malformed.error.has_value());
      CHECK(*malformed.error == ErrorKind::protocol);
    }
  }
}

TEST_CASE(
    "bedrock faults: a flood, an endless stream and an oversized message end, keeping what "
    "arrived") {
  for (const std::size_t keys : kKeyCounts) {
    INFO(keys << " keys");
    Fault flood = make(FaultKind::flood);
    flood.flood_bytes = std::size_t{8} << 20;
    const Outcome flooded = run(flood, Mode::streamed, keys, [](BackendOptions& o) {
      o.max_response_bytes = std::size_t{1} << 20;
      o.timeouts.stream_total = 30s;  // the size limit, not a clock, must end it
      o.timeouts.total = 30s;
    });
    check_broken_stream(flooded, ErrorKind::protocol);
    CHECK(contains(flooded.message, "max_response_bytes"));
    CHECK(flooded.seen.size() > (std::size_t{1} << 19));  // the flood's text up to the limit

    Fault endless = make(FaultKind::endless);
    endless.interval = 5ms;
    const Outcome timed_out = run(endless, Mode::streamed, keys, [](BackendOptions& o) {
      o.timeouts.stream_total = 300ms;
      o.timeouts.idle = 2s;  // never reached: an event comes every 5 ms
    });
    check_broken_stream(timed_out, ErrorKind::timeout);
    CHECK(contains(timed_out.seen, "lorem lorem"));

    Fault oversized = make(FaultKind::long_line);
    oversized.flood_bytes = std::size_t{32} << 20;
    const Outcome refused = run(oversized, Mode::streamed, keys);
    check_broken_stream(refused, ErrorKind::protocol);
    CHECK(contains(refused.message, "total length"));
  }
}
