// Access to the recorded provider responses in tests/data/llm-vectors.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#ifndef LITELLM_TEST_DATA_DIR
#error "LITELLM_TEST_DATA_DIR must point at tests/data"
#endif

namespace litellm::test {

/// The bytes of tests/data/<relative>, exactly as stored.
inline std::string read_data_file(const std::string& relative) {
  const std::string path = std::string(LITELLM_TEST_DATA_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open test data file " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The bytes of a recorded vector, e.g. vector_file("openai/stream_text.sse").
inline std::string vector_file(const std::string& relative) {
  return read_data_file("llm-vectors/" + relative);
}

}  // namespace litellm::test
