// A shared library built with hidden visibility that uses litellm as the executable does.
#include "probe.hpp"

// Headers in an order no other test uses: a provider header first (header-only mode must not
// depend on the order headers are included in).
#include <litellm/detail/curl_common.hpp>
#include <litellm/key_pool.hpp>
#include <litellm/providers/anthropic.hpp>

PROBE_EXPORT const void* plugin_registry() {
  return litellm::KeyRegistry::global().get();
}
PROBE_EXPORT void plugin_init_curl() {
  litellm::detail::curl_global_init_once();
}
