// The OpenAI and Azure OpenAI wire formats (see openai_wire.hpp).
#include "openai_wire.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

#include "text.hpp"

namespace litellm::sim::detail {
namespace {

constexpr const char* kSystemFingerprint = "fp_sim";

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

json openai_usage(const ReplyPlan& plan) {
  return json{{"prompt_tokens", plan.prompt_tokens},
              {"completion_tokens", plan.completion_tokens},
              {"total_tokens", plan.prompt_tokens + plan.completion_tokens}};
}

}  // namespace

json openai_error(const std::string& message, const std::string& type, json code, json param) {
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

json openai_status_error(int status, bool azure) {
  if (azure && (status == 401 || status == 404)) {
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

json openai_rate_limit_error(long long whole) {
  return openai_error(
      "Rate limit reached for requests. Please try again in " + std::to_string(whole) + "s.",
      "requests", "rate_limit_exceeded");
}

json azure_rate_limit_error(Route route, const std::string& api_version, long long whole) {
  return azure_gateway_error(
      429, std::string("Requests to the ") +
               (route == Route::embeddings ? "Embeddings_Create" : "ChatCompletions_Create") +
               " Operation under Azure OpenAI API version " + api_version +
               " have exceeded call rate limit of your current OpenAI S0 pricing tier. "
               "Please retry after " +
               std::to_string(whole) +
               " seconds. Please go here: https://aka.ms/oai/quotaincrease if you would "
               "like to further increase the default rate limit.");
}

json openai_quota_error() {
  return openai_error(
      "You exceeded your current quota, please check your plan and billing "
      "details. For more information on this error, read the docs: "
      "https://platform.openai.com/docs/guides/error-codes/api-errors.",
      "insufficient_quota", "insufficient_quota");
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

}  // namespace litellm::sim::detail
