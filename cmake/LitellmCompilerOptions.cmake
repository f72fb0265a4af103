# Warnings and sanitizers for the project's own targets. Nothing here leaks into consumers:
# warnings are PRIVATE, and sanitizers are only set when LITELLM_SANITIZE is given.

function(litellm_set_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4 $<$<BOOL:${LITELLM_WARNINGS_AS_ERRORS}>:/WX>)
  else()
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             -Wnon-virtual-dtor -Wold-style-cast
                                             $<$<BOOL:${LITELLM_WARNINGS_AS_ERRORS}>:-Werror>)
  endif()
endfunction()

if(LITELLM_SANITIZE)
  string(REPLACE "," ";" _litellm_sanitizers "${LITELLM_SANITIZE}")
  set(_litellm_san_flags "")
  foreach(_san IN LISTS _litellm_sanitizers)
    string(STRIP "${_san}" _san)
    list(APPEND _litellm_san_flags "-fsanitize=${_san}")
  endforeach()
  list(APPEND _litellm_san_flags -fno-omit-frame-pointer -fno-sanitize-recover=all)
  message(STATUS "litellm: sanitizers ${_litellm_san_flags}")
  add_compile_options(${_litellm_san_flags})
  add_link_options(${_litellm_san_flags})
endif()

if(LITELLM_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LITELLM_BUILD_FUZZERS needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++")
  endif()
  # Coverage instrumentation everywhere, so the fuzzers see into the library.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
