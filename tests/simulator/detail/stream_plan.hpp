// A stream as the list of its events, built before the first is written (openai_stream,
// anthropic_stream, gemini_stream, bedrock_stream) and written by
// ProviderSimulator::Impl::write_stream (faults.cpp).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exchange.hpp"

namespace litellm::sim::detail {

/// One SSE event of a stream: literal text, or a template filled with a JSON string when it is
/// written (so that a long stream starts at once and costs one string escape per word).
struct StreamEvent {
  std::string text;  // the event, or the word when template_index is set
  std::size_t template_index = 0;
  bool templated = false;
};

/// A stream as a list of SSE events; events from `terminal_from` on end the stream (finish
/// chunks, usage, [DONE] / message_delta, message_stop).
struct StreamPlan {
  Provider provider = Provider::openai;
  std::vector<StreamEvent> events;
  std::vector<std::pair<std::string, std::string>> templates;  // text before / after the value
  std::size_t terminal_from = 0;
  std::size_t content_from = 0;  // content deltas are valid from this event on (Anthropic: 3)
  std::optional<std::size_t> content_template;  // choice 0's text delta, when it has text
  /// Choice 0's text delta, rendered whole, for wires whose events cannot be templated (Bedrock's
  /// binary frames carry lengths and CRCs); empty when content_template serves.
  std::function<std::string(const std::string& text)> content_event;

  void add(std::string text) { events.push_back(StreamEvent{std::move(text), 0, false}); }
  void add_word(std::size_t template_index, std::string word) {
    events.push_back(StreamEvent{std::move(word), template_index, true});
  }
  /// Adds a template: `rendered` with the JSON string "\u0001" where the value goes.
  std::size_t add_template(const std::string& rendered) {
    static const std::string marker = "\"\\u0001\"";
    const std::size_t at = rendered.find(marker);
    templates.emplace_back(rendered.substr(0, at), rendered.substr(at + marker.size()));
    return templates.size() - 1;
  }
  std::size_t size() const { return events.size(); }
  std::string render(std::size_t i) const {
    const StreamEvent& e = events[i];
    return e.templated ? fill(e.template_index, e.text) : e.text;
  }
  /// True when choice 0 has a text delta that a flood or endless fault can repeat.
  bool has_content_delta() const { return content_template.has_value() || bool(content_event); }
  /// Choice 0's text delta carrying `text`.
  std::string content_delta(const std::string& text) const {
    return content_event ? content_event(text) : fill(*content_template, text);
  }
  /// Template `index` with this value.
  std::string fill(std::size_t index, const std::string& value) const {
    const auto& t = templates[index];
    return t.first + json(value).dump() + t.second;
  }
};

/// The value a template is rendered with, where StreamPlan::fill puts its value.
inline constexpr const char* kTemplateValue = "\x01";

}  // namespace litellm::sim::detail
