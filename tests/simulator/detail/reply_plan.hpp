// The reply to a chat request, decided once for every provider: the request normalized across
// providers (ChatInput), then what each choice says or which tools it calls (ReplyPlan). The
// wire files render it (openai_wire, anthropic_wire).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "exchange.hpp"
#include "text.hpp"

namespace litellm::sim::detail {

/// A tool the request offers: its name and its parameters' properties.
struct ToolSpec {
  std::string name;
  json properties;
};

/// A chat request, normalized across providers (parse_openai_chat, parse_anthropic_chat).
struct ChatInput {
  std::string model;
  bool stream = false;
  bool include_usage = false;
  int n = 1;
  std::optional<int> max_tokens;
  std::string last_user_text;
  bool last_is_user = false;
  std::optional<std::string> tool_result;
  std::vector<ToolSpec> tools;
  bool tool_choice_none = false;
  std::string forced_tool;
  bool parallel_allowed = true;
  int prompt_words = 0;
};

/// One tool call of a reply.
struct ToolCallPlan {
  std::string id;
  std::string name;
  json input;
  std::string arguments;  // input.dump()
};

/// One choice of a reply: text (as words) or tool calls.
struct ChoicePlan {
  std::vector<std::string> words;   // text replies
  std::vector<ToolCallPlan> calls;  // tool call replies
  std::string finish;               // "stop", "length" or "tool_calls"
  std::string text() const { return join(words, " "); }
  // Stream chunk j's text: the word and, unless it is the last, the space after it.
  std::string word_chunk(std::size_t j) const {
    return j + 1 < words.size() ? words[j] + " " : words[j];
  }
};

/// The reply to a chat request, before any provider's rendering.
struct ReplyPlan {
  std::string id;
  std::string model;
  long long created = 0;
  std::vector<ChoicePlan> choices;
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

/// The reply to `in` (see simulator.hpp, "Content" and "Tools"). Throws BadRequest when
/// tool_choice names a tool that is not offered.
ReplyPlan make_plan(const ChatInput& in, const Exchange& ex);

}  // namespace litellm::sim::detail
