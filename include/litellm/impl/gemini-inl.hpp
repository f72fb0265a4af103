#pragma once

// Google's Gemini API <-> OpenAI's formats: requests, whole responses, embeddings and the shared
// mappings (stream events: gemini_stream-inl.hpp). The mapping is documented in
// include/litellm/providers/gemini.hpp.
#include "litellm/providers/gemini.hpp"

#include <set>
#include <utility>

#include "litellm/detail/translation.hpp"
#include "litellm/merge.hpp"

// tidy_message, error_from_stream_event.
#include "litellm/impl/provider-inl.hpp"

namespace litellm {
namespace detail {

/// OpenAI parameters Gemini has no field for, dropped from the body.
LITELLM_INLINE const std::set<std::string, std::less<>>& gemini_dropped_parameters() {
  static const std::set<std::string, std::less<>> kDropped{"logit_bias",
                                                           "logprobs",
                                                           "top_logprobs",
                                                           "stream_options",
                                                           "parallel_tool_calls",
                                                           "user",
                                                           "metadata",
                                                           "reasoning_effort",
                                                           "service_tier",
                                                           "store",
                                                           "modalities",
                                                           "audio",
                                                           "prediction",
                                                           "prompt_cache_key",
                                                           "safety_identifier",
                                                           "verbosity",
                                                           "web_search_options",
                                                           "functions",
                                                           "function_call",
                                                           "stream",
                                                           "model"};
  return kDropped;
}

/// The mime type of a file URL, from its extension; empty when unknown.
LITELLM_INLINE std::string gemini_mime_from_url(std::string_view url) {
  url = url.substr(0, url.find_first_of("?#"));
  const std::size_t dot = url.rfind('.');
  if (dot == std::string_view::npos || url.find('/', dot) != std::string_view::npos) return {};
  std::string ext(url.substr(dot + 1));
  for (char& c : ext) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "webp") return "image/webp";
  if (ext == "gif") return "image/gif";
  if (ext == "heic") return "image/heic";
  if (ext == "heif") return "image/heif";
  if (ext == "pdf") return "application/pdf";
  return {};
}

/// `inlineData {mimeType, data}` from a `data:<type>;base64,<data>` URL.
LITELLM_INLINE json gemini_inline_data(std::string_view url, std::string_view what) {
  const json source = base64_source(url, what);  // checks the URL's shape
  return json{{"inlineData", {{"mimeType", source["media_type"]}, {"data", source["data"]}}}};
}

/// The Gemini part of one OpenAI content part.
LITELLM_INLINE json gemini_part(const json& part) {
  if (part.is_string()) return json{{"text", part}};
  if (!part.is_object()) throw ConfigError("a message content part must be a JSON object");
  const std::string type = string_member(part, "type");
  if (type == "text") {
    const json* text = member(part, "text");
    if (text == nullptr || !text->is_string()) {
      throw ConfigError("a text content part needs a string 'text'");
    }
    return json{{"text", *text}};
  }
  if (type == "image_url") {
    const json* image = member(part, "image_url");
    std::string url;
    std::string format;
    if (image != nullptr && image->is_string()) {
      url = image->get<std::string>();
    } else if (image != nullptr) {
      url = string_member(*image, "url");
      format = string_member(*image, "format");
    }
    if (starts_with(url, "data:")) return gemini_inline_data(url, "image_url");
    if (starts_with(url, "https://") || starts_with(url, "http://") || starts_with(url, "gs://")) {
      const std::string mime = !format.empty() ? format : gemini_mime_from_url(url);
      if (mime.empty()) {
        throw ConfigError(
            "image_url: gemini needs the file's mime type; give image_url.format (e.g. "
            "\"image/png\") or send the image as a data: URL");
      }
      return json{{"fileData", {{"mimeType", mime}, {"fileUri", url}}}};
    }
    throw ConfigError("image_url: the url must be a data: URL, an http(s) URL or a gs:// URI");
  }
  if (type == "input_audio") {
    const json* audio = member(part, "input_audio");
    const std::string data = audio != nullptr ? string_member(*audio, "data") : std::string();
    const std::string format = audio != nullptr ? string_member(*audio, "format") : std::string();
    if (data.empty() || format.empty()) {
      throw ConfigError("an input_audio part needs 'data' and 'format'");
    }
    return json{{"inlineData", {{"mimeType", "audio/" + format}, {"data", data}}}};
  }
  if (type == "file") {
    const json* file = member(part, "file");
    const std::string data = file != nullptr ? string_member(*file, "file_data") : std::string();
    if (!starts_with(data, "data:")) {
      throw ConfigError("file parts need 'file_data' as a data: URL for gemini");
    }
    return gemini_inline_data(data, "file");
  }
  if (!type.empty()) throw ConfigError("unsupported content part type '" + type + "' for gemini");
  return part;  // A Gemini-native part ({"text"}, {"inlineData"}, {"fileData"}, ...).
}

/// The parts of a message's content (a string, a list of parts, or null).
LITELLM_INLINE json gemini_parts(const json* content) {
  json parts = json::array();
  if (content == nullptr) return parts;
  if (content->is_string()) {
    if (!content->get_ref<const std::string&>().empty()) parts.push_back(json{{"text", *content}});
  } else if (content->is_array()) {
    for (const json& part : *content) parts.push_back(gemini_part(part));
  } else {
    throw ConfigError("message content must be a string, an array of parts or null");
  }
  return parts;
}

/// The `functionCall` part of one OpenAI assistant tool call.
LITELLM_INLINE json gemini_function_call(const json& call) {
  const json* function = member(call, "function");
  const std::string name = function != nullptr ? string_member(*function, "name") : std::string();
  const std::string label = "tool call '" + string_member(call, "id") + "' (" + name + ")";
  if (name.empty()) throw ConfigError(label + ": an assistant tool call needs function.name");
  json args = tool_call_arguments(function, label);
  json part{{"functionCall", {{"name", name}, {"args", std::move(args)}}}};
  if (const json* fields = member(call, "provider_specific_fields")) {
    const std::string signature = string_member(*fields, "thought_signature");
    if (!signature.empty()) part["thoughtSignature"] = signature;
  }
  return part;
}

/// The `response` object of a functionResponse part for a tool message's content.
LITELLM_INLINE json gemini_function_response(const json* content) {
  if (content == nullptr) return json{{"content", ""}};
  if (content->is_object()) return *content;
  std::string text;
  if (content->is_string()) {
    text = content->get<std::string>();
    json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_object()) return parsed;
  } else if (content->is_array()) {
    for (const json& part : *content) {
      if (part.is_string()) {
        text += part.get<std::string>();
      } else if (string_member(part, "type") == "text") {
        text += string_member(part, "text");
      } else {
        throw ConfigError("tool message content may only hold text parts for gemini");
      }
    }
  } else {
    text = content->dump();
  }
  return json{{"content", std::move(text)}};
}

/// Appends a content, merged into the previous one when it has the same role.
LITELLM_INLINE void gemini_append(json& contents, const char* role, json parts) {
  if (parts.empty()) return;
  if (!contents.empty() && contents.back()["role"] == role) {
    json& previous = contents.back()["parts"];
    for (json& part : parts) previous.push_back(std::move(part));
    return;
  }
  contents.push_back(json{{"role", role}, {"parts", std::move(parts)}});
}

/// `contents` and `systemInstruction` from the OpenAI messages.
LITELLM_INLINE void gemini_messages(const json& params, json& body) {
  const json* messages = member(params, "messages");
  if (messages == nullptr || !messages->is_array()) {
    throw ConfigError("chat parameters need a 'messages' array");
  }
  json system = json::array();
  json contents = json::array();
  std::map<std::string, std::string, std::less<>> call_names;  // tool call id -> function name
  for (const json& message : *messages) {
    if (!message.is_object()) throw ConfigError("every message must be a JSON object");
    const std::string role = string_member(message, "role");
    const json* content = member(message, "content");
    if (role == "system" || role == "developer") {
      for (json& part : gemini_parts(content)) {
        if (!part.contains("text")) {
          throw ConfigError("system and developer messages may only contain text parts");
        }
        system.push_back(std::move(part));
      }
    } else if (role == "user") {
      if (content == nullptr) throw ConfigError("a user message needs content");
      gemini_append(contents, "user", gemini_parts(content));
    } else if (role == "assistant") {
      json parts = gemini_parts(content);
      if (const json* calls = member(message, "tool_calls");
          calls != nullptr && calls->is_array()) {
        for (const json& call : *calls) {
          parts.push_back(gemini_function_call(call));
          const std::string id = string_member(call, "id");
          if (!id.empty()) call_names[id] = parts.back()["functionCall"]["name"];
        }
      }
      gemini_append(contents, "model", std::move(parts));
    } else if (role == "tool") {
      const std::string id = string_member(message, "tool_call_id");
      std::string name = string_member(message, "name");
      if (const auto it = call_names.find(id); it != call_names.end()) name = it->second;
      if (name.empty()) {
        throw ConfigError("tool message '" + id +
                          "': gemini needs the function's name; no assistant tool call has this "
                          "tool_call_id and the message has no 'name'");
      }
      json part{
          {"functionResponse", {{"name", name}, {"response", gemini_function_response(content)}}}};
      gemini_append(contents, "user", json::array({std::move(part)}));
    } else {
      throw ConfigError("unsupported message role '" + role + "' for gemini");
    }
  }
  if (!system.empty()) body["systemInstruction"] = json{{"parts", std::move(system)}};
  body["contents"] = std::move(contents);
}

/// True for a JSON schema of an object without properties (Gemini rejects those).
LITELLM_INLINE bool gemini_empty_object_schema(const json& schema) {
  if (!schema.is_object()) return true;
  if (string_member(schema, "type", "object") != "object") return false;
  const json* properties = member(schema, "properties");
  return properties == nullptr || (properties->is_object() && properties->empty());
}

LITELLM_INLINE json gemini_tools(const json& tools) {
  if (!tools.is_array()) throw ConfigError("'tools' must be an array");
  json out = json::array();
  json declarations = json::array();
  for (const json& tool : tools) {
    const json* function = member(tool, "function");
    if (string_member(tool, "type") != "function" || function == nullptr) {
      out.push_back(tool);  // A Gemini tool ({"googleSearch": {}}, {"codeExecution": {}}, ...).
      continue;
    }
    const std::string name = string_member(*function, "name");
    if (name.empty()) throw ConfigError("a function tool needs function.name");
    json declaration{{"name", name}};
    if (const json* description = member(*function, "description")) {
      declaration["description"] = *description;
    }
    if (const json* parameters = member(*function, "parameters");
        parameters != nullptr && !gemini_empty_object_schema(*parameters)) {
      declaration["parameters"] = *parameters;
    }
    declarations.push_back(std::move(declaration));
  }
  if (!declarations.empty()) {
    out.insert(out.begin(), json{{"functionDeclarations", std::move(declarations)}});
  }
  return out;
}

LITELLM_INLINE json gemini_tool_config(const json& choice) {
  json config;
  if (choice.is_string()) {
    const auto& name = choice.get_ref<const std::string&>();
    if (name == "auto") {
      config = json{{"mode", "AUTO"}};
    } else if (name == "none") {
      config = json{{"mode", "NONE"}};
    } else if (name == "required") {
      config = json{{"mode", "ANY"}};
    } else {
      throw ConfigError("unsupported tool_choice '" + name + "'");
    }
  } else if (choice.is_object() && string_member(choice, "type") == "function") {
    const json* function = member(choice, "function");
    const std::string name = function != nullptr ? string_member(*function, "name") : std::string();
    if (name.empty()) throw ConfigError("tool_choice of type function needs function.name");
    config = json{{"mode", "ANY"}, {"allowedFunctionNames", json::array({name})}};
  } else {
    throw ConfigError("tool_choice must be auto, none, required or {type: function, ...}");
  }
  return json{{"functionCallingConfig", std::move(config)}};
}

LITELLM_INLINE json gemini_generation_config(const json& params) {
  json config = json::object();
  if (const json* native = member(params, "generationConfig")) {
    if (!native->is_object()) throw ConfigError("'generationConfig' must be an object");
    config = *native;
  }
  static const std::pair<const char*, const char*> kRenamed[] = {
      {"temperature", "temperature"},
      {"top_p", "topP"},
      {"top_k", "topK"},
      {"n", "candidateCount"},
      {"seed", "seed"},
      {"presence_penalty", "presencePenalty"},
      {"frequency_penalty", "frequencyPenalty"}};
  for (const auto& [from, to] : kRenamed) {
    if (const json* value = member(params, from)) config[to] = *value;
  }
  if (const json* max_tokens = member(params, "max_tokens")) {
    config["maxOutputTokens"] = *max_tokens;
  } else if (const json* max_completion = member(params, "max_completion_tokens")) {
    config["maxOutputTokens"] = *max_completion;
  }
  if (const json* stop = member(params, "stop")) {
    if (stop->is_string()) {
      if (!stop->get_ref<const std::string&>().empty()) {
        config["stopSequences"] = json::array({*stop});
      }
    } else if (stop->is_array()) {
      if (!stop->empty()) config["stopSequences"] = *stop;
    } else {
      throw ConfigError("'stop' must be a string or an array of strings");
    }
  }
  if (const json* format = member(params, "response_format")) {
    const std::string type = string_member(*format, "type");
    if (type == "json_schema") {
      config["responseMimeType"] = "application/json";
      const json* spec = member(*format, "json_schema");
      if (const json* schema = spec != nullptr ? member(*spec, "schema") : nullptr) {
        config["responseSchema"] = *schema;
      }
    } else if (type == "json_object") {
      config["responseMimeType"] = "application/json";
    } else if (type != "text") {
      throw ConfigError("unsupported response_format type '" + type + "' for gemini");
    }
  }
  return config;
}

/// `{base}/v1beta/models/{model}:{method}`.
LITELLM_INLINE std::string gemini_url(const ApiInfo& api_info, std::string_view model,
                                      std::string_view method) {
  std::string base = effective_api_base(api_info);
  if (!ends_with(base, "/v1beta") && !ends_with(base, "/v1")) base += "/v1beta";
  if (starts_with(model, "models/")) model.remove_prefix(7);
  if (model.empty()) throw ConfigError("gemini needs a model name");
  // The model goes into the path as it is: only the characters of Google's resource names.
  const bool tuned = starts_with(model, "tunedModels/");
  for (const char c : model.substr(tuned ? 12 : 0)) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
    if (!allowed) {
      throw ConfigError(
          "gemini model names may only hold letters, digits, '-', '.' and '_' "
          "(after an optional models/ or tunedModels/ prefix)");
    }
  }
  return base + (tuned ? "/" : "/models/") + std::string(model) + ":" + std::string(method);
}

LITELLM_INLINE void gemini_headers(HttpRequest& request, const ApiInfo& api_info, bool stream) {
  if (!api_info.api_key.empty()) request.headers.add("x-goog-api-key", api_info.api_key);
  request.headers.add("content-type", "application/json");
  request.headers.add("accept", stream ? "text/event-stream" : "application/json");
}

/// Appends `text` to the string member `key` of `object`, creating it.
LITELLM_INLINE void gemini_append_text(json& object, const char* key, const std::string& text) {
  json& slot = object[key];
  if (slot.is_string()) {
    slot.get_ref<std::string&>() += text;
  } else {
    slot = text;
  }
}

}  // namespace detail

LITELLM_INLINE json gemini_finish_reason(const json& finish_reason, bool made_tool_calls) {
  if (!finish_reason.is_string()) return nullptr;
  const auto& reason = finish_reason.get_ref<const std::string&>();
  if (reason == "MAX_TOKENS") return "length";
  if (reason == "SAFETY" || reason == "RECITATION" || reason == "BLOCKLIST" ||
      reason == "PROHIBITED_CONTENT" || reason == "SPII" || reason == "IMAGE_SAFETY") {
    return "content_filter";
  }
  return made_tool_calls ? "tool_calls" : "stop";
}

LITELLM_INLINE json gemini_usage(const json& usage_metadata) {
  const long long prompt = detail::count_member(usage_metadata, "promptTokenCount");
  const long long candidates = detail::count_member(usage_metadata, "candidatesTokenCount");
  const long long thoughts = detail::count_member(usage_metadata, "thoughtsTokenCount");
  const long long cached = detail::count_member(usage_metadata, "cachedContentTokenCount");
  const json* total = detail::member(usage_metadata, "totalTokenCount");
  const long long completion = candidates + thoughts;
  return json{
      {"prompt_tokens", prompt},
      {"completion_tokens", completion},
      {"total_tokens", total != nullptr && total->is_number_integer() ? total->get<long long>()
                                                                      : prompt + completion},
      {"prompt_tokens_details", {{"cached_tokens", cached}}},
      {"completion_tokens_details", {{"reasoning_tokens", thoughts}}}};
}

LITELLM_INLINE json gemini_choice(const json& candidate, std::size_t position, int calls_before) {
  const json* index = detail::member(candidate, "index");
  const long long choice_index = index != nullptr && index->is_number_integer()
                                     ? index->get<long long>()
                                     : static_cast<long long>(position);
  json message{{"role", "assistant"}, {"content", nullptr}};
  json tool_calls = json::array();
  const json* content = detail::member(candidate, "content");
  const json* parts = content != nullptr ? detail::member(*content, "parts") : nullptr;
  if (parts != nullptr && parts->is_array()) {
    for (const json& part : *parts) {
      if (!part.is_object()) continue;
      if (const json* call = detail::member(part, "functionCall")) {
        const json* args = detail::member(*call, "args");
        std::string id = detail::string_member(*call, "id");
        if (id.empty())
          id = "call_" + std::to_string(calls_before + static_cast<int>(tool_calls.size()));
        json tool_call{{"id", std::move(id)},
                       {"type", "function"},
                       {"function",
                        {{"name", detail::string_member(*call, "name")},
                         {"arguments", args != nullptr ? args->dump() : std::string("{}")}}}};
        const std::string signature = detail::string_member(part, "thoughtSignature");
        if (!signature.empty()) {
          tool_call["provider_specific_fields"] = json{{"thought_signature", signature}};
        }
        tool_calls.push_back(std::move(tool_call));
      } else if (const json* code = detail::member(part, "executableCode")) {
        std::string language = detail::string_member(*code, "language", "PYTHON");
        for (char& c : language) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        detail::gemini_append_text(
            message, "content",
            "```" + language + "\n" + detail::string_member(*code, "code") + "\n```\n");
      } else if (const json* result = detail::member(part, "codeExecutionResult")) {
        detail::gemini_append_text(
            message, "content",
            "```output\n" + detail::string_member(*result, "output") + "\n```\n");
      } else if (const json* text = detail::member(part, "text"); text != nullptr) {
        const json* thought = detail::member(part, "thought");
        const bool is_thought = thought != nullptr && thought->is_boolean() && thought->get<bool>();
        const std::string value = text->is_string() ? text->get<std::string>() : std::string();
        if (value.empty()) continue;  // Gemini 3's trailing {"text": "", "thoughtSignature"}
        detail::gemini_append_text(message, is_thought ? "reasoning_content" : "content", value);
      }
    }
  }
  const bool made_calls = !tool_calls.empty();
  if (made_calls) message["tool_calls"] = std::move(tool_calls);
  const json* reason = detail::member(candidate, "finishReason");
  return json{{"index", choice_index},
              {"message", std::move(message)},
              {"logprobs", nullptr},
              {"finish_reason", gemini_finish_reason(reason ? *reason : json(), made_calls)}};
}

LITELLM_INLINE Error gemini_blocked_error(const json& prompt_feedback, std::string_view provider) {
  ErrorDetails details;
  details.provider = std::string(provider);
  details.error_code = "content_filter";
  details.error_type =
      detail::string_member(prompt_feedback, "blockReason", "BLOCK_REASON_UNSPECIFIED");
  details.provider_message =
      detail::tidy_message(detail::string_member(prompt_feedback, "blockReasonMessage"));
  return Error(ErrorKind::bad_request, "the prompt was blocked (" + details.error_type + ")",
               std::move(details));
}

LITELLM_INLINE HttpRequest GeminiAdapter::chat_request(const ApiInfo& api_info,
                                                       const std::string& model, const json& params,
                                                       bool stream) const {
  if (!params.is_object()) throw ConfigError("chat parameters must be a JSON object");
  json body = json::object();
  detail::gemini_messages(params, body);
  if (const json* tools = detail::member(params, "tools")) {
    json translated = detail::gemini_tools(*tools);
    if (!translated.empty()) body["tools"] = std::move(translated);
  }
  if (const json* choice = detail::member(params, "tool_choice")) {
    body["toolConfig"] = detail::gemini_tool_config(*choice);
  }
  json generation = detail::gemini_generation_config(params);
  if (!generation.empty()) body["generationConfig"] = std::move(generation);

  static const std::set<std::string, std::less<>> kTranslated{"messages",
                                                              "tools",
                                                              "tool_choice",
                                                              "generationConfig",
                                                              "temperature",
                                                              "top_p",
                                                              "top_k",
                                                              "n",
                                                              "seed",
                                                              "presence_penalty",
                                                              "frequency_penalty",
                                                              "max_tokens",
                                                              "max_completion_tokens",
                                                              "stop",
                                                              "response_format"};
  const auto& dropped = detail::gemini_dropped_parameters();
  for (const auto& [key, value] : params.items()) {
    if (value.is_null() || kTranslated.count(key) != 0 || dropped.count(key) != 0) continue;
    body[key] = value;
  }

  HttpRequest request;
  request.url = detail::gemini_url(api_info, model,
                                   stream ? "streamGenerateContent?alt=sse" : "generateContent");
  request.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  request.stream = stream;
  detail::gemini_headers(request, api_info, stream);
  return request;
}

LITELLM_INLINE json GeminiAdapter::chat_response(json body) const {
  const ProviderSpec& spec = spec_for(protocol());
  if (body.is_array()) {
    // streamGenerateContent without alt=sse: a JSON array of responses.
    GeminiStreamTranslator translator(std::string(spec.name));
    StreamAccumulator accumulator(1);
    std::vector<json> chunks;
    for (const json& element : body) {
      chunks.clear();
      translator.on_response(element, chunks);
      for (const json& chunk : chunks) accumulator.add(chunk);
    }
    if (!translator.finished()) {
      throw ProtocolError("the array of gemini responses ends without a finishReason");
    }
    return accumulator.completion();
  }
  if (!body.is_object()) throw ProtocolError("the response is not a gemini response object");
  if (const json* error = detail::member(body, "error")) {
    rethrow_as_kind(error_from_stream_event(*error, spec.name, spec.error_shape));
  }
  const json* candidates = detail::member(body, "candidates");
  if (candidates == nullptr || !candidates->is_array() || candidates->empty()) {
    if (const json* feedback = detail::member(body, "promptFeedback")) {
      rethrow_as_kind(gemini_blocked_error(*feedback, spec.name));
    }
    throw ProtocolError("the gemini response has no candidates");
  }
  json choices = json::array();
  for (std::size_t i = 0; i < candidates->size(); ++i) {
    choices.push_back(gemini_choice((*candidates)[i], i));
  }
  const json* usage = detail::member(body, "usageMetadata");
  return json{{"id", detail::string_member(body, "responseId")},
              {"object", "chat.completion"},
              {"created", detail::unix_now()},
              {"model", detail::string_member(body, "modelVersion")},
              {"choices", std::move(choices)},
              {"usage", gemini_usage(usage != nullptr ? *usage : json::object())}};
}

LITELLM_INLINE std::unique_ptr<StreamTranslator> GeminiAdapter::stream_translator(
    std::string_view provider) const {
  return std::make_unique<GeminiStreamTranslator>(std::string(provider));
}

LITELLM_INLINE HttpRequest GeminiAdapter::embedding_request(const ApiInfo& api_info,
                                                            const std::string& model,
                                                            const json& params) const {
  if (!params.is_object()) throw ConfigError("embedding parameters must be a JSON object");
  const json* input = detail::member(params, "input");
  if (input == nullptr) throw ConfigError("embedding parameters need 'input'");
  std::vector<const json*> texts;
  if (input->is_string()) {
    texts.push_back(input);
  } else if (input->is_array() && !input->empty()) {
    for (const json& item : *input) {
      if (!item.is_string()) {
        throw ConfigError("gemini embeds text only: every 'input' item must be a string");
      }
      texts.push_back(&item);
    }
  } else {
    throw ConfigError("embedding 'input' must be a string or a non-empty list of strings");
  }
  std::string name = model;
  if (detail::starts_with(name, "models/")) name.erase(0, 7);
  const json* dimensions = detail::member(params, "dimensions");
  const json* task_type = detail::member(params, "task_type");
  json requests = json::array();
  for (const json* text : texts) {
    json one{{"model", "models/" + name},
             {"content", {{"parts", json::array({{{"text", *text}}})}}}};
    if (dimensions != nullptr) one["outputDimensionality"] = *dimensions;
    if (task_type != nullptr) one["taskType"] = *task_type;
    requests.push_back(std::move(one));
  }
  HttpRequest request;
  request.url = detail::gemini_url(api_info, name, "batchEmbedContents");
  request.body =
      json{{"requests", std::move(requests)}}.dump(-1, ' ', false, json::error_handler_t::replace);
  detail::gemini_headers(request, api_info, /*stream=*/false);
  return request;
}

LITELLM_INLINE json GeminiAdapter::embedding_response(json body) const {
  const json* embeddings = detail::member(body, "embeddings");
  if (embeddings == nullptr || !embeddings->is_array()) {
    throw ProtocolError("the gemini embedding response has no embeddings list");
  }
  json data = json::array();
  std::size_t index = 0;
  for (json& embedding : body["embeddings"]) {
    const json* values = detail::member(embedding, "values");
    if (values == nullptr || !values->is_array()) {
      throw ProtocolError("a gemini embedding has no values list");
    }
    json item{{"object", "embedding"}, {"index", index++}};
    item["embedding"] = std::move(embedding["values"]);  // moved, not copied: 768+ floats
    data.push_back(std::move(item));
  }
  const json* usage = detail::member(body, "usageMetadata");
  const long long prompt = usage != nullptr ? detail::count_member(*usage, "promptTokenCount") : 0;
  return json{{"object", "list"},
              {"data", std::move(data)},
              {"usage", {{"prompt_tokens", prompt}, {"total_tokens", prompt}}}};
}

}  // namespace litellm
