// Fuzzes the AWS event-stream decoder: any bytes, fed whole and in pieces whose size comes from
// the input, with a small message limit so the limit paths are reached. The messages must not
// depend on the split, the buffered bytes stay under the limit, and every decoded message
// encodes back to the bytes it came from.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "litellm/detail/aws_eventstream.hpp"
#include "litellm/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t piece = 1 + data[0] % 31;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr std::size_t kLimit = 4096;

  auto run = [&](std::size_t step, std::vector<std::string>& out) -> bool {
    litellm::detail::EventStreamDecoder decoder(kLimit);
    litellm::SseEvent event;
    auto on_message = [&](const litellm::detail::EventStreamMessage& message) {
      const std::string encoded =
          litellm::detail::encode_event_message(message.headers, message.payload);
      litellm::detail::sse_event_of(message, event);
      out.push_back(encoded);
    };
    try {
      for (std::size_t pos = 0; pos < bytes.size(); pos += step) {
        decoder.feed(bytes.substr(pos, step), on_message);
        if (decoder.buffered() > kLimit) __builtin_trap();  // memory must stay bounded
      }
      decoder.finish();
      return true;
    } catch (const litellm::ProtocolError&) {
      return false;
    }
  };
  std::vector<std::string> whole, pieces;
  const bool whole_ok = run(bytes.size() + 1, whole);
  const bool pieces_ok = run(piece, pieces);
  if (whole_ok != pieces_ok) __builtin_trap();        // errors do not depend on the split either
  if (whole_ok && whole != pieces) __builtin_trap();  // split-independent
  if (whole_ok) {
    // The messages, encoded again, are the input.
    std::string joined;
    for (const std::string& message : whole) joined += message;
    if (joined != bytes) __builtin_trap();
  }
  return 0;
}
