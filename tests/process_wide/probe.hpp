// What each part of the process-wide test reports: the address of the key registry it sees, and
// that it asked for curl's global init.
#pragma once

#define PROBE_EXPORT extern "C" __attribute__((visibility("default")))

PROBE_EXPORT const void* plugin_registry();  // the shared library
PROBE_EXPORT void plugin_init_curl();
const void* second_unit_registry();  // another translation unit of the executable
void second_unit_init_curl();
