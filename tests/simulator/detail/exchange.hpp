// What the simulator knows about a request before it reads the body (Exchange, made by classify),
// and the checks of the body's members, which throw BadRequest (answered with a 400).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace litellm::sim::detail {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// The wire protocol a request speaks.
enum class Provider { openai, azure, anthropic, gemini, bedrock };

/// "openai", "azure", "anthropic", "gemini" or "bedrock".
const char* provider_name(Provider p);

/// What a request asks for; unknown: a 404.
enum class Route { unknown, chat, embeddings, messages };

/// What the handler knows about a request before reading its body.
struct Exchange {
  Provider provider = Provider::openai;
  Route route = Route::unknown;
  std::string deployment;      // Azure, percent-decoded
  std::string api_version;     // Azure query parameter
  std::string bedrock_model;   // Bedrock: the model id of /model/{id}/..., percent-decoded
  std::string bedrock_action;  // Bedrock: converse, converse-stream or invoke
  bool bearer = false;         // the key came as Authorization: Bearer
  bool has_api_version = false;
  std::string model;           // Gemini: the model of /v1beta/models/{model}:{method}
  bool gemini_stream = false;  // Gemini: the method is streamGenerateContent
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

/// Classifies a request by its path and headers (provider, route, Azure deployment and
/// api-version), and extracts its key; `number` gives its request id.
Exchange classify(const httplib::Request& req, std::uint64_t number);

/// The member `name` of body: nullopt when it is absent or null, else an integer from 1 to
/// 1000000 (BadRequest otherwise).
std::optional<int> positive_int(const json& body, const char* name);

/// True when object is an object whose member `name` is true.
bool bool_member(const json& object, const char* name);

}  // namespace litellm::sim::detail
