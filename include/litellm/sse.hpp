/// @file
/// Placeholder: replaced by the SSE parser.
#pragma once
