#pragma once

// Anthropic's Messages API <-> OpenAI's chat format: requests, whole responses and the shared
// mappings (stream events: anthropic_stream-inl.hpp). The mapping is documented in
// include/litellm/providers/anthropic.hpp.
#include "litellm/providers/anthropic.hpp"

#include <chrono>
#include <set>
#include <utility>

#include "litellm/detail/translation.hpp"

namespace litellm {
namespace detail {

inline constexpr std::string_view kDefaultVersion = "2023-06-01";
inline constexpr long long kDefaultMaxTokens = 4096;

/// OpenAI parameters Anthropic rejects, dropped from the body.
LITELLM_INLINE const std::set<std::string, std::less<>>& dropped_parameters() {
  static const std::set<std::string, std::less<>> kDropped{
      "presence_penalty",
      "frequency_penalty",
      "logit_bias",
      "logprobs",
      "top_logprobs",
      "seed",
      "response_format",
      "stream_options",
      "n",
      "parallel_tool_calls",
      "max_completion_tokens",
      "reasoning_effort",
      "store",
      "modalities",
      "audio",
      "prediction",
      "prompt_cache_key",
      "safety_identifier",
      "verbosity",
      "web_search_options",
  };
  return kDropped;
}

// ---- Request translation ---------------------------------------------------------------------

/// A base64 source `{type: base64, media_type, data}` from a `data:<type>;base64,<data>` URL.
LITELLM_INLINE json base64_source(std::string_view url, std::string_view what) {
  const std::size_t comma = url.find(',');
  if (comma == std::string_view::npos) {
    throw ConfigError(std::string(what) + ": a data URL without ','");
  }
  std::string_view meta = url.substr(5, comma - 5);  // after "data:"
  if (!ends_with(meta, ";base64")) {
    throw ConfigError(std::string(what) + ": only base64 data URLs are supported");
  }
  meta = meta.substr(0, meta.find(';'));
  if (meta.empty()) throw ConfigError(std::string(what) + ": a data URL without a media type");
  return json{{"type", "base64"},
              {"media_type", std::string(meta)},
              {"data", std::string(url.substr(comma + 1))}};
}

/// The Anthropic block of one OpenAI content part.
LITELLM_INLINE json translate_part(const json& part) {
  if (!part.is_object()) throw ConfigError("a message content part must be a JSON object");
  const std::string type = string_member(part, "type");
  json block;
  if (type == "text") {
    const json* text = member(part, "text");
    if (text == nullptr || !text->is_string()) {
      throw ConfigError("a text content part needs a string 'text'");
    }
    block = json{{"type", "text"}, {"text", *text}};
  } else if (type == "image_url") {
    const json* image = member(part, "image_url");
    std::string url;
    if (image != nullptr && image->is_string()) {
      url = image->get<std::string>();
    } else if (image != nullptr) {
      url = string_member(*image, "url");
    }
    if (starts_with(url, "data:")) {
      block = json{{"type", "image"}, {"source", base64_source(url, "image_url")}};
    } else if (starts_with(url, "https://") || starts_with(url, "http://")) {
      block = json{{"type", "image"}, {"source", {{"type", "url"}, {"url", url}}}};
    } else {
      throw ConfigError("image_url: the url must be a data: URL or an http(s) URL");
    }
  } else if (type == "file") {
    const json* file = member(part, "file");
    const std::string data = file != nullptr ? string_member(*file, "file_data") : std::string();
    if (!starts_with(data, "data:")) {
      throw ConfigError("file parts need 'file_data' as a data: URL for anthropic");
    }
    block = json{{"type", "document"}, {"source", base64_source(data, "file")}};
  } else if (type == "input_audio") {
    throw ConfigError("anthropic does not accept audio input (input_audio parts)");
  } else {
    return part;  // An Anthropic-native block (image with a source, document, ...).
  }
  if (const json* cache = member(part, "cache_control")) block["cache_control"] = *cache;
  return block;
}

/// The blocks of an OpenAI content value (a string, an array of parts, or null).
LITELLM_INLINE json content_blocks(const json& content) {
  json blocks = json::array();
  if (content.is_string()) {
    if (!content.get_ref<const std::string&>().empty()) {
      blocks.push_back(json{{"type", "text"}, {"text", content}});
    }
  } else if (content.is_array()) {
    for (const json& part : content) blocks.push_back(translate_part(part));
  } else if (!content.is_null()) {
    throw ConfigError("message content must be a string, an array of parts or null");
  }
  return blocks;
}

/// Anthropic content for a user-side value: a string stays a string, parts become blocks.
LITELLM_INLINE json user_content(const json& content) {
  if (content.is_string()) return content;
  return content_blocks(content);
}

/// One `tool_use` block of an OpenAI assistant tool call.
LITELLM_INLINE json tool_use_block(const json& call) {
  const std::string id = string_member(call, "id");
  const json* function = member(call, "function");
  const std::string name = function != nullptr ? string_member(*function, "name") : std::string();
  const std::string label = "tool call '" + id + "' (" + name + ")";
  if (id.empty() || name.empty()) {
    throw ConfigError(label + ": an assistant tool call needs an id and function.name");
  }
  json input = tool_call_arguments(function, label);
  return json{{"type", "tool_use"}, {"id", id}, {"name", name}, {"input", std::move(input)}};
}

/// The content of an assistant message, or null when it has nothing to send.
LITELLM_INLINE json assistant_content(const json& message) {
  const json* content = member(message, "content");
  const json* tool_calls = member(message, "tool_calls");
  const json* thinking = member(message, "thinking_blocks");
  const bool has_calls = tool_calls != nullptr && tool_calls->is_array() && !tool_calls->empty();
  const bool has_thinking = thinking != nullptr && thinking->is_array() && !thinking->empty();
  if (!has_calls && !has_thinking && content != nullptr && content->is_string()) {
    if (content->get_ref<const std::string&>().empty()) return nullptr;
    return *content;
  }
  json blocks = json::array();
  if (has_thinking) {
    for (const json& block : *thinking) blocks.push_back(block);
  }
  if (content != nullptr) {
    for (json& block : content_blocks(*content)) blocks.push_back(std::move(block));
  }
  if (has_calls) {
    for (const json& call : *tool_calls) blocks.push_back(tool_use_block(call));
  }
  if (blocks.empty()) return nullptr;
  return blocks;
}

/// Appends a message, merging it into the previous one when both have the same role.
LITELLM_INLINE void append_message(json& messages, const std::string& role, json content) {
  if (!messages.empty() && messages.back()["role"] == role) {
    json& previous = messages.back()["content"];
    json merged = content_blocks(previous);
    for (json& block : content_blocks(content)) merged.push_back(std::move(block));
    previous = std::move(merged);
    return;
  }
  messages.push_back(json{{"role", role}, {"content", std::move(content)}});
}

/// `system` from the hoisted system / developer contents (and a native `system`, first).
LITELLM_INLINE json system_value(const json* native, const std::vector<json>& hoisted) {
  bool all_strings = native == nullptr || native->is_string();
  for (const json& content : hoisted) all_strings = all_strings && content.is_string();
  if (all_strings) {
    std::string joined = native != nullptr ? native->get<std::string>() : std::string();
    for (const json& content : hoisted) {
      if (!joined.empty()) joined += "\n\n";
      joined += content.get_ref<const std::string&>();
    }
    return joined;
  }
  json blocks = json::array();
  if (native != nullptr) {
    for (json& block : content_blocks(*native)) blocks.push_back(std::move(block));
  }
  for (const json& content : hoisted) {
    for (json& block : content_blocks(content)) {
      if (string_member(block, "type") != "text") {
        throw ConfigError("system and developer messages may only contain text parts");
      }
      blocks.push_back(std::move(block));
    }
  }
  return blocks;
}

/// Translates `messages` into `body.messages` and `body.system`.
LITELLM_INLINE void translate_messages(const json& params, json& body) {
  const json* messages = member(params, "messages");
  if (messages == nullptr || !messages->is_array()) {
    throw ConfigError("chat parameters need a 'messages' array");
  }
  std::vector<json> system;
  json out = json::array();
  for (const json& message : *messages) {
    if (!message.is_object()) throw ConfigError("every message must be a JSON object");
    const std::string role = string_member(message, "role");
    const json* content = member(message, "content");
    if (role == "system" || role == "developer") {
      if (content != nullptr) system.push_back(*content);
    } else if (role == "user") {
      if (content == nullptr) throw ConfigError("a user message needs content");
      append_message(out, "user", user_content(*content));
    } else if (role == "assistant") {
      json translated = assistant_content(message);
      if (!translated.is_null()) append_message(out, "assistant", std::move(translated));
    } else if (role == "tool") {
      const std::string id = string_member(message, "tool_call_id");
      if (id.empty()) throw ConfigError("a tool message needs a tool_call_id");
      json result{{"type", "tool_result"}, {"tool_use_id", id}};
      result["content"] = content != nullptr ? user_content(*content) : json("");
      append_message(out, "user", json::array({std::move(result)}));
    } else {
      throw ConfigError("unsupported message role '" + role + "' for anthropic");
    }
  }
  const json* native_system = member(params, "system");
  if (!system.empty()) {
    body["system"] = system_value(native_system, system);
  } else if (native_system != nullptr) {
    body["system"] = *native_system;
  }
  body["messages"] = std::move(out);
}

/// Anthropic tool definitions of OpenAI ones.
LITELLM_INLINE json translate_tools(const json& tools) {
  if (!tools.is_array()) throw ConfigError("'tools' must be an array");
  json out = json::array();
  for (const json& tool : tools) {
    const json* function = member(tool, "function");
    const std::string type = string_member(tool, "type", "function");
    if (type != "function" || function == nullptr) {
      out.push_back(tool);  // An Anthropic-native tool (web search, bash, ...).
      continue;
    }
    const std::string name = string_member(*function, "name");
    if (name.empty()) throw ConfigError("a function tool needs function.name");
    json translated{{"name", name}};
    if (const json* description = member(*function, "description")) {
      translated["description"] = *description;
    }
    const json* parameters = member(*function, "parameters");
    translated["input_schema"] = parameters != nullptr && parameters->is_object()
                                     ? *parameters
                                     : json{{"type", "object"}, {"properties", json::object()}};
    if (const json* cache = member(tool, "cache_control")) {
      translated["cache_control"] = *cache;
    } else if (const json* fn_cache = member(*function, "cache_control")) {
      translated["cache_control"] = *fn_cache;
    }
    out.push_back(std::move(translated));
  }
  return out;
}

/// Anthropic's tool_choice for OpenAI's.
LITELLM_INLINE json translate_tool_choice(const json& choice) {
  if (choice.is_string()) {
    const auto& name = choice.get_ref<const std::string&>();
    if (name == "auto") return json{{"type", "auto"}};
    if (name == "required") return json{{"type", "any"}};
    if (name == "none") return json{{"type", "none"}};
    throw ConfigError("unsupported tool_choice '" + name + "'");
  }
  if (!choice.is_object()) throw ConfigError("tool_choice must be a string or an object");
  if (string_member(choice, "type") == "function") {
    const json* function = member(choice, "function");
    const std::string name = function != nullptr ? string_member(*function, "name") : std::string();
    if (name.empty()) throw ConfigError("tool_choice of type function needs function.name");
    return json{{"type", "tool"}, {"name", name}};
  }
  return choice;  // Anthropic-native ({type: any}, ...).
}

LITELLM_INLINE std::string messages_url(const ApiInfo& api_info) {
  const std::string base = effective_api_base(api_info);
  return ends_with(base, "/v1") ? base + "/messages" : base + "/v1/messages";
}

}  // namespace detail

// ---- Shared mappings ---------------------------------------------------------------------------

LITELLM_INLINE json anthropic_finish_reason(const json& stop_reason) {
  if (!stop_reason.is_string()) return nullptr;
  const auto& reason = stop_reason.get_ref<const std::string&>();
  if (reason == "max_tokens" || reason == "model_context_window_exceeded") return "length";
  if (reason == "tool_use") return "tool_calls";
  if (reason == "refusal") return "content_filter";
  return "stop";  // end_turn, stop_sequence, pause_turn, and anything new.
}

LITELLM_INLINE json anthropic_usage(const json& usage) {
  const long long input = detail::count_member(usage, "input_tokens");
  const long long cache_creation = detail::count_member(usage, "cache_creation_input_tokens");
  const long long cache_read = detail::count_member(usage, "cache_read_input_tokens");
  const long long output = detail::count_member(usage, "output_tokens");
  const long long prompt = input + cache_creation + cache_read;
  return json{{"prompt_tokens", prompt},
              {"completion_tokens", output},
              {"total_tokens", prompt + output},
              {"prompt_tokens_details", {{"cached_tokens", cache_read}}},
              {"cache_creation_input_tokens", cache_creation},
              {"cache_read_input_tokens", cache_read}};
}

// ---- Adapter -----------------------------------------------------------------------------------

LITELLM_INLINE HttpRequest AnthropicAdapter::chat_request(const ApiInfo& api_info,
                                                          const std::string& model,
                                                          const json& params, bool stream) const {
  if (!params.is_object()) throw ConfigError("chat parameters must be a JSON object");
  if (const json* n = detail::member(params, "n");
      n != nullptr && n->is_number() && n->get<double>() > 1) {
    throw ConfigError("anthropic returns one choice per request: n > 1 is not supported");
  }

  json body = json::object();
  detail::translate_messages(params, body);
  body["model"] = model;
  if (const json* max_tokens = detail::member(params, "max_tokens")) {
    body["max_tokens"] = *max_tokens;
  } else if (const json* max_completion = detail::member(params, "max_completion_tokens")) {
    body["max_tokens"] = *max_completion;
  } else {
    body["max_tokens"] = detail::kDefaultMaxTokens;
  }

  const json* tools = detail::member(params, "tools");
  if (tools != nullptr && !(tools->is_array() && tools->empty())) {
    body["tools"] = detail::translate_tools(*tools);
  }
  const bool has_tools = tools != nullptr && !tools->empty();
  if (const json* choice = detail::member(params, "tool_choice")) {
    body["tool_choice"] = detail::translate_tool_choice(*choice);
  }
  if (const json* parallel = detail::member(params, "parallel_tool_calls");
      parallel != nullptr && parallel->is_boolean() && !parallel->get<bool>() && has_tools) {
    json& choice = body["tool_choice"];
    if (choice.is_null()) choice = json{{"type", "auto"}};
    if (detail::string_member(choice, "type") != "none") choice["disable_parallel_tool_use"] = true;
  }

  if (const json* stop = detail::member(params, "stop")) {
    if (stop->is_string()) {
      if (!stop->get_ref<const std::string&>().empty()) {
        body["stop_sequences"] = json::array({*stop});
      }
    } else if (stop->is_array()) {
      if (!stop->empty()) body["stop_sequences"] = *stop;
    } else {
      throw ConfigError("'stop' must be a string or an array of strings");
    }
  }

  if (const json* metadata = detail::member(params, "metadata")) body["metadata"] = *metadata;
  if (const json* user = detail::member(params, "user"); user != nullptr && user->is_string()) {
    if (!body.contains("metadata") || !body["metadata"].is_object()) {
      body["metadata"] = json::object();
    }
    body["metadata"]["user_id"] = *user;
  }
  if (const json* tier = detail::member(params, "service_tier");
      tier != nullptr && (*tier == "auto" || *tier == "standard_only")) {
    body["service_tier"] = *tier;
  }

  // Everything else passes through, unless OpenAI-only or already translated above.
  static const std::set<std::string, std::less<>> kTranslated{
      "messages",    "system", "model", "stream",   "max_tokens",  "tools",
      "tool_choice", "stop",   "user",  "metadata", "service_tier"};
  const auto& dropped = detail::dropped_parameters();
  for (const auto& [key, value] : params.items()) {
    if (value.is_null() || kTranslated.count(key) != 0 || dropped.count(key) != 0) continue;
    body[key] = value;
  }
  if (stream) body["stream"] = true;

  HttpRequest request;
  request.url = detail::messages_url(api_info);
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  request.stream = stream;
  if (!api_info.api_key.empty()) request.headers.add("x-api-key", api_info.api_key);
  request.headers.add("anthropic-version", api_info.api_version && !api_info.api_version->empty()
                                               ? *api_info.api_version
                                               : std::string(detail::kDefaultVersion));
  request.headers.add("content-type", "application/json");
  request.headers.add("accept", stream ? "text/event-stream" : "application/json");
  return request;
}

LITELLM_INLINE json AnthropicAdapter::chat_response(json body) const {
  if (body.is_object() && detail::string_member(body, "type") == "error") {
    const json* error = detail::member(body, "error");
    const ProviderSpec& spec = spec_for(protocol());
    rethrow_as_kind(
        error_from_stream_event(error != nullptr ? *error : body, spec.name, spec.error_shape));
  }
  const json* content = detail::member(body, "content");
  const std::string type = detail::string_member(body, "type", "message");
  if (content == nullptr || !content->is_array() || type != "message") {
    throw ProtocolError("the response is not an Anthropic message (no content list)");
  }

  std::string text;
  std::string reasoning;
  bool has_text = false;
  bool has_reasoning = false;
  json tool_calls = json::array();
  for (const json& block : *content) {
    const std::string block_type = detail::string_member(block, "type");
    if (block_type == "text") {
      text += detail::string_member(block, "text");
      has_text = true;
    } else if (block_type == "thinking") {
      reasoning += detail::string_member(block, "thinking");
      has_reasoning = true;
    } else if (block_type == "tool_use") {
      const json* input = detail::member(block, "input");
      tool_calls.push_back(
          json{{"id", detail::string_member(block, "id")},
               {"type", "function"},
               {"function",
                {{"name", detail::string_member(block, "name")},
                 {"arguments", input != nullptr ? input->dump() : std::string("{}")}}}});
    }
  }

  json message{{"role", "assistant"}, {"content", has_text ? json(text) : json(nullptr)}};
  if (!tool_calls.empty()) message["tool_calls"] = std::move(tool_calls);
  if (has_reasoning) message["reasoning_content"] = reasoning;

  const json* stop_reason = detail::member(body, "stop_reason");
  json choice{{"index", 0},
              {"message", std::move(message)},
              {"logprobs", nullptr},
              {"finish_reason", anthropic_finish_reason(stop_reason ? *stop_reason : json())}};
  const json* usage = detail::member(body, "usage");
  return json{{"id", detail::string_member(body, "id")},
              {"object", "chat.completion"},
              {"created", detail::unix_now()},
              {"model", detail::string_member(body, "model")},
              {"choices", json::array({std::move(choice)})},
              {"usage", anthropic_usage(usage != nullptr ? *usage : json::object())}};
}

LITELLM_INLINE std::unique_ptr<StreamTranslator> AnthropicAdapter::stream_translator(
    std::string_view provider) const {
  return std::make_unique<AnthropicStreamTranslator>(std::string(provider));
}

LITELLM_INLINE HttpRequest AnthropicAdapter::embedding_request(const ApiInfo&, const std::string&,
                                                               const json&) const {
  throw ConfigError(
      "anthropic has no embeddings endpoint; use an OpenAI-compatible backend for embeddings");
}

}  // namespace litellm
