#pragma once

#include "litellm/detail/key_state_url.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "litellm/detail/redis_key_store.hpp"
#include "litellm/detail/shm_key_store.hpp"
#include "litellm/errors.hpp"
#include "litellm/key_pool.hpp"

namespace litellm {
namespace detail {

LITELLM_INLINE std::string key_state_url_shown(const std::string& url) {
  const std::size_t start = url.find("://");
  if (start == std::string::npos) return url;
  const std::size_t end = std::min(url.find_first_of("/?", start + 3), url.size());
  const std::size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start + 3) return url;
  const std::size_t colon = url.find(':', start + 3);
  if (colon == std::string::npos || colon > at) return url;  // a user name alone
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

LITELLM_INLINE KeyStateUrl parse_key_state_url(const std::string& url) {
  KeyStateUrl out;
  out.shown = key_state_url_shown(url);
  const std::size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0) {
    throw ConfigError("key state URL '" + out.shown +
                      "': expected memory://, shm://NAME, redis://host:port or rediss://host:port");
  }
  out.scheme = url.substr(0, sep);
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t question = url.find('?', sep + 3);
  out.rest =
      url.substr(sep + 3, question == std::string::npos ? std::string::npos : question - sep - 3);
  if (question != std::string::npos) {
    std::size_t pos = question + 1;
    while (pos <= url.size()) {
      const std::size_t amp = std::min(url.find('&', pos), url.size());
      const std::string pair = url.substr(pos, amp - pos);
      const std::size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw ConfigError("key state URL '" + out.shown + "': option '" + pair +
                          "' is not name=value");
      }
      out.query.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
      pos = amp + 1;
    }
  }
  return out;
}

LITELLM_INLINE std::int64_t key_state_option(const KeyStateUrl& url, const std::string& name,
                                             std::int64_t fallback, std::int64_t min,
                                             std::int64_t max) {
  std::int64_t value = fallback;
  for (const auto& [key, text] : url.query) {
    if (key != name) continue;
    errno = 0;
    char* end = nullptr;
    const long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || end != text.c_str() + text.size() || errno != 0 || parsed < min ||
        parsed > max) {
      throw ConfigError("key state URL '" + url.shown + "': option " + name + "=" + text +
                        " is not an integer in [" + std::to_string(min) + ", " +
                        std::to_string(max) + "]");
    }
    value = parsed;
  }
  return value;
}

LITELLM_INLINE void check_key_state_options(const KeyStateUrl& url,
                                            const std::vector<std::string>& known) {
  for (const auto& option : url.query) {
    if (std::find(known.begin(), known.end(), option.first) != known.end()) continue;
    std::string list;
    for (const std::string& name : known) list += (list.empty() ? "" : ", ") + name;
    throw ConfigError("key state URL '" + url.shown + "': unknown option '" + option.first + "' (" +
                      url.scheme + ":// knows " + (list.empty() ? "none" : list) + ")");
  }
}

/// The registry `global()` makes: `LITELLM_KEY_STATE`'s URL, else in-process.
LITELLM_INLINE std::shared_ptr<KeyRegistry> open_global_key_registry() {
  const char* url = std::getenv("LITELLM_KEY_STATE");
  if (url == nullptr || *url == '\0') return std::make_shared<KeyRegistry>();
  try {
    return KeyRegistry::open(url);
  } catch (const ConfigError& e) {
    throw ConfigError("LITELLM_KEY_STATE: " + e.message());
  }
}

}  // namespace detail

LITELLM_INLINE std::shared_ptr<KeyRegistry> KeyRegistry::open(const std::string& url) {
  return open(url, WarningSink());
}

LITELLM_INLINE std::shared_ptr<KeyRegistry> KeyRegistry::open(const std::string& url,
                                                              WarningSink on_warning) {
  const detail::KeyStateUrl parsed = detail::parse_key_state_url(url);
  if (parsed.scheme == "memory") {
    if (!parsed.rest.empty()) {
      throw ConfigError("key state URL '" + parsed.shown + "': memory:// takes no name");
    }
    detail::check_key_state_options(parsed, {});
    return std::make_shared<KeyRegistry>();
  }
  if (parsed.scheme == "shm") {
    return std::shared_ptr<KeyRegistry>(new KeyRegistry(detail::ShmKeyStore::open(parsed)));
  }
  if (parsed.scheme == "redis" || parsed.scheme == "rediss") {
#if LITELLM_HAS_HIREDIS
    return std::shared_ptr<KeyRegistry>(
        new KeyRegistry(detail::RedisKeyStore::open(parsed, std::move(on_warning))));
#else
    (void)on_warning;
    throw ConfigError("key state URL '" + parsed.shown + "': " + parsed.scheme +
                      ":// needs litellm built with hiredis (Debian: libhiredis-dev)");
#endif
  }
  throw ConfigError("key state URL '" + parsed.shown + "': unknown scheme '" + parsed.scheme +
                    "' (memory://, shm://NAME, redis://host:port, rediss://host:port)");
}

LITELLM_INLINE bool KeyRegistry::remove(const std::string& url) {
  const detail::KeyStateUrl parsed = detail::parse_key_state_url(url);
  return parsed.scheme == "shm" && detail::ShmKeyStore::remove(parsed.rest);
}

LITELLM_INLINE const std::shared_ptr<KeyRegistry>& KeyRegistry::global() {
  // Never destroyed: threads may still use it while static destructors run. The environment is
  // read once, by the first call that succeeds.
  static const auto* registry =
      new std::shared_ptr<KeyRegistry>(detail::open_global_key_registry());
  return *registry;
}

}  // namespace litellm
