# Install rules: the library, its headers, a CMake package (litellmConfig.cmake + version file,
# targets exported as litellm::litellm and litellm::litellm_header_only) and a relocatable
# pkg-config file for each (litellm.pc, litellm_header_only.pc). Third-party targets are
# not exported: litellmConfig.cmake finds them with find_dependency before loading ours.
include(CMakePackageConfigHelpers)

set(LITELLM_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/litellm" CACHE STRING
    "Where litellmConfig.cmake is installed, relative to the prefix")
set(LITELLM_PKGCONFIG_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig" CACHE STRING
    "Where litellm.pc is installed, relative to the prefix")

install(TARGETS litellm litellm_header_only EXPORT litellmTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/litellm DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")
install(EXPORT litellmTargets NAMESPACE litellm:: FILE litellmTargets.cmake
        DESTINATION ${LITELLM_CMAKE_INSTALL_DIR})

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/litellmConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/litellmConfig.cmake"
  INSTALL_DESTINATION ${LITELLM_CMAKE_INSTALL_DIR})
# 0.x: a minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/litellmConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/litellmConfig.cmake"
              "${PROJECT_BINARY_DIR}/litellmConfigVersion.cmake"
        DESTINATION ${LITELLM_CMAKE_INSTALL_DIR})

# pkg-config: prefix relative to the .pc file, so `cmake --install --prefix X` works for any X.
file(RELATIVE_PATH _litellm_pc_to_prefix "/prefix/${LITELLM_PKGCONFIG_INSTALL_DIR}" "/prefix")
string(REGEX REPLACE "/$" "" _litellm_pc_to_prefix "${_litellm_pc_to_prefix}")
set(LITELLM_PC_PREFIX "\${pcfiledir}/${_litellm_pc_to_prefix}")
get_target_property(_litellm_type litellm TYPE)
if(LITELLM_HAS_HIREDIS)
  set(_litellm_pc_hiredis " hiredis")
  set(LITELLM_PC_CFLAGS " -DLITELLM_HAS_HIREDIS=1")
else()
  set(_litellm_pc_hiredis "")
  set(LITELLM_PC_CFLAGS "")
endif()
set(LITELLM_PC_HEADER_ONLY_REQUIRES "nlohmann_json fmt libcurl${_litellm_pc_hiredis}")
if(_litellm_type STREQUAL "STATIC_LIBRARY")
  set(LITELLM_PC_REQUIRES "nlohmann_json fmt libcurl${_litellm_pc_hiredis}")
  set(LITELLM_PC_REQUIRES_PRIVATE "")
else()
  set(LITELLM_PC_REQUIRES "nlohmann_json fmt")
  set(LITELLM_PC_REQUIRES_PRIVATE "libcurl${_litellm_pc_hiredis}")
endif()
foreach(_pc litellm litellm_header_only)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/${_pc}.pc.in" "${PROJECT_BINARY_DIR}/${_pc}.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/${_pc}.pc" DESTINATION ${LITELLM_PKGCONFIG_INSTALL_DIR})
endforeach()
