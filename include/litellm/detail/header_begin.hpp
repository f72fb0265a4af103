// Included at the top of every litellm header (not guarded: it runs once per header). In
// header-only mode it marks the outermost litellm header of the translation unit; the matching
// header_end.hpp, at the bottom, then brings the definitions (impl/header_only.hpp) once every
// declaration is complete. Compiled mode: nothing. See litellm/config.hpp.
#include "litellm/config.hpp"

#ifdef LITELLM_HEADER_ONLY
#pragma push_macro("LITELLM_DETAIL_OUTERMOST")
#undef LITELLM_DETAIL_OUTERMOST
#ifdef LITELLM_DETAIL_IN_HEADER
#define LITELLM_DETAIL_OUTERMOST 0
#else
#define LITELLM_DETAIL_IN_HEADER
#define LITELLM_DETAIL_OUTERMOST 1
#endif
#endif
