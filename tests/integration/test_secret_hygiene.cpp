// Secret hygiene: drive every error path, log line, exception message, printing, the key-state
// snapshot and curl's verbose trace with distinctive keys, and check that no key text appears.
// The keys contain "HYGIENE" away from their first 3 and last 4 characters, which the redacted
// form keeps; so any output containing "HYGIENE" leaked a key.
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "catch.hpp"
#include "fake_responses.hpp"
#include "harness.hpp"
#include "litellm/backend.hpp"
#include "litellm/fake_transport.hpp"
#include "log_lines.hpp"
#include "requests.hpp"
#include "simulator.hpp"

using namespace litellm;
using namespace std::chrono_literals;
using namespace litellm::test;

namespace {

const std::string kMarker = "HYGIENE";
const std::string kOpenAIKey = "sk-live-HYGIENE-openai-0123456789abcdef-zZ01";
const std::string kAzureKey = "az-live-HYGIENE-azure-0123456789abcdef-zZ02";
const std::string kAnthropicKey = "sk-ant-HYGIENE-anthropic-0123456789abcdef-zZ03";
const std::string kGeminiKey = "AIza-HYGIENE-gemini-0123456789abcdef-zZ04";

/// Everything the library said during a test: its log, curl's trace, what else add() is given.
struct Outputs : LogLines {
  void add_error(const Error& e) {
    add(e.what());
    add(e.message());
    add(e.provider_message());
    add(e.error_type());
    add(e.error_code());
    add(e.request_id());
    add(e.details().key_id);
    if (e.partial() != nullptr) add(e.partial()->dump());
  }
  /// Runs `call`, keeping its error's every field.
  template <class Call>
  void capture(Call&& call) {
    try {
      call();
    } catch (const Error& e) {
      add_error(e);
    }
  }
  void check_clean() const {
    const std::vector<std::string> all = lines();
    CHECK_FALSE(all.empty());
    for (const std::string& line : all) {
      INFO(line);
      CHECK(line.find(kMarker) == std::string::npos);
    }
  }
};

/// A short chat request: the user says "hi", the answer is four words at most.
json hi() {
  return chat_params("hi", 4);
}

BackendOptions options(Outputs& out, std::shared_ptr<Transport> transport = nullptr) {
  BackendOptions o = Harness::options();
  o.logger = out.logger();
  o.curl.verbose_log = out.verbose_log();
  o.timeouts.total = 300ms;
  o.timeouts.idle = 300ms;
  o.timeouts.first_byte = 300ms;
  o.transport = std::move(transport);
  return o;
}

/// An error body whose message and code are `message` (a key echoed in both).
std::string error_body(const std::string& message) {
  return openai_error_body("invalid_request_error", message, message);
}

}  // namespace

TEST_CASE("printing an ApiInfo, its id and the key-state snapshot never shows the key") {
  Outputs out;
  const ApiInfo info{"openai", std::nullopt, kOpenAIKey, std::nullopt};
  std::ostringstream printed;
  printed << info;
  out.add(printed.str());
  out.add(fmt::format("{}", info));
  out.add(to_redacted_string(info));
  out.add(make_unique_api_info_key(info));
  KeyPool pool({info}, {}, std::make_shared<KeyRegistry>());
  pool.report(info, KeyOutcome::auth_failed("HTTP 401 " + std::string("rejected")));
  out.add(json(pool.snapshot()).dump());
  out.check_clean();
}

TEST_CASE("configuration errors never show the key") {
  Outputs out;
  out.capture([] {
    ApiInfo{"openai", std::nullopt, kOpenAIKey + "\r\n", std::nullopt}.validate();
  });
  out.capture([] {
    ApiInfo{"azure", std::nullopt, kAzureKey, std::string("not a url")}.validate();
  });
  out.capture([] { ApiInfo{"nope", std::nullopt, kOpenAIKey, std::nullopt}.validate(); });
  out.capture([] {
    api_infos_from_config(
        json::parse(R"([{"backend_used": "azure", "api_key": ")" + kAzureKey + R"("}])"));
  });
  out.capture([&] {
    LiteLLMBackend backend(
        {{"openai", std::nullopt, kOpenAIKey, std::string("http://127.0.0.1:1/v1")}}, "m",
        json{{"wait_time_per_key", 0}}, options(out));
    json params = hi();
    params["extra_headers"] = {{"X-Key", kOpenAIKey + "\r\nInjected: 1"}};
    backend.completion(params);
  });
  out.check_clean();
}

TEST_CASE("every HTTP error path, its logs and curl's verbose trace are free of keys") {
  sim::SimulatorOptions simulator_options;
  // The OpenAI and Anthropic keys are unknown: 401 (Gemini: 400 API_KEY_INVALID).
  simulator_options.keys = {kAzureKey};
  simulator_options.quota_exhausted_keys = {kAzureKey};
  Harness harness(simulator_options);
  Outputs out;
  const ApiInfo openai = harness.info_with_key("openai", kOpenAIKey);
  const ApiInfo azure = harness.info_with_key("azure", kAzureKey);
  const ApiInfo anthropic = harness.info_with_key("anthropic", kAnthropicKey);
  const ApiInfo gemini = harness.info_with_key("gemini", kGeminiKey);
  for (const ApiInfo& info : {openai, azure, anthropic, gemini}) {
    LiteLLMBackend backend({info}, "m", json{{"wait_time_per_key", 0}}, options(out));
    out.capture([&] { backend.completion(hi()); });  // 401 or exhausted quota
    out.capture([&] { backend.completion(hi(), [](const json&) { return true; }); });  // all out
    out.add(json(backend.key_pool().snapshot()).dump());
  }
  // Faults on a key the simulator accepts.
  Harness open_harness(sim::SimulatorOptions{});  // accepts any key
  sim::ProviderSimulator& open_simulator = open_harness.simulator;
  const ApiInfo open_key = open_harness.info_with_key("openai", kOpenAIKey);
  for (const sim::FaultKind kind :
       {sim::FaultKind::status, sim::FaultKind::reset_before_headers,
        sim::FaultKind::reset_mid_stream, sim::FaultKind::stall, sim::FaultKind::no_terminator,
        sim::FaultKind::malformed_chunk, sim::FaultKind::inband_error}) {
    LiteLLMBackend backend({open_key}, "m", json{{"wait_time_per_key", 0}}, options(out));
    for (int i = 0; i < 3; ++i) {
      sim::Fault fault = make_fault(kind, 2);
      fault.status = 503;
      fault.stall = 2s;
      open_simulator.push_fault(fault);
    }
    out.capture([&] { backend.completion(hi()); });
    out.capture([&] { backend.completion(hi(), [](const json&) { return true; }); });
    open_simulator.clear_faults();
    open_simulator.release_stalls();  // ends a stall still running...
    open_simulator.reset_stalls();    // ...and re-arms stalls for the next kind
  }
  // No server at all.
  {
    LiteLLMBackend backend(
        {{"openai", std::nullopt, kOpenAIKey, std::string("http://127.0.0.1:1/v1")}}, "m",
        json{{"wait_time_per_key", 0}}, options(out));
    out.capture([&] { backend.completion(hi()); });
  }
  // No key ready in time.
  {
    LiteLLMBackend backend({open_key}, "m", json{{"wait_time_per_key", 3600}}, options(out));
    backend.completion(hi());
    CallOptions call;
    call.max_key_wait = 1ms;
    out.capture([&] { backend.completion(hi(), nullptr, call); });
  }
  bool saw_redacted_header = false;
  bool saw_redacted_gemini_header = false;
  for (const std::string& line : out.lines()) {
    saw_redacted_header =
        saw_redacted_header || line.find("Authorization: [redacted]") != std::string::npos;
    saw_redacted_gemini_header =
        saw_redacted_gemini_header || line.find("x-goog-api-key: [redacted]") != std::string::npos;
  }
  CHECK(saw_redacted_header);  // the verbose trace ran, through the redacting filter
  CHECK(saw_redacted_gemini_header);
  out.check_clean();
}

TEST_CASE("a server echoing keys in bodies, headers and stream errors cannot leak them") {
  auto transport = std::make_shared<FakeTransport>();
  Outputs out;
  LiteLLMBackend backend(
      {{"openai", std::nullopt, kOpenAIKey, std::string("https://api.test/v1")},
       {"openai", std::nullopt, kAnthropicKey, std::string("https://api.test/v1")}},
      "m", json{{"wait_time_per_key", 0}}, options(out, transport));
  FakeResponse echoed = FakeResponse::json_body(error_body("bad key " + kOpenAIKey), 400);
  echoed.headers.add("x-request-id", "req-" + kOpenAIKey);
  transport->push(echoed);
  out.capture([&] { backend.completion(hi()); });
  transport->push(FakeResponse::json_body(error_body("rejected " + kAnthropicKey), 401));
  transport->push(FakeResponse::json_body(error_body("rejected " + kOpenAIKey), 401));
  out.capture([&] { backend.completion(hi()); });  // both keys out: the pool lists reasons
  out.add(json(backend.key_pool().snapshot()).dump());

  LiteLLMBackend streaming(
      {{"openai", std::nullopt, kOpenAIKey, std::string("https://api.test/v1")}}, "m",
      json{{"wait_time_per_key", 0}}, options(out, transport));
  transport->push(FakeResponse::event_stream(
      "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\n"
      "data: {\"error\":{\"message\":\"key " +
      kOpenAIKey + " overloaded\",\"type\":\"server_error\"}}\n\n"));
  out.capture([&] { streaming.completion(hi(), [](const json&) { return true; }); });
  out.check_clean();
}
