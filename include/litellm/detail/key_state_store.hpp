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
#include <functional>
#include <string>
#include <vector>

#include "litellm/detail/key_state.hpp"

namespace litellm::detail {

/// The keys one step reads and writes: their ids and this process's rows for them (parallel).
struct KeyStateScope {
  std::vector<const std::string*> ids;  ///< make_unique_api_info_key of each key.
  std::vector<KeyState*> states;        ///< This process's rows, refreshed by `exchange`.
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
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
