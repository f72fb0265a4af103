// Fuzzes the SSE parser: any bytes, fed in pieces whose sizes come from the input, with small
// limits so the limit paths are reached; the events must not depend on the split.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/sse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t piece = 1 + data[0] % 31;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  litellm::SseParserOptions limits;
  limits.max_line_bytes = 512;
  limits.max_event_bytes = 1024;

  auto run = [&](std::size_t step, std::vector<std::string>& out) -> bool {
    litellm::SseParser parser(limits);
    auto on_event = [&](const litellm::SseEvent& event) {
      out.push_back(event.event + '\x1f' + event.data + '\x1f' + event.id);
    };
    try {
      for (std::size_t pos = 0; pos < bytes.size(); pos += step) {
        parser.feed(bytes.substr(pos, step), on_event);
        if (parser.buffered_bytes() > limits.max_line_bytes + limits.max_event_bytes + 2) {
          __builtin_trap();  // memory must stay bounded
        }
      }
      parser.finish(on_event);
      return true;
    } catch (const litellm::ProtocolError&) {
      return false;
    }
  };
  std::vector<std::string> whole, pieces;
  const bool whole_ok = run(bytes.size() + 1, whole);
  const bool pieces_ok = run(piece, pieces);
  if (whole_ok && pieces_ok && whole != pieces) __builtin_trap();  // split-independent
  return 0;
}
