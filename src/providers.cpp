// Compiles the provider adapters once: choosing one, OpenAI and Azure, Anthropic, Gemini and
// Bedrock (requests and streams; Bedrock's with the AWS event-stream decoder).
#ifndef LITELLM_COMPILED_LIB
#error "src/ builds the compiled library: define LITELLM_COMPILED_LIB"
#endif
#include "litellm/impl/anthropic-inl.hpp"
#include "litellm/impl/anthropic_stream-inl.hpp"
#include "litellm/impl/aws_eventstream-inl.hpp"
#include "litellm/impl/bedrock-inl.hpp"
#include "litellm/impl/bedrock_stream-inl.hpp"
#include "litellm/impl/gemini-inl.hpp"
#include "litellm/impl/gemini_stream-inl.hpp"
#include "litellm/impl/openai-inl.hpp"
#include "litellm/impl/provider-inl.hpp"
#include "litellm/impl/translation-inl.hpp"
