#!/bin/sh
# The README's demo command: installs what is missing (apt-get), builds the examples and runs
# them. Without OPENAI_API_KEY, ANTHROPIC_API_KEY or AZURE_API_KEY in the environment they run
# against the bundled provider simulator (started here on a free 127.0.0.1 port); with one, they
# call the real service. Environment: LITELLM_JOBS (default: the number of cores).
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="${LITELLM_JOBS:-$(nproc 2>/dev/null || echo 2)}"
build="$root/build/demo"

# curl records a stream from the simulator for the replay example.
"$root/cmake/install-debian-deps.sh" curl
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLITELLM_BUILD_TESTS=OFF \
  -DLITELLM_BUILD_BENCH=OFF
cmake --build "$build" -j "$jobs"

config="$root/examples/api_infos.json"
if [ -z "${OPENAI_API_KEY:-}${ANTHROPIC_API_KEY:-}${AZURE_API_KEY:-}" ]; then
  workdir="$(mktemp -d)"
  "$build/tests/simulator/litellm-mock-provider" --port 0 --port-file "$workdir/port" \
    --keys sk-demo-key-0001-aaaaaaaa,sk-demo-key-0002-bbbbbbbb,sk-demo-key-0003-cccccccc,AKIDDEMOKEY000000001:demoSecretKey/aaaaaaaaaaaaaaaaaaaaaaaaaaaaa \
    > "$workdir/simulator.log" 2>&1 &
  simulator=$!
  trap 'kill "$simulator" 2>/dev/null; rm -rf "$workdir"' EXIT INT TERM
  tries=0
  until [ -s "$workdir/port" ]; do  # the simulator writes its port once it accepts connections
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$simulator" 2>/dev/null; then
      cat "$workdir/simulator.log" >&2
      echo "run-demo: the provider simulator did not start" >&2
      exit 1
    fi
    sleep 0.1
  done
  LITELLM_EXAMPLE_BASE="http://127.0.0.1:$(cat "$workdir/port")"
  export LITELLM_EXAMPLE_BASE
  config="$root/examples/api_infos.simulator.json"
  echo "run-demo: no API key in the environment: using the provider simulator at $LITELLM_EXAMPLE_BASE"
fi

run() {
  printf '\n=== %s\n' "$*"
  "$@"
}
run "$build/examples/key_rotation"
run "$build/examples/chat"
run "$build/examples/streaming"
run "$build/examples/embeddings"
run "$build/examples/tool_calls"
# Gemini's native API: on the simulator, or with a Gemini key.
if [ -n "${LITELLM_EXAMPLE_BASE:-}${GEMINI_API_KEY:-}${GOOGLE_API_KEY:-}" ]; then
  run "$build/examples/gemini"
fi
run "$build/examples/config_file" "$config"
if [ -n "${LITELLM_EXAMPLE_BASE:-}" ] || [ -n "${AWS_ACCESS_KEY_ID:-}${AWS_BEARER_TOKEN_BEDROCK:-}" ]; then
  run "$build/examples/bedrock"
fi
# Two processes sharing three keys through shared memory (no network, no server).
run "$build/examples/shared_keys"
# The replay example reads a stream from a file: one recorded here from the simulator with curl,
# or (with real keys, where no simulator runs) examples/sample_stream.sse, written by hand.
stream="$root/examples/sample_stream.sse"
if [ -n "${LITELLM_EXAMPLE_BASE:-}" ]; then
  stream="$build/recorded_stream.sse"
  printf '\n=== recording a stream from the simulator into %s\n' "$stream"
  curl --silent --show-error --fail --no-buffer --output "$stream" \
    --header "Authorization: Bearer sk-demo-key-0001-aaaaaaaa" \
    --header "Content-Type: application/json" \
    --data '{"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true},
             "messages": [{"role": "user", "content": "Replay this stream, please."}]}' \
    "$LITELLM_EXAMPLE_BASE/v1/chat/completions"
fi
run "$build/examples/replay_recorded_stream" "$stream"
