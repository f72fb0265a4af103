#!/bin/sh
# Builds and runs every test: the README's test command, and all that .ci/run does.
# Installs what is missing (apt-get), then, each in its own build folder under build/:
#   build/test  - the full suite (unit, integration, package consumers) with warnings as errors.
# Environment: LITELLM_JOBS (default: the number of cores).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="${LITELLM_JOBS:-$(nproc 2>/dev/null || echo 2)}"

"$root/cmake/install-debian-deps.sh"

step() { printf '\n==> %s\n' "$*"; }

step "full suite (build/test)"
cmake -S "$root" -B "$root/build/test" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLITELLM_WARNINGS_AS_ERRORS=ON
cmake --build "$root/build/test" -j "$jobs"
ctest --test-dir "$root/build/test" -j "$jobs" --output-on-failure

step "all tests passed"
