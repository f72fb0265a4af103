// Gemini and Bedrock end to end, as a program outside the library calls them: a LiteLLMBackend
// over real HTTP (libcurl, 127.0.0.1) against a server that answers with the responses recorded
// from the real services (LITELLM_TEST_DATA_DIR/llm-vectors, read at test time), plain, streamed
// and embeddings. The expected values were written by hand from reading the recordings.
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>

#include "catch.hpp"
#include "harness.hpp"
#include "litellm/backend.hpp"
#include "stream_collector.hpp"
#include "vectors.hpp"
#include "wait.hpp"

using namespace litellm;
using namespace litellm::test;

namespace {

/// One recorded answer: the request path it answers and the recorded body.
struct Recording {
  std::string path;
  std::string file;  // relative to llm-vectors
  std::string content_type;
};

/// An HTTP server on a free 127.0.0.1 port answering each recorded path with its recording, and
/// keeping the requests it saw.
class ReplayServer {
 public:
  explicit ReplayServer(const std::vector<Recording>& recordings) {
    for (const Recording& r : recordings) {
      const std::string body = vector_file(r.file);
      server_.Post(r.path, [this, body, type = r.content_type](const httplib::Request& req,
                                                               httplib::Response& res) {
        {
          std::lock_guard<std::mutex> guard(mutex_);
          seen_.push_back(req);
        }
        res.set_content(body, type.c_str());
      });
    }
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    REQUIRE(eventually([this] { return server_.is_running(); }));
  }
  ~ReplayServer() {
    server_.stop();
    thread_.join();
  }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<httplib::Request> seen() const {
    std::lock_guard<std::mutex> guard(mutex_);
    return seen_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<httplib::Request> seen_;
};

json ask(const std::string& text) {
  return json{{"messages", json::array({{{"role", "user"}, {"content", text}}})}};
}

std::string content_of(const json& completion) {
  return completion.at("choices").at(0).at("message").at("content").get<std::string>();
}

std::string finish_of(const json& completion) {
  return completion.at("choices").at(0).at("finish_reason").get<std::string>();
}

}  // namespace

TEST_CASE("gemini: recorded answers, plain, streamed and embeddings, over HTTP", "[shared-data]") {
  const std::string model = "gemini-2.5-flash";
  ReplayServer server({
      {"/v1beta/models/" + model + ":generateContent", "gemini/generate_text.json",
       "application/json"},
      {"/v1beta/models/" + model + ":streamGenerateContent", "gemini/stream_text.sse",
       "text/event-stream"},
      {"/v1beta/models/" + model + ":batchEmbedContents", "gemini/batch_embed_contents.json",
       "application/json"},
  });
  const ApiInfo info{"gemini", std::nullopt, "AIzaSyReplayTestKey000000000000000000",
                     server.base_url()};
  LiteLLMBackend backend({info}, model, wait_time_per_key(0), Harness::options());

  SECTION("plain: the text, STOP, and usage with the thought tokens") {
    const json completion = backend.completion(ask("What is AI?"));
    const std::string text = content_of(completion);
    CHECK(text.rfind("AI stands for **Artificial Intelligence**.", 0) == 0);
    CHECK(text.find("the need for responsible development.") != std::string::npos);
    CHECK(finish_of(completion) == "stop");
    const json& usage = completion.at("usage");
    CHECK(usage.at("prompt_tokens") == 5);
    CHECK(usage.at("total_tokens") == 1940);
    CHECK(usage.at("completion_tokens_details").at("reasoning_tokens") == 1058);
    const auto seen = server.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].get_header_value("x-goog-api-key") == info.api_key);
  }
  SECTION("streamed: the chunks merge to the recorded text") {
    StreamCollector collector;
    const json completion =
        backend.completion(ask("What is the capital of France?"), collector.callback());
    CHECK(content_of(completion) == "The capital of France is Paris.\n");
    CHECK(collector.text == "The capital of France is Paris.\n");
    CHECK(finish_of(completion) == "stop");
    CHECK(completion.at("usage").at("completion_tokens") == 8);
    const auto seen = server.seen();
    REQUIRE(seen.size() == 1);
    CHECK(seen[0].get_param_value("alt") == "sse");
  }
  SECTION("embeddings: two vectors of 768 floats, in order") {
    const json response = backend.embedding(json{{"input", json::array({"first", "second"})}});
    const json& data = response.at("data");
    REQUIRE(data.size() == 2);
    CHECK(data[0].at("index") == 0);
    CHECK(data[1].at("index") == 1);
    CHECK(data[0].at("embedding").size() == 768);
    CHECK(data[0].at("embedding")[0].get<double>() == Approx(-0.011345503));
    CHECK(data[1].at("embedding")[1].get<double>() == Approx(-0.007988422));
  }
}

TEST_CASE("bedrock: recorded answers, plain, streamed and embeddings, over HTTP", "[shared-data]") {
  const std::string chat_model = "us.meta.llama3-2-1b-instruct-v1:0";
  const std::string stream_model = "us.amazon.nova-micro-v1:0";
  // The adapter percent-encodes the model id (':' as %3A); the server matches the decoded path.
  ReplayServer server({
      {"/model/us.meta.llama3-2-1b-instruct-v1:0/converse", "bedrock/converse_text_llama32.json",
       "application/json"},
      {"/model/us.amazon.nova-micro-v1:0/converse-stream",
       "bedrock/converse_stream_text_nova_micro.bin", "application/vnd.amazon.eventstream"},
      {"/model/amazon.titan-embed-text-v2:0/invoke", "bedrock/invoke_titan_embed_text_v2.json",
       "application/json"},
      {"/model/cohere.embed-english-v3/invoke", "bedrock/invoke_cohere_embed_english_v3.json",
       "application/json"},
  });
  const ApiInfo info{"bedrock", std::string("us-east-1"),
                     "AKIDREPLAYTEST000001:replayTestSecretKey0001/aaaaaaaaaaaaaaaaa",
                     server.base_url()};
  const auto backend_for = [&](const std::string& model) {
    return LiteLLMBackend({info}, model, wait_time_per_key(0), Harness::options());
  };

  SECTION("plain: the text, end_turn as stop, usage; the request is SigV4-signed") {
    LiteLLMBackend backend = backend_for(chat_model);
    const json completion = backend.completion(ask("Tell me a joke about OpenTelemetry."));
    CHECK(content_of(completion) ==
          "Why did the OpenTelemetry trace go to therapy?\n\nBecause it was struggling to debug "
          "its issues and was feeling a little \"unreliable\".");
    CHECK(finish_of(completion) == "stop");
    CHECK(completion.at("usage").at("prompt_tokens") == 52);
    CHECK(completion.at("usage").at("completion_tokens") == 30);
    CHECK(completion.at("usage").at("total_tokens") == 82);
    const auto seen = server.seen();
    REQUIRE(seen.size() == 1);
    const std::string authorization = seen[0].get_header_value("Authorization");
    CHECK(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDREPLAYTEST000001/", 0) == 0);
    CHECK(authorization.find("/us-east-1/bedrock/aws4_request") != std::string::npos);
    CHECK(authorization.find("replayTestSecretKey") == std::string::npos);
  }
  SECTION("streamed: the binary event stream merges to the recorded text") {
    LiteLLMBackend backend = backend_for(stream_model);
    StreamCollector collector;
    const json completion =
        backend.completion(ask("What is the capital of France?"), collector.callback());
    const std::string expected =
        "The capital of France is Paris. Paris is not only the capital city but also the most "
        "populous city in France, and it is a major center for culture, commerce, fashion, and "
        "international diplomacy. Known for its historical landmarks, such as the Eiffel Tower, "
        "the Louvre Museum, and Notre-Dame Cathedral, Paris is often referred to as \"The City "
        "of Light\" or \"The City of Love.\"";
    CHECK(content_of(completion) == expected);
    CHECK(collector.text == expected);
    CHECK(finish_of(completion) == "stop");
    CHECK(completion.at("usage").at("prompt_tokens") == 13);
    CHECK(completion.at("usage").at("completion_tokens") == 82);
  }
  SECTION("embeddings: Titan's one vector of 1024 floats") {
    LiteLLMBackend backend = backend_for("amazon.titan-embed-text-v2:0");
    const json response = backend.embedding(json{{"input", "hello, world!"}});
    const json& data = response.at("data");
    REQUIRE(data.size() == 1);
    CHECK(data[0].at("embedding").size() == 1024);
    CHECK(data[0].at("embedding")[0].get<double>() == Approx(-0.05289186164736748));
    CHECK(data[0].at("embedding")[1].get<double>() == Approx(0.11532749980688095));
  }
  SECTION("embeddings: Cohere's list") {
    LiteLLMBackend backend = backend_for("cohere.embed-english-v3");
    const json response = backend.embedding(json{{"input", json::array({"hello, world!"})}});
    const json& data = response.at("data");
    REQUIRE(data.size() == 1);
    CHECK(data[0].at("embedding").size() == 1024);
    CHECK(data[0].at("embedding")[0].get<double>() == Approx(-0.042236328));
  }
}
