/// @file
/// The umbrella header: everything a user of litellm-cpp needs.
///
/// @code
/// #include <litellm/litellm.hpp>
/// @endcode
#pragma once

#include "litellm/detail/header_begin.hpp"

#include "litellm/api_info.hpp"
#include "litellm/backend.hpp"
#include "litellm/call_cost.hpp"
#include "litellm/errors.hpp"
#include "litellm/http.hpp"
#include "litellm/key_pool.hpp"
#include "litellm/merge.hpp"
#include "litellm/providers/provider.hpp"
#include "litellm/providers/registry.hpp"
#include "litellm/rate_limits.hpp"
#include "litellm/retry.hpp"
#include "litellm/sse.hpp"
#include "litellm/version.hpp"

#include "litellm/detail/header_end.hpp"
