/// @file
/// Library version. CMake reads the numbers from this file, so it is the only place they live.
#pragma once

#include "litellm/config.hpp"
#if defined(LITELLM_HEADER_ONLY) && !defined(LITELLM_DETAIL_IN_HEADER)
#define LITELLM_DETAIL_IN_HEADER
#define LITELLM_DETAIL_OUTERMOST_VERSION_HPP
#endif

#define LITELLM_VERSION_MAJOR 0
#define LITELLM_VERSION_MINOR 1
#define LITELLM_VERSION_PATCH 0

/// The version as a string, "major.minor.patch".
#define LITELLM_VERSION_STRING "0.1.0"

namespace litellm {
/// The version this header belongs to, "major.minor.patch".
inline constexpr const char* kVersion = LITELLM_VERSION_STRING;
}  // namespace litellm

// Header-only mode: the outermost litellm header, once complete, brings the definitions.
#ifdef LITELLM_DETAIL_OUTERMOST_VERSION_HPP
#undef LITELLM_DETAIL_OUTERMOST_VERSION_HPP
#undef LITELLM_DETAIL_IN_HEADER
#include "litellm/impl/header_only.hpp"
#endif
