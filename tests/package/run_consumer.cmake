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

  # pkg-config, from the same prefix (the .pc file is relocatable).
  find_program(_pkg_config pkg-config)
  if(_pkg_config)
    file(GLOB_RECURSE _pc_files "${_prefix}/*/litellm.pc")
    list(GET _pc_files 0 _pc_file)
    get_filename_component(_pc_dir "${_pc_file}" DIRECTORY)
    set(ENV{PKG_CONFIG_PATH} "${_pc_dir}")
    execute_process(COMMAND ${_pkg_config} --cflags --libs litellm
                    OUTPUT_VARIABLE _flags RESULT_VARIABLE _rc OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "pkg-config cannot resolve litellm from ${_pc_dir}")
    endif()
    separate_arguments(_flags UNIX_COMMAND "${_flags}")
    run(${CXX} -std=c++17 "${_pkg}/consumer/main.cpp" -o "${WORK_DIR}/consumer_pc" ${_flags})
    run("${WORK_DIR}/consumer_pc")
  endif()
elseif(MODE STREQUAL "subdirectory")
  run(${CMAKE_COMMAND} -S "${_pkg}/subdir" -B "${WORK_DIR}/build" -G "${GENERATOR}"
      -DCMAKE_CXX_COMPILER=${CXX} -DLITELLM_SOURCE_DIR=${SOURCE_DIR} -DCMAKE_BUILD_TYPE=Release)
  run(${CMAKE_COMMAND} --build "${WORK_DIR}/build")
  run("${WORK_DIR}/build/consumer")
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
