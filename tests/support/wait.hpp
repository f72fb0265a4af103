// Waiting for a condition that another thread or process makes true, without sleeping: the
// rule of these tests is to wait on the condition, bounded, never for a fixed time.
#pragma once

#include <chrono>
#include <thread>

namespace litellm::test {

/// Checks `condition` until it holds (true) or `timeout` has passed (false), yielding between
/// two checks.
template <typename Condition>
bool eventually(Condition condition,
                std::chrono::steady_clock::duration timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

}  // namespace litellm::test
