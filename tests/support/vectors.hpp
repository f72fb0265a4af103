// Access to other projects' data read at test time (never committed to this repository):
// LITELLM_TEST_DATA_DIR/llm-vectors (recorded provider responses) and
// LITELLM_TEST_DATA_DIR/conformance (other clients' test cases). Test cases that read them are
// tagged [shared-data] and registered with litellm_add_test(... SHARED_DATA), which skips them,
// with the reason, when the folder is absent (tests/CMakeLists.txt).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#ifndef LITELLM_TEST_DATA_DIR
#error "LITELLM_TEST_DATA_DIR must be defined (empty when there is no test data)"
#endif

namespace litellm::test {

/// The data folder, or "" when the build found none.
inline std::string shared_data_dir() {
  return LITELLM_TEST_DATA_DIR;
}

/// The bytes of LITELLM_TEST_DATA_DIR/<relative>, exactly as stored.
/// @throws std::runtime_error when the file cannot be read.
inline std::string read_data_file(const std::string& relative) {
  const std::string dir = shared_data_dir();
  if (dir.empty()) {
    throw std::runtime_error("no test data folder (LITELLM_TEST_DATA_DIR) for " + relative +
                             ": tag the test case [shared-data]");
  }
  const std::string path = dir + "/" + relative;
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

/// Every recorded vector file, relative to LITELLM_TEST_DATA_DIR/llm-vectors ("openai/x.sse"),
/// sorted.
inline std::vector<std::string> vector_files() {
  const std::filesystem::path root = std::filesystem::path(shared_data_dir()) / "llm-vectors";
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) {
      out.push_back(std::filesystem::relative(entry.path(), root).generic_string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace litellm::test
