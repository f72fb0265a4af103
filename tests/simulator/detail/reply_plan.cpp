// The reply to a chat request (see reply_plan.hpp).
#include "reply_plan.hpp"

#include <algorithm>
#include <cstddef>
#include <ctime>
#include <utility>

namespace litellm::sim::detail {
namespace {

constexpr std::size_t kUserTextChars = 200;

json arguments_for(const json& properties) {
  json args = json::object();
  if (!properties.is_object()) return args;
  for (const auto& item : properties.items()) {
    std::string type;
    const json& schema = item.value();
    if (schema.is_object() && schema.contains("type")) {
      const json& t = schema["type"];
      if (t.is_string()) {
        type = t.get<std::string>();
      } else if (t.is_array()) {
        for (const json& alternative : t) {
          if (alternative.is_string() && alternative != "null") {
            type = alternative.get<std::string>();
            break;
          }
        }
      }
    }
    if (type == "string") {
      args[item.key()] = "sim";
    } else if (type == "number" || type == "integer") {
      args[item.key()] = 42;
    } else if (type == "boolean") {
      args[item.key()] = true;
    } else {
      args[item.key()] = nullptr;
    }
  }
  return args;
}

}  // namespace

ReplyPlan make_plan(const ChatInput& in, const Exchange& ex) {
  const bool anthropic = ex.provider == Provider::anthropic;
  // Anthropic and Bedrock: one choice, and max_tokens is a cap, as for the real models.
  const bool capped = anthropic || ex.provider == Provider::bedrock;
  ReplyPlan plan;
  plan.id = (anthropic ? "msg_sim_" : "chatcmpl-sim-") + std::to_string(ex.number);
  plan.model = ex.provider == Provider::azure ? ex.deployment : in.model;
  plan.created = static_cast<long long>(std::time(nullptr));
  plan.prompt_tokens = in.prompt_words;

  std::vector<const ToolSpec*> selected;
  if (!in.tools.empty() && !in.tool_choice_none && in.last_is_user && !in.tool_result) {
    if (!in.forced_tool.empty()) {
      auto it = std::find_if(in.tools.begin(), in.tools.end(),
                             [&](const ToolSpec& t) { return t.name == in.forced_tool; });
      if (it == in.tools.end()) {
        throw BadRequest{"tool_choice names a tool that is not in tools: " + in.forced_tool,
                         "tool_choice"};
      }
      selected.push_back(&*it);
    } else {
      selected.push_back(&in.tools[0]);
      if (in.tools.size() > 1 && in.parallel_allowed &&
          to_lower(in.last_user_text).find("parallel") != std::string::npos) {
        selected.push_back(&in.tools[1]);
      }
    }
  }

  const int choices = capped ? 1 : in.n;
  int call_number = 0;
  for (int i = 0; i < choices; ++i) {
    ChoicePlan choice;
    if (!selected.empty()) {
      for (const ToolSpec* tool : selected) {
        ToolCallPlan call;
        call.id = (anthropic ? "toolu_sim_" : "call_sim_") + std::to_string(call_number++);
        call.name = tool->name;
        call.input = arguments_for(tool->properties);
        call.arguments = call.input.dump();
        plan.completion_tokens += 1 + static_cast<int>(call.input.size());
        choice.calls.push_back(std::move(call));
      }
      choice.finish = "tool_calls";
    } else {
      std::string text;
      if (in.tool_result) {
        text = "Tool result received: " + *in.tool_result;
      } else {
        text = "Hello from the simulator";
        if (choices > 1) text += " (choice " + std::to_string(i) + ")";
        text += ". You said: " + utf8_prefix(in.last_user_text, kUserTextChars);
      }
      choice.words = split_words(text);
      choice.finish = "stop";
      if (in.max_tokens) {
        const auto limit = static_cast<std::size_t>(*in.max_tokens);
        if (!capped) {
          // Exactly N words, padded: benchmarks rely on streams of exactly N chunks.
          choice.words.resize(limit, "lorem");
          choice.finish = "length";
        } else if (choice.words.size() >= limit) {
          // Anthropic always sends max_tokens (clients default it), so it is a cap, as for
          // the real models: cut at N words, never padded.
          choice.words.resize(limit);
          choice.finish = "length";
        }
      }
      plan.completion_tokens += static_cast<int>(choice.words.size());
    }
    plan.choices.push_back(std::move(choice));
  }
  return plan;
}

}  // namespace litellm::sim::detail
