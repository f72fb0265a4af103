// The typed error a call throws, for tests that check its fields rather than only its class.
#pragma once

#include <optional>
#include <typeinfo>

#include "catch.hpp"

namespace litellm::test {

/// The `E` that `call()` throws, or nullopt when it returns; any other exception propagates.
template <class E, class Call>
std::optional<E> error_of(Call&& call) {
  try {
    call();
  } catch (const E& error) {
    return error;
  }
  return std::nullopt;
}

/// The `E` that `call()` throws; fails the test case when it returns.
template <class E, class Call>
E expect_error(Call&& call) {
  if (std::optional<E> error = error_of<E>(call)) return *error;
  FAIL("no " << typeid(E).name());
  throw;  // unreachable: FAIL throws
}

}  // namespace litellm::test
