// Included at the bottom of every litellm header: see header_begin.hpp.
#ifdef LITELLM_HEADER_ONLY
#if LITELLM_DETAIL_OUTERMOST
#undef LITELLM_DETAIL_IN_HEADER
#include "litellm/impl/header_only.hpp"
#endif
#pragma pop_macro("LITELLM_DETAIL_OUTERMOST")
#endif
