// Compiles the library's values and algorithms once: ApiInfo, the key pool and its rate budgets
// (call costs, rate-limit headers), retry timing, stream merging and the JSON scanner, parser,
// tape and writer, and (built with hiredis) the Redis connection of the key-state store (see
// include/litellm/config.hpp for the two build modes).
#ifndef LITELLM_COMPILED_LIB
#error "src/ builds the compiled library: define LITELLM_COMPILED_LIB"
#endif
#include "litellm/impl/api_info-inl.hpp"
#include "litellm/impl/aws_credentials-inl.hpp"
#include "litellm/impl/call_cost-inl.hpp"
#include "litellm/impl/fast_json-inl.hpp"
#include "litellm/impl/json_scan-inl.hpp"
#include "litellm/impl/json_tape-inl.hpp"
#include "litellm/impl/json_writer-inl.hpp"
#include "litellm/impl/key_pool-inl.hpp"
#include "litellm/impl/key_state_url-inl.hpp"
#include "litellm/impl/merge-inl.hpp"
#include "litellm/impl/merge_rules-inl.hpp"
#include "litellm/impl/rate_budget-inl.hpp"
#include "litellm/impl/rate_limits-inl.hpp"
#if LITELLM_HAS_HIREDIS
#include "litellm/impl/redis_connection-inl.hpp"
#include "litellm/impl/redis_key_store-inl.hpp"
#endif
#include "litellm/impl/retry-inl.hpp"
#include "litellm/impl/shm_key_store-inl.hpp"
#include "litellm/impl/stream_accumulator-inl.hpp"
