// The URL that says where a KeyRegistry keeps its state (KeyRegistry::open, LITELLM_KEY_STATE):
// `scheme://rest?name=value&...`, split and checked here; each store reads its own options.
#pragma once

#include "litellm/detail/header_begin.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace litellm::detail {

/// A key-state URL, split.
struct KeyStateUrl {
  std::string scheme;  ///< "memory", "shm", "redis" or "rediss".
  std::string rest;    ///< Between "://" and "?" (the shm name, the Redis address).
  std::vector<std::pair<std::string, std::string>> query;  ///< The options, in order.
  std::string shown;  ///< The URL as messages show it: any password replaced by "***".
};

/// Splits `url`. @throws ConfigError when it has no `scheme://`, or a query that is not
/// `name=value` pairs joined by '&'.
KeyStateUrl parse_key_state_url(const std::string& url);

/// `url` with the password of a `user:password@` part replaced by "***".
std::string key_state_url_shown(const std::string& url);

/// The integer option `name` of `url`: `fallback` when absent. @throws ConfigError when it is
/// not an integer in [min, max].
std::int64_t key_state_option(const KeyStateUrl& url, const std::string& name,
                              std::int64_t fallback, std::int64_t min, std::int64_t max);

/// @throws ConfigError naming the first option of `url` that is not in `known`.
void check_key_state_options(const KeyStateUrl& url, const std::vector<std::string>& known);

}  // namespace litellm::detail

#include "litellm/detail/header_end.hpp"
