#pragma once

// Bedrock's Converse API <-> OpenAI's chat format: requests (signed), whole responses,
// embeddings through InvokeModel, errors (stream events: bedrock_stream-inl.hpp). The mapping is
// documented in include/litellm/providers/bedrock.hpp.
#include "litellm/providers/bedrock.hpp"

#include <atomic>
#include <chrono>
#include <ctime>
#include <utility>

#include "litellm/detail/aws_credentials.hpp"
#include "litellm/detail/sigv4.hpp"
#include "litellm/detail/translation.hpp"

namespace litellm {
namespace detail {

/// "chatcmpl-bedrock-<n>": Converse sends no id; n counts the completions of the process.
LITELLM_INLINE std::string bedrock_completion_id() {
  static std::atomic<unsigned long long> counter{0};
  return "chatcmpl-bedrock-" + std::to_string(++counter);
}

// ---- Request translation ---------------------------------------------------------------------

/// The Converse image block of a `data:image/<format>;base64,<bytes>` URL.
LITELLM_INLINE json bedrock_image_block(std::string_view url) {
  constexpr std::string_view kPrefix = "data:image/";
  const std::size_t comma = url.find(',');
  const std::size_t semicolon = url.find(';');
  if (url.substr(0, kPrefix.size()) != kPrefix || comma == std::string_view::npos ||
      semicolon == std::string_view::npos || semicolon > comma ||
      url.substr(semicolon, comma - semicolon) != ";base64") {
    throw ConfigError(
        "bedrock: an image_url must be a data:image/<png|jpeg|gif|webp>;base64, URL (Converse "
        "takes image bytes, not links)");
  }
  std::string format(url.substr(kPrefix.size(), semicolon - kPrefix.size()));
  if (format == "jpg") format = "jpeg";
  if (format != "png" && format != "jpeg" && format != "gif" && format != "webp") {
    throw ConfigError("bedrock: image format '" + format +
                      "' is not one Converse takes (png, jpeg, gif, webp)");
  }
  return json{
      {"image", {{"format", format}, {"source", {{"bytes", std::string(url.substr(comma + 1))}}}}}};
}

/// The Converse content blocks of an OpenAI message's `content` (a string or parts).
LITELLM_INLINE json bedrock_content_blocks(const json& content) {
  json blocks = json::array();
  if (content.is_null()) return blocks;
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) blocks.push_back(json{{"text", content}});
    return blocks;
  }
  if (!content.is_array()) throw ConfigError("a message's content must be a string or a list");
  for (const json& part : content) {
    const std::string type = string_member(part, "type");
    if (type == "text") {
      const json* text = member(part, "text");
      if (text == nullptr || !text->is_string()) {
        throw ConfigError("a text content part needs a string 'text'");
      }
      blocks.push_back(json{{"text", *text}});
    } else if (type == "image_url") {
      const json* image = member(part, "image_url");
      const std::string url = image == nullptr     ? std::string()
                              : image->is_string() ? image->get<std::string>()
                                                   : string_member(*image, "url");
      blocks.push_back(bedrock_image_block(url));
    } else {
      throw ConfigError("bedrock: content parts of type '" + type +
                        "' are not supported (text and base64 images are)");
    }
  }
  return blocks;
}

/// The Converse toolUse block of one OpenAI assistant tool call.
LITELLM_INLINE json bedrock_tool_use_block(const json& call) {
  const std::string id = string_member(call, "id");
  const json* function = member(call, "function");
  const std::string name = function != nullptr ? string_member(*function, "name") : "";
  const std::string label = "tool call '" + id + "' (" + name + ")";
  if (id.empty() || name.empty()) {
    throw ConfigError(label + ": an assistant tool call needs an id and function.name");
  }
  json input = tool_call_arguments(function, label);
  return json{{"toolUse", {{"toolUseId", id}, {"name", name}, {"input", std::move(input)}}}};
}

/// The toolResult content of an OpenAI tool message's content.
LITELLM_INLINE json bedrock_tool_result_content(const json& content) {
  json out = json::array();
  if (content.is_string()) {
    out.push_back(json{{"text", content}});
  } else if (content.is_array()) {
    for (const json& part : content) {
      if (string_member(part, "type") == "text") {
        out.push_back(json{{"text", string_member(part, "text")}});
      }
    }
  } else if (!content.is_null()) {
    out.push_back(json{{"json", content}});
  }
  if (out.empty()) out.push_back(json{{"text", ""}});
  return out;
}

/// Appends `blocks` as a message of `role`, merged into the last message when it has that role.
LITELLM_INLINE void bedrock_append(json& messages, const char* role, json blocks) {
  if (blocks.empty()) return;
  if (!messages.empty() && messages.back()["role"] == role) {
    json& content = messages.back()["content"];
    for (json& block : blocks) content.push_back(std::move(block));
    return;
  }
  messages.push_back(json{{"role", role}, {"content", std::move(blocks)}});
}

/// Translates `messages` into the body's `messages` and `system`; true when a message used tools.
LITELLM_INLINE bool bedrock_translate_messages(const json& params, json& body) {
  const json* messages = member(params, "messages");
  if (messages == nullptr || !messages->is_array()) {
    throw ConfigError("a chat completion needs a 'messages' list");
  }
  json out = json::array();
  json system = json::array();
  bool used_tools = false;
  for (const json& message : *messages) {
    if (!message.is_object()) throw ConfigError("every message must be a JSON object");
    const std::string role = string_member(message, "role");
    const json content = message.value("content", json());
    if (role == "system" || role == "developer") {
      for (json& block : bedrock_content_blocks(content)) system.push_back(std::move(block));
    } else if (role == "user") {
      bedrock_append(out, "user", bedrock_content_blocks(content));
    } else if (role == "assistant") {
      json blocks = bedrock_content_blocks(content);
      if (const json* calls = member(message, "tool_calls")) {
        if (!calls->is_array())
          throw ConfigError("an assistant message's tool_calls must be a list");
        for (const json& call : *calls) blocks.push_back(bedrock_tool_use_block(call));
        used_tools = used_tools || !calls->empty();
      }
      bedrock_append(out, "assistant", std::move(blocks));
    } else if (role == "tool") {
      const std::string id = string_member(message, "tool_call_id");
      if (id.empty()) throw ConfigError("a tool message needs a tool_call_id");
      bedrock_append(
          out, "user",
          json::array(
              {json{{"toolResult",
                     {{"toolUseId", id}, {"content", bedrock_tool_result_content(content)}}}}}));
      used_tools = true;
    } else {
      throw ConfigError("bedrock: messages of role '" + role + "' are not supported");
    }
  }
  body["messages"] = std::move(out);
  if (!system.empty()) body["system"] = std::move(system);
  return used_tools;
}

/// `toolConfig` of OpenAI `tools` and `tool_choice` (null when none is to be sent).
LITELLM_INLINE json bedrock_tool_config(const json& params, bool history_uses_tools) {
  const json* tools = member(params, "tools");
  if (tools == nullptr) return nullptr;
  if (!tools->is_array()) throw ConfigError("'tools' must be a list");
  if (tools->empty()) return nullptr;
  const json* choice = member(params, "tool_choice");
  const bool none = choice != nullptr && choice->is_string() && *choice == "none";
  if (none && !history_uses_tools) return nullptr;
  json specs = json::array();
  for (const json& tool : *tools) {
    const json* function = member(tool, "function");
    if (string_member(tool, "type") != "function" || function == nullptr) {
      throw ConfigError("bedrock: only tools of type 'function' are supported");
    }
    json spec{{"name", string_member(*function, "name")}};
    if (const json* description = member(*function, "description")) {
      spec["description"] = *description;
    }
    const json* parameters = member(*function, "parameters");
    spec["inputSchema"] = {
        {"json", parameters != nullptr ? *parameters
                                       : json{{"type", "object"}, {"properties", json::object()}}}};
    specs.push_back(json{{"toolSpec", std::move(spec)}});
  }
  json config{{"tools", std::move(specs)}};
  if (choice != nullptr && !none) {
    if (choice->is_string()) {
      if (*choice == "auto") {
        config["toolChoice"] = {{"auto", json::object()}};
      } else if (*choice == "required") {
        config["toolChoice"] = {{"any", json::object()}};
      } else {
        throw ConfigError("tool_choice '" + choice->get<std::string>() + "' is not known");
      }
    } else {
      const json* function = member(*choice, "function");
      const std::string name = function != nullptr ? string_member(*function, "name") : "";
      if (name.empty()) throw ConfigError("tool_choice needs function.name");
      config["toolChoice"] = {{"tool", {{"name", name}}}};
    }
  }
  return config;
}

/// The Converse body of OpenAI chat parameters.
LITELLM_INLINE json bedrock_converse_body(const json& params) {
  if (const json* n = member(params, "n"); n != nullptr && n->is_number() && *n != 1) {
    throw ConfigError("bedrock returns one choice: n must be 1");
  }
  json body = json::object();
  const bool history_uses_tools = bedrock_translate_messages(params, body);

  json inference = json::object();
  if (const json* native = member(params, "inferenceConfig"); native && native->is_object()) {
    inference = *native;
  }
  if (const json* max_tokens = member(params, "max_tokens")) {
    inference["maxTokens"] = *max_tokens;
  } else if (const json* max_completion = member(params, "max_completion_tokens")) {
    inference["maxTokens"] = *max_completion;
  }
  if (const json* temperature = member(params, "temperature")) {
    inference["temperature"] = *temperature;
  }
  if (const json* top_p = member(params, "top_p")) inference["topP"] = *top_p;
  if (const json* stop = member(params, "stop")) {
    inference["stopSequences"] = stop->is_string() ? json::array({*stop}) : *stop;
  }
  if (!inference.empty()) body["inferenceConfig"] = std::move(inference);

  json tool_config = bedrock_tool_config(params, history_uses_tools);
  if (!tool_config.is_null()) {
    body["toolConfig"] = std::move(tool_config);
  } else if (const json* native = member(params, "toolConfig")) {
    body["toolConfig"] = *native;
  }

  json additional = json::object();
  if (const json* native = member(params, "additionalModelRequestFields");
      native && native->is_object()) {
    additional = *native;
  }
  for (const char* name : {"thinking", "top_k"}) {
    if (const json* value = member(params, name)) additional[name] = *value;
  }
  if (!additional.empty()) body["additionalModelRequestFields"] = std::move(additional);
  for (const char* name : {"additionalModelResponseFieldPaths", "guardrailConfig",
                           "performanceConfig", "promptVariables", "requestMetadata"}) {
    if (const json* value = member(params, name)) body[name] = *value;
  }
  return body;
}

/// The parts of a URL a signer needs: "https://host:port/path?query".
struct BedrockUrlParts {
  std::string host;   ///< host[:port], the default port left out (as curl sends Host).
  std::string path;   ///< As in the URL ("/" when empty).
  std::string query;  ///< Without '?'.
};

LITELLM_INLINE BedrockUrlParts bedrock_url_parts(std::string_view url) {
  BedrockUrlParts out;
  const std::size_t scheme_end = url.find("://");
  const std::string_view scheme =
      scheme_end == std::string_view::npos ? std::string_view() : url.substr(0, scheme_end);
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  const std::size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if ((scheme == "https" && port == "443") || (scheme == "http" && port == "80")) {
      authority = authority.substr(0, colon);
    }
  }
  out.host = std::string(authority);
  std::string_view target = path_start == std::string_view::npos ? "" : rest.substr(path_start);
  const std::size_t question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (out.path.empty()) out.path = "/";
  if (question != std::string_view::npos) out.query = std::string(target.substr(question + 1));
  return out;
}

/// Adds the credentials to `request`: a Bedrock API key as Bearer, else a SigV4 signature of
/// service bedrock at the current time.
LITELLM_INLINE void bedrock_authorize(HttpRequest& request, const ApiInfo& api_info) {
  const AwsAuth auth = parse_aws_key(api_info.api_key);
  if (auth.is_bearer()) {
    request.headers.set("authorization", "Bearer " + auth.bearer_token);
    return;
  }
  const std::string amz_date = sigv4_amz_date(std::time(nullptr));
  request.headers.set("x-amz-date", amz_date);
  if (!auth.session_token.empty()) request.headers.set("x-amz-security-token", auth.session_token);
  const BedrockUrlParts url = bedrock_url_parts(request.url);
  SigV4Request signing;
  signing.method = request.method;
  signing.path = url.path;
  signing.query = url.query;
  signing.headers.emplace_back("host", url.host);
  for (const char* name : {"content-type", "x-amz-date", "x-amz-security-token"}) {
    if (const std::string* value = request.headers.find(name)) {
      signing.headers.emplace_back(name, *value);
    }
  }
  signing.payload_hash = sha256_hex(request.body);
  request.headers.set("authorization",
                      sigv4_sign(signing, auth.access_key_id, auth.secret_access_key,
                                 *api_info.api_version, "bedrock", amz_date));
}

/// `{base}/model/{modelId}/{action}`, the model id percent-encoded.
LITELLM_INLINE std::string bedrock_model_url(const ApiInfo& api_info, const std::string& model,
                                             std::string_view action) {
  if (model.empty()) throw ConfigError("bedrock needs a model id");
  return effective_api_base(api_info) + "/model/" + sigv4_encode(model, /*keep_slash=*/false) +
         "/" + std::string(action);
}

/// The exception name of an `x-amzn-ErrorType` value ("ValidationException:http://...").
LITELLM_INLINE std::string bedrock_error_name(std::string_view header) {
  return std::string(header.substr(0, header.find(':')));
}

}  // namespace detail

LITELLM_INLINE json bedrock_finish_reason(const json& stop_reason) {
  if (!stop_reason.is_string()) return nullptr;
  const auto& reason = stop_reason.get_ref<const std::string&>();
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") return "length";
  if (reason == "tool_use") return "tool_calls";
  if (reason == "guardrail_intervened" || reason == "content_filtered") return "content_filter";
  return "stop";
}

LITELLM_INLINE json bedrock_usage(const json& usage) {
  const long long input = detail::count_member(usage, "inputTokens");
  const long long output = detail::count_member(usage, "outputTokens");
  const long long cache_read = detail::count_member(usage, "cacheReadInputTokens");
  const long long cache_write = detail::count_member(usage, "cacheWriteInputTokens");
  const long long prompt = input + cache_read + cache_write;
  const long long total = detail::member(usage, "totalTokens")
                              ? detail::count_member(usage, "totalTokens")
                              : prompt + output;
  return json{{"prompt_tokens", prompt},
              {"completion_tokens", output},
              {"total_tokens", total},
              {"prompt_tokens_details", {{"cached_tokens", cache_read}}}};
}

LITELLM_INLINE ErrorKind bedrock_error_kind(std::string_view name, int status) {
  std::string key(name);
  if (!key.empty() && key[0] >= 'a' && key[0] <= 'z') key[0] = static_cast<char>(key[0] - 32);
  if (key == "ThrottlingException" || key == "ServiceQuotaExceededException") {
    return ErrorKind::rate_limit;
  }
  for (const char* auth : {"UnrecognizedClientException", "InvalidSignatureException",
                           "AccessDeniedException", "ExpiredTokenException",
                           "IncompleteSignatureException", "MissingAuthenticationTokenException"}) {
    if (key == auth) return ErrorKind::auth;
  }
  if (key == "ValidationException") return ErrorKind::bad_request;
  if (key == "ResourceNotFoundException") return ErrorKind::not_found;
  if (key == "ModelTimeoutException") return ErrorKind::timeout;
  for (const char* server :
       {"InternalServerException", "ServiceUnavailableException", "ModelNotReadyException",
        "ModelStreamErrorException", "ModelErrorException"}) {
    if (key == server) return ErrorKind::server;
  }
  if (status >= 400 && status < 500) {
    if (status == 401 || status == 403) return ErrorKind::auth;
    if (status == 404) return ErrorKind::not_found;
    if (status == 408) return ErrorKind::timeout;
    if (status == 429) return ErrorKind::rate_limit;
    return ErrorKind::bad_request;
  }
  return ErrorKind::server;
}

LITELLM_INLINE HttpRequest BedrockAdapter::chat_request(const ApiInfo& api_info,
                                                        const std::string& model,
                                                        const json& params, bool stream) const {
  HttpRequest request;
  request.url = detail::bedrock_model_url(api_info, model, stream ? "converse-stream" : "converse");
  request.body =
      detail::bedrock_converse_body(params).dump(-1, ' ', false, json::error_handler_t::replace);
  request.stream = stream;
  request.headers.reserve(6);
  request.headers.add("content-type", "application/json");
  request.headers.add("accept", stream ? "application/vnd.amazon.eventstream" : "application/json");
  detail::bedrock_authorize(request, api_info);
  return request;
}

LITELLM_INLINE json BedrockAdapter::chat_response(json body) const {
  const json* output = detail::member(body, "output");
  const json* message = output != nullptr ? detail::member(*output, "message") : nullptr;
  const json* content = message != nullptr ? detail::member(*message, "content") : nullptr;
  if (content == nullptr || !content->is_array()) {
    // AWS signals errors by status; a 200 in AWS's error shape ({"message": ...}) still says
    // what went wrong: keep it.
    ErrorDetails details;
    details.http_status = 200;
    details.provider_message = detail::string_member(body, "message");
    std::string text = "the response is not a Bedrock Converse answer (no output.message.content)";
    if (!details.provider_message.empty()) text += ": " + details.provider_message;
    throw ProtocolError(text, std::move(details));
  }
  std::string text;
  std::string reasoning;
  bool has_text = false;
  bool has_reasoning = false;
  json tool_calls = json::array();
  for (const json& block : *content) {
    if (const json* piece = detail::member(block, "text"); piece && piece->is_string()) {
      text += piece->get_ref<const std::string&>();
      has_text = true;
    } else if (const json* tool = detail::member(block, "toolUse")) {
      if (detail::string_member(*tool, "type") == "server_tool_use") continue;  // Bedrock ran it
      const json* input = detail::member(*tool, "input");
      tool_calls.push_back(json{{"id", detail::string_member(*tool, "toolUseId")},
                                {"type", "function"},
                                {"function",
                                 {{"name", detail::string_member(*tool, "name")},
                                  {"arguments", input != nullptr ? input->dump() : "{}"}}}});
    } else if (const json* thought = detail::member(block, "reasoningContent")) {
      if (const json* reasoning_text = detail::member(*thought, "reasoningText")) {
        reasoning += detail::string_member(*reasoning_text, "text");
        has_reasoning = true;
      }
    }
  }
  json out_message{{"role", "assistant"}, {"content", has_text ? json(text) : json(nullptr)}};
  if (!tool_calls.empty()) out_message["tool_calls"] = std::move(tool_calls);
  if (has_reasoning) out_message["reasoning_content"] = std::move(reasoning);
  const json* stop_reason = detail::member(body, "stopReason");
  json choice{{"index", 0},
              {"message", std::move(out_message)},
              {"logprobs", nullptr},
              {"finish_reason", bedrock_finish_reason(stop_reason ? *stop_reason : json())}};
  const json* usage = detail::member(body, "usage");
  return json{{"id", detail::bedrock_completion_id()},
              {"object", "chat.completion"},
              {"created", detail::unix_now()},
              {"model", ""},
              {"choices", json::array({std::move(choice)})},
              {"usage", bedrock_usage(usage != nullptr ? *usage : json::object())}};
}

LITELLM_INLINE std::unique_ptr<StreamTranslator> BedrockAdapter::stream_translator(
    std::string_view provider) const {
  return std::make_unique<BedrockStreamTranslator>(std::string(provider));
}

LITELLM_INLINE HttpRequest BedrockAdapter::embedding_request(const ApiInfo& api_info,
                                                             const std::string& model,
                                                             const json& params) const {
  const json* input = detail::member(params, "input");
  if (input == nullptr) throw ConfigError("an embeddings call needs 'input'");
  std::vector<std::string> texts;
  if (input->is_string()) {
    texts.push_back(input->get<std::string>());
  } else if (input->is_array()) {
    for (const json& item : *input) {
      if (!item.is_string()) {
        throw ConfigError("bedrock embeddings take text inputs (strings), not token ids");
      }
      texts.push_back(item.get<std::string>());
    }
  } else {
    throw ConfigError("'input' must be a string or a list of strings");
  }
  if (texts.empty()) throw ConfigError("'input' is an empty list");
  json body;
  if (model.find("cohere.embed") != std::string::npos) {
    body = {{"texts", texts},
            {"input_type", params.value("input_type", std::string("search_document"))}};
    for (const char* name : {"truncate", "embedding_types"}) {
      if (const json* value = detail::member(params, name)) body[name] = *value;
    }
  } else {
    if (texts.size() != 1) {
      throw ConfigError("bedrock: " + model +
                        " embeds one text per call; pass one input (or use a cohere.embed model "
                        "for lists)");
    }
    body = {{"inputText", texts.front()}};
    for (const char* name : {"dimensions", "normalize"}) {
      if (const json* value = detail::member(params, name)) body[name] = *value;
    }
  }
  HttpRequest request;
  request.url = detail::bedrock_model_url(api_info, model, "invoke");
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  request.headers.add("content-type", "application/json");
  request.headers.add("accept", "application/json");
  detail::bedrock_authorize(request, api_info);
  return request;
}

LITELLM_INLINE json BedrockAdapter::embedding_response(json body) const {
  json data = json::array();
  long long tokens = 0;
  if (const json* single = detail::member(body, "embedding")) {
    if (!single->is_array()) throw ProtocolError("Titan's 'embedding' is not a list");
    data.push_back(json{{"object", "embedding"}, {"index", 0}, {"embedding", *single}});
    tokens = detail::count_member(body, "inputTextTokenCount");
  } else if (const json* many = detail::member(body, "embeddings")) {
    const json* list = many;
    if (many->is_object()) list = detail::member(*many, "float");
    if (list == nullptr || !list->is_array()) {
      throw ProtocolError("Cohere's 'embeddings' is neither a list nor {\"float\": [...]}");
    }
    for (std::size_t i = 0; i < list->size(); ++i) {
      data.push_back(json{{"object", "embedding"}, {"index", i}, {"embedding", (*list)[i]}});
    }
  } else {
    throw ProtocolError("the embeddings response has neither 'embedding' nor 'embeddings'");
  }
  return json{{"object", "list"},
              {"data", std::move(data)},
              {"model", ""},
              {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
}

LITELLM_INLINE Error BedrockAdapter::error_from_response(const HttpResponse& response,
                                                         std::string_view provider) const {
  const Error base = error_from_http(response, provider, spec_for(provider).error_shape);
  ErrorDetails details = base.details();
  const std::string* type = response.headers.find("x-amzn-errortype");
  if (type != nullptr && !type->empty()) details.error_type = detail::bedrock_error_name(*type);
  if (details.request_id.empty()) {
    if (const std::string* id = response.headers.find("x-amzn-requestid")) details.request_id = *id;
  }
  if (response.status < 400) return base;  // a redirect: error_from_http says where
  const ErrorKind kind = bedrock_error_kind(details.error_type, response.status);
  if (kind == base.kind()) return Error(kind, base.message(), std::move(details));
  std::string message = kind == ErrorKind::rate_limit ? "the provider is throttling requests"
                        : kind == ErrorKind::auth     ? "the key was rejected"
                                                      : "the provider reported an error";
  return Error(kind, message, std::move(details));
}

}  // namespace litellm
