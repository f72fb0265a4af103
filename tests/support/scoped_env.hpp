// An environment variable set (or unset) for one scope, for tests of what reads the environment.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

namespace litellm::test {

/// Sets `name` to `value` (unsets it for nullptr) until the end of the scope, then restores what
/// was there. Not thread-safe, as setenv is not: use it where no other thread reads the
/// environment.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace litellm::test
