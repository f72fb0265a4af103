/// @file
/// Header-only mode (LITELLM_HEADER_ONLY): every implementation header, brought in once by the
/// outermost litellm header a translation unit includes, when all declarations are complete
/// (so an implementation header never meets a header still half read). See litellm/config.hpp.
#pragma once

#ifndef LITELLM_HEADER_ONLY
#error "litellm/impl/header_only.hpp is for LITELLM_HEADER_ONLY builds"
#endif

#include "litellm/impl/anthropic-inl.hpp"
#include "litellm/impl/anthropic_stream-inl.hpp"
#include "litellm/impl/api_info-inl.hpp"
#include "litellm/impl/aws_credentials-inl.hpp"
#include "litellm/impl/aws_eventstream-inl.hpp"
#include "litellm/impl/backend-inl.hpp"
#include "litellm/impl/backend_state-inl.hpp"
#include "litellm/impl/batch-inl.hpp"
#include "litellm/impl/bedrock-inl.hpp"
#include "litellm/impl/bedrock_stream-inl.hpp"
#include "litellm/impl/call-inl.hpp"
#include "litellm/impl/call_cost-inl.hpp"
#include "litellm/impl/call_spec-inl.hpp"
#include "litellm/impl/curl_exchange-inl.hpp"
#include "litellm/impl/curl_handle_pool-inl.hpp"
#include "litellm/impl/curl_multi-inl.hpp"
#include "litellm/impl/curl_setup-inl.hpp"
#include "litellm/impl/curl_transport-inl.hpp"
#include "litellm/impl/engine-inl.hpp"
#include "litellm/impl/failure-inl.hpp"
#include "litellm/impl/fast_json-inl.hpp"
#include "litellm/impl/gemini-inl.hpp"
#include "litellm/impl/gemini_stream-inl.hpp"
#include "litellm/impl/json_scan-inl.hpp"
#include "litellm/impl/json_tape-inl.hpp"
#include "litellm/impl/json_writer-inl.hpp"
#include "litellm/impl/key_pool-inl.hpp"
#include "litellm/impl/key_state_url-inl.hpp"
#include "litellm/impl/merge-inl.hpp"
#include "litellm/impl/merge_rules-inl.hpp"
#include "litellm/impl/openai-inl.hpp"
#include "litellm/impl/options-inl.hpp"
#include "litellm/impl/provider-inl.hpp"
#include "litellm/impl/rate_budget-inl.hpp"
#include "litellm/impl/rate_limits-inl.hpp"
#if LITELLM_HAS_HIREDIS
#include "litellm/impl/redis_connection-inl.hpp"
#include "litellm/impl/redis_key_store-inl.hpp"
#endif
#include "litellm/impl/retry-inl.hpp"
#include "litellm/impl/retry_loop-inl.hpp"
#include "litellm/impl/shm_key_store-inl.hpp"
#include "litellm/impl/stream_accumulator-inl.hpp"
#include "litellm/impl/stream_call-inl.hpp"
#include "litellm/impl/translation-inl.hpp"
