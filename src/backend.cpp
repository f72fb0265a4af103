// Compiles the calls once: the facade, one call's attempts, the I/O engine, the curl transport.
#ifndef LITELLM_COMPILED_LIB
#error "src/ builds the compiled library: define LITELLM_COMPILED_LIB"
#endif
#include "litellm/impl/backend-inl.hpp"
#include "litellm/impl/call-inl.hpp"
#include "litellm/impl/curl_exchange-inl.hpp"
#include "litellm/impl/curl_handle_pool-inl.hpp"
#include "litellm/impl/curl_multi-inl.hpp"
#include "litellm/impl/curl_setup-inl.hpp"
#include "litellm/impl/curl_transport-inl.hpp"
#include "litellm/impl/engine-inl.hpp"
