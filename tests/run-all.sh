#!/bin/sh
# Builds and runs every test: the README's test command, and all that .ci/run does.
# Installs what is missing (apt-get), then, each in its own build folder under build/:
#   build/test  - the full suite (unit, integration, package consumers) with warnings as errors;
#   build/tsan  - the concurrency tests under ThreadSanitizer.
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

step "concurrency tests under ThreadSanitizer (build/tsan)"
cmake -S "$root" -B "$root/build/tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLITELLM_SANITIZE=thread -DLITELLM_BUILD_EXAMPLES=OFF -DLITELLM_BUILD_BENCH=OFF
cmake --build "$root/build/tsan" -j "$jobs" --target litellm_tests_concurrency
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp" \
  ctest --test-dir "$root/build/tsan" -L concurrency --output-on-failure

step "all tests passed"
