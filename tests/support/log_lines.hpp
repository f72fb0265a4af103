// The lines a backend writes (its logger, curl's verbose trace), kept for tests that check what
// the library said. Thread-safe: asynchronous calls log on the engine's I/O thread.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "litellm/backend.hpp"

namespace litellm::test {

/// Every line given to `add`, to the `logger()` or to the `verbose_log()`, in order.
class LogLines {
 public:
  /// Keeps `line`.
  void add(const std::string& line) {
    std::lock_guard<std::mutex> lock(mutex_);
    lines_.push_back(line);
  }

  /// A BackendOptions::logger that keeps every line (the level is not kept).
  Logger logger() {
    return [this](LogLevel, const std::string& line) { add(line); };
  }

  /// A curl verbose_log that keeps every line of the trace.
  std::function<void(const std::string&)> verbose_log() {
    return [this](const std::string& line) { add(line); };
  }

  /// The lines kept so far.
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace litellm::test
