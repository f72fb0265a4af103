#!/bin/sh
# Builds and runs every test: the README's test command, and all that .ci/run does.
# Installs what is missing (apt-get), then, each in its own build folder under build/:
#   build/test  - the full suite (unit, integration, package consumers, fuzz-input replays) with
#                 warnings as errors;
#   build/header-only - the unit and integration tests again, built against
#                 litellm::litellm_header_only (no optimisation: each test compiles the library);
#   build/tsan  - the concurrency tests under ThreadSanitizer;
#   build/asan  - the unit, integration and replay tests under AddressSanitizer +
#                 UndefinedBehaviorSanitizer (LeakSanitizer included);
#   build/fuzz  - every libFuzzer target (clang), each run briefly from its seeds.
# Environment: LITELLM_JOBS (default: the number of cores), LITELLM_FUZZ_SECONDS (per target,
# default 7).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="${LITELLM_JOBS:-$(nproc 2>/dev/null || echo 2)}"
fuzz_seconds="${LITELLM_FUZZ_SECONDS:-7}"

# clang and its sanitizer runtime (libFuzzer) for the fuzz stage; nginx and openssl for the TLS
# and HTTP/2 transport tests (test_tls_transport, which skips without them).
"$root/cmake/install-debian-deps.sh" clang libclang-rt-14-dev nginx-light openssl

step() { printf '\n==> %s\n' "$*"; }

# The sanitizer builds: -O1 and line tables, as the sanitizers' docs advise, with assertions on.
# They compile in about half the time of -O2 -g, and stack traces keep their file:line.
sanitizer_opt="-O1 -g1"

step "full suite (build/test)"
cmake -S "$root" -B "$root/build/test" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLITELLM_WARNINGS_AS_ERRORS=ON
cmake --build "$root/build/test" -j "$jobs"
ctest --test-dir "$root/build/test" -j "$jobs" --output-on-failure

step "unit and integration tests against the header-only target (build/header-only)"
cmake -S "$root" -B "$root/build/header-only" -G Ninja -DCMAKE_BUILD_TYPE= \
  -DLITELLM_TESTS_HEADER_ONLY=ON -DLITELLM_WARNINGS_AS_ERRORS=ON \
  -DLITELLM_BUILD_EXAMPLES=OFF -DLITELLM_BUILD_BENCH=OFF
cmake --build "$root/build/header-only" -j "$jobs" --target litellm_tests_unit \
  litellm_tests_integration
ctest --test-dir "$root/build/header-only" -j "$jobs" -L "unit|integration" -LE fuzz \
  --output-on-failure

step "concurrency tests under ThreadSanitizer (build/tsan)"
cmake -S "$root" -B "$root/build/tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$sanitizer_opt" -DLITELLM_SANITIZE=thread \
  -DLITELLM_BUILD_EXAMPLES=OFF -DLITELLM_BUILD_BENCH=OFF
cmake --build "$root/build/tsan" -j "$jobs" --target litellm_tests_concurrency
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$root/tests/tsan.supp" \
  ctest --test-dir "$root/build/tsan" -L concurrency --output-on-failure

step "unit and integration tests under AddressSanitizer + UBSan (build/asan)"
cmake -S "$root" -B "$root/build/asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$sanitizer_opt" -DLITELLM_SANITIZE=address,undefined \
  -DLITELLM_BUILD_EXAMPLES=OFF -DLITELLM_BUILD_BENCH=OFF
cmake --build "$root/build/asan" -j "$jobs" --target litellm_tests_unit litellm_tests_integration \
  litellm_fuzzers
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1" \
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
  ctest --test-dir "$root/build/asan" -j "$jobs" -L "unit|integration" --output-on-failure

step "fuzz targets, ${fuzz_seconds} s each (build/fuzz)"
# Every other option at its default, so this configure step checks that a fuzzer build sets up
# the whole tree (the coverage flags go to the fuzz targets only, not to the simulator, tests or
# examples); only the fuzz targets are built.
cmake -S "$root" -B "$root/build/fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DLITELLM_BUILD_FUZZERS=ON -DLITELLM_SANITIZE=address,undefined
cmake --build "$root/build/fuzz" -j "$jobs" --target litellm_fuzzers
for fuzzer in "$root"/build/fuzz/tests/fuzz/fuzz_*; do
  what="$(basename "$fuzzer")"
  what="${what#fuzz_}"
  corpus="$root/build/fuzz/corpus/$what"
  mkdir -p "$corpus" "$root/build/fuzz/artifacts"
  printf '%s: ' "$what"
  # A finding fails this step; its input is written to build/fuzz/artifacts/ (copy it into
  # tests/fuzz/regressions/<what>/ once fixed).
  "$fuzzer" "$corpus" "$root/tests/fuzz/seeds/$what" -max_total_time="$fuzz_seconds" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$root/build/fuzz/artifacts/$what-" 2>&1 |
    grep -E "^stat::number_of_executed_units|ERROR|SUMMARY" | tr '\n' ' '
  printf '\n'
  [ -z "$(ls "$root/build/fuzz/artifacts/" 2>/dev/null | grep "^$what-")" ] || {
    echo "fuzz_$what found a failing input: see build/fuzz/artifacts/" >&2
    exit 1
  }
done

step "all tests passed"
