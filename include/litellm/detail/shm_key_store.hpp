// `shm://NAME`: the key state of every process of one host, in a POSIX shared-memory region
// (/dev/shm/litellm-NAME), without a server.
//
// Layout (version kShmLayoutVersion; any change of it bumps the version): a header, then a
// table of key slots (open addressing by a 64-bit hash of the key id, linear probing), then a
// table of budget slots (one per key and model, chained from their key slot, never freed).
// Times are steady-clock instants: CLOCK_MONOTONIC is one clock for the whole host.
// - Creation is race-free: the first process creates the region with O_CREAT|O_EXCL, sizes and
//   initialises it, then publishes `ready`; the others wait for `ready` (at most
//   kShmReadyTimeout) and check the magic, the layout version and the sizes: a region of another
//   version or size is a ConfigError naming both, never read as ours.
// - One process-shared robust mutex guards the tables. A process killed while holding it does
//   not wedge the others: the next locker gets EOWNERDEAD, marks it consistent and goes on with
//   the state as the dead process left it (every step writes whole fields: at worst one key's
//   step is half stored).
// - A full table is a ConfigError naming its capacity (options `keys` and `budgets` size a new
//   region).
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "litellm/detail/key_state_store.hpp"
#include "litellm/detail/key_state_url.hpp"
#include "litellm/detail/rate_budget.hpp"

namespace litellm::detail {

/// "LLMKEYS" and a zero: the first bytes of every region.
inline constexpr std::uint64_t kShmMagic = 0x0053594b4d4c4c00ULL;
/// The layout of the region below; a region of another version is refused.
inline constexpr std::uint32_t kShmLayoutVersion = 1;
/// Bytes of a key id / model name kept in a slot (longer ones are told apart by their hash).
inline constexpr std::size_t kShmIdBytes = 192;
inline constexpr std::size_t kShmModelBytes = 128;
inline constexpr std::size_t kShmTextBytes = 256;
/// How long an opener waits for the creator to publish the region.
inline constexpr std::chrono::milliseconds kShmReadyTimeout{2000};

/// The first bytes of a region, the same in every layout version.
struct ShmPrefix {
  std::uint64_t magic;
  std::uint32_t layout_version;
  std::atomic<std::uint32_t> ready;  ///< 1 once the creator has initialised the region.
};

/// The header of a version-1 region.
struct ShmHeader {
  ShmPrefix prefix;
  std::uint32_t header_size;
  std::uint32_t key_slot_size;
  std::uint32_t budget_slot_size;
  std::uint32_t key_capacity;
  std::uint32_t budget_capacity;
  std::uint32_t budget_count;  ///< Budget slots taken (they are taken in order).
  std::uint64_t total_size;
  pthread_mutex_t mutex;
};

/// One key's shared row (KeyState without its budgets).
struct ShmKeySlot {
  std::uint64_t hash;  ///< Of the whole key id; 0: free slot.
  char id[kShmIdBytes];
  std::int64_t last_use_ns;
  std::int64_t cooldown_until_ns;
  std::uint64_t uses;
  std::uint64_t successes;
  std::uint64_t failures;
  std::uint64_t rate_limits;
  std::int32_t consecutive_rate_limits;
  std::int32_t in_flight;
  std::int32_t first_budget;  ///< -1: none.
  std::uint8_t has_last_use;
  std::uint8_t in_rotation;
  std::uint8_t disabled_kind;
  std::uint8_t pad;
  char disabled_reason[kShmTextBytes];
  char last_error[kShmTextBytes];
};

/// One key and model's shared budget.
struct ShmBudgetSlot {
  std::uint64_t model_hash;
  std::int32_t next;  ///< The key's next budget slot; -1: last.
  std::uint32_t key_slot;
  char model[kShmModelBytes];
  RateBudget budget;  ///< Plain data (rate_budget.hpp): it lives here as it is.
};

/// The shared-memory store.
class ShmKeyStore final : public KeyStateStore {
 public:
  /// Opens (or creates) the region of `url` (`shm://NAME?keys=N&budgets=M&recheck_ms=R`).
  /// @throws ConfigError for a bad name or option, a region of another layout version or size,
  /// or a system call that fails.
  static std::shared_ptr<ShmKeyStore> open(const KeyStateUrl& url);
  /// Removes the region of `name` (existing mappings stay valid); false when there was none.
  static bool remove(const std::string& name);
  /// The path of the region of `name` for shm_open ("/litellm-NAME").
  static std::string region_path(const std::string& name);

  ~ShmKeyStore() override;
  ShmKeyStore(const ShmKeyStore&) = delete;
  ShmKeyStore& operator=(const ShmKeyStore&) = delete;

  const std::string& url() const noexcept override { return url_; }
  std::chrono::milliseconds recheck_interval() const noexcept override { return recheck_; }
  void exchange(KeyStateScope& scope, const std::function<void()>& step) override;

  /// Tests only: takes the region's mutex and never gives it back (a process that is then
  /// killed shows that the others go on).
  void hold_lock_for_test();
  /// The capacities of the region.
  std::pair<std::uint32_t, std::uint32_t> capacities() const noexcept;

 private:
  ShmKeyStore(std::string url, std::string name, void* base, std::size_t size,
              std::chrono::milliseconds recheck);
  void lock();
  void unlock() noexcept;
  ShmHeader& header() const noexcept;
  ShmKeySlot& key_slot(std::uint32_t index) const noexcept;
  ShmBudgetSlot& budget_slot(std::uint32_t index) const noexcept;
  /// The slot of `id`, taken when absent (its row then copied from `state`).
  std::uint32_t find_key(const std::string& id, KeyState& state);
  /// Copies the shared rows and budgets of `scope` in (taking slots for what is not shared yet).
  void load(KeyStateScope& scope);
  /// Copies the rows and budgets of `scope` out.
  void store(KeyStateScope& scope);

  std::string url_;
  std::string name_;
  void* base_;
  std::size_t size_;
  std::chrono::milliseconds recheck_;
  std::vector<std::uint32_t> slots_;  // the scope's key slots, during an exchange
  std::vector<std::pair<RateBudget*, std::uint32_t>> budget_links_;  // likewise, its budgets
};

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
