// Compiles the calls once: the facade, options, batches, one call's attempts and its retry loop,
// the stream sink and the I/O engine (see include/litellm/config.hpp for the two build modes).
#ifndef LITELLM_COMPILED_LIB
#error "src/ builds the compiled library: define LITELLM_COMPILED_LIB"
#endif
#include "litellm/impl/backend-inl.hpp"
#include "litellm/impl/backend_state-inl.hpp"
#include "litellm/impl/batch-inl.hpp"
#include "litellm/impl/call-inl.hpp"
#include "litellm/impl/call_spec-inl.hpp"
#include "litellm/impl/engine-inl.hpp"
#include "litellm/impl/failure-inl.hpp"
#include "litellm/impl/options-inl.hpp"
#include "litellm/impl/retry_loop-inl.hpp"
#include "litellm/impl/stream_call-inl.hpp"
