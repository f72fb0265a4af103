#!/bin/sh
# The README's demo command: installs what is missing (apt-get), builds the examples and runs
# the demo. Environment: LITELLM_JOBS (default: the number of cores).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="${LITELLM_JOBS:-$(nproc 2>/dev/null || echo 2)}"
build="$root/build/demo"

"$root/cmake/install-debian-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLITELLM_BUILD_TESTS=OFF
cmake --build "$build" -j "$jobs"

"$build/examples/replay_recorded_stream" "$root/tests/data/llm-vectors/openai/stream_text_usage.sse"
