/// @file
/// Merging streamed chat-completion deltas: the Python original's `merge_delta_to_stream` and
/// `merge_streams`, with their semantics fixed, and `StreamAccumulator`, which rebuilds the whole
/// `chat.completion` object the non-streaming endpoint would have returned.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "litellm/errors.hpp"

namespace litellm {

class StreamAccumulator;
namespace detail {
/// add_chunk_text for the stream sink: false, merging nothing, when the chunk is an in-band error
/// (a top-level `error` member that is not null), which goes to the stream translator instead;
/// the one read of the text decides both (impl/stream_accumulator-inl.hpp).
bool add_chunk_text_unless_error(StreamAccumulator& accumulator, std::string_view chunk_json);
}  // namespace detail

/// The most choices (`n`) a stream may carry; a choice index at or above it is a ProtocolError
/// (this bounds memory whatever a server sends; OpenAI allows n <= 128).
inline constexpr int kMaxStreamChoices = 1024;

/// Merges one streamed `delta` object into `merged_stream` and returns `merged_stream`.
///
/// - objects merge recursively; strings concatenate (`content`, `refusal`,
///   `reasoning_content`, `function_call.arguments`, `tool_calls[].function.arguments`, ...);
/// - identity fields are set once and never concatenated: `role`, `type`, `id`, `name`
///   (a later value replaces only an absent, null or empty one);
/// - `tool_calls` merge by `index`; a fragment without `index` goes to the call with its `id`, or
///   opens a new call when its `id` is new, else goes to the last call; a new `id` on an index
///   whose call already has a different id opens a new call (servers that always send index 0).
///   Merged calls keep their `index` so later fragments find them;
/// - `null` never overwrites and never throws; other arrays append; numbers and booleans take the
///   latest value; a value of another type replaces the old one.
///
/// A null or non-object `delta` leaves `merged_stream` unchanged; a null `merged_stream` becomes
/// an object.
LITELLM_API json& merge_delta_to_stream(json& merged_stream, const json& delta);

/// Merges a whole stream of `chat.completion.chunk` objects into one message per choice.
///
/// Returns `max(n_chat_completion_choices, highest choice index + 1)` messages, in index order,
/// each with `role` ("assistant" unless the stream said otherwise) and `content` (the text, or
/// null when the choice produced none, as the non-streaming API returns), plus every other field
/// the deltas carried (`tool_calls` without their `index`, `function_call`, `refusal`,
/// `reasoning_content`, ...) when not null. Chunks with absent or empty `choices` (usage chunks,
/// Azure prompt-filter chunks) are skipped.
///
/// @throws ProtocolError when a choice index is negative, not an integer, or >= kMaxStreamChoices.
LITELLM_API std::vector<json> merge_streams(const std::vector<json>& streamed_response,
                                            int n_chat_completion_choices);

/// Rebuilds the `chat.completion` object of a stream, chunk by chunk.
///
/// Feed every `chat.completion.chunk` with `add` (or its JSON text with `add_chunk_text`);
/// `completion()` then returns what the non-streaming endpoint would have returned: `id`,
/// `object: "chat.completion"`, `created`, `model`, `system_fingerprint` / `service_tier` when
/// sent, per choice `index`, `message` (as `merge_streams` builds it), `logprobs` (merged, or
/// null) and `finish_reason`, plus `usage` from the usage chunk and Azure's
/// `prompt_filter_results`. Identity fields (`id`, `model`, `created`, ...) come from the first
/// chunk that has a non-empty value (Azure's prompt-filter chunk carries empty ones). Other
/// per-choice fields (Azure's `content_filter_results`) keep the latest value that is not null
/// or an empty object: they are replaced, never merged.
///
/// A choice that never got a `finish_reason` but whose latest delta held nothing but
/// `audio.expires_at`, after a complete audio (`id`, `data`, `transcript` and `expires_at` all
/// received), finished with "stop": OpenAI's audio streams may end with that marker instead of a
/// final finish_reason (openai-node infers the same). `completion()` reports it and
/// `all_choices_finished()` counts it, whichever way the chunks were added.
///
/// It may be read at any time: after a broken stream, `completion()` is the partial result.
class LITELLM_API StreamAccumulator {
 public:
  /// @param n_choices the `n` requested: at least this many choices are reported (clamped to
  ///        0..kMaxStreamChoices).
  explicit StreamAccumulator(int n_choices = 1);

  /// Merges one chunk. Non-object chunks and chunks without choices only contribute their
  /// top-level fields (`usage`, ids, filter results).
  /// @throws ProtocolError on a choice index that is negative, not an integer or too large.
  void add(const json& chunk);

  /// As `add(const json&)`, but moves strings and arrays out of `chunk` instead of copying
  /// them (the fast path when the chunk was just parsed and is not needed afterwards).
  /// @throws ProtocolError on a choice index that is negative, not an integer or too large.
  void add(json&& chunk);

  /// Merges a chunk given as its JSON text (an SSE data payload): the same result as
  /// `add(json::parse(text))`, several times faster: the text is read once, into an index of
  /// its values that the merge reads (strings go from the text straight to where they are
  /// appended), and no DOM is built but for values kept whole (usage, ...). The same merge
  /// code serves every add. The text is validated in full, exactly as json::parse would (invalid
  /// UTF-8, numbers that overflow a double, trailing garbage, ...), except that containers nested
  /// more than 512 deep are rejected; a rejected chunk leaves the accumulator unchanged.
  /// @throws ProtocolError for text that is not valid JSON (and for the same index problems as
  ///         add).
  void add_chunk_text(std::string_view chunk_json);

  /// The number of chunks added so far.
  std::size_t chunk_count() const noexcept { return chunk_count_; }

  /// True once at least one choice has been seen and every seen choice has a finish_reason
  /// (sent, or inferred from an audio stream's end marker, see above).
  bool all_choices_finished() const noexcept;

  /// The `usage` object of the stream, or nullptr when no chunk carried one.
  const json* usage() const noexcept { return usage_.is_null() ? nullptr : &usage_; }

  /// The accumulated `chat.completion` (partial if the stream has not finished).
  json completion() const;

  /// The accumulated messages, exactly as `merge_streams` returns them.
  std::vector<json> messages() const;

 private:
  struct Choice {
    json message = json::object();  // merged deltas
    json logprobs;                  // merged logprobs, null when none
    json finish_reason;             // latest non-null finish_reason
    json extra = json::object();    // other choice fields (content_filter_results, ...): latest
    /// What the delta of the choice's latest choice object held: 0 nothing (or no delta), 1
    /// only an audio end marker (`audio.expires_at`), 2 anything else.
    unsigned char last_delta = 0;
  };
  struct Impl;  // the merge code, in impl/stream_accumulator-inl.hpp
  friend struct Impl;
  friend bool detail::add_chunk_text_unless_error(StreamAccumulator&, std::string_view);

  int n_choices_;
  std::size_t chunk_count_ = 0;
  unsigned identity_settled_ = 0;  // bits of the top identity fields that have a non-empty value
  std::map<int, Choice> choices_;
  json top_ = json::object();  // id, created, model, system_fingerprint, ... first non-empty
  json usage_;
};

/// Turns a merged delta (the result of `merge_delta_to_stream` calls) into a message as the
/// non-streaming API returns it: `role` defaulted to "assistant", empty or absent `content` as
/// null, `index` removed from tool calls and their `type` defaulted to "function" (the API
/// rejects an assistant tool call without it), null fields dropped.
LITELLM_API json finalize_message(json merged_delta);

}  // namespace litellm

#include "litellm/detail/header_end.hpp"
