#!/usr/bin/env bash
# Runs the litellm-cpp benchmarks against local servers and prints one JSON line per run, plus a
# summary table; every line is also appended to build/bench/results.jsonl. Not part of the test
# suite (timings depend on the machine). The runs take about 90 s on 2 cores, after the build
# and after waiting (up to BENCH_IDLE_WAIT) for an idle machine.
#
# What it does:
#   1. builds Release into build/bench (litellm-bench and the provider simulator);
#   2. starts the provider simulator (litellm-mock-provider, 1100 threads) twice: one answering
#      as fast as it can, one pausing 20 ms between stream chunks (1000 slow streams), each with
#      a listen backlog large enough for 1000 simultaneous connects;
#   3. starts nginx, unprivileged, on a free port with a generated config that answers
#      POST /v1/chat/completions with a fixed chat.completion (`return 200 '...'`): a server that
#      costs next to nothing, so client costs show. nginx cannot stream: streams use the simulator;
#   4. runs litellm against the raw libcurl baseline (--raw-curl): sequential and C = 64
#      completions (nginx and simulator), streams at C = 1, 64 and 1000, embeddings, then the
#      micro-benchmarks and the key-pool benchmark.
#
# Environment: LITELLM_JOBS (build jobs), BENCH_BUILD (default build/bench), BENCH_QUICK=1 (fewer
# requests, for a smoke run), BENCH_NO_NGINX=1 (skip nginx even when installed), BENCH_IDLE_WAIT
# (seconds to wait for an idle machine first, default 120), BENCH_PAIRS (interleaved pairs of the
# C = 64 nginx run, default 7).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
jobs="${LITELLM_JOBS:-$(nproc 2>/dev/null || echo 2)}"
build="${BENCH_BUILD:-$root/build/bench}"
results="$build/results.jsonl"
quick="${BENCH_QUICK:-0}"

log() { printf '\n==> %s\n' "$*" >&2; }

# ---- build ------------------------------------------------------------------------------------
"$root/cmake/install-debian-deps.sh"
log "building Release into $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLITELLM_BUILD_TESTS=OFF \
  -DLITELLM_BUILD_EXAMPLES=OFF -DLITELLM_BUILD_BENCH=ON -DLITELLM_BUILD_SIMULATOR=ON >/dev/null
cmake --build "$build" -j "$jobs" --target litellm-bench litellm-bench-keypool \
  litellm-mock-provider
bench="$build/tests/bench/litellm-bench"
simulator_bin="$build/tests/simulator/litellm-mock-provider"

# 1000 connections per side need more than the usual 1024 descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 2200 ]; then
  echo "run-benchmarks: warning: only $(ulimit -n) file descriptors; the 1000-stream runs may fail" >&2
fi

# ---- servers ----------------------------------------------------------------------------------
workdir="$(mktemp -d)"
chmod 711 "$workdir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for_file() {  # path pid name
  local tries=0
  until [ -s "$1" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ] || ! kill -0 "$2" 2>/dev/null; then
      echo "run-benchmarks: $3 did not start" >&2
      return 1
    fi
    sleep 0.1
  done
}

started_url=""  # set by start_simulator / start_nginx (not run in a subshell: pids must stay)

start_simulator() {  # name extra-args...
  local name="$1"
  shift
  "$simulator_bin" --port 0 --port-file "$workdir/$name.port" --threads 1100 \
    "$@" >"$workdir/$name.log" 2>&1 &
  pids+=("$!")
  wait_for_file "$workdir/$name.port" "$!" "the provider simulator ($name)"
  started_url="http://127.0.0.1:$(cat "$workdir/$name.port")/v1"
}

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# The simulator's own answer to the benchmark's completion request (max_tokens 16), frozen:
# nginx serves the same bytes, so both servers send equal bodies.
chat_completion_json='{"choices":[{"finish_reason":"length","index":0,"logprobs":null,"message":{"content":"Hello from the simulator. You said: hello bench lorem lorem lorem lorem lorem lorem lorem lorem","refusal":null,"role":"assistant"}}],"created":1795564885,"id":"chatcmpl-sim-13705","model":"bench-model","object":"chat.completion","system_fingerprint":"fp_sim","usage":{"completion_tokens":16,"prompt_tokens":2,"total_tokens":18}}'

start_nginx() {
  if [ "${BENCH_NO_NGINX:-0}" = 1 ]; then return 1; fi
  if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    log "installing nginx-light (apt-get)"
    "$root/cmake/install-debian-deps.sh" nginx-light >&2 || return 1
  fi
  local nginx_bin
  nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
  local dir="$workdir/nginx" port
  port="$(free_port)" || return 1
  mkdir -p "$dir/logs" "$dir/tmp"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  keepalive_requests 10000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:$port backlog=4096;
    default_type application/json;
    location = /v1/chat/completions { return 200 '$chat_completion_json'; }
    location / { return 404 '{"error":{"message":"not here","type":"invalid_request_error"}}'; }
  }
}
EOF
  local runner=()
  if [ "$(id -u)" -eq 0 ]; then  # never run the benchmark server as root
    chown -R 65534:65534 "$dir"
    runner=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
  "${runner[@]}" "$nginx_bin" -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" \
    >"$dir/logs/stdout.log" 2>&1 &
  pids+=("$!")
  local tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 50 ]; then
      cat "$dir/logs/error.log" "$dir/logs/stdout.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 0.1
  done
  started_url="http://127.0.0.1:$port/v1"
}

log "starting servers"
start_simulator sim
sim="$started_url"
start_simulator sim-slow --chunk-delay-ms 20
sim_slow="$started_url"
nginx=""
if start_nginx; then
  nginx="$started_url"
else
  echo "run-benchmarks: nginx unavailable: skipping the nginx runs" >&2
fi
echo "simulator: $sim   slow simulator (20 ms/chunk): $sim_slow   nginx: ${nginx:-none}" >&2

# ---- runs -------------------------------------------------------------------------------------
# Timings are only comparable on an otherwise idle machine: wait (up to BENCH_IDLE_WAIT seconds,
# default 120) for the load average to fall below the core count.
idle_wait="${BENCH_IDLE_WAIT:-120}"
waited=0
while awk -v n="$(nproc)" '{ exit !($1 >= n) }' /proc/loadavg 2>/dev/null && [ "$waited" -lt "$idle_wait" ]; do
  [ "$waited" -eq 0 ] && echo "run-benchmarks: load average $(cut -d' ' -f1 /proc/loadavg) >= $(nproc) cores: waiting up to ${idle_wait}s for the machine to calm down" >&2
  sleep 5
  waited=$((waited + 5))
done
start_load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)"
if awk -v l="$start_load" -v n="$(nproc)" 'BEGIN { exit !(l >= n) }'; then
  echo "run-benchmarks: warning: starting with load average $start_load on $(nproc) cores: other work will skew these timings" >&2
fi
mkdir -p "$build"
session="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo true || echo false)"
printf '{"bench":"session","started":"%s","commit":"%s","dirty":%s,"cores":%s,"host":"%s","loadavg":"%s"}\n' \
  "$session" "$commit" "$dirty" "$(nproc)" "$(uname -srm)" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)" \
  >>"$results"
lines="$workdir/lines.jsonl"
: >"$lines"

scale() {  # full-run count -> count for this run
  if [ "$quick" = 1 ]; then echo $(( $1 / 10 > 0 ? $1 / 10 : 1 )); else echo "$1"; fi
}

run() {  # label args...
  local label="$1"
  shift
  printf '%s\n' "--- $label: litellm-bench $*" >&2
  local out
  if out="$("$bench" --label "$label" "$@")"; then :; else
    echo "run-benchmarks: $label exited with errors (see \"errors\" / \"first_error\")" >&2
  fi
  [ -n "$out" ] || return 0
  printf '%s\n' "$out"
  printf '%s\n' "$out" >>"$lines"
  printf '%s\n' "$out" | sed "s/^{/{\"session\":\"$session\",/" >>"$results"
}

pair() {  # label args...: litellm, then the raw baseline with the same arguments
  local label="$1"
  shift
  run "$label" "$@"
  run "$label" "$@" --raw-curl
}

n_seq=$(scale 3000)
n_c64=$(scale 20000)
pairs="${BENCH_PAIRS:-7}"
[ "$quick" = 1 ] && pairs="${BENCH_PAIRS:-1}"
if [ -n "$nginx" ]; then
  pair "completion-seq-nginx" --base "$nginx" --mode completion --requests "$n_seq" --concurrency 1
fi
pair "completion-seq-sim" --base "$sim" --mode completion --requests "$n_seq" --concurrency 1
if [ -n "$nginx" ]; then
  # The floor run: on a shared 2-core machine one pair swings by 10-30%, so it runs as
  # BENCH_PAIRS interleaved pairs (default 7) and the summary gives every ratio and the median.
  for _ in $(seq 1 "$pairs"); do
    pair "completion-c64-nginx" --base "$nginx" --mode completion --requests "$n_c64" \
      --concurrency 64 --warmup 256
  done
  # For reference: bare libcurl given the two settings the library adds (not the floor's baseline).
  run "completion-c64-nginx" --base "$nginx" --mode completion --requests "$n_c64" \
    --concurrency 64 --warmup 256 --raw-tuned
  run "completion-c64-nginx" --base "$nginx" --mode completion --requests "$n_c64" \
    --concurrency 64 --warmup 256 --api threads
fi
pair "completion-c64-sim" --base "$sim" --mode completion --requests "$(scale 10000)" \
  --concurrency 64 --warmup 256
pair "stream-seq-sim" --base "$sim" --mode stream --requests "$(scale 500)" --concurrency 1 \
  --max-tokens 200
pair "stream-c64-sim" --base "$sim" --mode stream --requests "$(scale 2000)" --concurrency 64 \
  --max-tokens 200 --warmup 64
pair "embedding-seq-sim-1536" --base "$sim" --mode embedding --requests "$(scale 1000)" \
  --concurrency 1 --dimensions 1536
pair "embedding-c64-sim-1536" --base "$sim" --mode embedding --requests "$(scale 4000)" \
  --concurrency 64 --dimensions 1536 --warmup 64
# Last: 1000 streams put ~1000 simulator threads to work, which lifts the load average for a
# minute (the loadavg_1m of later lines says so; the micro-benchmarks below run on one core).
pair "stream-c1000-sim" --base "$sim" --mode stream --requests "$(scale 2000)" \
  --concurrency 1000 --max-tokens 200 --warmup 0
pair "stream-c1000-sim-20ms" --base "$sim_slow" --mode stream --requests "$(scale 2000)" \
  --concurrency 1000 --max-tokens 200 --warmup 0

log "micro-benchmarks"
micro_out="$("$bench" --micro)"
printf '%s\n' "$micro_out"
printf '%s\n' "$micro_out" | sed "s/^{/{\"session\":\"$session\",/" >>"$results"
keypool_out="$("$build/tests/bench/litellm-bench-keypool" --keys 8 --wait-ms 50 --threads 16 \
  --seconds 2)" || true
printf '%s\n' "$keypool_out"
printf '%s\n' "$keypool_out" | sed "s/^{/{\"session\":\"$session\",/" >>"$results"

# ---- summary ----------------------------------------------------------------------------------
field() { sed -n "s/.*\"$1\":\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | tr -d '"'; }
log "summary (results appended to $results)"
printf '%-24s %-9s %-8s %6s %5s %10s %9s %9s %10s %11s %8s %5s\n' label impl api requests conc \
  req/s p50_ms p99_ms events/s cpu_us/req rss_mb load
while IFS= read -r line; do
  cpu="$(printf '%s' "$line" | field cpu_s_per_request)"
  printf '%-24s %-9s %-8s %6s %5s %10s %9s %9s %10s %11.1f %8s %5s\n' \
    "$(printf '%s' "$line" | field label)" "$(printf '%s' "$line" | field impl)" \
    "$(printf '%s' "$line" | field api)" "$(printf '%s' "$line" | field requests)" \
    "$(printf '%s' "$line" | field concurrency)" "$(printf '%s' "$line" | field requests_per_s)" \
    "$(printf '%s' "$line" | field p50_ms)" "$(printf '%s' "$line" | field p99_ms)" \
    "$(printf '%s' "$line" | field events_per_s)" "$(awk "BEGIN{print $cpu*1e6}")" \
    "$(printf '%s' "$line" | field peak_rss_mb)" "$(printf '%s' "$line" | field loadavg_1m)"
done <"$lines"
echo "(load = the 1-minute load average when the run ended; the 1000-stream runs raise it themselves)" >&2

# Ratios: each litellm line against the raw line that follows it with the same label (the
# pairs), with the median per label where a label ran several pairs.
log "litellm / raw libcurl, requests per second"
awk '
  function field(line, name,   m) {
    if (match(line, "\"" name "\":(\"[^\"]*\"|[^,}]*)")) {
      m = substr(line, RSTART + length(name) + 3, RLENGTH - length(name) - 3)
      gsub(/"/, "", m)
      return m
    }
    return ""
  }
  {
    label = field($0, "label"); impl = field($0, "impl"); rps = field($0, "requests_per_s")
    if (impl == "litellm") { pending[label] = rps; next }
    if (impl == "raw-curl" && (label in pending) && rps > 0) {
      n = ++count[label]
      ratio[label, n] = pending[label] / rps
      if (n == 1) order[++labels] = label
      delete pending[label]
    }
  }
  END {
    for (i = 1; i <= labels; i++) {
      label = order[i]; n = count[label]
      for (a = 1; a <= n; a++) sorted[a] = ratio[label, a]
      for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++)
        if (sorted[b] < sorted[a]) { t = sorted[a]; sorted[a] = sorted[b]; sorted[b] = t }
      list = ""
      for (a = 1; a <= n; a++) list = list sprintf(" %.2f", ratio[label, a])
      median = n % 2 ? sorted[(n + 1) / 2] : (sorted[n / 2] + sorted[n / 2 + 1]) / 2
      if (n > 1) {
        printf "%-24s median %.2f of %d pairs (min %.2f, max %.2f):%s\n", label, median, n,
          sorted[1], sorted[n], list
      } else {
        printf "%-24s %.2f\n", label, median
      }
    }
  }' "$lines"
