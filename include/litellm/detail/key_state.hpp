// The state of one key as this process holds it: the key pool's table row (KeyRegistry), and,
// with a shared key-state store (key_state_store.hpp), this process's copy of the shared row,
// refreshed at every step the pool takes under the store's lock.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "litellm/detail/rate_budget.hpp"
#include "litellm/errors.hpp"

namespace litellm::detail {

/// One key's row: last use, cooldown, rotation, counters and its rate budgets by model.
struct KeyState {
  std::optional<BudgetTime> last_use;
  BudgetTime cooldown_until{};
  bool in_rotation = true;
  ErrorKind disabled_kind = ErrorKind::auth;
  std::string disabled_reason;
  std::string last_error;
  std::uint64_t uses = 0;
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;
  std::uint64_t rate_limits = 0;
  int consecutive_rate_limits = 0;
  int in_flight = 0;
  /// Rate budgets by model.
  std::unordered_map<std::string, std::unique_ptr<RateBudget>> budgets;
  /// Where a shared store keeps this key (its slot), once it has looked; -1: not yet.
  std::int64_t shared_slot = -1;
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
