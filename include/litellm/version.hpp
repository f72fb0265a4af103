/// @file
/// Library version. CMake reads the numbers from this file, so it is the only place they live.
#pragma once

#include "litellm/detail/header_begin.hpp"

#define LITELLM_VERSION_MAJOR 0
#define LITELLM_VERSION_MINOR 1
#define LITELLM_VERSION_PATCH 0

/// The version as a string, "major.minor.patch".
#define LITELLM_VERSION_STRING "0.1.0"

namespace litellm {
/// The version this header belongs to, "major.minor.patch".
inline constexpr const char* kVersion = LITELLM_VERSION_STRING;
}  // namespace litellm

#include "litellm/detail/header_end.hpp"
