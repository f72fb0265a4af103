# Builds and runs a package consumer: cmake -DMODE=install|subdirectory -P run_consumer.cmake
# install:      installs the build tree BUILD_DIR into a fresh prefix under WORK_DIR, builds
#               consumer/ against it with find_package, then checks pkg-config the same way.
# subdirectory: builds subdir/, which add_subdirectory()s SOURCE_DIR.
foreach(_var MODE SOURCE_DIR WORK_DIR CXX GENERATOR)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "run_consumer.cmake needs -D${_var}=...")
  endif()
endforeach()

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    string(REPLACE ";" " " _cmd "${ARGN}")
    message(FATAL_ERROR "failed (${_rc}): ${_cmd}\n${_out}")
  endif()
  message(STATUS "${_out}")
endfunction()

# A header-only program does not use liblitellm: it needs no liblitellm.so, and every litellm
# function in it is an inline (weak, W) definition; a strong one (T) would come from the compiled
# library.
function(no_liblitellm exe)
  execute_process(COMMAND readelf -d "${exe}" OUTPUT_VARIABLE _dynamic)
  if(_dynamic MATCHES "liblitellm")
    message(FATAL_ERROR "${exe} needs liblitellm:\n${_dynamic}")
  endif()
  execute_process(COMMAND nm -C --defined-only "${exe}" OUTPUT_VARIABLE _defined)
  string(REGEX MATCHALL "[^\n]* T litellm::[^\n]*" _strong "${_defined}")
  if(_strong)
    message(FATAL_ERROR "${exe} holds compiled-library definitions:\n${_strong}")
  endif()
  if(NOT _defined MATCHES " W litellm::")
    message(FATAL_ERROR "${exe} holds no inline litellm function: not a header-only build?")
  endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_pkg "${SOURCE_DIR}/tests/package")

if(MODE STREQUAL "install")
  set(_prefix "${WORK_DIR}/prefix")
  run(${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${_prefix}")
  run(${CMAKE_COMMAND} -S "${_pkg}/consumer" -B "${WORK_DIR}/build" -G "${GENERATOR}"
      -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_PREFIX_PATH=${_prefix} -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
  run("${WORK_DIR}/build/consumer")
  run("${WORK_DIR}/build/consumer_header_only")
  no_liblitellm("${WORK_DIR}/build/consumer_header_only")

  # pkg-config, from the same prefix (the .pc file is relocatable).
  find_program(_pkg_config pkg-config)
  if(_pkg_config)
    file(GLOB_RECURSE _pc_files "${_prefix}/*/litellm.pc")
    list(GET _pc_files 0 _pc_file)
    get_filename_component(_pc_dir "${_pc_file}" DIRECTORY)
    set(ENV{PKG_CONFIG_PATH} "${_pc_dir}")
    foreach(_module litellm litellm_header_only)
      execute_process(COMMAND ${_pkg_config} --cflags --libs ${_module}
                      OUTPUT_VARIABLE _flags RESULT_VARIABLE _rc OUTPUT_STRIP_TRAILING_WHITESPACE)
      if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "pkg-config cannot resolve ${_module} from ${_pc_dir}")
      endif()
      separate_arguments(_flags UNIX_COMMAND "${_flags}")
      run(${CXX} -std=c++17 "${_pkg}/consumer/main.cpp" -o "${WORK_DIR}/${_module}_pc" ${_flags})
      run("${WORK_DIR}/${_module}_pc")
    endforeach()
    no_liblitellm("${WORK_DIR}/litellm_header_only_pc")
  endif()
elseif(MODE STREQUAL "subdirectory")
  run(${CMAKE_COMMAND} -S "${_pkg}/subdir" -B "${WORK_DIR}/build" -G "${GENERATOR}"
      -DCMAKE_CXX_COMPILER=${CXX} -DLITELLM_SOURCE_DIR=${SOURCE_DIR} -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
  run("${WORK_DIR}/build/consumer")
  run("${WORK_DIR}/build/consumer_header_only")
  no_liblitellm("${WORK_DIR}/build/consumer_header_only")
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
