// The provider simulator (see simulator.hpp): cpp-httplib serves the routes; the connection loop
// is our own (SimServer::process_and_close_socket) so that a handler can reset its connection,
// idle keep-alive connections end at once on stop(), and compression never buffers a stream.
#include "simulator.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace litellm::sim {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kSystemFingerprint = "fp_sim";
constexpr std::size_t kUserTextChars = 200;
constexpr const char* kMalformedData = "data: {\"id\": \"broken\n\n";
// flood, long_line, endless: the text that content runs repeat, the characters of one flood
// chunk's content, the content of one endless chunk, and the largest single write of a run.
constexpr const char* kRunPattern = "lorem ipsum ";
constexpr std::size_t kFloodChunkChars = 1024;
constexpr const char* kEndlessChunkText = "lorem ";
constexpr std::size_t kRunPieceBytes = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// Strings

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) words.emplace_back(text.substr(start, i - start));
  }
  return words;
}

int count_words(const std::string& text) {
  return static_cast<int>(split_words(text).size());
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += separator;
    out += parts[i];
  }
  return out;
}

std::string to_lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U;
}

// The first max_chars code points of a UTF-8 string.
std::string utf8_prefix(const std::string& s, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_continuation_byte(s[i])) {
      if (chars == max_chars) return s.substr(0, i);
      ++chars;
    }
  }
  return s;
}

// Splits s into at most `parts` non-empty pieces of about equal size, at code point boundaries.
std::vector<std::string> split_pieces(const std::string& s, std::size_t parts) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  for (std::size_t p = 1; p <= parts && start < s.size(); ++p) {
    std::size_t end = p == parts ? s.size() : std::max(start + 1, s.size() * p / parts);
    while (end < s.size() && is_continuation_byte(s[end])) ++end;
    if (end > start) pieces.emplace_back(s.substr(start, end - start));
    start = end;
  }
  return pieces;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string base64_encode(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U) |
        static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += kAlphabet[(v >> 18U) & 63U];
    out += kAlphabet[(v >> 12U) & 63U];
    out += kAlphabet[(v >> 6U) & 63U];
    out += kAlphabet[v & 63U];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16U;
    if (rest == 2) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8U;
    out += kAlphabet[(v >> 18U) & 63U];
    out += kAlphabet[(v >> 12U) & 63U];
    out += rest == 2 ? kAlphabet[(v >> 6U) & 63U] : '=';
    out += '=';
  }
  return out;
}

// Parses a whole decimal integer (optionally signed); nullopt on anything else.
std::optional<long long> parse_integer(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    i = 1;
  }
  if (i == s.size()) return std::nullopt;
  long long value = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    value = value * 10 + (s[i] - '0');
  }
  return negative ? -value : value;
}

std::optional<double> parse_number(std::string_view s) {
  if (s.empty() || s.size() > 40) return std::nullopt;
  const std::string copy(s);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(copy.c_str(), &end);
  if (errno != 0 || end != copy.c_str() + copy.size() || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Hashing (embeddings)

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

// ---------------------------------------------------------------------------------------------
// Providers and their error bodies

enum class Provider { openai, azure, anthropic };

const char* provider_name(Provider p) {
  switch (p) {
    case Provider::openai:
      return "openai";
    case Provider::azure:
      return "azure";
    case Provider::anthropic:
      return "anthropic";
  }
  return "openai";
}

enum class Route { unknown, chat, embeddings, messages };

/// What the handler knows about a request before reading its body.
struct Exchange {
  Provider provider = Provider::openai;
  Route route = Route::unknown;
  std::string deployment;   // Azure, percent-decoded
  std::string api_version;  // Azure query parameter
  bool has_api_version = false;
  std::string key;
  std::string request_id;
  std::uint64_t number = 0;
  std::string method;
  std::string raw_path;
  std::optional<milliseconds> stall_before_reply;  // stall before the response is written
  bool reset_before_headers = false;
};

/// A 400 from request validation (thrown while reading the body).
struct BadRequest {
  std::string message;
  std::string param;
};

json openai_error(const std::string& message, const std::string& type, json code,
                  json param = nullptr) {
  json error = json::object();
  error["message"] = message;
  error["type"] = type;
  error["param"] = std::move(param);
  error["code"] = std::move(code);
  return json{{"error", error}};
}

json azure_gateway_error(int status, const std::string& message) {
  return json{{"error", json{{"code", std::to_string(status)}, {"message", message}}}};
}

json anthropic_error(const std::string& type, const std::string& message,
                     const std::string& request_id) {
  return json{{"type", "error"},
              {"error", json{{"type", type}, {"message", message}}},
              {"request_id", request_id}};
}

void set_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

void set_retry_headers(httplib::Response& res, double seconds) {
  const double clamped = std::max(0.0, seconds);
  res.set_header("retry-after", std::to_string(static_cast<long long>(std::ceil(clamped))));
  res.set_header("retry-after-ms", std::to_string(std::llround(clamped * 1000)));
}

json bad_request_body(const Exchange& ex, const std::string& message, const std::string& param) {
  if (ex.provider == Provider::anthropic) {
    return anthropic_error("invalid_request_error", message, ex.request_id);
  }
  return openai_error(message, "invalid_request_error", nullptr,
                      param.empty() ? json(nullptr) : json(param));
}

json rate_limit_body(const Exchange& ex, double retry_seconds) {
  const long long whole = static_cast<long long>(std::ceil(std::max(0.0, retry_seconds)));
  switch (ex.provider) {
    case Provider::anthropic:
      return anthropic_error("rate_limit_error",
                             "This request would exceed the rate limit for your organization. "
                             "Please try again in " +
                                 std::to_string(whole) + " seconds.",
                             ex.request_id);
    case Provider::azure:
      return azure_gateway_error(
          429,
          std::string("Requests to the ") +
              (ex.route == Route::embeddings ? "Embeddings_Create" : "ChatCompletions_Create") +
              " Operation under Azure OpenAI API version " + ex.api_version +
              " have exceeded call rate limit of your current OpenAI S0 pricing tier. "
              "Please retry after " +
              std::to_string(whole) +
              " seconds. Please go here: https://aka.ms/oai/quotaincrease if you would "
              "like to further increase the default rate limit.");
    case Provider::openai:
      break;
  }
  return openai_error(
      "Rate limit reached for requests. Please try again in " + std::to_string(whole) + "s.",
      "requests", "rate_limit_exceeded");
}

// The body that a status fault answers with: the provider's error for that status.
json status_body(const Exchange& ex, int status, double retry_seconds = 1) {
  if (status == 429) return rate_limit_body(ex, retry_seconds);
  if (ex.provider == Provider::anthropic) {
    std::string type = "invalid_request_error";
    std::string message = "Request failed with status " + std::to_string(status) + ".";
    switch (status) {
      case 400:
        message = "Invalid request.";
        break;
      case 401:
        type = "authentication_error";
        message = "invalid x-api-key";
        break;
      case 403:
        type = "permission_error";
        message = "Your API key does not have permission to use the specified resource.";
        break;
      case 404:
        type = "not_found_error";
        message = "The requested resource could not be found.";
        break;
      case 413:
        type = "request_too_large";
        message = "Request exceeds the maximum allowed number of bytes.";
        break;
      case 529:
        type = "overloaded_error";
        message = "Overloaded";
        break;
      default:
        if (status >= 500) {
          type = "api_error";
          message = "Internal server error";
        }
        break;
    }
    return anthropic_error(type, message, ex.request_id);
  }
  if (ex.provider == Provider::azure && (status == 401 || status == 404)) {
    return azure_gateway_error(status, status == 401
                                           ? "Access denied due to invalid subscription key or "
                                             "wrong API endpoint. Make sure to provide a valid "
                                             "key for an active subscription and use a correct "
                                             "regional API endpoint for your resource."
                                           : "Resource not found");
  }
  switch (status) {
    case 400:
      return openai_error("Invalid request.", "invalid_request_error", nullptr);
    case 401:
      return openai_error("Incorrect API key provided.", "invalid_request_error",
                          "invalid_api_key");
    case 403:
      return openai_error("You are not allowed to access this resource.", "invalid_request_error",
                          "permission_denied");
    case 404:
      return openai_error("The model does not exist or you do not have access to it.",
                          "invalid_request_error", "model_not_found");
    case 408:
      return openai_error("Request timed out.", "invalid_request_error", "timeout");
    case 409:
      return openai_error("The request conflicts with another request.", "invalid_request_error",
                          "conflict");
    case 500:
      return openai_error(
          "The server had an error while processing your request. Sorry about that!",
          "server_error", nullptr);
    case 502:
      return openai_error("Bad gateway.", "server_error", nullptr);
    case 503:
      return openai_error("The engine is currently overloaded, please try again later.",
                          "server_error", nullptr);
    default:
      break;
  }
  if (status >= 500) {
    return openai_error("The server had an error while processing your request.", "server_error",
                        nullptr);
  }
  return openai_error("Request failed with status " + std::to_string(status) + ".",
                      "invalid_request_error", nullptr);
}

void set_quota_error(httplib::Response& res, const Exchange& ex) {
  if (ex.provider == Provider::anthropic) {
    set_json(res, 400,
             anthropic_error("invalid_request_error",
                             "Your credit balance is too low to access the Anthropic API. Please "
                             "go to Plans & Billing to upgrade or purchase credits.",
                             ex.request_id));
    return;
  }
  set_json(res, 429,
           openai_error("You exceeded your current quota, please check your plan and billing "
                        "details. For more information on this error, read the docs: "
                        "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                        "insufficient_quota", "insufficient_quota"));
}

json inband_error_body(Provider p) {
  if (p == Provider::anthropic) {
    return json{{"type", "error"},
                {"error", json{{"type", "overloaded_error"}, {"message", "Overloaded"}}}};
  }
  return openai_error("The server had an error while processing your request.", "server_error",
                      nullptr);
}

json safe_filters() {
  json filters = json::object();
  for (const char* name : {"hate", "self_harm", "sexual", "violence"}) {
    filters[name] = json{{"filtered", false}, {"severity", "safe"}};
  }
  return filters;
}

json prompt_filter_results() {
  json entry = json::object();
  entry["prompt_index"] = 0;
  entry["content_filter_results"] = safe_filters();
  json list = json::array();
  list.push_back(entry);
  return list;
}

// ---------------------------------------------------------------------------------------------
// Chat requests, normalized across providers

struct ToolSpec {
  std::string name;
  json properties;
};

struct ChatInput {
  std::string model;
  bool stream = false;
  bool include_usage = false;
  int n = 1;
  std::optional<int> max_tokens;
  std::string last_user_text;
  bool last_is_user = false;
  std::optional<std::string> tool_result;
  std::vector<ToolSpec> tools;
  bool tool_choice_none = false;
  std::string forced_tool;
  bool parallel_allowed = true;
  int prompt_words = 0;
};

std::optional<int> positive_int(const json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return std::nullopt;
  const json& v = body[name];
  if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > 1000000) {
    throw BadRequest{std::string("Invalid '") + name + "': expected an integer of at least 1.",
                     name};
  }
  return static_cast<int>(v.get<long long>());
}

bool bool_member(const json& object, const char* name) {
  return object.is_object() && object.contains(name) && object[name].is_boolean() &&
         object[name].get<bool>();
}

// Text of an OpenAI message content: a string, or the text parts of a list, joined by a space.
std::string openai_text(const json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::vector<std::string> parts;
  if (content.is_array()) {
    for (const json& part : content) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        parts.push_back(part["text"].get<std::string>());
      }
    }
  }
  return join(parts, " ");
}

// Text of Anthropic content: a string, or its text blocks (tool_result blocks when asked).
std::string anthropic_text(const json& content, const char* block_type = "text") {
  const bool tool_results = std::string(block_type) == "tool_result";
  if (content.is_string()) return tool_results ? "" : content.get<std::string>();
  std::vector<std::string> parts;
  if (content.is_array()) {
    for (const json& block : content) {
      if (!block.is_object() || block.value("type", "") != block_type) continue;
      if (tool_results) {
        parts.push_back(block.contains("content") ? anthropic_text(block["content"]) : "");
      } else if (block.contains("text") && block["text"].is_string()) {
        parts.push_back(block["text"].get<std::string>());
      }
    }
  }
  return join(parts, " ");
}

bool has_block(const json& content, const char* block_type) {
  if (!content.is_array()) return false;
  return std::any_of(content.begin(), content.end(), [&](const json& block) {
    return block.is_object() && block.value("type", "") == block_type;
  });
}

ChatInput parse_openai_chat(const json& body, bool azure) {
  ChatInput in;
  if (!azure) {
    if (!body.contains("model") || !body["model"].is_string() ||
        body["model"].get<std::string>().empty()) {
      throw BadRequest{"you must provide a model parameter", "model"};
    }
    in.model = body["model"].get<std::string>();
  }
  if (!body.contains("messages")) {
    throw BadRequest{"'messages' is a required property", "messages"};
  }
  const json& messages = body["messages"];
  if (!messages.is_array() || messages.empty()) {
    throw BadRequest{"Invalid 'messages': expected a non-empty array.", "messages"};
  }
  in.stream = bool_member(body, "stream");
  in.include_usage = in.stream && body.contains("stream_options") &&
                     bool_member(body["stream_options"], "include_usage");
  if (auto n = positive_int(body, "n")) {
    if (*n > 128) throw BadRequest{"Invalid 'n': at most 128.", "n"};
    in.n = *n;
  }
  in.max_tokens = positive_int(body, "max_completion_tokens");
  if (!in.max_tokens) in.max_tokens = positive_int(body, "max_tokens");
  if (body.contains("tools") && body["tools"].is_array()) {
    for (const json& tool : body["tools"]) {
      if (!tool.is_object() || tool.value("type", "function") != "function") continue;
      const json function = tool.value("function", json::object());
      if (!function.is_object() || !function.contains("name") || !function["name"].is_string()) {
        throw BadRequest{"Missing required parameter: 'tools[].function.name'.", "tools"};
      }
      json properties = json::object();
      if (function.contains("parameters") && function["parameters"].is_object()) {
        properties = function["parameters"].value("properties", json::object());
      }
      in.tools.push_back(ToolSpec{function["name"].get<std::string>(), properties});
    }
  }
  if (body.contains("tool_choice")) {
    const json& choice = body["tool_choice"];
    if (choice.is_string()) {
      in.tool_choice_none = choice.get<std::string>() == "none";
    } else if (choice.is_object() && choice.contains("function") &&
               choice["function"].is_object()) {
      in.forced_tool = choice["function"].value("name", "");
    }
  }
  if (body.contains("parallel_tool_calls") && body["parallel_tool_calls"].is_boolean()) {
    in.parallel_allowed = body["parallel_tool_calls"].get<bool>();
  }
  for (const json& message : messages) {
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string()) {
      throw BadRequest{"Invalid 'messages': every message needs a 'role'.", "messages"};
    }
    const std::string text = openai_text(message.value("content", json(nullptr)));
    in.prompt_words += count_words(text);
    if (message["role"] == "user") in.last_user_text = text;
  }
  const std::string last_role = messages.back()["role"].get<std::string>();
  in.last_is_user = last_role == "user";
  if (last_role == "tool") {
    // Every trailing tool message (parallel calls answer with one message per call).
    std::vector<std::string> results;
    for (auto it = messages.rbegin(); it != messages.rend() && (*it)["role"] == "tool"; ++it) {
      results.insert(results.begin(), openai_text(it->value("content", json(nullptr))));
    }
    in.tool_result = join(results, " ");
  }
  return in;
}

ChatInput parse_anthropic_chat(const json& body) {
  ChatInput in;
  if (!body.contains("model") || !body["model"].is_string()) {
    throw BadRequest{"model: Field required", "model"};
  }
  in.model = body["model"].get<std::string>();
  if (!body.contains("max_tokens")) throw BadRequest{"max_tokens: Field required", "max_tokens"};
  in.max_tokens = positive_int(body, "max_tokens");
  if (!body.contains("messages")) throw BadRequest{"messages: Field required", "messages"};
  const json& messages = body["messages"];
  if (!messages.is_array() || messages.empty()) {
    throw BadRequest{"messages: at least one message is required", "messages"};
  }
  in.stream = bool_member(body, "stream");
  if (body.contains("system")) in.prompt_words += count_words(anthropic_text(body["system"]));
  if (body.contains("tools") && body["tools"].is_array()) {
    for (const json& tool : body["tools"]) {
      if (!tool.is_object() || !tool.contains("name") || !tool["name"].is_string()) {
        throw BadRequest{"tools.0.name: Field required", "tools"};
      }
      json properties = json::object();
      if (tool.contains("input_schema") && tool["input_schema"].is_object()) {
        properties = tool["input_schema"].value("properties", json::object());
      }
      in.tools.push_back(ToolSpec{tool["name"].get<std::string>(), properties});
    }
  }
  if (body.contains("tool_choice") && body["tool_choice"].is_object()) {
    const json& choice = body["tool_choice"];
    const std::string type = choice.value("type", "auto");
    in.tool_choice_none = type == "none";
    if (type == "tool") in.forced_tool = choice.value("name", "");
    if (bool_member(choice, "disable_parallel_tool_use")) in.parallel_allowed = false;
  }
  for (const json& message : messages) {
    if (!message.is_object() || !message.contains("role") || !message["role"].is_string()) {
      throw BadRequest{"messages.0.role: Field required", "messages"};
    }
    const json content = message.value("content", json(nullptr));
    const std::string text = anthropic_text(content);
    in.prompt_words += count_words(text) + count_words(anthropic_text(content, "tool_result"));
    if (message["role"] == "user" && !text.empty()) in.last_user_text = text;
  }
  const json& last = messages.back();
  const json last_content = last.value("content", json(nullptr));
  if (last["role"] == "user" && has_block(last_content, "tool_result")) {
    in.tool_result = anthropic_text(last_content, "tool_result");
  } else {
    in.last_is_user = last["role"] == "user";
  }
  return in;
}

// ---------------------------------------------------------------------------------------------
// The reply plan, then its renderings

struct ToolCallPlan {
  std::string id;
  std::string name;
  json input;
  std::string arguments;  // input.dump()
};

struct ChoicePlan {
  std::vector<std::string> words;   // text replies
  std::vector<ToolCallPlan> calls;  // tool call replies
  std::string finish;               // "stop", "length" or "tool_calls"
  std::string text() const { return join(words, " "); }
  // Stream chunk j's text: the word and, unless it is the last, the space after it.
  std::string word_chunk(std::size_t j) const {
    return j + 1 < words.size() ? words[j] + " " : words[j];
  }
};

struct ReplyPlan {
  std::string id;
  std::string model;
  long long created = 0;
  std::vector<ChoicePlan> choices;
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

json arguments_for(const json& properties) {
  json args = json::object();
  if (!properties.is_object()) return args;
  for (const auto& item : properties.items()) {
    std::string type;
    const json& schema = item.value();
    if (schema.is_object() && schema.contains("type")) {
      const json& t = schema["type"];
      if (t.is_string()) {
        type = t.get<std::string>();
      } else if (t.is_array()) {
        for (const json& alternative : t) {
          if (alternative.is_string() && alternative != "null") {
            type = alternative.get<std::string>();
            break;
          }
        }
      }
    }
    if (type == "string") {
      args[item.key()] = "sim";
    } else if (type == "number" || type == "integer") {
      args[item.key()] = 42;
    } else if (type == "boolean") {
      args[item.key()] = true;
    } else {
      args[item.key()] = nullptr;
    }
  }
  return args;
}

ReplyPlan make_plan(const ChatInput& in, const Exchange& ex) {
  const bool anthropic = ex.provider == Provider::anthropic;
  ReplyPlan plan;
  plan.id = (anthropic ? "msg_sim_" : "chatcmpl-sim-") + std::to_string(ex.number);
  plan.model = ex.provider == Provider::azure ? ex.deployment : in.model;
  plan.created = static_cast<long long>(std::time(nullptr));
  plan.prompt_tokens = in.prompt_words;

  std::vector<const ToolSpec*> selected;
  if (!in.tools.empty() && !in.tool_choice_none && in.last_is_user && !in.tool_result) {
    if (!in.forced_tool.empty()) {
      auto it = std::find_if(in.tools.begin(), in.tools.end(),
                             [&](const ToolSpec& t) { return t.name == in.forced_tool; });
      if (it == in.tools.end()) {
        throw BadRequest{"tool_choice names a tool that is not in tools: " + in.forced_tool,
                         "tool_choice"};
      }
      selected.push_back(&*it);
    } else {
      selected.push_back(&in.tools[0]);
      if (in.tools.size() > 1 && in.parallel_allowed &&
          to_lower(in.last_user_text).find("parallel") != std::string::npos) {
        selected.push_back(&in.tools[1]);
      }
    }
  }

  const int choices = anthropic ? 1 : in.n;
  int call_number = 0;
  for (int i = 0; i < choices; ++i) {
    ChoicePlan choice;
    if (!selected.empty()) {
      for (const ToolSpec* tool : selected) {
        ToolCallPlan call;
        call.id = (anthropic ? "toolu_sim_" : "call_sim_") + std::to_string(call_number++);
        call.name = tool->name;
        call.input = arguments_for(tool->properties);
        call.arguments = call.input.dump();
        plan.completion_tokens += 1 + static_cast<int>(call.input.size());
        choice.calls.push_back(std::move(call));
      }
      choice.finish = "tool_calls";
    } else {
      std::string text;
      if (in.tool_result) {
        text = "Tool result received: " + *in.tool_result;
      } else {
        text = "Hello from the simulator";
        if (choices > 1) text += " (choice " + std::to_string(i) + ")";
        text += ". You said: " + utf8_prefix(in.last_user_text, kUserTextChars);
      }
      choice.words = split_words(text);
      choice.finish = "stop";
      if (in.max_tokens) {
        const auto limit = static_cast<std::size_t>(*in.max_tokens);
        if (!anthropic) {
          // Exactly N words, padded: benchmarks rely on streams of exactly N chunks.
          choice.words.resize(limit, "lorem");
          choice.finish = "length";
        } else if (choice.words.size() >= limit) {
          // Anthropic always sends max_tokens (clients default it), so it is a cap, as for
          // the real models: cut at N words, never padded.
          choice.words.resize(limit);
          choice.finish = "length";
        }
      }
      plan.completion_tokens += static_cast<int>(choice.words.size());
    }
    plan.choices.push_back(std::move(choice));
  }
  return plan;
}

json openai_usage(const ReplyPlan& plan) {
  return json{{"prompt_tokens", plan.prompt_tokens},
              {"completion_tokens", plan.completion_tokens},
              {"total_tokens", plan.prompt_tokens + plan.completion_tokens}};
}

// `unfinished`: the no_terminator fault's non-stream form (finish_reason null).
json openai_completion(const ReplyPlan& plan, bool azure, bool unfinished) {
  json choices = json::array();
  for (std::size_t i = 0; i < plan.choices.size(); ++i) {
    const ChoicePlan& c = plan.choices[i];
    json message = json::object();
    message["role"] = "assistant";
    if (c.calls.empty()) {
      message["content"] = c.text();
    } else {
      message["content"] = nullptr;
      json calls = json::array();
      for (const ToolCallPlan& call : c.calls) {
        calls.push_back(
            json{{"id", call.id},
                 {"type", "function"},
                 {"function", json{{"name", call.name}, {"arguments", call.arguments}}}});
      }
      message["tool_calls"] = calls;
    }
    message["refusal"] = nullptr;
    json choice = json::object();
    choice["index"] = i;
    choice["message"] = message;
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = unfinished ? json(nullptr) : json(c.finish);
    if (azure) choice["content_filter_results"] = c.calls.empty() ? safe_filters() : json::object();
    choices.push_back(choice);
  }
  json out = json::object();
  out["id"] = plan.id;
  out["object"] = "chat.completion";
  out["created"] = plan.created;
  out["model"] = plan.model;
  out["system_fingerprint"] = kSystemFingerprint;
  out["choices"] = choices;
  out["usage"] = openai_usage(plan);
  if (azure) out["prompt_filter_results"] = prompt_filter_results();
  return out;
}

/// One SSE event of a stream: literal text, or a template filled with a JSON string when it is
/// written (so that a long stream starts at once and costs one string escape per word).
struct StreamEvent {
  std::string text;  // the event, or the word when template_index is set
  std::size_t template_index = 0;
  bool templated = false;
};

/// A stream as a list of SSE events; events from `terminal_from` on end the stream (finish
/// chunks, usage, [DONE] / message_delta, message_stop).
struct StreamPlan {
  Provider provider = Provider::openai;
  std::vector<StreamEvent> events;
  std::vector<std::pair<std::string, std::string>> templates;  // text before / after the value
  std::size_t terminal_from = 0;
  std::size_t content_from = 0;  // content deltas are valid from this event on (Anthropic: 3)
  std::optional<std::size_t> content_template;  // choice 0's text delta, when it has text

  void add(std::string text) { events.push_back(StreamEvent{std::move(text), 0, false}); }
  void add_word(std::size_t template_index, std::string word) {
    events.push_back(StreamEvent{std::move(word), template_index, true});
  }
  /// Adds a template: `rendered` with the JSON string "\u0001" where the value goes.
  std::size_t add_template(const std::string& rendered) {
    static const std::string marker = "\"\\u0001\"";
    const std::size_t at = rendered.find(marker);
    templates.emplace_back(rendered.substr(0, at), rendered.substr(at + marker.size()));
    return templates.size() - 1;
  }
  std::size_t size() const { return events.size(); }
  std::string render(std::size_t i) const {
    const StreamEvent& e = events[i];
    return e.templated ? fill(e.template_index, e.text) : e.text;
  }
  /// Template `index` with this value.
  std::string fill(std::size_t index, const std::string& value) const {
    const auto& t = templates[index];
    return t.first + json(value).dump() + t.second;
  }
};

constexpr const char* kTemplateValue = "\x01";

StreamPlan openai_stream(const ReplyPlan& plan, bool azure, bool include_usage) {
  StreamPlan out;
  out.provider = azure ? Provider::azure : Provider::openai;
  auto base = [&]() {
    json chunk = json::object();
    chunk["id"] = plan.id;
    chunk["object"] = "chat.completion.chunk";
    chunk["created"] = plan.created;
    chunk["model"] = plan.model;
    chunk["system_fingerprint"] = kSystemFingerprint;
    if (include_usage) chunk["usage"] = nullptr;
    return chunk;
  };
  auto event = [&](std::size_t index, json delta, json finish, json filters) {
    json choice = json::object();
    choice["index"] = index;
    choice["delta"] = std::move(delta);
    choice["logprobs"] = nullptr;
    choice["finish_reason"] = std::move(finish);
    if (azure) choice["content_filter_results"] = std::move(filters);
    json chunk = base();
    chunk["choices"] = json::array();
    chunk["choices"].push_back(std::move(choice));
    return "data: " + chunk.dump() + "\n\n";
  };

  if (azure) {
    json first = json::object();
    first["choices"] = json::array();
    first["created"] = 0;
    first["id"] = "";
    first["model"] = "";
    first["object"] = "";
    first["prompt_filter_results"] = prompt_filter_results();
    out.add("data: " + first.dump() + "\n\n");
  }
  for (std::size_t i = 0; i < plan.choices.size(); ++i) {
    json delta = json::object();
    delta["role"] = "assistant";
    delta["content"] = plan.choices[i].calls.empty() ? json("") : json(nullptr);
    out.add(event(i, delta, nullptr, json::object()));
  }
  // Each choice's body events, then interleaved: step s of choice 0, of choice 1, ...
  std::vector<std::vector<StreamEvent>> bodies(plan.choices.size());
  for (std::size_t i = 0; i < plan.choices.size(); ++i) {
    const ChoicePlan& c = plan.choices[i];
    if (!c.words.empty()) {
      const std::size_t content =
          out.add_template(event(i, json{{"content", kTemplateValue}}, nullptr, safe_filters()));
      if (i == 0) out.content_template = content;
      for (std::size_t j = 0; j < c.words.size(); ++j) {
        bodies[i].push_back(StreamEvent{c.word_chunk(j), content, true});
      }
    }
    for (std::size_t k = 0; k < c.calls.size(); ++k) {
      const ToolCallPlan& call = c.calls[k];
      json first = json::object();
      first["index"] = k;
      first["id"] = call.id;
      first["type"] = "function";
      first["function"] = json{{"name", call.name}, {"arguments", ""}};
      bodies[i].push_back(StreamEvent{
          event(i, json{{"tool_calls", json::array({first})}}, nullptr, json::object()), 0, false});
      for (const std::string& piece : split_pieces(call.arguments, 3)) {
        json fragment = json::object();
        fragment["index"] = k;
        fragment["function"] = json{{"arguments", piece}};
        bodies[i].push_back(StreamEvent{
            event(i, json{{"tool_calls", json::array({fragment})}}, nullptr, json::object()), 0,
            false});
      }
    }
  }
  std::size_t steps = 0;
  for (const auto& b : bodies) steps = std::max(steps, b.size());
  for (std::size_t s = 0; s < steps; ++s) {
    for (const auto& b : bodies) {
      if (s < b.size()) out.events.push_back(b[s]);
    }
  }
  out.terminal_from = out.events.size();
  for (std::size_t i = 0; i < plan.choices.size(); ++i) {
    out.add(event(i, json::object(), plan.choices[i].finish, json::object()));
  }
  if (include_usage) {
    json chunk = base();
    chunk["choices"] = json::array();
    chunk["usage"] = openai_usage(plan);
    out.add("data: " + chunk.dump() + "\n\n");
  }
  out.add("data: [DONE]\n\n");
  return out;
}

const char* anthropic_stop_reason(const std::string& finish) {
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls") return "tool_use";
  return "end_turn";
}

json anthropic_message(const ReplyPlan& plan, bool unfinished) {
  const ChoicePlan& c = plan.choices.front();
  json content = json::array();
  if (c.calls.empty()) {
    content.push_back(json{{"type", "text"}, {"text", c.text()}});
  } else {
    for (const ToolCallPlan& call : c.calls) {
      content.push_back(
          json{{"type", "tool_use"}, {"id", call.id}, {"name", call.name}, {"input", call.input}});
    }
  }
  json out = json::object();
  out["id"] = plan.id;
  out["type"] = "message";
  out["role"] = "assistant";
  out["model"] = plan.model;
  out["content"] = content;
  out["stop_reason"] = unfinished ? json(nullptr) : json(anthropic_stop_reason(c.finish));
  out["stop_sequence"] = nullptr;
  out["usage"] =
      json{{"input_tokens", plan.prompt_tokens}, {"output_tokens", plan.completion_tokens}};
  return out;
}

std::string anthropic_event(const std::string& type, const json& data) {
  return "event: " + type + "\ndata: " + data.dump() + "\n\n";
}

StreamPlan anthropic_stream(const ReplyPlan& plan) {
  StreamPlan out;
  out.provider = Provider::anthropic;
  const ChoicePlan& c = plan.choices.front();
  json message = json::object();
  message["id"] = plan.id;
  message["type"] = "message";
  message["role"] = "assistant";
  message["model"] = plan.model;
  message["content"] = json::array();
  message["stop_reason"] = nullptr;
  message["stop_sequence"] = nullptr;
  message["usage"] = json{{"input_tokens", plan.prompt_tokens}, {"output_tokens", 1}};
  out.add(anthropic_event("message_start", json{{"type", "message_start"}, {"message", message}}));
  bool pinged = false;
  auto block_start = [&](std::size_t index, const json& block) {
    out.add(anthropic_event(
        "content_block_start",
        json{{"type", "content_block_start"}, {"index", index}, {"content_block", block}}));
    if (!pinged) {
      out.add("event: ping\ndata: {\"type\": \"ping\"}\n\n");
      pinged = true;
    }
  };
  auto block_delta = [&](std::size_t index, const json& delta) {
    out.add(
        anthropic_event("content_block_delta",
                        json{{"type", "content_block_delta"}, {"index", index}, {"delta", delta}}));
  };
  auto block_stop = [&](std::size_t index) {
    out.add(anthropic_event("content_block_stop",
                            json{{"type", "content_block_stop"}, {"index", index}}));
  };
  if (c.calls.empty()) {
    block_start(0, json{{"type", "text"}, {"text", ""}});
    const std::size_t text = out.add_template(
        anthropic_event("content_block_delta",
                        json{{"type", "content_block_delta"},
                             {"index", 0},
                             {"delta", json{{"type", "text_delta"}, {"text", kTemplateValue}}}}));
    out.content_from = out.events.size();
    out.content_template = text;
    for (std::size_t j = 0; j < c.words.size(); ++j) out.add_word(text, c.word_chunk(j));
    block_stop(0);
  } else {
    for (std::size_t k = 0; k < c.calls.size(); ++k) {
      const ToolCallPlan& call = c.calls[k];
      block_start(k, json{{"type", "tool_use"},
                          {"id", call.id},
                          {"name", call.name},
                          {"input", json::object()}});
      block_delta(k, json{{"type", "input_json_delta"}, {"partial_json", ""}});
      for (const std::string& piece : split_pieces(call.arguments, 3)) {
        block_delta(k, json{{"type", "input_json_delta"}, {"partial_json", piece}});
      }
      block_stop(k);
    }
  }
  out.terminal_from = out.events.size();
  out.add(anthropic_event("message_delta",
                          json{{"type", "message_delta"},
                               {"delta", json{{"stop_reason", anthropic_stop_reason(c.finish)},
                                              {"stop_sequence", nullptr}}},
                               {"usage", json{{"output_tokens", plan.completion_tokens}}}}));
  out.add(anthropic_event("message_stop", json{{"type", "message_stop"}}));
  return out;
}

// ---------------------------------------------------------------------------------------------
// flood, long_line, endless: bodies generated as they are written

bool is_run_fault(FaultKind kind) {
  return kind == FaultKind::flood || kind == FaultKind::long_line || kind == FaultKind::endless;
}

/// A non-stream body around a generated run: head, the run (pattern repeated), tail.
struct RunBody {
  std::string head;
  std::string tail;
  std::string pattern;  // JSON-safe: written into a string as it is
};

/// `pattern` repeated to at least `size` bytes, a whole number of times (so that consecutive
/// copies continue the pattern).
std::string repeated(const std::string& pattern, std::size_t size) {
  std::string out;
  out.reserve(size + pattern.size());
  while (out.size() < size) out += pattern;
  return out;
}

/// The first `size` bytes of kRunPattern repeated.
std::string run_text(std::size_t size) {
  return repeated(kRunPattern, size).substr(0, size);
}

/// A chat reply (OpenAI, Azure or Anthropic) whose only content is a run: choice 0, as text.
RunBody chat_run_body(ReplyPlan plan, Provider provider) {
  plan.choices.resize(1);
  ChoicePlan& choice = plan.choices.front();
  choice.calls.clear();
  choice.words = {kTemplateValue};
  choice.finish = "stop";
  const std::string rendered = (provider == Provider::anthropic
                                    ? anthropic_message(plan, false)
                                    : openai_completion(plan, provider == Provider::azure, false))
                                   .dump();
  static const std::string marker = "\"\\u0001\"";
  const std::size_t at = rendered.find(marker);
  return RunBody{rendered.substr(0, at + 1), rendered.substr(at + marker.size() - 1), kRunPattern};
}

/// Writes text unless it is empty (httplib's chunked sink takes an empty write for the end).
bool write_text(httplib::DataSink& sink, const std::string& text) {
  return text.empty() || sink.write(text.data(), text.size());
}

// ---------------------------------------------------------------------------------------------
// Connections: our own socket stream, so a handler can reset the connection it runs on

/// The connection the current worker thread serves.
struct Connection {
  int sock = -1;
  bool aborted = false;
  bool close_after = false;       // close once the current response was written
  std::size_t bytes_written = 0;  // every byte sent on it
  std::uint64_t request = 0;      // the number of the request being answered (0: none)
};

thread_local Connection* tl_connection = nullptr;

// Makes the connection close (gracefully) once the current response was written.
void close_current_connection_after_response() {
  if (tl_connection != nullptr) tl_connection->close_after = true;
}

// Ends the connection abortively: a FIN now, an RST when the worker closes the socket.
void reset_current_connection() {
  Connection* connection = tl_connection;
  if (connection == nullptr || connection->aborted) return;
  connection->aborted = true;
  linger option{};
  option.l_onoff = 1;
  option.l_linger = 0;
  ::setsockopt(connection->sock, SOL_SOCKET, SO_LINGER, &option, sizeof option);
  ::shutdown(connection->sock, SHUT_RDWR);
}

void socket_address(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  auto* raw = reinterpret_cast<sockaddr*>(&address);
  const int rc = peer ? ::getpeername(sock, raw, &length) : ::getsockname(sock, raw, &length);
  if (rc != 0) return;
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (address.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address);
    ::inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
    port = ntohs(v4->sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
    port = ntohs(v6->sin6_port);
  }
  ip = text.data();
}

/// httplib::Stream over a socket: buffered reads, and every wait also ends when the wake pipe
/// becomes readable (stop()) or the connection was reset.
class SocketStream final : public httplib::Stream {
 public:
  SocketStream(Connection& connection, int wake_fd, milliseconds read_timeout,
               milliseconds write_timeout)
      : connection_(connection),
        wake_fd_(wake_fd),
        read_timeout_(read_timeout),
        write_timeout_(write_timeout) {}

  bool is_readable() const override { return wait_readable(read_timeout_); }

  bool is_writable() const override {
    if (!wait(POLLOUT, write_timeout_)) return false;
    // A peer that closed its end (a cancelled stream) reads as end of file.
    pollfd fd{};
    fd.fd = connection_.sock;
    fd.events = POLLIN;
    if (::poll(&fd, 1, 0) > 0 && (fd.revents & POLLIN) != 0) {
      char c = 0;
      if (::recv(connection_.sock, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0) return false;
    }
    return true;
  }

  ssize_t read(char* ptr, size_t size) override {
    if (position_ == length_) {
      if (!wait(POLLIN, read_timeout_)) return -1;
      ssize_t n = 0;
      do {
        n = ::recv(connection_.sock, buffer_.data(), buffer_.size(), 0);
      } while (n < 0 && errno == EINTR);
      if (n <= 0) return n < 0 ? -1 : 0;
      position_ = 0;
      length_ = static_cast<std::size_t>(n);
    }
    const std::size_t count = std::min(size, length_ - position_);
    std::memcpy(ptr, buffer_.data() + position_, count);
    position_ += count;
    return static_cast<ssize_t>(count);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!wait(POLLOUT, write_timeout_)) return -1;
    ssize_t n = 0;
    do {
      n = ::send(connection_.sock, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return -1;
    connection_.bytes_written += static_cast<std::size_t>(n);
    return n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    socket_address(connection_.sock, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    socket_address(connection_.sock, false, ip, port);
  }
  socket_t socket() const override { return connection_.sock; }

  /// True when a byte (or the end of the stream) can be read within the timeout.
  bool wait_readable(milliseconds timeout) const {
    return position_ < length_ || wait(POLLIN, timeout);
  }

 private:
  bool wait(short events, milliseconds timeout) const {
    const auto deadline = Clock::now() + timeout;
    std::array<pollfd, 2> fds{};
    fds[0].fd = connection_.sock;
    fds[0].events = events;
    fds[1].fd = wake_fd_;
    fds[1].events = POLLIN;
    for (;;) {
      if (connection_.aborted) return false;
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      const int wait_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, INT_MAX));
      const int rc = ::poll(fds.data(), fds.size(), wait_ms);
      if (rc < 0 && errno == EINTR) continue;
      if (rc <= 0 || fds[1].revents != 0) return false;
      const short got = fds[0].revents;
      if ((events & POLLOUT) != 0) {
        return (got & POLLOUT) != 0 && (got & (POLLERR | POLLHUP | POLLNVAL)) == 0;
      }
      return got != 0 && (got & POLLNVAL) == 0;
    }
  }

  Connection& connection_;
  int wake_fd_;
  milliseconds read_timeout_;
  milliseconds write_timeout_;
  std::array<char, 16384> buffer_{};
  std::size_t position_ = 0;
  std::size_t length_ = 0;
};

milliseconds to_ms(time_t sec, time_t usec) {
  return milliseconds(static_cast<long long>(sec) * 1000 + static_cast<long long>(usec) / 1000);
}

/// httplib::Server with our connection loop (httplib 0.11.4 gives a handler no access to its
/// socket; process_and_close_socket is virtual, process_request protected).
class SimServer final : public httplib::Server {
 public:
  /// Called when a request's response ended: (request number, bytes written for it).
  using ResponseEnd = std::function<void(std::uint64_t, std::size_t)>;

  SimServer(int wake_fd, ResponseEnd on_response_end)
      : wake_fd_(wake_fd), on_response_end_(std::move(on_response_end)) {}

  /// cpp-httplib (compiled into Debian's libcpp-httplib) listens with a backlog of 5: a burst of
  /// concurrent connects overflows it and the kernel drops SYNs, which clients retry only after
  /// one second. Listening again on the bound socket raises the backlog (Linux, BSD).
  void raise_listen_backlog() { ::listen(svr_sock_, SOMAXCONN); }

 private:
  bool process_and_close_socket(socket_t sock) override {
    int one = 1;
    ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Connection connection;
    connection.sock = sock;
    tl_connection = &connection;
    SocketStream stream(connection, wake_fd_, to_ms(read_timeout_sec_, read_timeout_usec_),
                        to_ms(write_timeout_sec_, write_timeout_usec_));
    // No compression: a compressed SSE stream would be buffered by the compressor.
    const std::function<void(httplib::Request&)> setup = [](httplib::Request& req) {
      req.headers.erase("Accept-Encoding");
    };
    const milliseconds keep_alive(static_cast<long long>(keep_alive_timeout_sec_) * 1000);
    bool ok = false;
    std::size_t remaining = keep_alive_max_count_;
    while (svr_sock_ != INVALID_SOCKET && remaining > 0 && !connection.aborted &&
           stream.wait_readable(keep_alive)) {
      bool connection_closed = false;
      const std::size_t before = connection.bytes_written;
      connection.request = 0;
      ok = process_request(stream, remaining == 1, connection_closed, setup);
      if (connection.request != 0 && on_response_end_) {
        on_response_end_(connection.request, connection.bytes_written - before);
      }
      if (!ok || connection_closed || connection.close_after) break;
      --remaining;
    }
    tl_connection = nullptr;
    if (!connection.aborted) ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return ok;
  }

  int wake_fd_;
  ResponseEnd on_response_end_;
};

struct RateWindow {
  Clock::time_point start;
  int count = 0;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public helpers

const char* fault_kind_name(FaultKind kind) noexcept {
  switch (kind) {
    case FaultKind::none:
      return "none";
    case FaultKind::status:
      return "status";
    case FaultKind::insufficient_quota:
      return "insufficient_quota";
    case FaultKind::reset_before_headers:
      return "reset_before_headers";
    case FaultKind::reset_mid_stream:
      return "reset_mid_stream";
    case FaultKind::stall:
      return "stall";
    case FaultKind::no_terminator:
      return "no_terminator";
    case FaultKind::malformed_chunk:
      return "malformed_chunk";
    case FaultKind::inband_error:
      return "inband_error";
    case FaultKind::flood:
      return "flood";
    case FaultKind::long_line:
      return "long_line";
    case FaultKind::endless:
      return "endless";
    case FaultKind::hold_open:
      return "hold_open";
  }
  return "none";
}

std::optional<FaultKind> parse_fault_kind(std::string_view name) noexcept {
  for (FaultKind kind :
       {FaultKind::none, FaultKind::status, FaultKind::insufficient_quota,
        FaultKind::reset_before_headers, FaultKind::reset_mid_stream, FaultKind::stall,
        FaultKind::no_terminator, FaultKind::malformed_chunk, FaultKind::inband_error,
        FaultKind::flood, FaultKind::long_line, FaultKind::endless, FaultKind::hold_open}) {
    if (name == fault_kind_name(kind)) return kind;
  }
  return std::nullopt;
}

std::optional<Fault> parse_fault_header(std::string_view value) {
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t semicolon = value.find(';');
    parts.push_back(trim(value.substr(0, semicolon)));
    if (semicolon == std::string_view::npos) break;
    value.remove_prefix(semicolon + 1);
  }
  const auto kind = parse_fault_kind(parts.front());
  if (!kind) return std::nullopt;
  Fault fault;
  fault.kind = *kind;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const std::size_t equals = parts[i].find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view name = trim(parts[i].substr(0, equals));
    const std::string_view text = trim(parts[i].substr(equals + 1));
    if (name == "retry_after") {
      const auto seconds = parse_number(text);
      if (!seconds || *seconds < 0) return std::nullopt;
      fault.retry_after_s = *seconds;
      continue;
    }
    const auto number = parse_integer(text);
    if (!number || *number < 0) return std::nullopt;
    if (name == "bytes") {
      fault.flood_bytes = static_cast<std::size_t>(*number);
      continue;
    }
    if (*number > INT_MAX) return std::nullopt;
    if (name == "status") {
      if (*number < 100 || *number > 999) return std::nullopt;
      fault.status = static_cast<int>(*number);
    } else if (name == "after") {
      fault.after_chunks = static_cast<int>(*number);
    } else if (name == "stall_ms") {
      fault.stall = milliseconds(*number);
    } else if (name == "interval_ms") {
      fault.interval = milliseconds(*number);
    } else {
      return std::nullopt;
    }
  }
  return fault;
}

std::string redact_key(std::string_view key) {
  if (key.size() < 12) return "***";
  const std::size_t prefix = key.size() >= 20 ? 3 : 0;
  return std::string(key.substr(0, prefix)) + "..." + std::string(key.substr(key.size() - 4));
}

// ---------------------------------------------------------------------------------------------
// The simulator

struct ProviderSimulator::Impl {
  explicit Impl(SimulatorOptions configured) : options(std::move(configured)) {}

  SimulatorOptions options;

  // Lifecycle (start / stop), under lifecycle_mutex.
  std::mutex lifecycle_mutex;
  std::unique_ptr<SimServer> server;
  std::thread thread;
  std::array<int, 2> wake_pipe{{-1, -1}};
  std::atomic<int> port{0};
  std::atomic<bool> stopping{false};

  // Shared state, under mutex; `wakeup` signals stall releases and stop.
  mutable std::mutex mutex;
  std::condition_variable wakeup;
  bool stalls_released = false;
  std::deque<Fault> faults;
  std::deque<RecordedRequest> recorded;
  std::deque<std::uint64_t> recorded_numbers;  // the request number of each recorded request
  std::size_t total_requests = 0;
  std::map<std::string, RateWindow> windows;

  std::atomic<int> stalls{0};
  std::atomic<std::uint64_t> next_number{1};

  void handle(const httplib::Request& req, httplib::Response& res);
  void respond(const httplib::Request& req, httplib::Response& res, Exchange& ex,
               RecordedRequest& rec);
  void chat(const json& body, httplib::Response& res, Exchange& ex,
            const std::optional<Fault>& fault);
  void embeddings(const json& body, httplib::Response& res, Exchange& ex,
                  const std::optional<Fault>& fault);
  void reply(httplib::Response& res, Exchange& ex, std::string body,
             const std::optional<Fault>& fault);
  void run_reply(httplib::Response& res, RunBody body, const Fault& fault);
  bool write_stream(const StreamPlan& plan, const std::optional<Fault>& fault,
                    httplib::DataSink& sink);
  bool write_run(httplib::DataSink& sink, const std::string& pattern, std::size_t bytes);
  std::optional<Fault> take_fault(const Exchange& ex);
  bool stall(milliseconds limit);
  /// hold_open: waits with the body open; false when the client left or on stop().
  bool hold_open(const Fault& fault, httplib::DataSink& sink);
  bool pause(milliseconds duration);
  void record(RecordedRequest rec, std::uint64_t number);
  void response_ended(std::uint64_t number, std::size_t bytes);

  bool known_key(const std::string& key) const {
    const auto& quota = options.quota_exhausted_keys;
    return std::find(options.keys.begin(), options.keys.end(), key) != options.keys.end() ||
           std::find(quota.begin(), quota.end(), key) != quota.end();
  }
};

namespace {

// Classifies a request by its path and headers, and extracts its key.
Exchange classify(const httplib::Request& req, std::uint64_t number) {
  Exchange ex;
  ex.number = number;
  ex.request_id = "req_sim_" + std::to_string(number);
  ex.method = req.method;
  const std::string& target = req.target.empty() ? req.path : req.target;
  const std::size_t question = target.find('?');
  ex.raw_path = target.substr(0, question);
  ex.has_api_version = req.has_param("api-version");
  if (ex.has_api_version) ex.api_version = req.get_param_value("api-version");

  const bool post = req.method == "POST";
  const std::string deployments = "/openai/deployments/";
  if (ex.raw_path.rfind("/openai/", 0) == 0) {
    ex.provider = Provider::azure;
    if (post && ex.raw_path.rfind(deployments, 0) == 0) {
      const std::string rest = ex.raw_path.substr(deployments.size());
      const std::size_t slash = rest.find('/');
      if (slash != std::string::npos && slash > 0) {
        const std::string operation = rest.substr(slash + 1);
        ex.deployment = percent_decode(rest.substr(0, slash));
        if (operation == "chat/completions") ex.route = Route::chat;
        if (operation == "embeddings") ex.route = Route::embeddings;
      }
    }
  } else if (ex.raw_path == "/v1/messages") {
    ex.provider = Provider::anthropic;
    if (post) ex.route = Route::messages;
  } else if (!req.has_header("Authorization") &&
             (req.has_header("x-api-key") || req.has_header("anthropic-version"))) {
    ex.provider = Provider::anthropic;  // e.g. embeddings asked of Anthropic: 404
  } else if (!req.has_header("Authorization") && req.has_header("api-key")) {
    ex.provider = Provider::azure;  // an Azure client on a path Azure does not have: 404
  } else if (post && ex.raw_path == "/v1/chat/completions") {
    ex.route = Route::chat;
  } else if (post && ex.raw_path == "/v1/embeddings") {
    ex.route = Route::embeddings;
  }

  std::string bearer;
  const std::string authorization = req.get_header_value("Authorization");
  if (to_lower(authorization.substr(0, 7)) == "bearer ") {
    bearer = std::string(trim(std::string_view(authorization).substr(7)));
  }
  switch (ex.provider) {
    case Provider::openai:
      ex.key = bearer;
      break;
    case Provider::azure:
      ex.key = req.has_header("api-key") ? req.get_header_value("api-key") : bearer;
      break;
    case Provider::anthropic:
      ex.key = req.get_header_value("x-api-key");
      break;
  }
  return ex;
}

bool is_pseudo_header(const std::string& lower_name) {
  return lower_name == "remote_addr" || lower_name == "remote_port" || lower_name == "local_addr" ||
         lower_name == "local_port";
}

}  // namespace

void ProviderSimulator::Impl::handle(const httplib::Request& req, httplib::Response& res) {
  Exchange ex = classify(req, next_number.fetch_add(1));
  RecordedRequest rec;
  rec.at = Clock::now();
  rec.method = req.method;
  rec.path = ex.raw_path;
  const std::size_t question = req.target.find('?');
  rec.query = question == std::string::npos ? "" : req.target.substr(question + 1);
  rec.provider = provider_name(ex.provider);
  rec.key = ex.key;
  rec.body = req.body;
  rec.client_port = req.remote_port;
  for (const auto& header : req.headers) {
    const std::string name = to_lower(header.first);
    if (is_pseudo_header(name)) continue;
    auto it = rec.headers.find(name);
    if (it == rec.headers.end()) {
      rec.headers.emplace(name, header.second);
    } else {
      it->second += ", " + header.second;
    }
  }

  switch (ex.provider) {
    case Provider::openai:
      res.set_header("x-request-id", ex.request_id);
      break;
    case Provider::azure:
      res.set_header("apim-request-id", ex.request_id);
      res.set_header("x-request-id", ex.request_id);
      break;
    case Provider::anthropic:
      res.set_header("request-id", ex.request_id);
      break;
  }

  try {
    respond(req, res, ex, rec);
  } catch (const BadRequest& bad) {
    set_json(res, 400, bad_request_body(ex, bad.message, bad.param));
  } catch (const json::exception& e) {
    // A member of an unexpected JSON type somewhere in the body.
    set_json(res, 400, bad_request_body(ex, std::string("Invalid request body: ") + e.what(), ""));
  } catch (const std::exception&) {
    set_json(res, 500,
             ex.provider == Provider::anthropic
                 ? anthropic_error("api_error", "Internal server error", ex.request_id)
                 : openai_error("The server had an error while processing your request.",
                                "server_error", nullptr));
  }
  rec.status = ex.reset_before_headers ? 0 : res.status;
  record(std::move(rec), ex.number);
  if (tl_connection != nullptr) tl_connection->request = ex.number;

  if (ex.stall_before_reply && !stall(*ex.stall_before_reply)) {
    reset_current_connection();  // stopped while stalled: no response
  }
  if (ex.reset_before_headers) reset_current_connection();
}

std::optional<Fault> ProviderSimulator::Impl::take_fault(const Exchange& ex) {
  std::lock_guard<std::mutex> lock(mutex);
  for (auto it = faults.begin(); it != faults.end(); ++it) {
    if ((it->key.empty() || it->key == ex.key) &&
        (it->path_contains.empty() || ex.raw_path.find(it->path_contains) != std::string::npos)) {
      Fault fault = *it;
      faults.erase(it);
      return fault;
    }
  }
  return std::nullopt;
}

void ProviderSimulator::Impl::respond(const httplib::Request& req, httplib::Response& res,
                                      Exchange& ex, RecordedRequest& rec) {
  // Routing: Azure answers an unknown path or a missing api-version with its gateway 404.
  if (ex.provider == Provider::azure && (ex.route == Route::unknown || !ex.has_api_version)) {
    set_json(res, 404, azure_gateway_error(404, "Resource not found"));
    return;
  }
  if (ex.route == Route::unknown) {
    if (ex.provider == Provider::anthropic) {
      set_json(res, 404, anthropic_error("not_found_error", "Not Found", ex.request_id));
    } else {
      set_json(res, 404,
               openai_error("Invalid URL (" + ex.method + " " + ex.raw_path + ")",
                            "invalid_request_error", nullptr));
    }
    return;
  }

  // Authentication. Keys are never echoed: messages carry redact_key() at most.
  if (!options.keys.empty() && !known_key(ex.key)) {
    const bool missing = ex.key.empty();
    switch (ex.provider) {
      case Provider::anthropic:
        set_json(res, 401,
                 anthropic_error("authentication_error",
                                 missing ? "x-api-key header is required" : "invalid x-api-key",
                                 ex.request_id));
        break;
      case Provider::azure:
        set_json(res, 401, status_body(ex, 401));
        break;
      case Provider::openai:
        if (missing) {
          set_json(res, 401,
                   openai_error("You didn't provide an API key. You need to provide your API key "
                                "in an Authorization header using Bearer auth (i.e. "
                                "Authorization: Bearer YOUR_KEY).",
                                "invalid_request_error", nullptr));
        } else {
          set_json(res, 401,
                   openai_error("Incorrect API key provided: " + redact_key(ex.key) +
                                    ". You can find your API key at "
                                    "https://platform.openai.com/account/api-keys.",
                                "invalid_request_error", "invalid_api_key"));
        }
        break;
    }
    return;
  }
  if (ex.provider == Provider::anthropic && !req.has_header("anthropic-version")) {
    set_json(res, 400,
             anthropic_error("invalid_request_error", "anthropic-version: header is required",
                             ex.request_id));
    return;
  }

  // Faults: the request's own header first, else the first matching queued fault.
  std::optional<Fault> fault;
  if (req.has_header("x-sim-fault")) {
    fault = parse_fault_header(req.get_header_value("x-sim-fault"));
    if (!fault) {
      set_json(res, 400,
               bad_request_body(ex,
                                "Invalid x-sim-fault header: expected <kind>[;status=N][;after=N]"
                                "[;retry_after=S][;stall_ms=N][;interval_ms=N][;bytes=N]",
                                ""));
      return;
    }
  } else {
    fault = take_fault(ex);
  }
  if (fault && fault->kind == FaultKind::none) fault.reset();
  if (fault) {
    rec.fault = fault_kind_name(fault->kind);
    switch (fault->kind) {
      case FaultKind::status:
        set_json(res, fault->status,
                 status_body(ex, fault->status, fault->retry_after_s.value_or(1)));
        if (fault->retry_after_s) set_retry_headers(res, *fault->retry_after_s);
        return;
      case FaultKind::insufficient_quota:
        set_quota_error(res, ex);
        if (fault->retry_after_s) set_retry_headers(res, *fault->retry_after_s);
        return;
      case FaultKind::reset_before_headers:
        ex.reset_before_headers = true;
        set_json(res, 500, json::object());  // never sent
        return;
      default:
        break;
    }
  }

  // Exhausted quota, then the per-key rate limit.
  const auto& quota = options.quota_exhausted_keys;
  if (std::find(quota.begin(), quota.end(), ex.key) != quota.end()) {
    set_quota_error(res, ex);
    return;
  }
  if (options.rate_limit_per_key > 0) {
    const int limit = options.rate_limit_per_key;
    long long wait_ms = 0;
    int remaining = 0;
    {
      std::lock_guard<std::mutex> lock(mutex);
      const auto now = Clock::now();
      RateWindow& window = windows[ex.key];
      if (window.count == 0 || now - window.start >= options.rate_limit_window) {
        window.start = now;
        window.count = 0;
      }
      if (window.count >= limit) {
        const auto left = window.start + options.rate_limit_window - now;
        wait_ms = std::max<long long>(1, std::chrono::ceil<milliseconds>(left).count());
      } else {
        ++window.count;
        remaining = limit - window.count;
      }
    }
    res.set_header("x-ratelimit-limit-requests", std::to_string(limit));
    res.set_header("x-ratelimit-remaining-requests", std::to_string(remaining));
    if (ex.provider == Provider::anthropic) {
      res.set_header("anthropic-ratelimit-requests-limit", std::to_string(limit));
      res.set_header("anthropic-ratelimit-requests-remaining", std::to_string(remaining));
    }
    if (wait_ms > 0) {
      res.set_header("x-ratelimit-reset-requests", std::to_string(wait_ms) + "ms");
      res.set_header("retry-after", std::to_string((wait_ms + 999) / 1000));
      res.set_header("retry-after-ms", std::to_string(wait_ms));
      set_json(res, 429, rate_limit_body(ex, static_cast<double>(wait_ms) / 1000));
      return;
    }
  }

  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    throw BadRequest{ex.provider == Provider::anthropic
                         ? "There was an error parsing the body of your request."
                         : "We could not parse the JSON body of your request. (HINT: This "
                           "likely means you aren't using your HTTP library correctly. The "
                           "OpenAI API expects a JSON payload, but what was sent was not valid "
                           "JSON.)",
                     ""};
  }
  if (ex.route == Route::embeddings) {
    embeddings(body, res, ex, fault);
  } else {
    chat(body, res, ex, fault);
  }
}

void ProviderSimulator::Impl::chat(const json& body, httplib::Response& res, Exchange& ex,
                                   const std::optional<Fault>& fault) {
  const bool anthropic = ex.provider == Provider::anthropic;
  const bool azure = ex.provider == Provider::azure;
  ChatInput in = anthropic ? parse_anthropic_chat(body) : parse_openai_chat(body, azure);
  const FaultKind kind = fault ? fault->kind : FaultKind::none;
  if (is_run_fault(kind)) in.tools.clear();  // their content goes into a text reply
  const ReplyPlan plan = make_plan(in, ex);

  if (!in.stream) {
    if (is_run_fault(kind)) {
      run_reply(res, chat_run_body(plan, ex.provider), *fault);
      return;
    }
    const bool unfinished = kind == FaultKind::no_terminator;
    const json out = anthropic ? anthropic_message(plan, unfinished)
                               : openai_completion(plan, azure, unfinished);
    reply(res, ex, out.dump(), fault);
    return;
  }

  std::optional<Fault> stream_fault = fault;
  if (kind == FaultKind::stall && fault->after_chunks <= 0) {
    ex.stall_before_reply = fault->stall;  // before the headers
    stream_fault.reset();
  }
  auto stream = std::make_shared<StreamPlan>(
      anthropic ? anthropic_stream(plan) : openai_stream(plan, azure, in.include_usage));
  res.status = 200;
  res.set_header("cache-control", "no-cache");
  if (kind == FaultKind::long_line) {
    res.set_header("Connection", "close");
    close_current_connection_after_response();
  }
  res.set_chunked_content_provider(
      "text/event-stream; charset=utf-8",
      [this, stream, stream_fault](size_t /*offset*/, httplib::DataSink& sink) {
        return write_stream(*stream, stream_fault, sink);
      });
}

void ProviderSimulator::Impl::embeddings(const json& body, httplib::Response& res, Exchange& ex,
                                         const std::optional<Fault>& fault) {
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
  reply(res, ex, out.dump(), fault);
}

// A non-streaming 200 reply, with a stream fault's nearest non-stream behaviour.
void ProviderSimulator::Impl::reply(httplib::Response& res, Exchange& ex, std::string body,
                                    const std::optional<Fault>& fault) {
  res.status = 200;
  switch (fault ? fault->kind : FaultKind::none) {
    case FaultKind::stall:
      ex.stall_before_reply = fault->stall;
      break;
    case FaultKind::reset_mid_stream: {
      // The headers (with the full Content-Length), half the body, then a reset.
      auto shared = std::make_shared<std::string>(std::move(body));
      res.set_content_provider(shared->size(), "application/json",
                               [shared](size_t offset, size_t /*length*/, httplib::DataSink& sink) {
                                 const std::size_t half = shared->size() / 2;
                                 if (offset < half)
                                   sink.write(shared->data() + offset, half - offset);
                                 reset_current_connection();
                                 return false;
                               });
      return;
    }
    case FaultKind::malformed_chunk:
      body = "{\"id\": \"broken";
      break;
    case FaultKind::inband_error:
      body = inband_error_body(ex.provider).dump();
      break;
    case FaultKind::flood:
    case FaultKind::long_line:
    case FaultKind::endless:
      // Not a chat reply (embeddings): the run is JSON white space before the body.
      run_reply(res, RunBody{"", std::move(body), " "}, *fault);
      return;
    default:
      break;
  }
  res.set_content(body, "application/json");
}

// A 200 whose chunked body is generated as it is written: flood and long_line write head, run
// of flood_bytes, tail; endless writes head then the run forever, one byte per interval.
void ProviderSimulator::Impl::run_reply(httplib::Response& res, RunBody body, const Fault& fault) {
  res.status = 200;
  auto shared = std::make_shared<const RunBody>(std::move(body));
  if (fault.kind != FaultKind::endless) {
    const std::size_t bytes = fault.flood_bytes;
    res.set_chunked_content_provider(
        "application/json", [this, shared, bytes](size_t /*offset*/, httplib::DataSink& sink) {
          if (!write_text(sink, shared->head) || !write_run(sink, shared->pattern, bytes) ||
              !write_text(sink, shared->tail)) {
            return false;
          }
          sink.done();
          return true;
        });
    return;
  }
  const milliseconds interval = fault.interval;
  res.set_chunked_content_provider(
      "application/json", [this, shared, interval](size_t /*offset*/, httplib::DataSink& sink) {
        const std::string& head = shared->head;
        const std::string& pattern = shared->pattern;
        for (std::size_t i = 0;; ++i) {
          if (i > 0 && !pause(interval)) return false;
          if (!sink.is_writable()) return false;  // also false once the client closed its end
          const char byte = i < head.size() ? head[i] : pattern[(i - head.size()) % pattern.size()];
          if (!sink.write(&byte, 1)) return false;
        }
      });
}

// Writes `bytes` bytes of `pattern` repeated, in pieces; false when a write fails or on stop().
bool ProviderSimulator::Impl::write_run(httplib::DataSink& sink, const std::string& pattern,
                                        std::size_t bytes) {
  const std::string piece = repeated(pattern, kRunPieceBytes);
  while (bytes > 0) {
    if (stopping) return false;
    const std::size_t n = std::min(bytes, piece.size());
    if (!sink.write(piece.data(), n)) return false;
    bytes -= n;
  }
  return true;
}

bool ProviderSimulator::Impl::write_stream(const StreamPlan& plan,
                                           const std::optional<Fault>& fault,
                                           httplib::DataSink& sink) {
  const std::size_t count = plan.size();
  const FaultKind kind = fault ? fault->kind : FaultKind::none;
  const std::size_t after = fault ? static_cast<std::size_t>(std::max(0, fault->after_chunks)) : 0;
  std::size_t fault_at = count + 1;  // never
  switch (kind) {
    case FaultKind::reset_mid_stream:
    case FaultKind::stall:
      fault_at = std::min(after, count);
      break;
    case FaultKind::no_terminator:
    case FaultKind::malformed_chunk:
    case FaultKind::inband_error:
    case FaultKind::long_line:
      fault_at = std::min(after, plan.terminal_from);
      break;
    case FaultKind::flood:
    case FaultKind::endless:
      // Content deltas where they are valid (Anthropic: inside the text block).
      if (plan.content_template) {
        fault_at = std::min(std::max(after, plan.content_from), plan.terminal_from);
      }
      break;
    default:
      break;
  }
  auto send = [&sink](const std::string& text) { return sink.write(text.data(), text.size()); };
  for (std::size_t i = 0; i <= count; ++i) {
    if (i == fault_at) {
      switch (kind) {
        case FaultKind::reset_mid_stream:
          reset_current_connection();
          return false;
        case FaultKind::stall:
          if (!stall(fault->stall)) return false;
          break;
        case FaultKind::no_terminator:
          sink.done();
          return true;
        case FaultKind::malformed_chunk:
          if (!send(plan.provider == Provider::anthropic
                        ? std::string("event: content_block_delta\n") + kMalformedData
                        : std::string(kMalformedData))) {
            return false;
          }
          sink.done();
          return true;
        case FaultKind::inband_error:
          if (!send(plan.provider == Provider::anthropic
                        ? anthropic_event("error", inband_error_body(Provider::anthropic))
                        : "data: " + inband_error_body(plan.provider).dump() + "\n\n")) {
            return false;
          }
          sink.done();
          return true;
        case FaultKind::flood: {
          // One event, written again and again: nothing grows with flood_bytes.
          const std::string event = plan.fill(*plan.content_template, run_text(kFloodChunkChars));
          for (std::size_t sent = 0; sent < fault->flood_bytes; sent += event.size()) {
            if (stopping || !send(event)) return false;
          }
          break;  // then the rest of the stream
        }
        case FaultKind::long_line:
          if (!send("data: ") || !write_run(sink, "x", fault->flood_bytes)) return false;
          sink.done();  // the connection closes after this response
          return true;
        case FaultKind::endless: {
          const std::string event = plan.fill(*plan.content_template, kEndlessChunkText);
          for (;;) {
            if (!pause(fault->interval)) return false;
            if (!sink.is_writable() || !send(event)) return false;
          }
        }
        default:
          break;
      }
    }
    if (i == count) break;
    if (i > 0 && options.chunk_delay.count() > 0 && !pause(options.chunk_delay)) return false;
    if (stopping) return false;
    if (!send(plan.render(i))) return false;
  }
  if (kind == FaultKind::hold_open && !hold_open(*fault, sink)) return false;
  sink.done();
  return true;
}

bool ProviderSimulator::Impl::hold_open(const Fault& fault, httplib::DataSink& sink) {
  ++stalls;
  const auto deadline = Clock::now() + fault.stall;
  bool open = true;
  while (open) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    const auto wait =
        std::min(std::max(fault.interval, milliseconds(1)),
                 std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1));
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (wakeup.wait_for(lock, wait, [this] { return stalls_released || stopping.load(); })) {
        break;
      }
    }
    open = sink.is_writable();  // false once the client closed its end
  }
  --stalls;
  return open && !stopping;
}

bool ProviderSimulator::Impl::stall(milliseconds limit) {
  ++stalls;
  {
    std::unique_lock<std::mutex> lock(mutex);
    wakeup.wait_for(lock, limit, [this] { return stalls_released || stopping.load(); });
  }
  --stalls;
  return !stopping;
}

bool ProviderSimulator::Impl::pause(milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex);
  wakeup.wait_for(lock, duration, [this] { return stopping.load(); });
  return !stopping;
}

void ProviderSimulator::Impl::record(RecordedRequest rec, std::uint64_t number) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    ++total_requests;
    recorded.push_back(rec);
    recorded_numbers.push_back(number);
    if (options.max_recorded > 0 && recorded.size() > options.max_recorded) {
      recorded.pop_front();
      recorded_numbers.pop_front();
    }
  }
  if (options.on_request) options.on_request(rec);
}

void ProviderSimulator::Impl::response_ended(std::uint64_t number, std::size_t bytes) {
  std::lock_guard<std::mutex> lock(mutex);
  for (std::size_t i = recorded_numbers.size(); i-- > 0;) {
    if (recorded_numbers[i] == number) {
      recorded[i].bytes_sent = bytes;
      return;
    }
  }
}

// ---------------------------------------------------------------------------------------------

ProviderSimulator::ProviderSimulator(SimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

ProviderSimulator::~ProviderSimulator() {
  stop();
}

void ProviderSimulator::start() {
  std::lock_guard<std::mutex> lifecycle(impl_->lifecycle_mutex);
  if (impl_->server) return;
  Impl& impl = *impl_;
  impl.stopping = false;
  if (::pipe2(impl.wake_pipe.data(), O_CLOEXEC | O_NONBLOCK) != 0) {
    throw std::runtime_error("litellm-mock-provider: cannot create a pipe");
  }
  auto server = std::make_unique<SimServer>(
      impl.wake_pipe[0],
      [&impl](std::uint64_t number, std::size_t bytes) { impl.response_ended(number, bytes); });
  server->set_keep_alive_max_count(std::size_t{1} << 30U);
  server->set_keep_alive_timeout(30);
  server->set_read_timeout(30, 0);
  server->set_write_timeout(30, 0);
  server->set_tcp_nodelay(true);
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a second simulator on the
  // same explicit port would bind too, and share the connections silently.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  const std::size_t threads = static_cast<std::size_t>(std::max(1, impl.options.threads));
  server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  const httplib::Server::Handler handler =
      [&impl](const httplib::Request& req, httplib::Response& res) { impl.handle(req, res); };
  server->Get(".*", handler);
  server->Post(".*", handler);
  server->Put(".*", handler);
  server->Patch(".*", handler);
  server->Delete(".*", handler);

  int bound = -1;
  if (impl.options.port == 0) {
    bound = server->bind_to_any_port(impl.options.host);
  } else if (server->bind_to_port(impl.options.host, impl.options.port)) {
    bound = impl.options.port;
  }
  if (bound <= 0) {
    for (int& fd : impl.wake_pipe) {
      ::close(fd);
      fd = -1;
    }
    throw std::runtime_error("litellm-mock-provider: cannot bind " + impl.options.host + ":" +
                             std::to_string(impl.options.port));
  }
  impl.port = bound;
  server->raise_listen_backlog();
  SimServer* raw = server.get();
  impl.server = std::move(server);
  impl.thread = std::thread([raw] { raw->listen_after_bind(); });
  // The socket already listens; wait until the accept loop runs, so stop() can end it.
  while (!raw->is_running()) std::this_thread::sleep_for(std::chrono::microseconds(100));
}

void ProviderSimulator::stop() {
  std::lock_guard<std::mutex> lifecycle(impl_->lifecycle_mutex);
  Impl& impl = *impl_;
  if (!impl.server) return;
  {
    std::lock_guard<std::mutex> lock(impl.mutex);
    impl.stopping = true;
  }
  impl.wakeup.notify_all();
  const char byte = 1;
  if (::write(impl.wake_pipe[1], &byte, 1) < 0) {
    // The pipe is new and empty: a failure here cannot happen; stop() goes on regardless.
  }
  impl.server->stop();
  if (impl.thread.joinable()) impl.thread.join();
  impl.server.reset();
  for (int& fd : impl.wake_pipe) {
    ::close(fd);
    fd = -1;
  }
}

int ProviderSimulator::port() const {
  return impl_->port;
}

std::string ProviderSimulator::base_url() const {
  const std::string& host = impl_->options.host;
  const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + shown + ":" + std::to_string(port());
}

std::string ProviderSimulator::openai_base() const {
  return base_url() + "/v1";
}

void ProviderSimulator::push_fault(Fault fault) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.push_back(std::move(fault));
}

void ProviderSimulator::clear_faults() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->faults.clear();
}

std::size_t ProviderSimulator::pending_faults() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->faults.size();
}

void ProviderSimulator::release_stalls() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stalls_released = true;
  }
  impl_->wakeup.notify_all();
}

void ProviderSimulator::reset_stalls() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->stalls_released = false;
}

int ProviderSimulator::active_stalls() const {
  return impl_->stalls;
}

std::vector<RecordedRequest> ProviderSimulator::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return {impl_->recorded.begin(), impl_->recorded.end()};
}

std::size_t ProviderSimulator::request_count() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->total_requests;
}

void ProviderSimulator::clear_requests() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->recorded.clear();
  impl_->recorded_numbers.clear();
  impl_->total_requests = 0;
}

}  // namespace litellm::sim
