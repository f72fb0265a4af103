// Fuzzes merging: the input's lines are chunks (JSON, possibly invalid or of any shape), fed to
// StreamAccumulator (both add paths), merge_streams and merge_delta_to_stream. Nothing may crash;
// only ProtocolError may be thrown; the two accumulator paths must agree. The lines are also
// parsed one after the other into one reused json (as a stream's chunks are for a chunk
// callback), which must give what json::parse gives each line alone.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/detail/fast_json.hpp"
#include "litellm/merge.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int n = data[0] % 4;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<litellm::json> chunks;
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  litellm::json reused;
  for (const std::string_view line : lines) {
    const litellm::json expected = litellm::json::parse(line, nullptr, false);
    const bool accepted = litellm::detail::parse_json(line, reused);
    // Depth aside (parse_json stops at 512 levels), the decisions and the DOMs must agree.
    if (accepted && (expected.is_discarded() || reused.dump() != expected.dump())) __builtin_trap();
    if (!accepted && !expected.is_discarded() && litellm::detail::is_valid_json(line)) {
      __builtin_trap();
    }
  }
  litellm::StreamAccumulator parsed(n);
  bool parsed_ok = true;
  for (const std::string_view line : lines) {
    litellm::json chunk = litellm::json::parse(line, nullptr, false);
    if (chunk.is_discarded()) continue;
    try {
      parsed.add(chunk);
    } catch (const litellm::ProtocolError&) {
      parsed_ok = false;
    }
    chunks.push_back(std::move(chunk));
  }
  litellm::StreamAccumulator from_text(n);
  bool text_ok = true;
  for (const std::string_view line : lines) {
    if (litellm::json::parse(line, nullptr, false).is_discarded()) continue;
    try {
      from_text.add_chunk_text(line);
    } catch (const litellm::ProtocolError&) {
      text_ok = false;
    }
  }
  if (parsed_ok && text_ok && parsed.completion() != from_text.completion()) __builtin_trap();
  (void)parsed.completion();
  (void)parsed.messages();
  try {
    (void)litellm::merge_streams(chunks, n);
  } catch (const litellm::ProtocolError&) {
  }
  litellm::json merged;
  for (const litellm::json& chunk : chunks) {
    litellm::merge_delta_to_stream(merged, chunk);
    if (chunk.is_object() && chunk.contains("choices") && chunk["choices"].is_array()) {
      for (const litellm::json& choice : chunk["choices"]) {
        if (choice.is_object() && choice.contains("delta")) {
          litellm::merge_delta_to_stream(merged, choice["delta"]);
        }
      }
    }
  }
  (void)litellm::finalize_message(merged);
  (void)parsed_ok;
  return 0;
}
