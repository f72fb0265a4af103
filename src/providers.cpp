// Compiles the provider adapters once: choosing one, OpenAI and Azure, Anthropic and Gemini
// (requests and streams).
#ifndef LITELLM_COMPILED_LIB
#error "src/ builds the compiled library: define LITELLM_COMPILED_LIB"
#endif
#include "litellm/impl/anthropic-inl.hpp"
#include "litellm/impl/anthropic_stream-inl.hpp"
#include "litellm/impl/gemini-inl.hpp"
#include "litellm/impl/gemini_stream-inl.hpp"
#include "litellm/impl/openai-inl.hpp"
#include "litellm/impl/provider-inl.hpp"
