// The embeddings endpoint (see embeddings.hpp).
#include "embeddings.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "text.hpp"

namespace litellm::sim::detail {
namespace {

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 14695981039346656037ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27U)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31U);
}

// A unit vector that depends only on the text: component k comes from a hash of (text, k).
std::vector<float> embedding_for(const std::string& text, int dimensions) {
  const std::uint64_t seed = fnv1a(text);
  std::vector<double> values(static_cast<std::size_t>(dimensions));
  double norm = 0;
  for (std::size_t k = 0; k < values.size(); ++k) {
    const std::uint64_t x = splitmix64(seed ^ splitmix64(k + 1));
    const double unit = static_cast<double>(x >> 11U) * 0x1.0p-53;
    values[k] = 2 * unit - 1;
    norm += values[k] * values[k];
  }
  norm = norm > 0 ? std::sqrt(norm) : 1;
  std::vector<float> out;
  out.reserve(values.size());
  for (double v : values) out.push_back(static_cast<float>(v / norm));
  return out;
}

std::string floats_to_base64(const std::vector<float>& values) {
  std::string bytes;
  bytes.reserve(values.size() * 4);
  for (float f : values) {
    std::uint32_t bits = 0;
    std::memcpy(&bits, &f, sizeof bits);
    for (unsigned shift = 0; shift < 32; shift += 8) {
      bytes += static_cast<char>((bits >> shift) & 0xFFU);
    }
  }
  return base64_encode(bytes);
}

}  // namespace

json embeddings_body(const json& body, const Exchange& ex) {
  if (ex.provider == Provider::openai && (!body.contains("model") || !body["model"].is_string() ||
                                          body["model"].get<std::string>().empty())) {
    throw BadRequest{"you must provide a model parameter", "model"};
  }
  const std::string invalid_input =
      "'$.input' is invalid. Please check the API reference: "
      "https://platform.openai.com/docs/api-reference.";
  if (!body.contains("input")) throw BadRequest{"'input' is a required property", "input"};
  std::vector<std::string> inputs;
  const json& input = body["input"];
  if (input.is_string()) {
    inputs.push_back(input.get<std::string>());
  } else if (input.is_array() && !input.empty()) {
    for (const json& item : input) {
      if (!item.is_string()) throw BadRequest{invalid_input, "input"};
      inputs.push_back(item.get<std::string>());
    }
  } else {
    throw BadRequest{invalid_input, "input"};
  }
  int dimensions = 8;
  if (auto d = positive_int(body, "dimensions")) {
    if (*d > 16384) throw BadRequest{"Invalid 'dimensions': at most 16384.", "dimensions"};
    dimensions = *d;
  }
  std::string format = "float";
  if (body.contains("encoding_format") && !body["encoding_format"].is_null()) {
    const json& f = body["encoding_format"];
    if (!f.is_string() || (f != "float" && f != "base64")) {
      throw BadRequest{"Invalid 'encoding_format': expected 'float' or 'base64'.",
                       "encoding_format"};
    }
    format = f.get<std::string>();
  }
  json data = json::array();
  int words = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<float> vector = embedding_for(inputs[i], dimensions);
    words += count_words(inputs[i]);
    json item = json::object();
    item["object"] = "embedding";
    item["index"] = i;
    if (format == "base64") {
      item["embedding"] = floats_to_base64(vector);
    } else {
      json values = json::array();
      for (float v : vector) values.push_back(static_cast<double>(v));
      item["embedding"] = values;
    }
    data.push_back(item);
  }
  json out = json::object();
  out["object"] = "list";
  out["data"] = data;
  out["model"] = ex.provider == Provider::azure ? ex.deployment : body["model"].get<std::string>();
  out["usage"] = json{{"prompt_tokens", words}, {"total_tokens", words}};
  return out;
}

json gemini_embeddings_body(const json& body, const Exchange& ex) {
  if (!body.contains("requests") || !body["requests"].is_array() || body["requests"].empty()) {
    throw BadRequest{"* BatchEmbedContentsRequest.requests: requests is not specified", "requests"};
  }
  json embeddings = json::array();
  int words = 0;
  for (const json& request : body["requests"]) {
    const std::string model = request.is_object() ? request.value("model", "") : "";
    if (model != "models/" + ex.model) {
      throw BadRequest{
          "* BatchEmbedContentsRequest.requests[0].model: the model must be "
          "models/" +
              ex.model,
          "requests"};
    }
    std::vector<std::string> texts;
    const json content = request.value("content", json::object());
    if (content.is_object() && content.contains("parts") && content["parts"].is_array()) {
      for (const json& part : content["parts"]) {
        if (part.is_object() && part.contains("text") && part["text"].is_string()) {
          texts.push_back(part["text"].get<std::string>());
        }
      }
    }
    if (texts.empty()) {
      throw BadRequest{
          "* BatchEmbedContentsRequest.requests[0].content: contents must not be "
          "empty",
          "requests"};
    }
    int dimensions = 8;
    if (auto d = positive_int(request, "outputDimensionality")) dimensions = *d;
    const std::string text = join(texts, " ");
    words += count_words(text);
    json values = json::array();
    for (float v : embedding_for(text, dimensions)) values.push_back(static_cast<double>(v));
    embeddings.push_back(json{{"values", std::move(values)}});
  }
  return json{
      {"embeddings", std::move(embeddings)},
      {"usageMetadata",
       {{"promptTokenCount", words},
        {"promptTokenDetails", json::array({{{"modality", "TEXT"}, {"tokenCount", words}}})}}}};
}

}  // namespace litellm::sim::detail
