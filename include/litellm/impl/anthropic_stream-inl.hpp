#pragma once

// Anthropic's stream events -> OpenAI chat.completion.chunk objects (AnthropicStreamTranslator).
// The mapping is documented in include/litellm/providers/anthropic.hpp.
#include "litellm/providers/anthropic.hpp"

#include <utility>

// The JSON member helpers and the shared mappings (finish reason, usage).
#include "litellm/impl/anthropic-inl.hpp"

namespace litellm {

// ---- Streams -----------------------------------------------------------------------------------

LITELLM_INLINE json AnthropicStreamTranslator::make_chunk(json delta, json finish_reason) const {
  json choice{{"index", 0},
              {"delta", std::move(delta)},
              {"logprobs", nullptr},
              {"finish_reason", std::move(finish_reason)}};
  return json{{"id", id_},
              {"object", "chat.completion.chunk"},
              {"created", created_},
              {"model", model_},
              {"choices", json::array({std::move(choice)})}};
}

LITELLM_INLINE void AnthropicStreamTranslator::flush_start(std::vector<json>& out) {
  if (!start_pending_) return;
  // message_start's chunk, sent once the message has its first output, when its model is known
  // (a fallback block before any output names the model that answers).
  start_pending_ = false;
  out.push_back(make_chunk(json{{"role", "assistant"}, {"content", ""}}));
}

LITELLM_INLINE void AnthropicStreamTranslator::emit(std::vector<json>& out, json chunk) {
  flush_start(out);
  out.push_back(std::move(chunk));
}

LITELLM_INLINE void AnthropicStreamTranslator::on_event(const SseEvent& event,
                                                        std::vector<json>& out) {
  // After message_stop the message is complete: whatever follows (a proxy's `data: [DONE]`, a
  // stray event) is ignored.
  if (finished_) return;
  const json data = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded()) {
    const std::string head = event.data.substr(0, 80);
    throw ProtocolError("an anthropic stream event is not JSON: '" + head +
                        (event.data.size() > 80 ? "...'" : "'"));
  }
  std::string type = event.event;
  if (type.empty() || type == "message") type = detail::string_member(data, "type");
  if (type == "error") {
    const json* error = detail::member(data, "error");
    rethrow_as_kind(
        error_from_stream_event(error != nullptr ? *error : data, provider_, error_shape_));
  }
  if (!data.is_object()) throw ProtocolError("an anthropic stream event is not a JSON object");

  if (type == "message_start") {
    const json* message = detail::member(data, "message");
    if (message == nullptr) throw ProtocolError("message_start without a message");
    std::string id = detail::string_member(*message, "id");
    if (started_) {
      // The message is still open (no message_stop yet): the same message announced twice is
      // ignored; another message spliced into it would mix two answers.
      if (id == id_) return;
      throw ProtocolError("a second message_start (message '" + id.substr(0, 100) +
                          "') arrived while message '" + id_.substr(0, 100) + "' was still open");
    }
    started_ = true;
    id_ = std::move(id);
    model_ = detail::string_member(*message, "model");
    created_ = detail::unix_now();
    if (const json* usage = detail::member(*message, "usage");
        usage != nullptr && usage->is_object()) {
      usage_ = *usage;
    }
    start_pending_ = true;  // its chunk goes out with the message's first output
  } else if (type == "content_block_start") {
    const json* block = detail::member(data, "content_block");
    if (block == nullptr) return;
    const long long index = detail::count_member(data, "index");
    const std::string block_type = detail::string_member(*block, "type");
    if (block_type == "fallback") {
      // Another model answers from here on: the chunks, and so the completion, name it.
      const json* to = detail::member(*block, "to");
      if (std::string model = to != nullptr ? detail::string_member(*to, "model") : std::string();
          !model.empty()) {
        model_ = std::move(model);
      }
      return;
    }
    Block& state = blocks_[index];
    state = Block();
    if (block_type == "tool_use") {
      state.tool_index = tool_calls_++;
      if (const json* input = detail::member(*block, "input")) state.input = *input;
      json call{{"index", state.tool_index},
                {"id", detail::string_member(*block, "id")},
                {"type", "function"},
                {"function", {{"name", detail::string_member(*block, "name")}, {"arguments", ""}}}};
      emit(out, make_chunk(json{{"tool_calls", json::array({std::move(call)})}}));
    } else if (block_type == "text") {
      if (std::string text = detail::string_member(*block, "text"); !text.empty()) {
        emit(out, make_chunk(json{{"content", std::move(text)}}));
      }
    } else if (block_type == "thinking") {
      if (std::string thinking = detail::string_member(*block, "thinking"); !thinking.empty()) {
        emit(out, make_chunk(json{{"reasoning_content", std::move(thinking)}}));
      }
    }
  } else if (type == "content_block_delta") {
    const json* delta = detail::member(data, "delta");
    if (delta == nullptr) return;
    const std::string delta_type = detail::string_member(*delta, "type");
    if (delta_type == "text_delta") {
      if (std::string text = detail::string_member(*delta, "text"); !text.empty()) {
        emit(out, make_chunk(json{{"content", std::move(text)}}));
      }
    } else if (delta_type == "thinking_delta") {
      if (std::string thinking = detail::string_member(*delta, "thinking"); !thinking.empty()) {
        emit(out, make_chunk(json{{"reasoning_content", std::move(thinking)}}));
      }
    } else if (delta_type == "input_json_delta") {
      const auto it = blocks_.find(detail::count_member(data, "index"));
      if (it == blocks_.end() || it->second.tool_index < 0) return;  // e.g. server_tool_use
      std::string piece = detail::string_member(*delta, "partial_json");
      if (piece.empty()) return;
      it->second.got_arguments = true;
      json call{{"index", it->second.tool_index}, {"function", {{"arguments", std::move(piece)}}}};
      emit(out, make_chunk(json{{"tool_calls", json::array({std::move(call)})}}));
    }
    // signature_delta, citations_delta and newer deltas carry nothing OpenAI has.
  } else if (type == "content_block_stop") {
    const auto it = blocks_.find(detail::count_member(data, "index"));
    if (it == blocks_.end()) return;
    const Block block = std::move(it->second);
    blocks_.erase(it);
    if (block.tool_index >= 0 && !block.got_arguments) {
      // A tool without parameters streams no argument text: send its (empty) input instead.
      std::string arguments = block.input.is_object() ? block.input.dump() : std::string("{}");
      json call{{"index", block.tool_index}, {"function", {{"arguments", std::move(arguments)}}}};
      emit(out, make_chunk(json{{"tool_calls", json::array({std::move(call)})}}));
    }
  } else if (type == "message_delta") {
    if (const json* usage = detail::member(data, "usage"); usage != nullptr && usage->is_object()) {
      for (const auto& [key, value] : usage->items()) {
        if (!value.is_null()) usage_[key] = value;
      }
    }
    const json* delta = detail::member(data, "delta");
    const json* stop_reason = delta != nullptr ? detail::member(*delta, "stop_reason") : nullptr;
    json chunk = make_chunk(
        json::object(), anthropic_finish_reason(stop_reason != nullptr ? *stop_reason : json()));
    chunk["usage"] = anthropic_usage(usage_);
    emit(out, std::move(chunk));
  } else if (type == "message_stop") {
    flush_start(out);  // a message without any output still has its role chunk
    finished_ = true;
  }
  // ping and unknown event types: nothing.
}

}  // namespace litellm
