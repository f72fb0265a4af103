// One process, one key registry and one curl global init: an executable of two translation
// units and a shared library (hidden visibility), all using litellm, in either build mode.
//
// curl_global_init is interposed: the executable's definition counts the calls that reach
// libcurl from any part of the process, then forwards them to the real one.
#include "probe.hpp"

#include <dlfcn.h>

#include <curl/curl.h>

#include <atomic>
#include <cstdio>
#include <litellm/detail/curl_common.hpp>
#include <litellm/litellm.hpp>

namespace {
std::atomic<int> curl_inits{0};
}

extern "C" CURLcode curl_global_init(long flags) {
  ++curl_inits;
  using Init = CURLcode (*)(long);
  static const auto real = reinterpret_cast<Init>(dlsym(RTLD_NEXT, "curl_global_init"));
  return real != nullptr ? real(flags) : CURLE_FAILED_INIT;
}

int main() {
  const void* here = litellm::KeyRegistry::global().get();
  const void* second = second_unit_registry();
  const void* plugin = plugin_registry();
  litellm::detail::curl_global_init_once();
  second_unit_init_curl();
  plugin_init_curl();
  std::printf(
      "key registry: executable %p, second unit %p, shared library %p; curl_global_init "
      "calls: %d\n",
      here, second, plugin, curl_inits.load());
  const bool ok = here == second && here == plugin && curl_inits.load() == 1;
  std::printf("%s\n", ok ? "one registry and one curl init per process"
                         : "FAILED: the process holds more than one");
  return ok ? 0 : 1;
}
