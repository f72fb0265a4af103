// Placeholder: replaced by the merge implementation.
#include "litellm/merge.hpp"
