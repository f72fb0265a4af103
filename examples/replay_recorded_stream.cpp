// Replays a recorded OpenAI-format SSE stream through the parser and the accumulator, as the
// backend does with live bytes, and prints each choice's text as it grows, then the rebuilt
// chat.completion. The file is any saved stream: run-demo.sh records one from the bundled
// simulator with curl; examples/sample_stream.sse is a small one written by hand.
//
//   replay_recorded_stream <file.sse> [chunk-size]
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <litellm/litellm.hpp>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: " << argv[0] << " <file.sse> [bytes-per-read]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::cerr << "cannot open " << argv[1] << "\n";
    return 1;
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string body = bytes.str();
  const std::size_t step = argc > 2 ? std::stoul(argv[2]) : 64;  // as if read from a socket

  litellm::SseParser parser;
  litellm::StreamAccumulator accumulator(1);
  bool done = false;
  auto on_event = [&](const litellm::SseEvent& event) {
    if (event.data == "[DONE]") {
      done = true;
      return;
    }
    const auto chunk = litellm::json::parse(event.data);
    for (const auto& choice : chunk.value("choices", litellm::json::array())) {
      if (choice.value("index", 0) != 0) continue;  // print the first choice only
      const auto delta = choice.value("delta", litellm::json::object());
      if (delta.contains("content") && delta["content"].is_string()) {
        std::cout << delta["content"].get<std::string>() << std::flush;
      }
    }
    accumulator.add(chunk);
  };
  try {
    for (std::size_t pos = 0; pos < body.size(); pos += step) {
      parser.feed(std::string_view(body).substr(pos, step), on_event);
    }
    parser.finish(on_event);
  } catch (const litellm::Error& e) {
    std::cerr << "\n" << e.what() << "\n";
    return 1;
  }
  std::cout << "\n\n"
            << accumulator.chunk_count() << " chunks, " << (done ? "[DONE] seen" : "no [DONE]")
            << "; the rebuilt chat.completion:\n"
            << accumulator.completion().dump(2) << "\n";
  return 0;
}
