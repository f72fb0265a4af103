/// @file
/// How the library is built into a program: compiled once (the default) or header-only.
///
/// - Compiled (`litellm::litellm`): the implementation headers under `litellm/impl/` are compiled
///   once, by the translation units in `src/`. A user's translation unit includes only the
///   declarations.
/// - Header-only (`litellm::litellm_header_only`, or `-DLITELLM_HEADER_ONLY` without CMake): each
///   public header includes its implementation header and every function is `inline`, so a program
///   links only libcurl, fmt and the threads library.
///
/// In both modes the process-wide state (the key registry of `KeyRegistry::global()` and curl's
/// global init) is one per process: it lives in function-local statics of functions with default
/// visibility (`LITELLM_PROCESS_WIDE`). The linker keeps one copy of an inline function's statics
/// per program, and the dynamic linker binds a shared library and the executable to one copy
/// (g++ and clang mark such statics unique), even when the shared library is built with hidden
/// visibility.
#pragma once

#if defined(LITELLM_HEADER_ONLY) && defined(LITELLM_COMPILED_LIB)
#error "litellm: LITELLM_HEADER_ONLY and LITELLM_COMPILED_LIB exclude each other"
#endif

#if defined(_WIN32)
#define LITELLM_VISIBLE
#else
#define LITELLM_VISIBLE __attribute__((visibility("default")))
#endif

#ifdef LITELLM_HEADER_ONLY
/// Marks a function defined in an implementation header: `inline` in header-only mode.
#define LITELLM_INLINE inline
/// Marks a public class or function of the compiled library (exported, the rest is hidden).
#define LITELLM_API
#else
#define LITELLM_INLINE
#if defined(_WIN32) && defined(LITELLM_SHARED)
#ifdef LITELLM_EXPORTS
#define LITELLM_API __declspec(dllexport)
#else
#define LITELLM_API __declspec(dllimport)
#endif
#else
#define LITELLM_API LITELLM_VISIBLE
#endif
#endif

/// Marks the functions that own process-wide state: visible from every shared object in both
/// modes, so a program has one copy of their statics.
#define LITELLM_PROCESS_WIDE LITELLM_VISIBLE
