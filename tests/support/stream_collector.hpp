// What a streamed call's chunk callback saw, for tests that compare it with the completion or
// with the partial result an error carries.
#pragma once

#include <string>

#include "litellm/backend.hpp"
#include "text.hpp"

namespace litellm::test {

/// A chunk callback that counts the chunks and keeps the text they add (delta_text), and lets
/// the stream go on. Not thread-safe: read it after the call returned (or its future is ready).
struct StreamCollector {
  std::string text;  ///< The text of every chunk so far, in order.
  int chunks = 0;    ///< How many chunks arrived.

  /// The callback to pass to a streamed call; `*this` must outlive the call.
  ChunkCallback callback() {
    return [this](const json& chunk) {
      ++chunks;
      text += delta_text(chunk);
      return true;
    };
  }
};

}  // namespace litellm::test
