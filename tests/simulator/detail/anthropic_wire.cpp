// The Anthropic Messages wire format (see anthropic_wire.hpp).
#include "anthropic_wire.hpp"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "text.hpp"

namespace litellm::sim::detail {
namespace {

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

const char* anthropic_stop_reason(const std::string& finish) {
  if (finish == "length") return "max_tokens";
  if (finish == "tool_calls") return "tool_use";
  return "end_turn";
}

}  // namespace

json anthropic_error(const std::string& type, const std::string& message,
                     const std::string& request_id) {
  return json{{"type", "error"},
              {"error", json{{"type", type}, {"message", message}}},
              {"request_id", request_id}};
}

json anthropic_status_error(int status, const std::string& request_id) {
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
  return anthropic_error(type, message, request_id);
}

json anthropic_rate_limit_error(long long whole, const std::string& request_id) {
  return anthropic_error("rate_limit_error",
                         "This request would exceed the rate limit for your organization. "
                         "Please try again in " +
                             std::to_string(whole) + " seconds.",
                         request_id);
}

json anthropic_quota_error(const std::string& request_id) {
  return anthropic_error("invalid_request_error",
                         "Your credit balance is too low to access the Anthropic API. Please "
                         "go to Plans & Billing to upgrade or purchase credits.",
                         request_id);
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

}  // namespace litellm::sim::detail
