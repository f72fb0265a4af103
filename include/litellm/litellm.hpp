/// @file
/// The umbrella header: everything a user of litellm-cpp needs.
///
/// @code
/// #include <litellm/litellm.hpp>
/// @endcode
#pragma once

#include "litellm/config.hpp"
#if defined(LITELLM_HEADER_ONLY) && !defined(LITELLM_DETAIL_IN_HEADER)
#define LITELLM_DETAIL_IN_HEADER
#define LITELLM_DETAIL_OUTERMOST_LITELLM_HPP
#endif

#include "litellm/api_info.hpp"
#include "litellm/backend.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/merge.hpp"
#include "litellm/providers/provider.hpp"
#include "litellm/providers/registry.hpp"
#include "litellm/retry.hpp"
#include "litellm/sse.hpp"
#include "litellm/version.hpp"

// Header-only mode: the outermost litellm header, once complete, brings the definitions.
#ifdef LITELLM_DETAIL_OUTERMOST_LITELLM_HPP
#undef LITELLM_DETAIL_OUTERMOST_LITELLM_HPP
#undef LITELLM_DETAIL_IN_HEADER
#include "litellm/impl/header_only.hpp"
#endif
