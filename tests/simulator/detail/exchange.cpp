// What the simulator knows about a request (see exchange.hpp).
#include "exchange.hpp"

#include <string_view>

#include "bedrock_wire.hpp"
#include "text.hpp"

namespace litellm::sim::detail {

const char* provider_name(Provider p) {
  switch (p) {
    case Provider::openai:
      return "openai";
    case Provider::azure:
      return "azure";
    case Provider::anthropic:
      return "anthropic";
    case Provider::gemini:
      return "gemini";
    case Provider::bedrock:
      return "bedrock";
  }
  return "openai";
}

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
  } else if (ex.raw_path.rfind("/v1beta/models/", 0) == 0 ||
             ex.raw_path.rfind("/v1/models/", 0) == 0) {
    // Gemini: /v1beta/models/{model}:{method}.
    ex.provider = Provider::gemini;
    const std::string rest = ex.raw_path.substr(ex.raw_path.find("/models/") + 8);
    const std::size_t colon = rest.find(':');
    if (post && colon != std::string::npos && colon > 0) {
      const std::string method = rest.substr(colon + 1);
      ex.model = percent_decode(rest.substr(0, colon));
      if (method == "generateContent") ex.route = Route::chat;
      if (method == "streamGenerateContent") {
        ex.route = Route::chat;
        ex.gemini_stream = true;
      }
      if (method == "batchEmbedContents") ex.route = Route::embeddings;
    }
  } else if (const std::optional<BedrockRoute> bedrock = bedrock_route(ex.raw_path)) {
    ex.provider = Provider::bedrock;
    ex.bedrock_model = bedrock->model;
    ex.bedrock_action = bedrock->action;
    if (post) ex.route = bedrock->action == "invoke" ? Route::embeddings : Route::chat;
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
    case Provider::gemini:
      ex.key = req.has_header("x-goog-api-key") ? req.get_header_value("x-goog-api-key")
                                                : req.get_param_value("key");
      break;
    case Provider::bedrock:
      // A Bedrock API key (Bearer), else the access key id of a SigV4 signature (the simulator
      // replaces it by the configured key once the signature checks out).
      ex.bearer = !bearer.empty();
      ex.key = ex.bearer ? bearer : bedrock_access_key_id(authorization);
      break;
  }
  return ex;
}

}  // namespace litellm::sim::detail
