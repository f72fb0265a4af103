#pragma once

#include "litellm/detail/shm_key_store.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <type_traits>

#include "litellm/errors.hpp"

namespace litellm::detail {

static_assert(std::is_trivially_copyable_v<RateBudget>,
              "RateBudget lives in shared memory as it is: keep it plain data");
static_assert(std::atomic<std::uint32_t>::is_always_lock_free,
              "the region's ready flag must be lock-free to be shared between processes");

/// FNV-1a: the slot hash of a key id or model name (never 0, which marks a free slot).
LITELLM_INLINE std::uint64_t shm_hash(const std::string& text) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h == 0 ? 1 : h;
}

/// Copies `text` into a slot's buffer, cut to fit, always terminated.
template <std::size_t N>
void shm_copy_text(char (&out)[N], const std::string& text) noexcept {
  const std::size_t n = std::min(text.size(), N - 1);
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
}

/// Whether a slot's buffer holds `text` (cut as shm_copy_text cuts it).
template <std::size_t N>
bool shm_text_matches(const char (&stored)[N], const std::string& text) noexcept {
  const std::size_t n = std::min(text.size(), N - 1);
  return std::strncmp(stored, text.data(), n) == 0 && stored[n] == '\0';
}

LITELLM_INLINE std::int64_t shm_time(BudgetTime t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

LITELLM_INLINE BudgetTime shm_time_point(std::int64_t ns) noexcept {
  return BudgetTime(std::chrono::duration_cast<BudgetDuration>(std::chrono::nanoseconds(ns)));
}

LITELLM_INLINE std::size_t shm_header_bytes() noexcept {
  return (sizeof(ShmHeader) + 63) / 64 * 64;
}

LITELLM_INLINE std::size_t shm_region_bytes(std::uint64_t keys, std::uint64_t budgets) noexcept {
  return shm_header_bytes() + keys * sizeof(ShmKeySlot) + budgets * sizeof(ShmBudgetSlot);
}

[[noreturn]] LITELLM_INLINE void throw_shm_error(const std::string& url, const std::string& what) {
  throw ConfigError(url + ": " + what + " (" + std::strerror(errno) + ")");
}

/// Closes a descriptor at the end of a scope.
struct ShmFd {
  int fd = -1;
  ~ShmFd() {
    if (fd >= 0) ::close(fd);
  }
};

LITELLM_INLINE std::string ShmKeyStore::region_path(const std::string& name) {
  return "/litellm-" + name;
}

LITELLM_INLINE bool ShmKeyStore::remove(const std::string& name) {
  return ::shm_unlink(region_path(name).c_str()) == 0;
}

LITELLM_INLINE std::shared_ptr<ShmKeyStore> ShmKeyStore::open(const KeyStateUrl& url) {
  const std::string& name = url.rest;
  const std::string shown = "shm://" + name;
  if (name.empty() || name.size() > 200 ||
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
          std::string::npos) {
    throw ConfigError("key state URL '" + url.shown +
                      "': the shm name must be 1 to 200 letters, digits, '.', '_' or '-'");
  }
  check_key_state_options(url, {"keys", "budgets", "recheck_ms"});
  const auto keys = static_cast<std::uint32_t>(key_state_option(url, "keys", 256, 1, 1 << 20));
  const auto budgets =
      static_cast<std::uint32_t>(key_state_option(url, "budgets", 1024, 1, 1 << 22));
  const std::chrono::milliseconds recheck(key_state_option(url, "recheck_ms", 10, 1, 1000));
  const bool sized = std::any_of(url.query.begin(), url.query.end(), [](const auto& option) {
    return option.first == "keys" || option.first == "budgets";
  });
  const std::string path = region_path(name);
  const std::size_t size = shm_region_bytes(keys, budgets);

  ShmFd fd;
  bool created = false;
  const auto give_up = std::chrono::steady_clock::now() + kShmReadyTimeout;
  while (true) {
    fd.fd = ::shm_open(path.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd.fd >= 0) {
      created = true;
      break;
    }
    if (errno != EEXIST) throw_shm_error(shown, "cannot create the shared-memory region");
    fd.fd = ::shm_open(path.c_str(), O_RDWR, 0600);
    if (fd.fd >= 0) break;
    // Removed between the two calls: create it again, for a bounded time.
    if (errno != ENOENT || std::chrono::steady_clock::now() > give_up) {
      throw_shm_error(shown, "cannot open the shared-memory region");
    }
  }

  if (created) {
    if (::ftruncate(fd.fd, static_cast<off_t>(size)) != 0) {
      ::shm_unlink(path.c_str());
      throw_shm_error(shown, "cannot size the shared-memory region");
    }
    void* base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd, 0);
    if (base == MAP_FAILED) {
      ::shm_unlink(path.c_str());
      throw_shm_error(shown, "cannot map the shared-memory region");
    }
    // The region reads as zeros: fill in the header, then publish it.
    auto* h = static_cast<ShmHeader*>(base);
    h->prefix.magic = kShmMagic;
    h->prefix.layout_version = kShmLayoutVersion;
    h->header_size = static_cast<std::uint32_t>(shm_header_bytes());
    h->key_slot_size = sizeof(ShmKeySlot);
    h->budget_slot_size = sizeof(ShmBudgetSlot);
    h->key_capacity = keys;
    h->budget_capacity = budgets;
    h->budget_count = 0;
    h->total_size = size;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    const int rc = pthread_mutex_init(&h->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    if (rc != 0) {
      ::munmap(base, size);
      ::shm_unlink(path.c_str());
      errno = rc;
      throw_shm_error(shown, "cannot make the region's process-shared mutex");
    }
    h->prefix.ready.store(1, std::memory_order_release);
    return std::shared_ptr<ShmKeyStore>(new ShmKeyStore(shown, name, base, size, recheck));
  }

  // Another process created it: wait (bounded) until it is sized and published.
  struct stat st {};
  void* prefix = MAP_FAILED;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  while (true) {
    if (::fstat(fd.fd, &st) != 0) throw_shm_error(shown, "cannot read the region's size");
    if (static_cast<std::size_t>(st.st_size) >= sizeof(ShmPrefix)) {
      if (prefix == MAP_FAILED) {
        prefix = ::mmap(nullptr, page, PROT_READ, MAP_SHARED, fd.fd, 0);
        if (prefix == MAP_FAILED) throw_shm_error(shown, "cannot map the shared-memory region");
      }
      if (static_cast<const ShmPrefix*>(prefix)->ready.load(std::memory_order_acquire) == 1) break;
    }
    if (std::chrono::steady_clock::now() > give_up) {
      if (prefix != MAP_FAILED) ::munmap(prefix, page);
      throw ConfigError(shown + ": the shared-memory region " + path +
                        " was never initialised (its creator died?); remove /dev/shm" + path);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto* p = static_cast<const ShmPrefix*>(prefix);
  const std::uint64_t magic = p->magic;
  const std::uint32_t version = p->layout_version;
  if (magic != kShmMagic) {
    ::munmap(prefix, page);
    throw ConfigError(shown + ": /dev/shm" + path + " is not a litellm key-state region");
  }
  if (version != kShmLayoutVersion) {
    ::munmap(prefix, page);
    throw ConfigError(shown + ": the shared-memory region has layout version " +
                      std::to_string(version) + ", this library uses version " +
                      std::to_string(kShmLayoutVersion) +
                      ": use another name, or stop the processes of the other version and "
                      "remove /dev/shm" +
                      path);
  }
  ShmHeader h;  // NOLINT: only the plain fields are read, below
  std::memcpy(static_cast<void*>(&h.header_size),
              static_cast<const char*>(prefix) + offsetof(ShmHeader, header_size),
              offsetof(ShmHeader, mutex) - offsetof(ShmHeader, header_size));
  ::munmap(prefix, page);
  const std::size_t expected = shm_region_bytes(h.key_capacity, h.budget_capacity);
  if (h.header_size != shm_header_bytes() || h.key_slot_size != sizeof(ShmKeySlot) ||
      h.budget_slot_size != sizeof(ShmBudgetSlot) || h.total_size != expected ||
      static_cast<std::uint64_t>(st.st_size) != h.total_size) {
    throw ConfigError(
        shown + ": the shared-memory region's sizes (header " + std::to_string(h.header_size) +
        ", key slot " + std::to_string(h.key_slot_size) + ", budget slot " +
        std::to_string(h.budget_slot_size) + ", region " + std::to_string(st.st_size) +
        " bytes) differ from this build's (" + std::to_string(shm_header_bytes()) + ", " +
        std::to_string(sizeof(ShmKeySlot)) + ", " + std::to_string(sizeof(ShmBudgetSlot)) + ", " +
        std::to_string(expected) + ") for layout version " + std::to_string(kShmLayoutVersion));
  }
  if (sized && (h.key_capacity != keys || h.budget_capacity != budgets)) {
    throw ConfigError(shown + ": the region exists with room for " +
                      std::to_string(h.key_capacity) + " keys and " +
                      std::to_string(h.budget_capacity) + " budgets, not the " +
                      std::to_string(keys) + " and " + std::to_string(budgets) +
                      " asked: use another name for other sizes");
  }
  void* base = ::mmap(nullptr, h.total_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd, 0);
  if (base == MAP_FAILED) throw_shm_error(shown, "cannot map the shared-memory region");
  return std::shared_ptr<ShmKeyStore>(
      new ShmKeyStore(shown, name, base, static_cast<std::size_t>(h.total_size), recheck));
}

LITELLM_INLINE ShmKeyStore::ShmKeyStore(std::string url, std::string name, void* base,
                                        std::size_t size, std::chrono::milliseconds recheck)
    : url_(std::move(url)), name_(std::move(name)), base_(base), size_(size), recheck_(recheck) {}

LITELLM_INLINE ShmKeyStore::~ShmKeyStore() {
  ::munmap(base_, size_);
}

LITELLM_INLINE ShmHeader& ShmKeyStore::header() const noexcept {
  return *static_cast<ShmHeader*>(base_);
}

LITELLM_INLINE ShmKeySlot& ShmKeyStore::key_slot(std::uint32_t index) const noexcept {
  auto* first = reinterpret_cast<ShmKeySlot*>(static_cast<char*>(base_) + shm_header_bytes());
  return first[index];
}

LITELLM_INLINE ShmBudgetSlot& ShmKeyStore::budget_slot(std::uint32_t index) const noexcept {
  auto* first = reinterpret_cast<ShmBudgetSlot*>(static_cast<char*>(base_) + shm_header_bytes() +
                                                 header().key_capacity * sizeof(ShmKeySlot));
  return first[index];
}

LITELLM_INLINE std::pair<std::uint32_t, std::uint32_t> ShmKeyStore::capacities() const noexcept {
  return {header().key_capacity, header().budget_capacity};
}

LITELLM_INLINE void ShmKeyStore::lock() {
  const int rc = pthread_mutex_lock(&header().mutex);
  if (rc == 0) return;
  if (rc == EOWNERDEAD) {
    // Its holder died: the state is as it left it; the mutex is usable again.
    pthread_mutex_consistent(&header().mutex);
    return;
  }
  errno = rc;
  throw_shm_error(url_, "cannot lock the shared key state");
}

LITELLM_INLINE void ShmKeyStore::unlock() noexcept {
  pthread_mutex_unlock(&header().mutex);
}

LITELLM_INLINE void ShmKeyStore::hold_lock_for_test() {
  lock();
}

/// Copies a local row into its slot (not the budgets).
LITELLM_INLINE void shm_write_key(ShmKeySlot& slot, const KeyState& state) noexcept {
  slot.has_last_use = state.last_use ? 1 : 0;
  slot.last_use_ns = state.last_use ? shm_time(*state.last_use) : 0;
  slot.cooldown_until_ns = shm_time(state.cooldown_until);
  slot.uses = state.uses;
  slot.successes = state.successes;
  slot.failures = state.failures;
  slot.rate_limits = state.rate_limits;
  slot.consecutive_rate_limits = state.consecutive_rate_limits;
  slot.in_flight = state.in_flight;
  slot.in_rotation = state.in_rotation ? 1 : 0;
  slot.disabled_kind = static_cast<std::uint8_t>(state.disabled_kind);
  shm_copy_text(slot.disabled_reason, state.disabled_reason);
  shm_copy_text(slot.last_error, state.last_error);
}

/// Copies a slot into the local row (not the budgets).
LITELLM_INLINE void shm_read_key(const ShmKeySlot& slot, KeyState& state) {
  if (slot.has_last_use != 0) {
    state.last_use = shm_time_point(slot.last_use_ns);
  } else {
    state.last_use.reset();
  }
  state.cooldown_until = shm_time_point(slot.cooldown_until_ns);
  state.uses = slot.uses;
  state.successes = slot.successes;
  state.failures = slot.failures;
  state.rate_limits = slot.rate_limits;
  state.consecutive_rate_limits = slot.consecutive_rate_limits;
  state.in_flight = slot.in_flight;
  state.in_rotation = slot.in_rotation != 0;
  state.disabled_kind = static_cast<ErrorKind>(slot.disabled_kind);
  if (!shm_text_matches(slot.disabled_reason, state.disabled_reason)) {
    state.disabled_reason = slot.disabled_reason;
  }
  if (!shm_text_matches(slot.last_error, state.last_error)) state.last_error = slot.last_error;
}

LITELLM_INLINE std::uint32_t ShmKeyStore::find_key(const std::string& id, KeyState& state) {
  ShmHeader& h = header();
  if (state.shared_slot >= 0) return static_cast<std::uint32_t>(state.shared_slot);
  const std::uint64_t hash = shm_hash(id);
  const std::uint32_t capacity = h.key_capacity;
  for (std::uint32_t n = 0; n < capacity; ++n) {
    const auto index = static_cast<std::uint32_t>((hash + n) % capacity);
    ShmKeySlot& slot = key_slot(index);
    if (slot.hash == 0) {
      // A new key: its shared row starts as this process's (a fresh one).
      shm_copy_text(slot.id, id);
      slot.first_budget = -1;
      shm_write_key(slot, state);
      slot.hash = hash;
      state.shared_slot = index;
      return index;
    }
    if (slot.hash == hash && shm_text_matches(slot.id, id)) {
      state.shared_slot = index;
      return index;
    }
  }
  throw ConfigError(url_ + ": the key table is full (" + std::to_string(capacity) +
                    " keys): open a region with room for more, e.g. shm://" + name_ +
                    "-2?keys=" + std::to_string(capacity * 2));
}

LITELLM_INLINE void ShmKeyStore::load(KeyStateScope& scope) {
  ShmHeader& h = header();
  slots_.clear();
  budget_links_.clear();
  for (std::size_t i = 0; i < scope.ids.size(); ++i) {
    KeyState& state = *scope.states[i];
    const std::uint32_t index = find_key(*scope.ids[i], state);
    slots_.push_back(index);
    ShmKeySlot& slot = key_slot(index);
    shm_read_key(slot, state);
    // Budgets shared: into the local map (a model first seen by another process is added).
    const std::size_t first_link = budget_links_.size();
    for (std::int32_t b = slot.first_budget; b >= 0; b = budget_slot(b).next) {
      ShmBudgetSlot& shared = budget_slot(static_cast<std::uint32_t>(b));
      RateBudget* local = nullptr;
      for (auto& [model, budget] : state.budgets) {
        if (shm_hash(model) == shared.model_hash && shm_text_matches(shared.model, model)) {
          local = budget.get();
          break;
        }
      }
      if (local == nullptr) {
        auto& entry = state.budgets[shared.model];
        if (!entry) entry = std::make_unique<RateBudget>();
        local = entry.get();
      }
      *local = shared.budget;
      budget_links_.emplace_back(local, static_cast<std::uint32_t>(b));
    }
    // Budgets only this process has yet: shared from now on.
    for (auto& [model, budget] : state.budgets) {
      RateBudget* const own = budget.get();  // (a structured binding cannot be captured in C++17)
      const bool linked =
          std::any_of(budget_links_.begin() + static_cast<std::ptrdiff_t>(first_link),
                      budget_links_.end(), [own](const auto& link) { return link.first == own; });
      if (linked) continue;
      if (h.budget_count >= h.budget_capacity) {
        throw ConfigError(url_ + ": the budget table is full (" +
                          std::to_string(h.budget_capacity) +
                          " key and model pairs): open a region with room for more, e.g. shm://" +
                          name_ + "-2?budgets=" + std::to_string(h.budget_capacity * 2));
      }
      const std::uint32_t b = h.budget_count++;
      ShmBudgetSlot& shared = budget_slot(b);
      shared.model_hash = shm_hash(model);
      shm_copy_text(shared.model, model);
      shared.key_slot = index;
      shared.budget = *budget;
      shared.next = slot.first_budget;
      slot.first_budget = static_cast<std::int32_t>(b);
      budget_links_.emplace_back(budget.get(), b);
    }
  }
}

LITELLM_INLINE void ShmKeyStore::store(KeyStateScope& scope) {
  for (std::size_t i = 0; i < scope.ids.size(); ++i) {
    shm_write_key(key_slot(slots_[i]), *scope.states[i]);
  }
  for (const auto& [local, b] : budget_links_) budget_slot(b).budget = *local;
}

LITELLM_INLINE void ShmKeyStore::exchange(KeyStateScope& scope, const std::function<void()>& step) {
  lock();
  struct Unlock {
    ShmKeyStore* store;
    ~Unlock() { store->unlock(); }
  } unlock_at_end{this};
  load(scope);
  step();
  store(scope);
}

}  // namespace litellm::detail
