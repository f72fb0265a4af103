// A second translation unit of the executable.
#include "probe.hpp"

#include <litellm/detail/curl_common.hpp>
#include <litellm/litellm.hpp>

const void* second_unit_registry() {
  return litellm::KeyRegistry::global().get();
}
void second_unit_init_curl() {
  litellm::detail::curl_global_init_once();
}
