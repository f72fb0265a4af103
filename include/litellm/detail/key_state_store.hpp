// The seam between the key pool and a key-state store shared by several processes.
//
// `memory://` (the default) has no store: the pool's rows (KeyState) are the truth, guarded by the
// registry's mutex, exactly as before stores existed. With a store (`shm://`, `redis://`), the
// shared rows are the truth and each process's rows are a cache: every step of the pool (choose,
// end a lease, report, undo, restore, snapshot) runs through `exchange`, which makes it atomic
// across processes and copies the shared rows in before and out after. The pool's logic is the
// same code with and without a store, so the choice semantics cannot drift between them.
//
// Other processes cannot wake a thread waiting for a key here: a waiting caller sleeps until the
// earliest deadline the shared rows say, and at most `recheck_interval` between two looks (a
// lease ended or a cooldown cleared elsewhere can make a key ready sooner).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "litellm/call_cost.hpp"
#include "litellm/detail/key_state.hpp"
#include "litellm/detail/rate_budget.hpp"

namespace litellm::detail {

/// The keys one step reads and writes: their ids and this process's rows for them (parallel).
struct KeyStateScope {
  std::vector<const std::string*> ids;  ///< make_unique_api_info_key of each key.
  std::vector<KeyState*> states;        ///< This process's rows, refreshed by `exchange`.
  /// The pool's identity: a hash of its sorted key ids (Redis keeps one pool's rows in one
  /// Cluster hash slot, tagged by it).
  std::uint64_t pool = 0;
};

/// What a server-side choice is asked (KeyStateStore::choose): the pool's rules.
struct KeyChoiceRequest {
  BudgetDuration gap{};            ///< wait_per_key plus one tick (a key is ready strictly after).
  const CallCost* cost = nullptr;  ///< The call's demand; nullptr: none (budgets not consulted).
  bool pace = false;               ///< The budgets gate the choice (else only their cooldowns).
  std::vector<const std::string*> models;  ///< With a demand: the model of each key.
  /// With a demand: this process's budget of each key and model (a budget the store does not
  /// hold yet starts as this one: configured limits).
  std::vector<RateBudget*> budgets;
};

/// What a server-side choice came to.
struct KeyChoice {
  /// The outcomes.
  enum class Result {
    chosen,       ///< `index` was chosen and stamped at `at`.
    none_ready,   ///< No key is ready before `earliest`.
    all_out,      ///< Every key is out of rotation (the rows are loaded, with their reasons).
    daily_quota,  ///< Every key in rotation waits for a per-day quota (rows loaded).
  };
  Result result = Result::none_ready;       ///< What happened.
  std::size_t index = 0;                    ///< chosen: the key, in scope order.
  BudgetTime at{};                          ///< chosen: the stamp (on this process's steady clock).
  std::optional<BudgetTime> previous;       ///< chosen: its use before (undo_use puts it back).
  BudgetTime earliest = BudgetTime::max();  ///< none_ready: when the earliest key is ready.
};

/// A key-state store shared by processes (one concept: atomic steps on shared key rows).
class KeyStateStore {
 public:
  virtual ~KeyStateStore() = default;

  /// The URL it was opened with, without any password: for messages.
  virtual const std::string& url() const noexcept = 0;
  /// The longest a caller waiting for a key sleeps before it looks at the shared rows again.
  virtual std::chrono::milliseconds recheck_interval() const noexcept = 0;
  /// Runs `step` atomically across processes: the shared rows of the keys in `scope`, with all
  /// their budgets, are copied into `scope.states` before it and back after it. A step that
  /// throws stores nothing. Called with the registry's mutex held.
  virtual void exchange(KeyStateScope& scope, const std::function<void()>& step) = 0;
  /// Chooses, stamps and reserves in one server-side step (Redis: one round trip), with the
  /// pool's semantics, and mirrors the result into `scope.states`. false: this store does not
  /// choose server-side (shm), or cannot now (Redis unavailable): the caller runs its own choice
  /// through `exchange`.
  virtual bool choose(KeyStateScope& scope, const KeyChoiceRequest& request, KeyChoice& choice) {
    (void)scope;
    (void)request;
    (void)choice;
    return false;
  }
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
