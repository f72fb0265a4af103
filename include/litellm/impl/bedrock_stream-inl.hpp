#pragma once

// Bedrock ConverseStream events -> OpenAI chunks (documented in
// include/litellm/providers/bedrock.hpp).
#include "litellm/providers/bedrock.hpp"

#include <utility>

#include "litellm/detail/fast_json.hpp"

namespace litellm {

LITELLM_INLINE BedrockStreamTranslator::BedrockStreamTranslator(std::string provider)
    : provider_(std::move(provider)),
      id_(detail::bedrock_completion_id()),
      created_(detail::unix_now()) {}

LITELLM_INLINE json BedrockStreamTranslator::make_chunk(json delta, json finish_reason) const {
  return json{{"id", id_},
              {"object", "chat.completion.chunk"},
              {"created", created_},
              {"model", ""},
              {"choices", json::array({json{{"index", 0},
                                            {"delta", std::move(delta)},
                                            {"logprobs", nullptr},
                                            {"finish_reason", std::move(finish_reason)}}})}};
}

LITELLM_INLINE void BedrockStreamTranslator::on_event(const SseEvent& event,
                                                      std::vector<json>& out) {
  json data;
  if (!detail::parse_json(event.data, data)) {
    if (event.id == "exception" || event.id == "error") data = json::object();
  }
  if (event.id == "exception" || event.id == "error") {
    ErrorDetails details;
    details.provider = provider_;
    details.error_type = event.event;
    details.provider_message = detail::string_member(data, "message");
    if (details.provider_message.empty())
      details.provider_message = detail::string_member(data, "Message");
    const ErrorKind kind = bedrock_error_kind(event.event, 0);
    throw_error(kind, "the stream reported " + event.event, std::move(details));
  }
  if (!data.is_object()) {
    throw ProtocolError("a Bedrock stream event (" + event.event + ") is not a JSON object");
  }
  const std::string& type = event.event;
  if (type == "messageStart") {
    out.push_back(make_chunk(json{{"role", "assistant"}, {"content", ""}}));
  } else if (type == "contentBlockStart") {
    const long long block = detail::count_member(data, "contentBlockIndex");
    const json* start = detail::member(data, "start");
    const json* tool = start != nullptr ? detail::member(*start, "toolUse") : nullptr;
    // A server tool's call (`type: server_tool_use`, run by Bedrock itself) is not the caller's
    // to run: left out, with its input and result.
    if (tool == nullptr || detail::string_member(*tool, "type") == "server_tool_use") return;
    const int index = tool_calls_++;
    tool_of_block_[block] = index;
    tool_args_[block] = false;
    out.push_back(make_chunk(
        json{{"tool_calls", json::array({json{{"index", index},
                                              {"id", detail::string_member(*tool, "toolUseId")},
                                              {"type", "function"},
                                              {"function",
                                               {{"name", detail::string_member(*tool, "name")},
                                                {"arguments", ""}}}}})}}));
  } else if (type == "contentBlockDelta") {
    const long long block = detail::count_member(data, "contentBlockIndex");
    const json* delta = detail::member(data, "delta");
    if (delta == nullptr) return;
    if (const json* text = detail::member(*delta, "text"); text && text->is_string()) {
      if (!text->get_ref<const std::string&>().empty()) {
        out.push_back(make_chunk(json{{"content", *text}}));
      }
    } else if (const json* tool = detail::member(*delta, "toolUse")) {
      const auto it = tool_of_block_.find(block);
      const std::string piece = detail::string_member(*tool, "input");
      if (it == tool_of_block_.end() || piece.empty()) return;
      tool_args_[block] = true;
      out.push_back(make_chunk(json{
          {"tool_calls",
           json::array({json{{"index", it->second}, {"function", {{"arguments", piece}}}}})}}));
    } else if (const json* thought = detail::member(*delta, "reasoningContent")) {
      const std::string text_piece = detail::string_member(*thought, "text");
      if (!text_piece.empty()) out.push_back(make_chunk(json{{"reasoning_content", text_piece}}));
    }
  } else if (type == "contentBlockStop") {
    const long long block = detail::count_member(data, "contentBlockIndex");
    const auto it = tool_of_block_.find(block);
    if (it != tool_of_block_.end() && !tool_args_[block]) {
      tool_args_[block] = true;
      out.push_back(make_chunk(
          json{{"tool_calls",
                json::array({json{{"index", it->second}, {"function", {{"arguments", "{}"}}}}})}}));
    }
  } else if (type == "messageStop") {
    const json* reason = detail::member(data, "stopReason");
    out.push_back(make_chunk(json::object(), bedrock_finish_reason(reason ? *reason : json())));
  } else if (type == "metadata") {
    const json* usage = detail::member(data, "usage");
    out.push_back(json{{"id", id_},
                       {"object", "chat.completion.chunk"},
                       {"created", created_},
                       {"model", ""},
                       {"choices", json::array()},
                       {"usage", bedrock_usage(usage != nullptr ? *usage : json::object())}});
    finished_ = true;
  }
}

}  // namespace litellm
