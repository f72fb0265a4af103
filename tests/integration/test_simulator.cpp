// Tests of the provider simulator itself (tests/simulator), over real HTTP on 127.0.0.1:
// httplib::Client for ordinary exchanges, a raw socket where the bytes on the wire matter.
#include "simulator.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <future>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "catch.hpp"
#include "harness.hpp"
#include "text.hpp"
#include "wait.hpp"

using namespace litellm::test;

namespace {

using litellm::sim::Fault;
using litellm::sim::FaultKind;
using litellm::sim::ProviderSimulator;
using litellm::sim::SimulatorOptions;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kChatPath = "/v1/chat/completions";
constexpr const char* kAzureChatPath =
    "/openai/deployments/my-deployment/chat/completions?api-version=2024-10-21";

SimulatorOptions small_options() {
  SimulatorOptions options;
  options.threads = 8;
  return options;
}

/// A started simulator on a free port (accepting any key unless told otherwise), and clients.
struct Sim : Harness {
  explicit Sim(SimulatorOptions options = small_options()) : Harness(std::move(options)) {}
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", simulator.port());
    c.set_read_timeout(10, 0);
    return c;
  }
};

httplib::Headers openai_headers(const std::string& key = "sk-test-key") {
  return {{"Authorization", "Bearer " + key}};
}
httplib::Headers azure_headers(const std::string& key = "azure-test-key") {
  return {{"api-key", key}};
}
httplib::Headers anthropic_headers(const std::string& key = "sk-ant-test-key") {
  return {{"x-api-key", key}, {"anthropic-version", "2023-06-01"}};
}

json user_chat(const std::string& text, json extra = json::object()) {
  json body = {{"model", "gpt-4o-mini"},
               {"messages", json::array({{{"role", "user"}, {"content", text}}})}};
  body.update(extra);
  return body;
}

json anthropic_chat(const std::string& text, json extra = json::object()) {
  json body = {{"model", "claude-sonnet-4-5"},
               {"max_tokens", 64},
               {"messages", json::array({{{"role", "user"}, {"content", text}}})}};
  body.update(extra);
  return body;
}

json weather_tools() {
  return json::parse(R"([
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
      "properties": {"city": {"type": "string"}, "days": {"type": "integer"},
                     "metric": {"type": "boolean"}, "tags": {"type": "array"}}}}},
    {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object",
      "properties": {"zone": {"type": "string"}}}}}
  ])");
}

httplib::Result post(const Sim& sim, const std::string& path, const httplib::Headers& headers,
                     const json& body) {
  return sim.client().Post(path.c_str(), headers, body.dump(), "application/json");
}

struct SseEvent {
  std::string event;
  std::string data;
};

std::vector<SseEvent> parse_sse(const std::string& text) {
  std::vector<SseEvent> events;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\n\n", start);
    if (end == std::string::npos) end = text.size();
    const std::string block = text.substr(start, end - start);
    SseEvent event;
    std::size_t line_start = 0;
    while (line_start <= block.size()) {
      std::size_t line_end = block.find('\n', line_start);
      if (line_end == std::string::npos) line_end = block.size();
      const std::string line = block.substr(line_start, line_end - line_start);
      if (line.rfind("event: ", 0) == 0) event.event = line.substr(7);
      if (line.rfind("data: ", 0) == 0) event.data = line.substr(6);
      line_start = line_end + 1;
    }
    if (!event.event.empty() || !event.data.empty()) events.push_back(event);
    start = end + 2;
  }
  return events;
}

/// The data of an OpenAI stream's events, parsed; [DONE] is not included.
std::vector<json> openai_chunks(const std::string& text) {
  std::vector<json> chunks;
  for (const SseEvent& e : parse_sse(text)) {
    if (e.data != "[DONE]") chunks.push_back(json::parse(e.data));
  }
  return chunks;
}

std::string content_of_choice(const std::vector<json>& chunks, int index) {
  std::string content;
  for (const json& chunk : chunks) {
    for (const json& choice : chunk["choices"]) {
      if (choice["index"] == index && choice["delta"].contains("content") &&
          choice["delta"]["content"].is_string()) {
        content += choice["delta"]["content"].get<std::string>();
      }
    }
  }
  return content;
}

/// A raw HTTP/1.1 exchange on its own connection, to see exactly which bytes arrive.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    timeval timeout{};
    timeout.tv_sec = 5;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~RawConnection() { close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Sends a POST; `close`: with `Connection: close` (else the connection may be kept alive).
  void post(const std::string& path, const std::vector<std::string>& headers, const json& body,
            bool close = true) {
    const std::string payload = body.dump();
    std::string request = "POST " + path +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" +
                          (close ? "Connection: close\r\n" : "") +
                          "Content-Length: " + std::to_string(payload.size()) + "\r\n";
    for (const std::string& header : headers) request += header + "\r\n";
    request += "\r\n" + payload;
    REQUIRE(::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size()));
  }

  /// What has arrived so far, without waiting.
  std::string read_available() {
    std::string out;
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (n <= 0) break;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    received_ += out;
    return out;
  }

  /// Everything until the server closes; `reset` tells whether it ended with a reset.
  std::string read_to_end() {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        received_.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      reset_ = n < 0 && errno == ECONNRESET;
      timed_out_ = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      break;
    }
    return received_;
  }

  /// Reads until `done(everything received)` holds or the connection ends; what arrived.
  template <typename Done>
  const std::string& read_until(Done done) {
    std::vector<char> buffer(65536);
    while (!done(received_)) {
      const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n <= 0) {
        reset_ = n < 0 && errno == ECONNRESET;
        timed_out_ = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        break;
      }
      received_.append(buffer.data(), static_cast<std::size_t>(n));
    }
    return received_;
  }

  /// Closes the connection now (a reset when unread bytes are left).
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool reset() const { return reset_; }
  bool timed_out() const { return timed_out_; }

 private:
  int fd_;
  std::string received_;
  bool reset_ = false;
  bool timed_out_ = false;
};

/// A chunked HTTP body decoded; `complete` when the terminating zero-size chunk arrived.
struct Dechunked {
  std::string head;
  std::string body;
  bool complete = false;
};

Dechunked dechunk(const std::string& bytes) {
  Dechunked out;
  const std::size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string::npos) return out;
  out.head = bytes.substr(0, head_end);
  std::size_t pos = head_end + 4;
  for (;;) {
    const std::size_t line_end = bytes.find("\r\n", pos);
    if (line_end == std::string::npos) return out;
    const std::size_t size = std::stoul(bytes.substr(pos, line_end - pos), nullptr, 16);
    if (size == 0) {
      out.complete = true;
      return out;
    }
    if (line_end + 2 + size + 2 > bytes.size()) {
      out.body += bytes.substr(line_end + 2);
      return out;
    }
    out.body += bytes.substr(line_end + 2, size);
    pos = line_end + 2 + size + 2;
  }
}

std::vector<float> decode_base64_floats(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    buffer = (buffer << 6U) | static_cast<std::uint32_t>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU);
    }
  }
  std::vector<float> values;
  for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    std::uint32_t word = 0;
    for (unsigned b = 0; b < 4; ++b) {
      word |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + b])) << (8 * b);
    }
    float f = 0;
    std::memcpy(&f, &word, sizeof f);
    values.push_back(f);
  }
  return values;
}

}  // namespace

// --- OpenAI -------------------------------------------------------------------------------------

TEST_CASE("An OpenAI chat completion replies deterministically to the last user message") {
  Sim sim;
  auto res = post(sim, kChatPath, openai_headers(), user_chat("What  is\nthe weather?"));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  const json body = json::parse(res->body);
  CHECK(body["object"] == "chat.completion");
  CHECK(body["model"] == "gpt-4o-mini");
  CHECK(body["id"].get<std::string>().rfind("chatcmpl-", 0) == 0);
  REQUIRE(body["choices"].size() == 1);
  CHECK(body["choices"][0]["message"]["role"] == "assistant");
  CHECK(body["choices"][0]["message"]["content"] ==
        "Hello from the simulator. You said: What is the weather?");
  CHECK(body["choices"][0]["finish_reason"] == "stop");
  CHECK(body["usage"]["prompt_tokens"] == 4);
  CHECK(body["usage"]["completion_tokens"] == 10);
  CHECK(body["usage"]["total_tokens"] == 14);
}

TEST_CASE("An OpenAI reply quotes at most 200 characters of the user message") {
  Sim sim;
  const std::string long_text(300, 'x');
  auto res = post(sim, kChatPath, openai_headers(), user_chat(long_text));
  REQUIRE(res);
  CHECK(json::parse(res->body)["choices"][0]["message"]["content"] ==
        "Hello from the simulator. You said: " + std::string(200, 'x'));
}

TEST_CASE("An OpenAI stream sends a role chunk, one word per chunk, a finish chunk and [DONE]") {
  Sim sim;
  auto res = post(sim, kChatPath, openai_headers(), user_chat("hi", {{"stream", true}}));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").rfind("text/event-stream", 0) == 0);
  const auto events = parse_sse(res->body);
  REQUIRE(events.size() == 10);  // role, 7 words, finish, [DONE]
  CHECK(events.back().data == "[DONE]");
  const auto chunks = openai_chunks(res->body);
  CHECK(chunks.front()["choices"][0]["delta"] == json({{"role", "assistant"}, {"content", ""}}));
  CHECK(chunks[1]["choices"][0]["delta"]["content"] == "Hello ");
  CHECK(chunks[7]["choices"][0]["delta"]["content"] == "hi");
  CHECK(chunks.back()["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks.back()["choices"][0]["delta"] == json::object());
  for (const json& chunk : chunks) {
    CHECK(chunk["object"] == "chat.completion.chunk");
    CHECK_FALSE(chunk.contains("usage"));
  }
  CHECK(content_of_choice(chunks, 0) == "Hello from the simulator. You said: hi");
}

TEST_CASE("An OpenAI stream ends with a usage chunk when include_usage is set") {
  Sim sim;
  auto res =
      post(sim, kChatPath, openai_headers(),
           user_chat("hi", {{"stream", true}, {"stream_options", {{"include_usage", true}}}}));
  REQUIRE(res);
  const auto chunks = openai_chunks(res->body);
  const json& usage_chunk = chunks.back();
  CHECK(usage_chunk["choices"] == json::array());
  CHECK(usage_chunk["usage"] ==
        json({{"prompt_tokens", 1}, {"completion_tokens", 7}, {"total_tokens", 8}}));
  CHECK(chunks[chunks.size() - 2]["choices"][0]["finish_reason"] == "stop");
  CHECK(chunks.front()["usage"].is_null());
  CHECK(parse_sse(res->body).back().data == "[DONE]");
}

TEST_CASE("An OpenAI stream with n=2 interleaves the two choices") {
  Sim sim;
  auto res = post(sim, kChatPath, openai_headers(), user_chat("hi", {{"stream", true}, {"n", 2}}));
  REQUIRE(res);
  const auto chunks = openai_chunks(res->body);
  CHECK(chunks[0]["choices"][0]["index"] == 0);
  CHECK(chunks[1]["choices"][0]["index"] == 1);
  CHECK(chunks[2]["choices"][0]["index"] == 0);
  CHECK(chunks[3]["choices"][0]["index"] == 1);
  CHECK(content_of_choice(chunks, 0) == "Hello from the simulator (choice 0). You said: hi");
  CHECK(content_of_choice(chunks, 1) == "Hello from the simulator (choice 1). You said: hi");
  int finishes = 0;
  for (const json& chunk : chunks) {
    for (const json& choice : chunk["choices"])
      finishes += choice["finish_reason"].is_null() ? 0 : 1;
  }
  CHECK(finishes == 2);
}

TEST_CASE("max_tokens makes the reply exactly that many words with finish_reason length") {
  Sim sim;
  auto plain = post(sim, kChatPath, openai_headers(), user_chat("hi", {{"max_tokens", 3}}));
  REQUIRE(plain);
  const json body = json::parse(plain->body);
  CHECK(body["choices"][0]["message"]["content"] == "Hello from the");
  CHECK(body["choices"][0]["finish_reason"] == "length");

  auto padded = post(sim, kChatPath, openai_headers(),
                     user_chat("hi", {{"max_completion_tokens", 9}, {"stream", true}}));
  REQUIRE(padded);
  const auto chunks = openai_chunks(padded->body);
  REQUIRE(chunks.size() == 11);  // role, 9 words, finish
  CHECK(content_of_choice(chunks, 0) == "Hello from the simulator. You said: hi lorem lorem");
  CHECK(chunks.back()["choices"][0]["finish_reason"] == "length");
}

TEST_CASE("An OpenAI request with tools calls the first tool with arguments from its schema") {
  Sim sim;
  auto res = post(sim, kChatPath, openai_headers(),
                  user_chat("weather in Paris?", {{"tools", weather_tools()}}));
  REQUIRE(res);
  const json choice = json::parse(res->body)["choices"][0];
  CHECK(choice["finish_reason"] == "tool_calls");
  CHECK(choice["message"]["content"].is_null());
  REQUIRE(choice["message"]["tool_calls"].size() == 1);
  const json call = choice["message"]["tool_calls"][0];
  CHECK(call["id"] == "call_sim_0");
  CHECK(call["type"] == "function");
  CHECK(call["function"]["name"] == "get_weather");
  CHECK(json::parse(call["function"]["arguments"].get<std::string>()) ==
        json({{"city", "sim"}, {"days", 42}, {"metric", true}, {"tags", nullptr}}));
}

TEST_CASE("A user text that says parallel calls the first two tools") {
  Sim sim;
  auto res = post(sim, kChatPath, openai_headers(),
                  user_chat("weather and time, in parallel", {{"tools", weather_tools()}}));
  REQUIRE(res);
  const json calls = json::parse(res->body)["choices"][0]["message"]["tool_calls"];
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]["function"]["name"] == "get_weather");
  CHECK(calls[1]["function"]["name"] == "get_time");
  CHECK(calls[1]["id"] == "call_sim_1");
}

TEST_CASE("tool_choice naming a function calls that function") {
  Sim sim;
  auto res = post(
      sim, kChatPath, openai_headers(),
      user_chat("time?",
                {{"tools", weather_tools()},
                 {"tool_choice", {{"type", "function"}, {"function", {{"name", "get_time"}}}}}}));
  REQUIRE(res);
  const json calls = json::parse(res->body)["choices"][0]["message"]["tool_calls"];
  REQUIRE(calls.size() == 1);
  CHECK(calls[0]["function"]["name"] == "get_time");
  CHECK(calls[0]["function"]["arguments"] == R"({"zone":"sim"})");
}

TEST_CASE("tool_choice none answers with text") {
  Sim sim;
  auto res = post(sim, kChatPath, openai_headers(),
                  user_chat("hi", {{"tools", weather_tools()}, {"tool_choice", "none"}}));
  REQUIRE(res);
  const json choice = json::parse(res->body)["choices"][0];
  CHECK(choice["finish_reason"] == "stop");
  CHECK(choice["message"]["content"] == "Hello from the simulator. You said: hi");
}

TEST_CASE("A streamed tool call sends id and name first, then the arguments in fragments") {
  Sim sim;
  auto res = post(sim, kChatPath, openai_headers(),
                  user_chat("weather?", {{"tools", weather_tools()}, {"stream", true}}));
  REQUIRE(res);
  const auto chunks = openai_chunks(res->body);
  CHECK(chunks[0]["choices"][0]["delta"] == json({{"role", "assistant"}, {"content", nullptr}}));
  const json first = chunks[1]["choices"][0]["delta"]["tool_calls"][0];
  CHECK(first == json({{"index", 0},
                       {"id", "call_sim_0"},
                       {"type", "function"},
                       {"function", {{"name", "get_weather"}, {"arguments", ""}}}}));
  std::string arguments;
  int fragments = 0;
  for (std::size_t i = 2; i + 1 < chunks.size(); ++i) {
    const json fragment = chunks[i]["choices"][0]["delta"]["tool_calls"][0];
    CHECK(fragment["index"] == 0);
    CHECK_FALSE(fragment.contains("id"));
    arguments += fragment["function"]["arguments"].get<std::string>();
    ++fragments;
  }
  CHECK(fragments == 3);
  CHECK(json::parse(arguments)["city"] == "sim");
  CHECK(chunks.back()["choices"][0]["finish_reason"] == "tool_calls");
}

TEST_CASE("A tool result message gets a reply that quotes it") {
  Sim sim;
  json body = user_chat("weather?", {{"tools", weather_tools()}});
  body["messages"].push_back(
      {{"role", "assistant"},
       {"content", nullptr},
       {"tool_calls",
        json::array({{{"id", "call_sim_0"},
                      {"type", "function"},
                      {"function", {{"name", "get_weather"}, {"arguments", "{}"}}}}})}});
  body["messages"].push_back(
      {{"role", "tool"}, {"tool_call_id", "call_sim_0"}, {"content", "sunny, 21 C"}});
  auto res = post(sim, kChatPath, openai_headers(), body);
  REQUIRE(res);
  const json choice = json::parse(res->body)["choices"][0];
  CHECK(choice["message"]["content"] == "Tool result received: sunny, 21 C");
  CHECK(choice["finish_reason"] == "stop");
}

TEST_CASE("OpenAI embeddings are deterministic unit vectors of the requested size") {
  Sim sim;
  auto res =
      post(sim, "/v1/embeddings", openai_headers(),
           {{"model", "text-embedding-3-small"}, {"input", json::array({"a b", "c", "a b"})}});
  REQUIRE(res);
  const json body = json::parse(res->body);
  CHECK(body["object"] == "list");
  CHECK(body["model"] == "text-embedding-3-small");
  CHECK(body["usage"] == json({{"prompt_tokens", 5}, {"total_tokens", 5}}));
  REQUIRE(body["data"].size() == 3);
  CHECK(body["data"][1]["object"] == "embedding");
  CHECK(body["data"][1]["index"] == 1);
  const json& first = body["data"][0]["embedding"];
  REQUIRE(first.size() == 8);
  double norm = 0;
  for (const json& v : first) norm += v.get<double>() * v.get<double>();
  CHECK(std::abs(norm - 1) < 1e-5);
  CHECK(body["data"][2]["embedding"] == first);
  CHECK(body["data"][1]["embedding"] != first);

  auto sized = post(sim, "/v1/embeddings", openai_headers(),
                    {{"model", "m"}, {"input", "a b"}, {"dimensions", 3}});
  REQUIRE(sized);
  CHECK(json::parse(sized->body)["data"][0]["embedding"].size() == 3);
}

TEST_CASE("Base64 embeddings decode to the same float32 values as the float format") {
  Sim sim;
  const json request = {{"model", "m"}, {"input", "hello world"}, {"dimensions", 16}};
  auto floats = post(sim, "/v1/embeddings", openai_headers(), request);
  json b64_request = request;
  b64_request["encoding_format"] = "base64";
  auto base64 = post(sim, "/v1/embeddings", openai_headers(), b64_request);
  REQUIRE(floats);
  REQUIRE(base64);
  const json expected = json::parse(floats->body)["data"][0]["embedding"];
  const std::string text = json::parse(base64->body)["data"][0]["embedding"].get<std::string>();
  const std::vector<float> decoded = decode_base64_floats(text);
  REQUIRE(decoded.size() == 16);
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    CHECK(decoded[i] == static_cast<float>(expected[i].get<double>()));
  }
}

TEST_CASE("An OpenAI request without a model gets 400 invalid_request_error") {
  Sim sim;
  json body = user_chat("hi");
  body.erase("model");
  auto res = post(sim, kChatPath, openai_headers(), body);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(json::parse(res->body)["error"]["type"] == "invalid_request_error");
}

// --- Azure OpenAI -------------------------------------------------------------------------------

TEST_CASE("Azure chat completions name the deployment as model and carry content filters") {
  Sim sim;
  auto res = post(sim, kAzureChatPath, azure_headers(), user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 200);
  const json body = json::parse(res->body);
  CHECK(body["model"] == "my-deployment");
  CHECK(body["prompt_filter_results"][0]["content_filter_results"]["hate"]["severity"] == "safe");
  CHECK(body["choices"][0]["content_filter_results"]["violence"]["filtered"] == false);
  CHECK(body["choices"][0]["message"]["content"] == "Hello from the simulator. You said: hi");
  const auto recorded = sim.simulator.requests();
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].provider == "azure");
  CHECK(recorded[0].key == "azure-test-key");
  CHECK(recorded[0].query == "api-version=2024-10-21");
}

TEST_CASE("An Azure request without api-version gets 404 Resource not found") {
  Sim sim;
  auto res = post(sim, "/openai/deployments/my-deployment/chat/completions", azure_headers(),
                  user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK(json::parse(res->body) ==
        json::parse(R"({"error":{"code":"404","message":"Resource not found"}})"));
}

TEST_CASE("An Azure stream begins with a prompt filter chunk without choices") {
  Sim sim;
  auto res = post(sim, kAzureChatPath, azure_headers(), user_chat("hi", {{"stream", true}}));
  REQUIRE(res);
  const auto chunks = openai_chunks(res->body);
  REQUIRE(chunks.size() == 10);  // prompt filter, role, 7 words, finish (+ [DONE])
  CHECK(chunks[0]["choices"] == json::array());
  CHECK(chunks[0]["id"] == "");
  CHECK(chunks[0]["prompt_filter_results"][0]["prompt_index"] == 0);
  CHECK(chunks[1]["choices"][0]["content_filter_results"] == json::object());
  CHECK(chunks[2]["choices"][0]["content_filter_results"]["sexual"]["severity"] == "safe");
  CHECK(chunks[2]["model"] == "my-deployment");
  CHECK(content_of_choice(chunks, 0) == "Hello from the simulator. You said: hi");
}

TEST_CASE("Azure embeddings are served under the deployment path") {
  Sim sim;
  auto res = post(sim, "/openai/deployments/emb%20one/embeddings?api-version=2024-10-21",
                  azure_headers(), {{"input", "hello"}});
  REQUIRE(res);
  CHECK(res->status == 200);
  const json body = json::parse(res->body);
  CHECK(body["model"] == "emb one");
  CHECK(body["data"][0]["embedding"].size() == 8);
}

// --- Anthropic ----------------------------------------------------------------------------------

TEST_CASE("An Anthropic message returns one text block with end_turn") {
  Sim sim;
  // Anthropic requires max_tokens, and the simulator answers exactly that many words: 7 words
  // is the natural reply here.
  auto res = post(sim, "/v1/messages", anthropic_headers(),
                  anthropic_chat("hi", {{"max_tokens", 7}, {"system", "be brief"}}));
  REQUIRE(res);
  CHECK(res->status == 200);
  const json body = json::parse(res->body);
  CHECK(body["type"] == "message");
  CHECK(body["role"] == "assistant");
  CHECK(body["model"] == "claude-sonnet-4-5");
  CHECK(body["id"].get<std::string>().rfind("msg_sim_", 0) == 0);
  CHECK(body["content"] ==
        json::parse(R"([{"type":"text","text":"Hello from the simulator. You said: hi"}])"));
  CHECK(body["stop_reason"] == "max_tokens");  // with max_tokens = N the reply is N words
  CHECK(body["stop_sequence"].is_null());
  CHECK(body["usage"] == json({{"input_tokens", 3}, {"output_tokens", 7}}));
}

TEST_CASE("An Anthropic request without anthropic-version gets 400 invalid_request_error") {
  Sim sim;
  auto res = post(sim, "/v1/messages", {{"x-api-key", "k"}}, anthropic_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 400);
  const json body = json::parse(res->body);
  CHECK(body["type"] == "error");
  CHECK(body["error"]["type"] == "invalid_request_error");
}

TEST_CASE("An Anthropic request without max_tokens gets 400") {
  Sim sim;
  json body = anthropic_chat("hi");
  body.erase("max_tokens");
  auto res = post(sim, "/v1/messages", anthropic_headers(), body);
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(json::parse(res->body)["error"]["message"] == "max_tokens: Field required");
}

TEST_CASE("An Anthropic stream sends the event sequence of the real API") {
  Sim sim;
  auto res = post(sim, "/v1/messages", anthropic_headers(),
                  anthropic_chat("hi", {{"max_tokens", 3}, {"stream", true}}));
  REQUIRE(res);
  const auto events = parse_sse(res->body);
  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.event);
  CHECK(names == std::vector<std::string>{"message_start", "content_block_start", "ping",
                                          "content_block_delta", "content_block_delta",
                                          "content_block_delta", "content_block_stop",
                                          "message_delta", "message_stop"});
  for (const auto& e : events) CHECK(json::parse(e.data)["type"] == e.event);
  const json start = json::parse(events[0].data)["message"];
  CHECK(start["content"] == json::array());
  CHECK(start["stop_reason"].is_null());
  CHECK(json::parse(events[1].data)["content_block"] == json({{"type", "text"}, {"text", ""}}));
  CHECK(json::parse(events[3].data)["delta"] == json({{"type", "text_delta"}, {"text", "Hello "}}));
  CHECK(json::parse(events[5].data)["delta"]["text"] == "the");
  const json delta = json::parse(events[7].data);
  CHECK(delta["delta"]["stop_reason"] == "max_tokens");
  CHECK(delta["usage"]["output_tokens"] == 3);
}

TEST_CASE("An Anthropic request with tools returns a tool_use block") {
  Sim sim;
  const json tools = json::parse(R"([{"name": "get_weather", "description": "Weather",
      "input_schema": {"type": "object", "properties": {"city": {"type": "string"},
                                                       "days": {"type": "number"}}}}])");
  auto res = post(sim, "/v1/messages", anthropic_headers(),
                  anthropic_chat("weather?", {{"tools", tools}}));
  REQUIRE(res);
  const json body = json::parse(res->body);
  CHECK(body["stop_reason"] == "tool_use");
  REQUIRE(body["content"].size() == 1);
  CHECK(body["content"][0] == json({{"type", "tool_use"},
                                    {"id", "toolu_sim_0"},
                                    {"name", "get_weather"},
                                    {"input", {{"city", "sim"}, {"days", 42}}}}));
}

TEST_CASE("An Anthropic streamed tool_use sends its input as input_json_delta fragments") {
  Sim sim;
  const json tools = json::parse(R"([{"name": "get_weather",
      "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}])");
  auto res = post(sim, "/v1/messages", anthropic_headers(),
                  anthropic_chat("weather?", {{"tools", tools}, {"stream", true}}));
  REQUIRE(res);
  const auto events = parse_sse(res->body);
  const json block = json::parse(events[1].data)["content_block"];
  CHECK(block == json({{"type", "tool_use"},
                       {"id", "toolu_sim_0"},
                       {"name", "get_weather"},
                       {"input", json::object()}}));
  std::string partial;
  for (const auto& e : events) {
    if (e.event != "content_block_delta") continue;
    const json delta = json::parse(e.data)["delta"];
    CHECK(delta["type"] == "input_json_delta");
    partial += delta["partial_json"].get<std::string>();
  }
  CHECK(json::parse(partial) == json({{"city", "sim"}}));
  CHECK(json::parse(events[events.size() - 2].data)["delta"]["stop_reason"] == "tool_use");
}

TEST_CASE("An Anthropic tool_result block gets a reply that quotes it") {
  Sim sim;
  json body = anthropic_chat("weather?", {{"max_tokens", 5}});
  body["messages"].push_back({{"role", "assistant"},
                              {"content", json::array({{{"type", "tool_use"},
                                                        {"id", "toolu_sim_0"},
                                                        {"name", "w"},
                                                        {"input", json::object()}}})}});
  body["messages"].push_back({{"role", "user"},
                              {"content", json::array({{{"type", "tool_result"},
                                                        {"tool_use_id", "toolu_sim_0"},
                                                        {"content", "sunny today"}}})}});
  auto res = post(sim, "/v1/messages", anthropic_headers(), body);
  REQUIRE(res);
  CHECK(json::parse(res->body)["content"][0]["text"] == "Tool result received: sunny today");
}

TEST_CASE("Anthropic has no embeddings endpoint") {
  Sim sim;
  auto res = post(sim, "/v1/embeddings", anthropic_headers(), {{"model", "m"}, {"input", "x"}});
  REQUIRE(res);
  CHECK(res->status == 404);
  CHECK(json::parse(res->body)["error"]["type"] == "not_found_error");
}

// --- Keys, quota, rate limits, request ids ------------------------------------------------------

TEST_CASE("An unknown key gets 401 invalid_api_key without the key echoed") {
  SimulatorOptions options = small_options();
  options.keys = {"sk-good-0123456789abcdef"};
  Sim sim(options);
  const std::string secret = "sk-unknown-secret-0123456789wxyz";
  auto res = post(sim, kChatPath, openai_headers(secret), user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 401);
  const json error = json::parse(res->body)["error"];
  CHECK(error["code"] == "invalid_api_key");
  CHECK(error["type"] == "invalid_request_error");
  CHECK(error["message"].get<std::string>().find("sk-...wxyz") != std::string::npos);
  CHECK(res->body.find(secret) == std::string::npos);
  CHECK(res->body.find("unknown-secret") == std::string::npos);
  for (const auto& header : res->headers) CHECK(header.second.find(secret) == std::string::npos);

  auto good = post(sim, kChatPath, openai_headers("sk-good-0123456789abcdef"), user_chat("hi"));
  REQUIRE(good);
  CHECK(good->status == 200);
}

TEST_CASE("A missing key gets 401 in the provider's shape when keys are configured") {
  SimulatorOptions options = small_options();
  options.keys = {"sk-good-0123456789abcdef"};
  Sim sim(options);
  auto openai = post(sim, kChatPath, {}, user_chat("hi"));
  REQUIRE(openai);
  CHECK(openai->status == 401);
  CHECK(json::parse(openai->body)["error"]["type"] == "invalid_request_error");
  auto anthropic =
      post(sim, "/v1/messages", {{"anthropic-version", "2023-06-01"}, {"x-api-key", "bad"}},
           anthropic_chat("hi"));
  REQUIRE(anthropic);
  CHECK(anthropic->status == 401);
  CHECK(json::parse(anthropic->body) ==
        json::parse(R"({"type":"error","error":{"type":"authentication_error",
                        "message":"invalid x-api-key"},"request_id":")" +
                    anthropic->get_header_value("request-id") + "\"}"));
}

TEST_CASE("A quota-exhausted key gets 429 insufficient_quota") {
  SimulatorOptions options = small_options();
  options.quota_exhausted_keys = {"sk-no-money"};
  Sim sim(options);
  auto res = post(sim, kChatPath, openai_headers("sk-no-money"), user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 429);
  const json error = json::parse(res->body)["error"];
  CHECK(error["type"] == "insufficient_quota");
  CHECK(error["code"] == "insufficient_quota");
  CHECK(error["message"].get<std::string>().rfind("You exceeded your current quota", 0) == 0);
  auto other = post(sim, kChatPath, openai_headers("sk-rich"), user_chat("hi"));
  REQUIRE(other);
  CHECK(other->status == 200);
}

TEST_CASE("An Anthropic quota-exhausted key gets 400 credit balance too low") {
  SimulatorOptions options = small_options();
  options.quota_exhausted_keys = {"sk-ant-no-money"};
  Sim sim(options);
  auto res = post(sim, "/v1/messages", anthropic_headers("sk-ant-no-money"), anthropic_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 400);
  const json error = json::parse(res->body)["error"];
  CHECK(error["type"] == "invalid_request_error");
  CHECK(error["message"].get<std::string>().rfind(
            "Your credit balance is too low to access the Anthropic API.", 0) == 0);
}

TEST_CASE("The per-key rate limit answers 429 with retry-after and retry-after-ms") {
  SimulatorOptions options = small_options();
  options.rate_limit_per_key = 2;
  options.rate_limit_window = std::chrono::seconds(60);
  Sim sim(options);
  for (int i = 0; i < 2; ++i) {
    auto ok = post(sim, kChatPath, openai_headers("k1"), user_chat("hi"));
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(ok->get_header_value("x-ratelimit-remaining-requests") == std::to_string(1 - i));
  }
  auto limited = post(sim, kChatPath, openai_headers("k1"), user_chat("hi"));
  REQUIRE(limited);
  CHECK(limited->status == 429);
  CHECK(json::parse(limited->body)["error"]["code"] == "rate_limit_exceeded");
  CHECK(limited->get_header_value("x-ratelimit-remaining-requests") == "0");
  const long long retry_ms = std::stoll(limited->get_header_value("retry-after-ms"));
  CHECK(retry_ms > 0);
  CHECK(retry_ms <= 60000);
  CHECK(std::stoll(limited->get_header_value("retry-after")) == (retry_ms + 999) / 1000);

  auto other_key = post(sim, kChatPath, openai_headers("k2"), user_chat("hi"));
  REQUIRE(other_key);
  CHECK(other_key->status == 200);
}

TEST_CASE("The Anthropic rate limit answers 429 rate_limit_error") {
  SimulatorOptions options = small_options();
  options.rate_limit_per_key = 1;
  options.rate_limit_window = std::chrono::seconds(60);
  Sim sim(options);
  REQUIRE(post(sim, "/v1/messages", anthropic_headers(), anthropic_chat("hi"))->status == 200);
  auto limited = post(sim, "/v1/messages", anthropic_headers(), anthropic_chat("hi"));
  REQUIRE(limited);
  CHECK(limited->status == 429);
  CHECK(json::parse(limited->body)["error"]["type"] == "rate_limit_error");
  CHECK(limited->has_header("retry-after-ms"));
}

TEST_CASE("Every response carries the provider's request id header") {
  Sim sim;
  auto openai = post(sim, kChatPath, openai_headers(), user_chat("hi"));
  auto azure = post(sim, kAzureChatPath, azure_headers(), user_chat("hi"));
  auto anthropic = post(sim, "/v1/messages", anthropic_headers(), anthropic_chat("hi"));
  auto not_found = post(sim, "/v1/nothing", openai_headers(), json::object());
  REQUIRE(openai);
  REQUIRE(azure);
  REQUIRE(anthropic);
  REQUIRE(not_found);
  CHECK(openai->get_header_value("x-request-id").rfind("req_sim_", 0) == 0);
  CHECK(azure->get_header_value("apim-request-id").rfind("req_sim_", 0) == 0);
  CHECK(anthropic->get_header_value("request-id").rfind("req_sim_", 0) == 0);
  CHECK(not_found->status == 404);
  CHECK(not_found->get_header_value("x-request-id").rfind("req_sim_", 0) == 0);
}

TEST_CASE("Requests are recorded with provider, key, lower-case headers, body and status") {
  Sim sim;
  const json body = user_chat("hi");
  auto res = post(sim, kChatPath, {{"Authorization", "Bearer sk-rec"}, {"X-Custom", "v"}}, body);
  REQUIRE(res);
  REQUIRE(sim.simulator.request_count() == 1);
  const auto recorded = sim.simulator.requests();
  CHECK(recorded[0].method == "POST");
  CHECK(recorded[0].path == kChatPath);
  CHECK(recorded[0].provider == "openai");
  CHECK(recorded[0].key == "sk-rec");
  CHECK(recorded[0].headers.at("x-custom") == "v");
  CHECK(recorded[0].headers.count("remote_addr") == 0);
  CHECK(json::parse(recorded[0].body) == body);
  CHECK(recorded[0].status == 200);
  CHECK(recorded[0].fault.empty());
  sim.simulator.clear_requests();
  CHECK(sim.simulator.request_count() == 0);
  CHECK(sim.simulator.requests().empty());
}

TEST_CASE("A keep-alive connection serves many requests") {
  Sim sim;
  httplib::Client client = sim.client();
  client.set_keep_alive(true);
  for (int i = 0; i < 20; ++i) {
    auto res = client.Post(kChatPath, openai_headers(), user_chat("hi").dump(), "application/json");
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  const auto recorded = sim.simulator.requests();
  REQUIRE(recorded.size() == 20);
  for (const auto& r : recorded) CHECK(r.client_port == recorded[0].client_port);
}

// --- Faults -------------------------------------------------------------------------------------

TEST_CASE("The x-sim-fault header syntax is parsed into a fault") {
  const auto fault =
      litellm::sim::parse_fault_header("reset_mid_stream; after=2;retry_after=1.5;stall_ms=30");
  REQUIRE(fault);
  CHECK(fault->kind == FaultKind::reset_mid_stream);
  CHECK(fault->after_chunks == 2);
  CHECK(fault->retry_after_s == 1.5);
  CHECK(fault->stall == milliseconds(30));
  CHECK(litellm::sim::parse_fault_header("status;status=503")->status == 503);
  CHECK_FALSE(litellm::sim::parse_fault_header("explode"));
  CHECK_FALSE(litellm::sim::parse_fault_header("status;status=abc"));
  CHECK_FALSE(litellm::sim::parse_fault_header("stall;speed=3"));
}

TEST_CASE("A status fault answers that status with the provider's body and Retry-After") {
  Sim sim;
  Fault fault;
  fault.kind = FaultKind::status;
  fault.status = 503;
  fault.retry_after_s = 2.5;
  sim.simulator.push_fault(fault);
  auto res = post(sim, kChatPath, openai_headers(), user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 503);
  CHECK(json::parse(res->body)["error"]["type"] == "server_error");
  CHECK(res->get_header_value("retry-after") == "3");
  CHECK(res->get_header_value("retry-after-ms") == "2500");
  CHECK(sim.simulator.requests()[0].fault == "status");
  auto next = post(sim, kChatPath, openai_headers(), user_chat("hi"));
  REQUIRE(next);
  CHECK(next->status == 200);
}

TEST_CASE("A 429 status fault answers with the rate-limit body") {
  Sim sim;
  auto res = sim.client().Post(kChatPath, {{"x-sim-fault", "status;status=429"}},
                               user_chat("hi").dump(), "application/json");
  REQUIRE(res);
  CHECK(res->status == 429);
  CHECK(json::parse(res->body)["error"]["code"] == "rate_limit_exceeded");
}

TEST_CASE("A 529 fault on Anthropic answers overloaded_error") {
  Sim sim;
  httplib::Headers headers = anthropic_headers();
  headers.emplace("x-sim-fault", "status;status=529");
  auto res = post(sim, "/v1/messages", headers, anthropic_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 529);
  const json body = json::parse(res->body);
  CHECK(body["type"] == "error");
  CHECK(body["error"] == json({{"type", "overloaded_error"}, {"message", "Overloaded"}}));
}

TEST_CASE("An insufficient_quota fault answers 429 insufficient_quota") {
  Sim sim;
  Fault fault;
  fault.kind = FaultKind::insufficient_quota;
  sim.simulator.push_fault(fault);
  auto res = post(sim, kChatPath, openai_headers(), user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 429);
  CHECK(json::parse(res->body)["error"]["code"] == "insufficient_quota");
}

TEST_CASE("Queued faults are consumed in order by the requests they match") {
  Sim sim;
  Fault for_key;
  for_key.kind = FaultKind::status;
  for_key.status = 503;
  for_key.key = "k2";
  Fault for_path;
  for_path.kind = FaultKind::status;
  for_path.status = 502;
  for_path.path_contains = "embeddings";
  sim.simulator.push_fault(for_key);
  sim.simulator.push_fault(for_path);
  CHECK(post(sim, kChatPath, openai_headers("k1"), user_chat("hi"))->status == 200);
  CHECK(post(sim, kChatPath, openai_headers("k2"), user_chat("hi"))->status == 503);
  CHECK(post(sim, kChatPath, openai_headers("k2"), user_chat("hi"))->status == 200);
  CHECK(sim.simulator.pending_faults() == 1);
  CHECK(
      post(sim, "/v1/embeddings", openai_headers("k1"), {{"model", "m"}, {"input", "x"}})->status ==
      502);
  CHECK(sim.simulator.pending_faults() == 0);
}

TEST_CASE("The x-sim-fault header applies to its request before the queue") {
  Sim sim;
  Fault queued;
  queued.kind = FaultKind::status;
  sim.simulator.push_fault(queued);
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "status;status=418");
  CHECK(post(sim, kChatPath, headers, user_chat("hi"))->status == 418);
  CHECK(sim.simulator.pending_faults() == 1);
  sim.simulator.clear_faults();
  CHECK(post(sim, kChatPath, openai_headers(), user_chat("hi"))->status == 200);
}

TEST_CASE("An invalid x-sim-fault header gets 400") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "meltdown");
  auto res = post(sim, kChatPath, headers, user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 400);
}

TEST_CASE("A reset_before_headers fault closes the connection without a response byte") {
  Sim sim;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {"x-sim-fault: reset_before_headers"}, user_chat("hi", {{"stream", true}}));
  const std::string bytes = raw.read_to_end();
  CHECK(bytes.empty());
  CHECK_FALSE(raw.timed_out());
  CHECK(sim.simulator.requests()[0].status == 0);

  Fault fault;
  fault.kind = FaultKind::reset_before_headers;
  sim.simulator.push_fault(fault);
  auto res = post(sim, kChatPath, openai_headers(), user_chat("hi"));
  CHECK_FALSE(res);
}

TEST_CASE("A reset_mid_stream fault cuts the chunked body after N events") {
  Sim sim;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {"x-sim-fault: reset_mid_stream;after=2"},
           user_chat("hi", {{"stream", true}}));
  const Dechunked reply = dechunk(raw.read_to_end());
  CHECK(reply.head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK_FALSE(reply.complete);
  CHECK(count_of(reply.body, "data: ") == 2);
  CHECK_FALSE(raw.timed_out());

  Fault fault;
  fault.kind = FaultKind::reset_mid_stream;
  fault.after_chunks = 3;
  sim.simulator.push_fault(fault);
  auto res = post(sim, kChatPath, openai_headers(), user_chat("hi", {{"stream", true}}));
  CHECK_FALSE(res);
}

TEST_CASE("A reset_mid_stream fault on a non-stream request sends the headers and half a body") {
  Sim sim;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {"x-sim-fault: reset_mid_stream"}, user_chat("hi"));
  const std::string bytes = raw.read_to_end();
  const std::size_t head_end = bytes.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const std::string head = bytes.substr(0, head_end);
  const std::size_t length_at = head.find("Content-Length: ");
  REQUIRE(length_at != std::string::npos);
  const std::size_t declared = std::stoul(head.substr(length_at + 16));
  const std::size_t received = bytes.size() - head_end - 4;
  CHECK(received > 0);
  CHECK(received < declared);
}

TEST_CASE("A stall before the headers holds the request until release_stalls") {
  Sim sim;
  Fault fault;
  fault.kind = FaultKind::stall;
  fault.after_chunks = 0;
  fault.stall = std::chrono::seconds(3);
  sim.simulator.push_fault(fault);
  auto pending = std::async(std::launch::async, [&] {
    return post(sim, kChatPath, openai_headers(), user_chat("hi", {{"stream", true}}));
  });
  REQUIRE(eventually([&] { return sim.simulator.active_stalls() == 1; }));
  CHECK(pending.wait_for(std::chrono::seconds(0)) == std::future_status::timeout);
  const auto released_at = Clock::now();
  sim.simulator.release_stalls();
  auto res = pending.get();
  CHECK(Clock::now() - released_at < std::chrono::seconds(2));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(parse_sse(res->body).back().data == "[DONE]");
  CHECK(sim.simulator.active_stalls() == 0);
}

TEST_CASE("A mid-stream stall holds the stream after N events until release_stalls") {
  Sim sim;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {"x-sim-fault: stall;after=2;stall_ms=3000"},
           user_chat("hi", {{"stream", true}}));
  REQUIRE(eventually([&] { return sim.simulator.active_stalls() == 1; }));
  // Loopback delivers what was sent before the stall at once.
  CHECK(count_of(dechunk(raw.read_available()).body, "data: ") == 2);
  sim.simulator.release_stalls();
  const Dechunked reply = dechunk(raw.read_to_end());
  CHECK(reply.complete);
  CHECK(count_of(reply.body, "data: ") == 10);  // role, 7 words, finish, [DONE]
  CHECK(reply.body.find("data: [DONE]") != std::string::npos);
}

TEST_CASE("A stall ends by itself after its timeout") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "stall;after=1;stall_ms=50");
  const auto started = Clock::now();
  auto res = post(sim, kChatPath, headers, user_chat("hi", {{"stream", true}}));
  CHECK(Clock::now() - started >= milliseconds(50));
  REQUIRE(res);
  CHECK(parse_sse(res->body).back().data == "[DONE]");
  CHECK(sim.simulator.active_stalls() == 0);
}

TEST_CASE("A stall on a non-stream request delays the whole response") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "stall;stall_ms=50");
  const auto started = Clock::now();
  auto res = post(sim, kChatPath, headers, user_chat("hi"));
  CHECK(Clock::now() - started >= milliseconds(50));
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("release_stalls ends future stalls until reset_stalls") {
  Sim sim;
  sim.simulator.release_stalls();
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "stall;after=0;stall_ms=3000");
  const auto started = Clock::now();
  auto res = post(sim, kChatPath, headers, user_chat("hi"));
  REQUIRE(res);
  CHECK(Clock::now() - started < std::chrono::seconds(2));
  sim.simulator.reset_stalls();
  headers = openai_headers();
  headers.emplace("x-sim-fault", "stall;after=0;stall_ms=30");
  const auto again = Clock::now();
  REQUIRE(post(sim, kChatPath, headers, user_chat("hi")));
  CHECK(Clock::now() - again >= milliseconds(30));
}

TEST_CASE("stop returns promptly while a stream is stalled") {
  Sim sim;
  auto pending = std::async(std::launch::async, [&] {
    httplib::Headers headers = openai_headers();
    headers.emplace("x-sim-fault", "stall;after=1;stall_ms=3000");
    return post(sim, kChatPath, headers, user_chat("hi", {{"stream", true}}));
  });
  REQUIRE(eventually([&] { return sim.simulator.active_stalls() == 1; }));
  // An idle keep-alive connection must not hold stop() up either.
  httplib::Client idle = sim.client();
  idle.set_keep_alive(true);
  REQUIRE(idle.Post(kChatPath, openai_headers(), user_chat("hi").dump(), "application/json"));
  const auto started = Clock::now();
  sim.simulator.stop();
  CHECK(Clock::now() - started < milliseconds(1000));
  CHECK_FALSE(pending.get());  // the stalled stream was cut
  CHECK(sim.simulator.active_stalls() == 0);
}

TEST_CASE("A no_terminator fault ends the stream cleanly without finish_reason or [DONE]") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "no_terminator;after=3");
  auto res = post(sim, kChatPath, headers, user_chat("hi", {{"stream", true}}));
  REQUIRE(res);  // the chunked body itself is complete
  const auto events = parse_sse(res->body);
  CHECK(events.size() == 3);
  CHECK(res->body.find("[DONE]") == std::string::npos);
  for (const json& chunk : openai_chunks(res->body)) {
    CHECK(chunk["choices"][0]["finish_reason"].is_null());
  }
}

TEST_CASE("A no_terminator fault on Anthropic leaves out message_delta and message_stop") {
  Sim sim;
  httplib::Headers headers = anthropic_headers();
  headers.emplace("x-sim-fault", "no_terminator;after=100");
  auto res = post(sim, "/v1/messages", headers,
                  anthropic_chat("hi", {{"max_tokens", 2}, {"stream", true}}));
  REQUIRE(res);
  const auto events = parse_sse(res->body);
  REQUIRE_FALSE(events.empty());
  CHECK(events.back().event == "content_block_stop");
  CHECK(res->body.find("message_stop") == std::string::npos);
  CHECK(res->body.find("message_delta") == std::string::npos);
}

TEST_CASE("A malformed_chunk fault sends a broken JSON event and ends the stream") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "malformed_chunk;after=2");
  auto res = post(sim, kChatPath, headers, user_chat("hi", {{"stream", true}}));
  REQUIRE(res);
  const auto events = parse_sse(res->body);
  REQUIRE(events.size() == 3);
  CHECK(events.back().data == R"({"id": "broken)");
  CHECK(json::parse(events.back().data, nullptr, false).is_discarded());
  CHECK(res->body.find("[DONE]") == std::string::npos);
}

TEST_CASE("An OpenAI inband_error fault sends an error event and ends the stream") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "inband_error;after=2");
  auto res = post(sim, kChatPath, headers, user_chat("hi", {{"stream", true}}));
  REQUIRE(res);
  CHECK(res->status == 200);
  const auto events = parse_sse(res->body);
  REQUIRE(events.size() == 3);
  CHECK(json::parse(events.back().data) ==
        json::parse(R"({"error":{"message":"The server had an error while processing your request.",
                        "type":"server_error","param":null,"code":null}})"));
}

TEST_CASE("An Anthropic inband_error fault sends event error with overloaded_error") {
  Sim sim;
  httplib::Headers headers = anthropic_headers();
  headers.emplace("x-sim-fault", "inband_error;after=4");
  auto res = post(sim, "/v1/messages", headers, anthropic_chat("hi", {{"stream", true}}));
  REQUIRE(res);
  const auto events = parse_sse(res->body);
  REQUIRE(events.size() == 5);
  CHECK(events.back().event == "error");
  CHECK(json::parse(events.back().data) ==
        json::parse(
            R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})"));
}

TEST_CASE("An inband_error fault on a non-stream request answers 200 with an error body") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "inband_error");
  auto res = post(sim, kChatPath, headers, user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["error"]["type"] == "server_error");
}

// --- Bounded memory and timeouts: flood, long_line, endless -------------------------------------

TEST_CASE("The x-sim-fault header sets the flood size and the endless interval") {
  const Fault defaults;
  CHECK(defaults.flood_bytes == std::size_t{128} * 1024 * 1024);
  CHECK(defaults.interval == milliseconds(20));
  const auto flood = litellm::sim::parse_fault_header("flood;after=2;bytes=4294967296");
  REQUIRE(flood);
  CHECK(flood->kind == FaultKind::flood);
  CHECK(flood->after_chunks == 2);
  CHECK(flood->flood_bytes == std::size_t{4294967296});
  const auto endless = litellm::sim::parse_fault_header("endless; interval_ms=5");
  REQUIRE(endless);
  CHECK(endless->kind == FaultKind::endless);
  CHECK(endless->interval == milliseconds(5));
  CHECK(litellm::sim::parse_fault_header("long_line")->kind == FaultKind::long_line);
  CHECK(std::string(litellm::sim::fault_kind_name(FaultKind::long_line)) == "long_line");
  CHECK_FALSE(litellm::sim::parse_fault_header("flood;bytes=-1"));
  CHECK_FALSE(litellm::sim::parse_fault_header("endless;interval_ms=x"));
}

TEST_CASE("bytes_sent records every byte written for a response once it ended") {
  Sim sim;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {}, user_chat("hi"));
  const std::string bytes = raw.read_to_end();
  REQUIRE_FALSE(bytes.empty());
  CHECK(sim.last_bytes_sent() == bytes.size());
}

TEST_CASE("A flood fault streams content chunks until flood_bytes were written, then ends") {
  Sim sim;
  constexpr std::size_t kBytes = 4 * 1024 * 1024;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "flood;bytes=" + std::to_string(kBytes));
  auto res = post(sim, kChatPath, headers, user_chat("hi", {{"stream", true}}));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.size() >= kBytes);
  const std::vector<json> chunks = openai_chunks(res->body);  // every event is valid JSON
  std::size_t flood_chunks = 0;
  for (const json& chunk : chunks) {
    const json& delta = chunk["choices"].empty() ? json::object() : chunk["choices"][0]["delta"];
    if (delta.contains("content") && delta["content"].is_string() &&
        delta["content"].get<std::string>().size() == 1024) {
      ++flood_chunks;
    }
  }
  CHECK(flood_chunks >= kBytes / 2048);
  CHECK(chunks.at(1)["choices"][0]["delta"]["content"].get<std::string>().rfind("lorem ipsum ",
                                                                                0) == 0);
  // Then the reply goes on and ends as usual.
  CHECK(chunks.back()["choices"][0]["finish_reason"] == "stop");
  CHECK(parse_sse(res->body).back().data == "[DONE]");
  CHECK(sim.last_bytes_sent() > kBytes);
}

TEST_CASE("An Anthropic flood sends text_delta events inside the text block, then ends") {
  Sim sim;
  httplib::Headers headers = anthropic_headers();
  headers.emplace("x-sim-fault", "flood;after=1;bytes=1000000");
  auto res = post(sim, "/v1/messages", headers, anthropic_chat("hi", {{"stream", true}}));
  REQUIRE(res);
  const auto events = parse_sse(res->body);
  REQUIRE(events.size() > 600);
  CHECK(events[0].event == "message_start");
  CHECK(events[1].event == "content_block_start");
  CHECK(events[2].event == "ping");
  std::size_t flood_events = 0;
  for (const SseEvent& e : events) {
    if (e.event != "content_block_delta") continue;
    const json data = json::parse(e.data);
    CHECK(data["index"] == 0);
    CHECK(data["delta"]["type"] == "text_delta");
    if (data["delta"]["text"].get<std::string>().size() == 1024) ++flood_events;
  }
  CHECK(flood_events >= 1000000 / 2048);
  CHECK(json::parse(events[3].data)["delta"]["text"].get<std::string>().size() == 1024);
  CHECK(events.back().event == "message_stop");
}

TEST_CASE("A flood fault on a non-stream request answers a completion of flood_bytes content") {
  Sim sim;
  Fault fault;
  fault.kind = FaultKind::flood;
  fault.flood_bytes = 3000001;  // not a multiple of any piece size
  sim.simulator.push_fault(fault);
  auto res = post(sim, kChatPath, openai_headers(), user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Transfer-Encoding") == "chunked");
  CHECK_FALSE(res->has_header("Content-Length"));
  const json body = json::parse(res->body);
  CHECK(body["object"] == "chat.completion");
  const std::string content = body["choices"][0]["message"]["content"].get<std::string>();
  CHECK(content.size() == 3000001);
  CHECK(content.rfind("lorem ipsum lorem ", 0) == 0);
  CHECK(body["choices"][0]["finish_reason"] == "stop");
  CHECK(sim.simulator.requests()[0].fault == "flood");
}

TEST_CASE("A flood fault on embeddings sends the valid body after flood_bytes of white space") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "flood;bytes=100000");
  auto res = post(sim, "/v1/embeddings", headers, {{"model", "m"}, {"input", "x"}});
  REQUIRE(res);
  CHECK(res->body.size() > 100000);
  CHECK(res->body.find_first_not_of(' ') == 100000);
  CHECK(json::parse(res->body)["data"][0]["embedding"].size() == 8);
}

TEST_CASE("A client that disconnects during a 1 GB flood makes the simulator stop writing") {
  Sim sim;
  {
    RawConnection raw(sim.simulator.port());
    raw.post(kChatPath, {"x-sim-fault: flood;bytes=1073741824"},
             user_chat("hi", {{"stream", true}}));
    const std::string& received =
        raw.read_until([](const std::string& bytes) { return bytes.size() >= 1024 * 1024; });
    REQUIRE(received.size() >= 1024 * 1024);
  }  // closed with unread bytes: a reset
  const std::size_t sent = sim.last_bytes_sent();
  CHECK(sent >= 1024 * 1024);
  CHECK(sent < std::size_t{64} * 1024 * 1024);  // what the socket buffers held, at most
  auto next = post(sim, kChatPath, openai_headers(), user_chat("hi"));
  REQUIRE(next);
  CHECK(next->status == 200);
}

TEST_CASE("A long_line fault sends data: and flood_bytes of x without a line end, then closes") {
  Sim sim;
  constexpr std::size_t kBytes = 2 * 1024 * 1024 + 3;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {"x-sim-fault: long_line;after=1;bytes=" + std::to_string(kBytes)},
           user_chat("hi", {{"stream", true}}), /*close=*/false);
  const Dechunked reply = dechunk(raw.read_to_end());  // ends: the simulator closed
  CHECK_FALSE(raw.timed_out());
  CHECK_FALSE(raw.reset());
  CHECK(reply.complete);
  CHECK(reply.head.find("Connection: close") != std::string::npos);
  const std::size_t first_end = reply.body.find("\n\n");
  REQUIRE(first_end != std::string::npos);  // the role chunk
  const std::string line = reply.body.substr(first_end + 2);
  CHECK(line.size() == 6 + kBytes);
  CHECK(line.rfind("data: xxx", 0) == 0);
  CHECK(line.find_first_not_of('x', 6) == std::string::npos);
}

TEST_CASE("A long_line fault on a non-stream request answers as flood does") {
  Sim sim;
  httplib::Headers headers = openai_headers();
  headers.emplace("x-sim-fault", "long_line;bytes=5000");
  auto res = post(sim, kChatPath, headers, user_chat("hi"));
  REQUIRE(res);
  CHECK(json::parse(res->body)["choices"][0]["message"]["content"].get<std::string>().size() ==
        5000);
}

TEST_CASE("An endless fault sends a small content chunk every interval until the client leaves") {
  Sim sim;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {"x-sim-fault: endless;after=1;interval_ms=20"},
           user_chat("hi", {{"stream", true}}));
  constexpr std::size_t kEvents = 12;  // the role chunk, then endless chunks
  auto events_at_least = [](std::size_t n) {
    return [n](const std::string& bytes) { return count_of(bytes, "data: ") >= n; };
  };
  raw.read_until(events_at_least(2));
  const auto first = Clock::now();
  auto previous = first;
  milliseconds longest_gap{0};
  for (std::size_t n = 3; n <= kEvents; ++n) {
    raw.read_until(events_at_least(n));
    const auto now = Clock::now();
    longest_gap = std::max(longest_gap, std::chrono::duration_cast<milliseconds>(now - previous));
    previous = now;
  }
  const auto elapsed = previous - first;
  CHECK(elapsed >= milliseconds(20 * (kEvents - 3)));  // 10 intervals, less one for jitter
  CHECK(elapsed < std::chrono::seconds(2));
  CHECK(longest_gap < milliseconds(500));
  const std::string body = dechunk(raw.read_until(events_at_least(kEvents))).body;
  const auto chunks = openai_chunks(body.substr(0, body.rfind("\n\n") + 2));  // whole events
  REQUIRE(chunks.size() >= kEvents - 1);
  for (std::size_t i = 1; i < kEvents - 1; ++i) {
    CHECK(chunks[i]["choices"][0]["delta"]["content"] == "lorem ");
  }
  raw.close();
  CHECK(sim.last_bytes_sent() > 0);  // it noticed and ended the response
}

TEST_CASE("stop ends an endless stream within a second") {
  Sim sim;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {"x-sim-fault: endless;interval_ms=20"}, user_chat("hi", {{"stream", true}}));
  raw.read_until([](const std::string& bytes) { return count_of(bytes, "data: ") >= 3; });
  const auto started = Clock::now();
  sim.simulator.stop();
  CHECK(Clock::now() - started < std::chrono::seconds(1));
  raw.read_to_end();
  CHECK_FALSE(raw.timed_out());
  CHECK(sim.simulator.requests()[0].bytes_sent > 0);
}

TEST_CASE("An endless fault on a non-stream request trickles its body one byte per interval") {
  Sim sim;
  RawConnection raw(sim.simulator.port());
  raw.post(kChatPath, {"x-sim-fault: endless;interval_ms=10"}, user_chat("hi"));
  raw.read_until(
      [](const std::string& bytes) { return bytes.find("\r\n\r\n") != std::string::npos; });
  const auto started = Clock::now();
  const std::string& bytes =
      raw.read_until([](const std::string& got) { return dechunk(got).body.size() >= 6; });
  const auto elapsed = Clock::now() - started;
  const Dechunked reply = dechunk(bytes);
  CHECK(reply.head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(reply.body.substr(0, 6) == R"({"choi)");
  CHECK_FALSE(reply.complete);
  CHECK(elapsed >= milliseconds(40));  // at least 5 intervals, less one for jitter
  CHECK(elapsed < std::chrono::seconds(2));
  raw.close();
  CHECK(sim.last_bytes_sent() > 0);
}

TEST_CASE("chunk_delay paces the stream chunks") {
  SimulatorOptions options = small_options();
  options.chunk_delay = milliseconds(10);
  Sim sim(options);
  const auto started = Clock::now();
  auto res = post(sim, kChatPath, openai_headers(),
                  user_chat("hi", {{"stream", true}, {"max_tokens", 3}}));
  REQUIRE(res);
  CHECK(parse_sse(res->body).size() == 6);  // role, 3 words, finish, [DONE]: 5 pauses
  CHECK(Clock::now() - started >= milliseconds(50));
}

TEST_CASE("A stopped simulator can be started again") {
  Sim sim;
  sim.simulator.stop();
  sim.simulator.start();
  auto res = post(sim, kChatPath, openai_headers(), user_chat("hi"));
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("A second simulator cannot bind a port that is in use") {
  Sim sim;
  SimulatorOptions options = small_options();
  options.port = sim.simulator.port();
  ProviderSimulator second(options);
  CHECK_THROWS_AS(second.start(), std::runtime_error);
}

TEST_CASE("A body member of an unexpected type gets 400, not 500") {
  Sim sim;
  json body = user_chat("hi");
  body["messages"][0]["role"] = 7;
  auto res = post(sim, kChatPath, openai_headers(), body);
  REQUIRE(res);
  CHECK(res->status == 400);
  auto anthropic =
      post(sim, "/v1/messages", anthropic_headers(),
           anthropic_chat("hi", {{"tools", json::array({{{"name", "t"}, {"input_schema", 3}}})},
                                 {"tool_choice", {{"type", 5}}}}));
  REQUIRE(anthropic);
  CHECK(anthropic->status == 400);
}
