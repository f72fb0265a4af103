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
  # No global coverage flags: an instrumented object needs libFuzzer's runtime at link time, which
  # only the fuzz targets link. tests/fuzz/CMakeLists.txt instruments the fuzz targets and a copy
  # of the library built for them (litellm_add_fuzz_library); every other target stays plain.
endif()

# litellm_add_fuzz_library(<name> <from>): a static library built from the sources and with the
# usage requirements of target <from>, its objects instrumented for libFuzzer's coverage
# (-fsanitize=fuzzer-no-link), for the fuzz targets to link instead of <from>.
function(litellm_add_fuzz_library name from)
  get_target_property(_sources ${from} SOURCES)
  get_target_property(_source_dir ${from} SOURCE_DIR)
  set(_absolute "")
  foreach(_source IN LISTS _sources)
    if(IS_ABSOLUTE "${_source}")
      list(APPEND _absolute "${_source}")
    else()
      list(APPEND _absolute "${_source_dir}/${_source}")
    endif()
  endforeach()
  add_library(${name} STATIC ${_absolute})
  foreach(_property INCLUDE_DIRECTORIES INTERFACE_INCLUDE_DIRECTORIES COMPILE_DEFINITIONS
                    INTERFACE_COMPILE_DEFINITIONS COMPILE_FEATURES INTERFACE_COMPILE_FEATURES
                    COMPILE_OPTIONS LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(_value ${from} ${_property})
    if(_value)
      set_property(TARGET ${name} PROPERTY ${_property} "${_value}")
    endif()
  endforeach()
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer-no-link)
endfunction()
