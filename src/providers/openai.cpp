#include "litellm/providers/openai.hpp"

#include "detail/fast_json.hpp"

namespace litellm {
namespace {

constexpr std::string_view kJson = "application/json";

HttpRequest json_post(std::string url, std::string body, bool stream) {
  HttpRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  request.stream = stream;
  request.headers.add("Content-Type", std::string(kJson));
  request.headers.add("Accept", stream ? "text/event-stream" : std::string(kJson));
  return request;
}

/// The JSON text of `params` with `extra` members added (replacing same-named ones) and the
/// members named in `drop` left out, written without copying `params`. One serializer writes
/// straight into the result (nlohmann's own dump() machinery, without a string per member);
/// invalid UTF-8 in a caller's string is replaced rather than thrown on.
std::string body_text(const json& params, std::initializer_list<std::pair<const char*, json>> extra,
                      std::initializer_list<const char*> drop) {
  std::string out;
  out.reserve(256);
  nlohmann::detail::serializer<json> serializer(nlohmann::detail::output_adapter<char>(out), ' ',
                                                json::error_handler_t::replace);
  out += '{';
  bool first = true;
  auto member = [&](const std::string& key, const json& value) {
    if (!first) out += ',';
    first = false;
    serializer.dump(json(key), false, false, 0);
    out += ':';
    serializer.dump(value, false, false, 0);
  };
  for (const auto& [key, value] : params.items()) {
    bool skip = false;
    for (const auto& entry : extra) skip = skip || key == entry.first;
    for (const char* name : drop) skip = skip || key == name;
    if (!skip) member(key, value);
  }
  for (const auto& [name, value] : extra) {
    if (!value.is_discarded()) member(name, value);
  }
  out += '}';
  return out;
}

}  // namespace

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  return out;
}

// ---- OpenAI ------------------------------------------------------------------------------------

std::string OpenAIAdapter::endpoint_url(const ApiInfo& api_info, const std::string&,
                                        std::string_view endpoint) const {
  return effective_api_base(api_info) + "/" + std::string(endpoint);
}

void OpenAIAdapter::add_auth(const ApiInfo& api_info, Headers& headers) const {
  if (!api_info.api_key.empty()) headers.add("Authorization", "Bearer " + api_info.api_key);
}

HttpRequest OpenAIAdapter::chat_request(const ApiInfo& api_info, const std::string& model,
                                        const json& params, bool stream) const {
  if (!params.is_object()) throw ConfigError("chat parameters must be a JSON object");
  const json no_member(json::value_t::discarded);
  const json usage_option =
      stream && api_info.backend_used == "openai" && !params.contains("stream_options")
          ? json{{"include_usage", true}}
          : no_member;
  std::string body = stream
                         ? body_text(params,
                                     {{"model", model_in_body() ? json(model) : no_member},
                                      {"stream", json(true)},
                                      {"stream_options", usage_option}},
                                     {})
                         : body_text(params, {{"model", model_in_body() ? json(model) : no_member}},
                                     {"stream", "stream_options"});
  HttpRequest request =
      json_post(endpoint_url(api_info, model, "chat/completions"), std::move(body), stream);
  add_auth(api_info, request.headers);
  return request;
}

json OpenAIAdapter::chat_response(json body) const {
  const auto choices = body.is_object() ? body.find("choices") : body.end();
  if (!body.is_object() || choices == body.end() || !choices->is_array()) {
    throw ProtocolError("the chat completion response has no choices list");
  }
  return body;
}

std::unique_ptr<StreamTranslator> OpenAIAdapter::stream_translator() const {
  return std::make_unique<OpenAIStreamTranslator>(std::string(provider_name()));
}

HttpRequest OpenAIAdapter::embedding_request(const ApiInfo& api_info, const std::string& model,
                                             const json& params) const {
  if (!params.is_object()) throw ConfigError("embedding parameters must be a JSON object");
  const json no_member(json::value_t::discarded);
  std::string body = body_text(params, {{"model", model_in_body() ? json(model) : no_member}}, {});
  HttpRequest request =
      json_post(endpoint_url(api_info, model, "embeddings"), std::move(body), false);
  add_auth(api_info, request.headers);
  return request;
}

Error OpenAIAdapter::error_from_response(const HttpResponse& response) const {
  return error_from_http(response, provider_name());
}

// ---- Azure -------------------------------------------------------------------------------------

std::string AzureAdapter::endpoint_url(const ApiInfo& api_info, const std::string& model,
                                       std::string_view endpoint) const {
  std::string base = effective_api_base(api_info);
  constexpr std::string_view kSuffix = "/openai";
  if (base.size() >= kSuffix.size() &&
      base.compare(base.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    base.resize(base.size() - kSuffix.size());
  }
  if (model.empty()) throw ConfigError("azure needs a deployment name as the model");
  if (!api_info.api_version || api_info.api_version->empty()) {
    throw ConfigError("ApiInfo.api_version is required for azure");
  }
  return base + "/openai/deployments/" + url_encode(model) + "/" + std::string(endpoint) +
         "?api-version=" + url_encode(*api_info.api_version);
}

void AzureAdapter::add_auth(const ApiInfo& api_info, Headers& headers) const {
  headers.add("api-key", api_info.api_key);
}

// ---- Streams -----------------------------------------------------------------------------------

void OpenAIStreamTranslator::on_event(const SseEvent& event, std::vector<json>& out) {
  if (event.data == "[DONE]") {
    finished_ = true;
    return;
  }
  json chunk;
  if (!detail::parse_json(event.data, chunk)) {
    const std::string head = event.data.substr(0, 80);
    throw ProtocolError("a stream event is not JSON: '" + head +
                        (event.data.size() > 80 ? "...'" : "'"));
  }
  if (chunk.is_object()) {
    if (const auto it = chunk.find("error"); it != chunk.end() && !it->is_null()) {
      rethrow_as_kind(error_from_stream_event(*it, provider_));
    }
  }
  if (event.event == "error") rethrow_as_kind(error_from_stream_event(chunk, provider_));
  if (!chunk.is_object()) throw ProtocolError("a stream event is not a JSON object");
  out.push_back(std::move(chunk));
}

}  // namespace litellm
