// litellm-bench --micro: the hot paths in isolation, one JSON line each.
//   sse_merge        SSE parse (SseParser) + merge (StreamAccumulator) of a synthetic 200-chunk
//                    OpenAI stream of a JSON answer (tests/support/samples.hpp): json::parse +
//                    add(json&&), and add_chunk_text(data) when the library has it.
//   embedding_decode one ada-002-sized response (1536 floats, synthetic): JSON parse + base64
//                    decode into floats, against the same response with a JSON number array.
// Nothing is read from disk: the inputs are made here, so the figures need no test data.
//   key_pool_choose  acquire() + report(success), zero wait, one thread, 8 keys.
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <litellm/litellm.hpp>

#include "bench.hpp"
#include "litellm/detail/base64.hpp"
#include "litellm/detail/call.hpp"
#include "litellm/detail/fast_json.hpp"
#include "samples.hpp"

namespace bench {

namespace {

using json = nlohmann::json;

// Keeps a value observable so the optimizer cannot drop the work producing it.
volatile std::size_t g_sink = 0;
void keep(std::size_t value) {
  g_sink = g_sink + value;
}

struct Timing {
  std::size_t iterations = 0;
  double seconds = 0;
  double per_second() const { return static_cast<double>(iterations) / seconds; }
  double ns_per_iteration() const { return seconds * 1e9 / static_cast<double>(iterations); }
};

// Runs `body` in growing batches until at least `min_seconds` have been spent in it.
template <class Body>
Timing run_for(double min_seconds, Body&& body) {
  for (int i = 0; i < 3; ++i) body();  // warm caches and allocators
  Timing timing;
  std::size_t batch = 1;
  while (timing.seconds < min_seconds) {
    const auto start = SteadyClock::now();
    for (std::size_t i = 0; i < batch; ++i) body();
    timing.seconds += std::chrono::duration<double>(SteadyClock::now() - start).count();
    timing.iterations += batch;
    if (batch < (std::size_t{1} << 20)) batch *= 2;
  }
  return timing;
}

// ---- sse_merge ---------------------------------------------------------------------------------

template <class Acc>
auto add_text(Acc& acc, std::string_view data) -> decltype(acc.add_chunk_text(data), void()) {
  acc.add_chunk_text(data);
}

void micro_sse_merge(const Options& options) {
  // A synthetic OpenAI stream of 200 chunks (samples.hpp): a role chunk, 197 content chunks of a
  // JSON answer cut into pieces of about 3 bytes, a finish chunk and a usage chunk, each about
  // 250 bytes as OpenAI sends them; the same shape as the recorded stream it replaces.
  constexpr std::size_t kChunks = 200;
  litellm::test::SampleStream shape;
  shape.content_chunks = kChunks - 3;
  shape.usage = true;
  shape.pieces = litellm::test::sample_json_document_pieces();
  shape.model = "gpt-4o-2024-08-06";
  std::vector<std::string> pieces;  // one SSE event per piece, as the network delivers them
  for (const std::string& data : litellm::test::sample_stream_payloads(shape)) {
    pieces.push_back("data: " + data + "\n\n");
  }
  pieces.push_back("data: [DONE]\n\n");
  if (pieces.size() != kChunks + 1) throw std::runtime_error("sse_merge: unexpected stream shape");
  std::size_t stream_bytes = 0;
  for (const auto& piece : pieces) stream_bytes += piece.size();

  auto stream_once = [&pieces](auto&& add) {
    litellm::SseParser parser;
    litellm::StreamAccumulator accumulator;
    auto on_event = [&](const litellm::SseEvent& event) {
      if (event.data == "[DONE]") return;
      add(accumulator, event.data);
    };
    for (const auto& piece : pieces) parser.feed(piece, on_event);
    parser.finish(on_event);
    return accumulator.completion();
  };
  auto json_add = [](litellm::StreamAccumulator& acc, const std::string& data) {
    acc.add(json::parse(data));
  };
  const json reference = stream_once(json_add);
  const Timing json_path = run_for(options.micro_seconds, [&] {
    keep(stream_once(json_add)["choices"][0]["message"]["content"]
             .get_ref<const std::string&>()
             .size());
  });

  nlohmann::ordered_json out;
  out["bench"] = "litellm-bench";
  out["micro"] = "sse_merge";
  out["chunks_per_stream"] = kChunks;
  out["stream_bytes"] = stream_bytes;
  out["json_parse_add"] = {
      {"chunks_per_s", round_to(json_path.per_second() * kChunks, 0)},
      {"ns_per_chunk", round_to(json_path.ns_per_iteration() / kChunks, 1)},
      {"mb_per_s", round_to(json_path.per_second() * static_cast<double>(stream_bytes) / 1e6, 1)},
      {"streams", json_path.iterations}};
  out["chunks_per_s"] = round_to(json_path.per_second() * kChunks, 0);
  auto text_add = [](litellm::StreamAccumulator& acc, const std::string& data) {
    add_text(acc, std::string_view(data));
  };
  const bool same = stream_once(text_add) == reference;
  const Timing text_path = run_for(options.micro_seconds, [&] {
    keep(stream_once(text_add)["choices"][0]["message"]["content"]
             .get_ref<const std::string&>()
             .size());
  });
  out["add_chunk_text"] = {
      {"chunks_per_s", round_to(text_path.per_second() * kChunks, 0)},
      {"ns_per_chunk", round_to(text_path.ns_per_iteration() / kChunks, 1)},
      {"mb_per_s", round_to(text_path.per_second() * static_cast<double>(stream_bytes) / 1e6, 1)},
      {"streams", text_path.iterations},
      {"same_completion", same}};
  out["add_chunk_text_speedup"] = round_to(text_path.per_second() / json_path.per_second(), 3);

  // The whole streamed call with a chunk callback, as LiteLLMBackend runs it (SSE parse, chunk
  // objects for the callback, merge, the completion), over a transport that replays the stream.
  class ReplayTransport final : public litellm::Transport {
   public:
    explicit ReplayTransport(const std::vector<std::string>& pieces) : pieces_(pieces) {
      headers_.add("content-type", "text/event-stream");
    }
    void send(const litellm::HttpRequest&, litellm::ResponseSink& sink) override {
      sink.on_headers(200, headers_);
      for (const auto& piece : pieces_) sink.on_body(piece);
    }

   private:
    const std::vector<std::string>& pieces_;
    litellm::Headers headers_;
  };
  litellm::BackendOptions backend_options;
  backend_options.transport = std::make_shared<ReplayTransport>(pieces);
  backend_options.key_registry = std::make_shared<litellm::KeyRegistry>();
  litellm::LiteLLMBackend backend(
      {litellm::ApiInfo{"openai", std::nullopt, "sk-micro", std::nullopt}}, "gpt-4o-mini",
      json{{"wait_time_per_key", 0}}, std::move(backend_options));
  const json params = {{"messages", json::array({{{"role", "user"}, {"content", "hi"}}})}};
  std::size_t seen = 0;
  const litellm::ChunkCallback on_chunk = [&seen](const json& chunk) {
    seen += chunk.size();
    return true;
  };
  const bool callback_same =
      backend.completion(params, on_chunk)["choices"] == reference["choices"];
  const Timing callback_path = run_for(options.micro_seconds, [&] {
    keep(backend.completion(params, on_chunk)["choices"][0]["message"]["content"]
             .get_ref<const std::string&>()
             .size());
  });
  keep(seen);
  out["stream_callback"] = {
      {"chunks_per_s", round_to(callback_path.per_second() * kChunks, 0)},
      {"ns_per_chunk", round_to(callback_path.ns_per_iteration() / kChunks, 1)},
      {"streams", callback_path.iterations},
      {"same_choices", callback_same}};
  std::cout << out.dump() << std::endl;
}

// ---- embedding_decode --------------------------------------------------------------------------

void micro_embedding_decode(const Options& options) {
  // One ada-002-sized answer (1536 dimensions) in base64, as OpenAI pretty-prints it
  // (samples.hpp: deterministic values in [-0.1, 0.1), like a real embedding's).
  const std::string base64_text = litellm::test::sample_embedding_response(1536, true);
  // The float twin: the same document with each embedding as a JSON number array, each float
  // written in its shortest round-trip form (as a server printing float32 would).
  json doc = json::parse(base64_text);
  std::vector<std::vector<float>> expected;
  std::vector<std::string> arrays;
  for (auto& item : doc["data"]) {
    std::string bytes;
    if (!litellm::detail::base64_decode(item["embedding"].get_ref<const std::string&>(), bytes)) {
      throw std::runtime_error("embedding_decode: invalid base64");
    }
    std::vector<float> values;
    litellm::detail::floats_from_le_bytes(bytes, values);
    std::string array = "[";
    char buffer[64];
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) array += ',';
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, values[i]);
      array.append(buffer, result.ptr);
    }
    array += ']';
    item["embedding"] = "@@EMBEDDING_" + std::to_string(arrays.size()) + "@@";
    arrays.push_back(std::move(array));
    expected.push_back(std::move(values));
  }
  std::string float_text = doc.dump(2);
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    const std::string marker = "\"@@EMBEDDING_" + std::to_string(i) + "@@\"";
    float_text.replace(float_text.find(marker), marker.size(), arrays[i]);
  }
  const std::size_t vectors_per_response = arrays.size();
  const std::size_t dimensions = expected.empty() ? 0 : expected[0].size();

  // The library's own path (batch_embedding): its JSON parser, then each embedding into floats,
  // whether the server answered base64 or a JSON number array.
  std::vector<std::vector<float>> decoded;
  auto decode_response = [&](const std::string& text) {
    json response;
    if (!litellm::detail::parse_json(text, response)) throw std::runtime_error("invalid JSON");
    const json& data = response["data"];
    decoded.resize(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
      litellm::detail::decode_embedding(data[i]["embedding"], decoded[i]);
    }
    keep(decoded.size());
  };
  auto base64_once = [&] { decode_response(base64_text); };
  auto float_once = [&] { decode_response(float_text); };
  // What embedding() hands back: base64 decoded, then each vector as a JSON number array.
  auto base64_to_json_once = [&] {
    json response;
    litellm::detail::parse_json(base64_text, response);
    std::string bytes;
    std::vector<float> values;
    for (auto& item : response["data"]) {
      litellm::detail::base64_decode(item["embedding"].get_ref<const std::string&>(), bytes);
      litellm::detail::floats_from_le_bytes(bytes, values);
      json array = json::array();
      array.get_ref<json::array_t&>().reserve(values.size());
      for (const float v : values) array.push_back(v);
      item["embedding"] = std::move(array);
    }
    keep(response.size());
  };
  base64_once();
  const bool base64_ok = decoded == expected;
  float_once();
  const bool float_ok = decoded == expected;

  const Timing b64 = run_for(options.micro_seconds, base64_once);
  const Timing flt = run_for(options.micro_seconds, float_once);
  const Timing b64json = run_for(options.micro_seconds, base64_to_json_once);

  auto path = [&](const Timing& t, std::size_t bytes) {
    return nlohmann::ordered_json{
        {"response_bytes", bytes},
        {"mb_per_s", round_to(t.per_second() * static_cast<double>(bytes) / 1e6, 1)},
        {"vectors_per_s", round_to(t.per_second() * static_cast<double>(vectors_per_response), 0)},
        {"us_per_response", round_to(t.ns_per_iteration() / 1e3, 2)}};
  };
  nlohmann::ordered_json out;
  out["bench"] = "litellm-bench";
  out["micro"] = "embedding_decode";
  out["dimensions"] = dimensions;
  out["vectors_per_response"] = vectors_per_response;
  out["base64"] = path(b64, base64_text.size());
  out["float"] = path(flt, float_text.size());
  out["base64_to_json_floats"] = path(b64json, base64_text.size());
  out["vectors_per_s_ratio_base64_over_float"] = round_to(b64.per_second() / flt.per_second(), 2);
  out["decoded_equal"] = base64_ok && float_ok;
  std::cout << out.dump() << std::endl;
}

// ---- key_pool_choose ---------------------------------------------------------------------------

void micro_key_pool_choose(const Options& options) {
  constexpr std::size_t kKeys = 8;
  std::vector<litellm::ApiInfo> infos;
  for (std::size_t i = 0; i < kKeys; ++i) {
    infos.push_back({"openai", std::nullopt, api_key(i), std::nullopt});
  }
  litellm::KeyPoolOptions pool_options;
  pool_options.wait_per_key = std::chrono::milliseconds(0);
  litellm::KeyPool pool(infos, pool_options, std::make_shared<litellm::KeyRegistry>());
  const Timing timing = run_for(options.micro_seconds, [&] {
    litellm::KeyLease lease = pool.acquire();
    keep(lease.key_id().size());
    lease.report(litellm::KeyOutcome::success());
  });
  nlohmann::ordered_json out;
  out["bench"] = "litellm-bench";
  out["micro"] = "key_pool_choose";
  out["keys"] = kKeys;
  out["threads"] = 1;
  out["ns_per_acquire_report"] = round_to(timing.ns_per_iteration(), 1);
  out["per_s"] = round_to(timing.per_second(), 0);
  out["iterations"] = timing.iterations;
  std::cout << out.dump() << std::endl;
}

}  // namespace

int run_micro(const Options& options) {
  micro_sse_merge(options);
  micro_embedding_decode(options);
  micro_key_pool_choose(options);
  return 0;
}

}  // namespace bench
