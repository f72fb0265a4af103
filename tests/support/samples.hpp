// Provider answers made by this project, for tests and benchmarks that need a realistic body but
// not a recorded one (recorded bodies are other projects' data, read from LITELLM_TEST_DATA_DIR
// by the [shared-data] test cases only: vectors.hpp). Everything here is deterministic: the same
// call gives the same bytes on every platform.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace litellm::test {

/// The usage every sample OpenAI answer reports.
inline nlohmann::json sample_usage() {
  return nlohmann::json{{"prompt_tokens", 19},
                        {"completion_tokens", 42},
                        {"total_tokens", 61},
                        {"completion_tokens_details", {{"reasoning_tokens", 0}}}};
}

/// The text of choice `index` of the sample answers.
inline std::string sample_text(int index = 0) {
  return "Sample answer " + std::to_string(index) +
         ": the quick brown fox jumps over the lazy dog, then rests in the shade of an old oak "
         "tree while the river runs on toward the distant sea.";
}

/// Words of `text`, each with its leading space, as a model streams them.
inline std::vector<std::string> sample_words(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = text.find(' ', at + 1);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

/// A pretty-printed JSON document (an order list) cut into the small pieces a model streams: a
/// line end; up to two quotes, commas or colons; or up to four spaces, an opening quote and one
/// word, number or bracket. Pieces are 1 to 15 bytes, 3 on average, many of them quotes and line
/// ends (escaped in the JSON chunk), as in a model's JSON answer.
inline std::vector<std::string> sample_json_document_pieces() {
  static const char* const kItems[] = {"notebook", "pencil", "eraser", "ruler",
                                       "stapler",  "folder", "marker", "scissors"};
  std::string document = "\n{\n  \"orders\": [\n";
  for (int i = 0; i < 8; ++i) {
    document += "    {\n      \"id\": " + std::to_string(1000 + i) + ",\n      \"item\": \"" +
                kItems[i] + "\",\n      \"quantity\": " + std::to_string(1 + i % 4) +
                ",\n      \"price\": " + std::to_string(2 + i) + ".5\n    }";
    document += i < 7 ? ",\n" : "\n";
  }
  document += "  ]\n}\n";
  std::vector<std::string> pieces;
  const auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_';
  };
  const auto is_mark = [](char c) { return c == '"' || c == ',' || c == ':'; };
  std::size_t at = 0;
  while (at < document.size()) {
    std::size_t end = at;
    if (document[at] == '\n') {
      end = at + 1;
    } else if (is_mark(document[at])) {
      while (end < document.size() && is_mark(document[end]) && end - at < 2) ++end;
    } else {
      while (end < document.size() && document[end] == ' ' && end - at < 4) ++end;
      if (end < document.size() && document[end] == '"') ++end;
      if (end < document.size() && is_word(document[end])) {
        while (end < document.size() && is_word(document[end])) ++end;
      } else if (end < document.size() && document[end] != '\n' && document[end] != ' ' &&
                 document[end] != '"') {
        ++end;
      }
      if (end == at) end = at + 1;
    }
    pieces.push_back(document.substr(at, end - at));
    at = end;
  }
  return pieces;
}

/// The shape of a sample OpenAI chat stream.
struct SampleStream {
  int n = 1;                          ///< Choices, interleaved chunk by chunk.
  std::size_t content_chunks = 31;    ///< Content chunks per choice (pieces cycle when fewer;
                                      ///< 31: sample_text(i) exactly, 33 chunks in all).
  bool usage = false;                 ///< A final choices-less chunk with sample_usage().
  std::vector<std::string> pieces{};  ///< The content pieces; empty: sample_words(sample_text(i)).
  std::string model = "gpt-4o-mini-2024-07-18";
};

/// The data payloads of an OpenAI chat stream, without [DONE]: per choice a role chunk, then
/// `content_chunks` content chunks, then a finish chunk (finish_reason stop); then the usage
/// chunk if asked. Field order and sizes are those of OpenAI's chat.completion.chunk.
inline std::vector<std::string> sample_stream_payloads(const SampleStream& shape = {}) {
  using ordered = nlohmann::ordered_json;
  const auto chunk = [&shape](ordered choices) {
    ordered out;
    out["id"] = "chatcmpl-LcppSample0000000000000000000";
    out["object"] = "chat.completion.chunk";
    out["created"] = 1735689600;
    out["model"] = shape.model;
    out["system_fingerprint"] = "fp_0a1b2c3d4e";
    out["choices"] = std::move(choices);
    return out;
  };
  const auto choice = [](int index, ordered delta, const char* finish) {
    ordered out;
    out["index"] = index;
    out["delta"] = std::move(delta);
    out["logprobs"] = nullptr;
    out["finish_reason"] = finish == nullptr ? ordered(nullptr) : ordered(finish);
    return ordered::array({std::move(out)});
  };
  std::vector<std::vector<std::string>> pieces;
  for (int i = 0; i < shape.n; ++i) {
    pieces.push_back(shape.pieces.empty() ? sample_words(sample_text(i)) : shape.pieces);
  }
  std::vector<std::string> out;
  for (int i = 0; i < shape.n; ++i) {
    ordered delta;
    delta["role"] = "assistant";
    delta["content"] = "";
    delta["refusal"] = nullptr;
    out.push_back(chunk(choice(i, std::move(delta), nullptr)).dump());
  }
  for (std::size_t c = 0; c < shape.content_chunks; ++c) {
    for (int i = 0; i < shape.n; ++i) {
      const auto& mine = pieces[static_cast<std::size_t>(i)];
      // Pieces cycle when fewer than the chunks; a whole text when there are as many.
      ordered delta;
      delta["content"] = mine[c % mine.size()];
      out.push_back(chunk(choice(i, std::move(delta), nullptr)).dump());
    }
  }
  for (int i = 0; i < shape.n; ++i) {
    out.push_back(chunk(choice(i, ordered::object(), "stop")).dump());
  }
  if (shape.usage) {
    ordered last = chunk(ordered::array());
    const nlohmann::json usage = sample_usage();
    ordered& out_usage = last["usage"];
    for (const char* field : {"prompt_tokens", "completion_tokens", "total_tokens"}) {
      out_usage[field] = usage[field];
    }
    out_usage["completion_tokens_details"] = ordered(usage["completion_tokens_details"]);
    out.push_back(last.dump());
  }
  return out;
}

/// sample_stream_payloads as an SSE body: `data: <payload>` events, then `data: [DONE]`.
inline std::string sample_stream_sse(const SampleStream& shape = {}) {
  std::string out;
  for (const std::string& payload : sample_stream_payloads(shape)) {
    out += "data: " + payload + "\n\n";
  }
  out += "data: [DONE]\n\n";
  return out;
}

/// The content the sample stream of `shape` accumulates to for choice `index`.
inline std::string sample_stream_text(const SampleStream& shape = {}, int index = 0) {
  const std::vector<std::string> pieces =
      shape.pieces.empty() ? sample_words(sample_text(index)) : shape.pieces;
  std::string out;
  for (std::size_t c = 0; c < shape.content_chunks; ++c) out += pieces[c % pieces.size()];
  return out;
}

/// A non-streamed OpenAI chat.completion with `n` choices (content sample_text(i), finish_reason
/// stop) and sample_usage(), as its text.
inline std::string sample_chat_completion(int n = 1) {
  using ordered = nlohmann::ordered_json;
  ordered out;
  out["id"] = "chatcmpl-LcppSample0000000000000000001";
  out["object"] = "chat.completion";
  out["created"] = 1735689600;
  out["model"] = "gpt-4o-mini-2024-07-18";
  out["choices"] = ordered::array();
  for (int i = 0; i < n; ++i) {
    ordered message;
    message["role"] = "assistant";
    message["content"] = sample_text(i);
    message["refusal"] = nullptr;
    ordered choice;
    choice["index"] = i;
    choice["message"] = std::move(message);
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = "stop";
    out["choices"].push_back(std::move(choice));
  }
  out["usage"] = ordered(sample_usage());
  out["system_fingerprint"] = "fp_0a1b2c3d4e";
  return out.dump(2);
}

/// A non-streamed Anthropic message (one text block, end_turn), as its text.
inline std::string sample_anthropic_message() {
  using ordered = nlohmann::ordered_json;
  ordered out;
  out["id"] = "msg_LcppSample000000000000";
  out["type"] = "message";
  out["role"] = "assistant";
  out["model"] = "claude-sonnet-4-20250514";
  out["content"] = ordered::array({ordered{{"type", "text"}, {"text", sample_text(0)}}});
  out["stop_reason"] = "end_turn";
  out["stop_sequence"] = nullptr;
  out["usage"] = ordered{{"input_tokens", 19}, {"output_tokens", 42}};
  return out.dump();
}

/// `count` deterministic embedding values in [-0.1, 0.1), as float32 (a linear congruential
/// sequence seeded with `seed`: the same values on every platform).
inline std::vector<float> sample_embedding(std::size_t count, std::uint32_t seed = 1) {
  std::vector<float> out;
  out.reserve(count);
  std::uint32_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    out.push_back(static_cast<float>(static_cast<double>(state >> 8) / 16777216.0 * 0.2 - 0.1));
  }
  return out;
}

/// Standard base64 (with padding) of the little-endian bytes of `values`.
inline std::string sample_base64(const std::vector<float>& values) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes;
  bytes.reserve(values.size() * 4);
  for (const float value : values) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &value, sizeof bits);
    for (int shift = 0; shift < 32; shift += 8) bytes += static_cast<char>((bits >> shift) & 0xff);
  }
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const auto byte = [&bytes](std::size_t at) {
      return at < bytes.size() ? static_cast<unsigned>(static_cast<unsigned char>(bytes[at])) : 0u;
    };
    const unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
  }
  return out;
}

/// An OpenAI embeddings answer with one vector of `dimensions` sample_embedding values, as a
/// JSON number array or (`base64`) as base64 of the float32 bytes; pretty-printed as OpenAI does.
inline std::string sample_embedding_response(std::size_t dimensions, bool base64 = false) {
  using ordered = nlohmann::ordered_json;
  const std::vector<float> values = sample_embedding(dimensions);
  ordered item;
  item["object"] = "embedding";
  item["index"] = 0;
  if (base64) {
    item["embedding"] = sample_base64(values);
  } else {
    item["embedding"] = ordered::array();
    for (const float value : values) item["embedding"].push_back(value);
  }
  ordered out;
  out["object"] = "list";
  out["data"] = ordered::array({std::move(item)});
  out["model"] = "text-embedding-3-small";
  out["usage"] = ordered{{"prompt_tokens", 8}, {"total_tokens", 8}};
  return out.dump(2);
}

}  // namespace litellm::test
