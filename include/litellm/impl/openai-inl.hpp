#pragma once

#include "litellm/providers/openai.hpp"

#include <array>
#include <stdexcept>

#include "litellm/detail/fast_json.hpp"

namespace litellm {
namespace detail {

LITELLM_INLINE HttpRequest json_post(std::string url, std::string body, bool stream) {
  static const std::string kJson = "application/json";
  static const std::string kEventStream = "text/event-stream";
  HttpRequest request;
  request.url = std::move(url);
  request.body = std::move(body);
  request.stream = stream;
  request.headers.reserve(4);  // these two, the credentials, and room for one extra header
  request.headers.add("Content-Type", kJson);
  request.headers.add("Accept", stream ? kEventStream : kJson);
  return request;
}

/// A request body: the caller's parameters with the members the adapter adds (replacing
/// same-named parameters) and without the ones it drops, written straight into one string (no copy
/// of the parameters, no DOM for the added members). Invalid UTF-8 in a caller's string is
/// replaced (U+FFFD) rather than thrown on.
class BodyWriter {
 public:
  /// Adds `name` with the string `value`.
  BodyWriter& add_string(std::string_view name, std::string_view value) {
    return push({name, value, true, false});
  }
  /// Adds `name` with `json_text`, a JSON value written as is ("true", "{...}").
  BodyWriter& add_json(std::string_view name, std::string_view json_text) {
    return push({name, json_text, false, false});
  }
  /// Leaves out the parameter `name`.
  BodyWriter& drop(std::string_view name) { return push({name, {}, false, true}); }

  std::string write(const json& params) const {
    std::string out;
    out.reserve(256);
    out += '{';
    bool first = true;
    auto key = [&](std::string_view name) {
      if (!first) out += ',';
      first = false;
      detail::append_json_string(out, name);
      out += ':';
    };
    for (const auto& [name, value] : params.get_ref<const json::object_t&>()) {
      if (named(name)) continue;
      key(name);
      detail::append_json(out, value);
    }
    for (std::size_t i = 0; i < count_; ++i) {
      const Member& member = members_[i];
      if (member.dropped) continue;
      key(member.name);
      if (member.quote) {
        detail::append_json_string(out, member.text);
      } else {
        out += member.text;
      }
    }
    out += '}';
    return out;
  }

 private:
  struct Member {
    std::string_view name;
    std::string_view text;
    bool quote;
    bool dropped;
  };
  BodyWriter& push(Member member) {
    if (count_ == members_.size()) throw std::logic_error("BodyWriter: too many members");
    members_[count_++] = member;
    return *this;
  }
  bool named(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
      if (members_[i].name == name) return true;
    }
    return false;
  }
  std::array<Member, 4> members_{};
  std::size_t count_ = 0;
};

}  // namespace detail

LITELLM_INLINE std::string url_encode(std::string_view text) {
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

LITELLM_INLINE std::string OpenAIAdapter::endpoint_url(const ApiInfo& api_info, const std::string&,
                                                       std::string_view endpoint) const {
  std::string url = effective_api_base(api_info);
  url.reserve(url.size() + 1 + endpoint.size());
  return url.append(1, '/').append(endpoint);
}

LITELLM_INLINE void OpenAIAdapter::add_auth(const ApiInfo& api_info, Headers& headers) const {
  if (api_info.api_key.empty()) return;
  std::string value;
  value.reserve(7 + api_info.api_key.size());
  headers.add("Authorization", value.append("Bearer ").append(api_info.api_key));
}

LITELLM_INLINE HttpRequest OpenAIAdapter::chat_request(const ApiInfo& api_info,
                                                       const std::string& model, const json& params,
                                                       bool stream) const {
  if (!params.is_object()) throw ConfigError("chat parameters must be a JSON object");
  detail::BodyWriter body;
  if (model_in_body()) {
    body.add_string("model", model);
  } else {
    body.drop("model");  // Azure: the deployment in the URL names it
  }
  if (stream) {
    body.add_json("stream", "true");
    // The usage chunk, unless the caller chose stream_options themselves (theirs are kept).
    if (spec_for(api_info.backend_used).stream_usage && !params.contains("stream_options")) {
      body.add_json("stream_options", R"({"include_usage":true})");
    }
  } else {
    body.drop("stream").drop("stream_options");  // OpenAI rejects stream_options without stream
  }
  HttpRequest request = detail::json_post(endpoint_url(api_info, model, "chat/completions"),
                                          body.write(params), stream);
  add_auth(api_info, request.headers);
  return request;
}

LITELLM_INLINE json OpenAIAdapter::chat_response(json body) const {
  const auto choices = body.is_object() ? body.find("choices") : body.end();
  if (!body.is_object() || choices == body.end() || !choices->is_array()) {
    throw ProtocolError("the chat completion response has no choices list");
  }
  return body;
}

LITELLM_INLINE std::unique_ptr<StreamTranslator> OpenAIAdapter::stream_translator(
    std::string_view provider) const {
  return std::make_unique<OpenAIStreamTranslator>(std::string(provider));
}

LITELLM_INLINE HttpRequest OpenAIAdapter::embedding_request(const ApiInfo& api_info,
                                                            const std::string& model,
                                                            const json& params) const {
  if (!params.is_object()) throw ConfigError("embedding parameters must be a JSON object");
  detail::BodyWriter body;
  if (model_in_body()) {
    body.add_string("model", model);
  } else {
    body.drop("model");
  }
  HttpRequest request =
      detail::json_post(endpoint_url(api_info, model, "embeddings"), body.write(params), false);
  add_auth(api_info, request.headers);
  return request;
}

// ---- Azure -------------------------------------------------------------------------------------

LITELLM_INLINE std::string AzureAdapter::endpoint_url(const ApiInfo& api_info,
                                                      const std::string& model,
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

LITELLM_INLINE void AzureAdapter::add_auth(const ApiInfo& api_info, Headers& headers) const {
  headers.add("api-key", api_info.api_key);
}

// ---- Streams -----------------------------------------------------------------------------------

LITELLM_INLINE bool OpenAIStreamTranslator::is_error_chunk(const json& chunk) {
  if (!chunk.is_object()) return false;
  const auto it = chunk.find("error");
  return it != chunk.end() && !it->is_null();
}

LITELLM_INLINE void OpenAIStreamTranslator::on_event(const SseEvent& event,
                                                     std::vector<json>& out) {
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
  if (is_error_chunk(chunk)) {
    rethrow_as_kind(error_from_stream_event(chunk["error"], provider_, error_shape_));
  }
  if (event.event == "error") {
    rethrow_as_kind(error_from_stream_event(chunk, provider_, error_shape_));
  }
  if (!chunk.is_object()) throw ProtocolError("a stream event is not a JSON object");
  out.push_back(std::move(chunk));
}

}  // namespace litellm
