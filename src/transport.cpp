// Compiles the libcurl transport once: handle set-up and the redacted trace, one exchange's
// callbacks and timers, the per-thread handle sets, the blocking and the multi (async) paths.
#ifndef LITELLM_COMPILED_LIB
#error "src/ builds the compiled library: define LITELLM_COMPILED_LIB"
#endif
#include "litellm/impl/curl_exchange-inl.hpp"
#include "litellm/impl/curl_handle_pool-inl.hpp"
#include "litellm/impl/curl_multi-inl.hpp"
#include "litellm/impl/curl_setup-inl.hpp"
#include "litellm/impl/curl_transport-inl.hpp"
