#pragma once

// Gemini's stream events (whole GenerateContentResponses) -> OpenAI chat.completion.chunk
// objects (GeminiStreamTranslator). The mapping is documented in
// include/litellm/providers/gemini.hpp.
#include "litellm/providers/gemini.hpp"

#include <utility>

// The JSON member helpers and the shared mappings (choice, finish reason, usage).
#include "litellm/impl/gemini-inl.hpp"

namespace litellm {

LITELLM_INLINE bool GeminiStreamTranslator::finished() const noexcept {
  if (choices_.empty()) return false;
  for (const auto& [index, choice] : choices_) {
    if (!choice.finished) return false;
  }
  return true;
}

LITELLM_INLINE void GeminiStreamTranslator::on_event(const SseEvent& event,
                                                     std::vector<json>& out) {
  const json data = json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded() || !data.is_object()) {
    const std::string head = event.data.substr(0, 80);
    throw ProtocolError("a gemini stream event is not a JSON object: '" + head +
                        (event.data.size() > 80 ? "...'" : "'"));
  }
  on_response(data, out);
}

LITELLM_INLINE void GeminiStreamTranslator::on_response(const json& response,
                                                        std::vector<json>& out) {
  if (!response.is_object()) throw ProtocolError("a gemini stream event is not a JSON object");
  if (const json* error = detail::member(response, "error")) {
    rethrow_as_kind(error_from_stream_event(*error, provider_, error_shape_));
  }
  const json* candidates = detail::member(response, "candidates");
  const bool has_candidates =
      candidates != nullptr && candidates->is_array() && !candidates->empty();
  if (!has_candidates) {
    if (const json* feedback = detail::member(response, "promptFeedback")) {
      rethrow_as_kind(gemini_blocked_error(*feedback, provider_));
    }
  }
  if (!started_) {
    started_ = true;
    id_ = detail::string_member(response, "responseId");
    model_ = detail::string_member(response, "modelVersion");
    created_ = detail::unix_now();
  }
  json chunk{{"id", id_},
             {"object", "chat.completion.chunk"},
             {"created", created_},
             {"model", model_},
             {"choices", json::array()}};
  bool carries_finish = false;
  if (has_candidates) {
    for (std::size_t i = 0; i < candidates->size(); ++i) {
      const json* given = detail::member((*candidates)[i], "index");
      const long long index = given != nullptr && given->is_number_integer()
                                  ? given->get<long long>()
                                  : static_cast<long long>(i);
      const bool first = choices_.count(index) == 0;
      Choice& state = choices_[index];
      // Generated ids count the choice's calls across events.
      json choice = gemini_choice((*candidates)[i], i, state.tool_calls);
      json& message = choice["message"];
      json delta = json::object();
      if (first) delta["role"] = "assistant";
      if (message["content"].is_string()) delta["content"] = std::move(message["content"]);
      if (const json* reasoning = detail::member(message, "reasoning_content")) {
        delta["reasoning_content"] = *reasoning;
      }
      if (const json* calls = detail::member(message, "tool_calls")) {
        json indexed = json::array();
        for (const json& call : *calls) {
          json one = call;
          one["index"] = state.tool_calls;
          indexed.push_back(std::move(one));
          ++state.tool_calls;
        }
        delta["tool_calls"] = std::move(indexed);
      }
      json finish = nullptr;
      if (const json* reason = detail::member((*candidates)[i], "finishReason")) {
        finish = gemini_finish_reason(*reason, state.tool_calls > 0);
        state.finished = true;
        carries_finish = true;
      }
      chunk["choices"].push_back(json{{"index", index},
                                      {"delta", std::move(delta)},
                                      {"logprobs", nullptr},
                                      {"finish_reason", std::move(finish)}});
    }
  }
  if (const json* usage = detail::member(response, "usageMetadata");
      usage != nullptr && (carries_finish || !has_candidates)) {
    chunk["usage"] = gemini_usage(*usage);
  }
  if (!has_candidates && !chunk.contains("usage")) return;  // nothing to say
  out.push_back(std::move(chunk));
}

}  // namespace litellm
