// Google's Gemini API wire format (see gemini_wire.hpp).
#include "gemini_wire.hpp"

#include <cstddef>
#include <vector>

#include "text.hpp"

namespace litellm::sim::detail {
namespace {

// The text parts of a content, joined with spaces.
std::string gemini_text(const json& content) {
  std::vector<std::string> texts;
  if (content.is_object() && content.contains("parts") && content["parts"].is_array()) {
    for (const json& part : content["parts"]) {
      if (part.is_object() && part.contains("text") && part["text"].is_string()) {
        texts.push_back(part["text"].get<std::string>());
      }
    }
  }
  return join(texts, " ");
}

// The functionResponse parts of a content, their `response` objects as text; nullopt: none.
std::optional<std::string> function_responses(const json& content) {
  if (!content.is_object() || !content.contains("parts") || !content["parts"].is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const json& part : content["parts"]) {
    if (!part.is_object() || !part.contains("functionResponse")) continue;
    const json& response = part["functionResponse"];
    out.push_back(response.is_object() && response.contains("response")
                      ? response["response"].dump()
                      : std::string("{}"));
  }
  if (out.empty()) return std::nullopt;
  return join(out, " ");
}

const char* gemini_finish(const std::string& finish) {
  return finish == "length" ? "MAX_TOKENS" : "STOP";
}

json usage_metadata(const ReplyPlan& plan) {
  return json{{"promptTokenCount", plan.prompt_tokens},
              {"candidatesTokenCount", plan.completion_tokens},
              {"totalTokenCount", plan.prompt_tokens + plan.completion_tokens}};
}

json call_parts(const ChoicePlan& choice) {
  json parts = json::array();
  for (const ToolCallPlan& call : choice.calls) {
    parts.push_back(json{{"functionCall", {{"name", call.name}, {"args", call.input}}}});
  }
  return parts;
}

std::string sse(const json& data) {
  return "data: " + data.dump() + "\r\n\r\n";
}

}  // namespace

json gemini_error(int code, const std::string& status, const std::string& message, json details) {
  json error{{"code", code}, {"message", message}, {"status", status}};
  if (!details.is_null()) error["details"] = std::move(details);
  return json{{"error", std::move(error)}};
}

json gemini_status_error(int status) {
  switch (status) {
    case 400:
      return gemini_error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.");
    case 401:
      return gemini_error(401, "UNAUTHENTICATED",
                          "Request had invalid authentication credentials.");
    case 403:
      return gemini_error(403, "PERMISSION_DENIED", "The caller does not have permission");
    case 404:
      return gemini_error(404, "NOT_FOUND", "Requested entity was not found.");
    case 503:
      return gemini_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
    case 504:
      return gemini_error(504, "DEADLINE_EXCEEDED",
                          "Deadline expired before operation could complete.");
    default:
      break;
  }
  if (status >= 500) {
    return gemini_error(status, "INTERNAL",
                        "An internal error has occurred. Please retry or report in "
                        "https://developers.generativeai.google/guide/troubleshooting");
  }
  return gemini_error(status, "FAILED_PRECONDITION",
                      "Request failed with status " + std::to_string(status) + ".");
}

json gemini_rate_limit_error(long long whole) {
  return gemini_error(
      429, "RESOURCE_EXHAUSTED",
      "You exceeded your current quota, please check your plan and billing details. Please "
      "retry in " +
          std::to_string(whole) + "s.",
      json::array(
          {json{{"@type", "type.googleapis.com/google.rpc.QuotaFailure"},
                {"violations", json::array({json{{"quotaMetric",
                                                  "generativelanguage.googleapis.com/"
                                                  "generate_content_free_tier_requests"},
                                                 {"quotaId",
                                                  "GenerateRequestsPerMinutePerProjectPerModel-"
                                                  "FreeTier"},
                                                 {"quotaValue", "10"}}})}},
           json{{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                {"retryDelay", std::to_string(whole) + "s"}}}));
}

json gemini_quota_error() {
  return gemini_error(
      429, "RESOURCE_EXHAUSTED",
      "You exceeded your current quota, please check your plan and billing details.",
      json::array(
          {json{{"@type", "type.googleapis.com/google.rpc.QuotaFailure"},
                {"violations",
                 json::array({json{{"quotaMetric",
                                    "generativelanguage.googleapis.com/"
                                    "generate_content_free_tier_requests"},
                                   {"quotaId", "GenerateRequestsPerDayPerProjectPerModel-FreeTier"},
                                   {"quotaValue", "250"}}})}}}));
}

json gemini_key_error(bool missing) {
  if (missing) {
    return gemini_error(403, "PERMISSION_DENIED",
                        "Method doesn't allow unregistered callers (callers without established "
                        "identity). Please use API Key or other form of API consumer identity "
                        "to call this API.");
  }
  return gemini_error(
      400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
      json::array({json{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                        {"reason", "API_KEY_INVALID"},
                        {"domain", "googleapis.com"},
                        {"metadata", {{"service", "generativelanguage.googleapis.com"}}}}}));
}

ChatInput parse_gemini_chat(const json& body, const Exchange& ex) {
  ChatInput in;
  in.model = ex.model;
  in.stream = ex.gemini_stream;
  if (!body.contains("contents") || !body["contents"].is_array() || body["contents"].empty()) {
    throw BadRequest{"* GenerateContentRequest.contents: contents is not specified", "contents"};
  }
  if (body.contains("systemInstruction")) {
    in.prompt_words += count_words(gemini_text(body["systemInstruction"]));
  }
  if (body.contains("generationConfig") && body["generationConfig"].is_object()) {
    const json& config = body["generationConfig"];
    in.max_tokens = positive_int(config, "maxOutputTokens");
    if (auto n = positive_int(config, "candidateCount")) in.n = *n;
  }
  if (body.contains("tools") && body["tools"].is_array()) {
    for (const json& tool : body["tools"]) {
      if (!tool.is_object() || !tool.contains("functionDeclarations")) continue;
      for (const json& declaration : tool["functionDeclarations"]) {
        if (!declaration.is_object() || !declaration.contains("name") ||
            !declaration["name"].is_string()) {
          throw BadRequest{
              "* GenerateContentRequest.tools[0].function_declarations[0].name: "
              "Name cannot be empty.",
              "tools"};
        }
        json properties = json::object();
        if (declaration.contains("parameters") && declaration["parameters"].is_object()) {
          properties = declaration["parameters"].value("properties", json::object());
        }
        in.tools.push_back(ToolSpec{declaration["name"].get<std::string>(), properties});
      }
    }
  }
  if (body.contains("toolConfig") && body["toolConfig"].is_object()) {
    const json config = body["toolConfig"].value("functionCallingConfig", json::object());
    const std::string mode = config.value("mode", "AUTO");
    in.tool_choice_none = mode == "NONE";
    if (mode == "ANY" && config.contains("allowedFunctionNames") &&
        config["allowedFunctionNames"].is_array() && !config["allowedFunctionNames"].empty()) {
      in.forced_tool = config["allowedFunctionNames"][0].get<std::string>();
    }
  }
  for (const json& content : body["contents"]) {
    if (!content.is_object() || !content.contains("parts") || !content["parts"].is_array()) {
      throw BadRequest{
          "* GenerateContentRequest.contents[0].parts: contents.parts must not be "
          "empty.",
          "contents"};
    }
    const std::string text = gemini_text(content);
    in.prompt_words += count_words(text);
    if (content.value("role", "user") == "user" && !text.empty()) in.last_user_text = text;
  }
  const json& last = body["contents"].back();
  const bool user = last.value("role", "user") == "user";
  if (user) {
    if (auto responses = function_responses(last)) {
      in.tool_result = *responses;
    } else {
      in.last_is_user = true;
    }
  }
  return in;
}

json gemini_response(const ReplyPlan& plan, bool unfinished) {
  json candidates = json::array();
  for (std::size_t i = 0; i < plan.choices.size(); ++i) {
    const ChoicePlan& c = plan.choices[i];
    json parts = c.calls.empty() ? json::array({json{{"text", c.text()}}}) : call_parts(c);
    json candidate{{"content", {{"parts", std::move(parts)}, {"role", "model"}}}, {"index", i}};
    if (!unfinished) candidate["finishReason"] = gemini_finish(c.finish);
    candidates.push_back(std::move(candidate));
  }
  return json{{"candidates", std::move(candidates)},
              {"usageMetadata", usage_metadata(plan)},
              {"modelVersion", plan.model},
              {"responseId", plan.id}};
}

StreamPlan gemini_stream(const ReplyPlan& plan) {
  StreamPlan out;
  out.provider = Provider::gemini;
  const json prompt_usage{{"promptTokenCount", plan.prompt_tokens},
                          {"totalTokenCount", plan.prompt_tokens}};
  auto event = [&](std::size_t index, json parts) {
    return json{{"candidates",
                 json::array({json{{"content", {{"parts", std::move(parts)}, {"role", "model"}}},
                                   {"index", index}}})},
                {"usageMetadata", prompt_usage},
                {"modelVersion", plan.model},
                {"responseId", plan.id}};
  };
  out.content_from = 0;
  for (std::size_t i = 0; i < plan.choices.size(); ++i) {
    const ChoicePlan& c = plan.choices[i];
    if (!c.calls.empty()) {
      out.add(sse(event(i, call_parts(c))));
      continue;
    }
    if (i == 0) {
      const std::size_t text =
          out.add_template(sse(event(0, json::array({json{{"text", kTemplateValue}}}))));
      out.content_template = text;
      for (std::size_t j = 0; j < c.words.size(); ++j) out.add_word(text, c.word_chunk(j));
    } else {
      for (std::size_t j = 0; j < c.words.size(); ++j) {
        out.add(sse(event(i, json::array({json{{"text", c.word_chunk(j)}}}))));
      }
    }
  }
  out.terminal_from = out.events.size();
  json candidates = json::array();
  for (std::size_t i = 0; i < plan.choices.size(); ++i) {
    candidates.push_back(
        json{{"content", {{"parts", json::array({json{{"text", ""}}})}, {"role", "model"}}},
             {"finishReason", gemini_finish(plan.choices[i].finish)},
             {"index", i}});
  }
  out.add(sse(json{{"candidates", std::move(candidates)},
                   {"usageMetadata", usage_metadata(plan)},
                   {"modelVersion", plan.model},
                   {"responseId", plan.id}}));
  return out;
}

}  // namespace litellm::sim::detail
