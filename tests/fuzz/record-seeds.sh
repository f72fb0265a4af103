#!/bin/sh
# Writes the fuzz seeds that come from the project's own provider simulator (tests/simulator):
# OpenAI, Azure, Anthropic and Gemini answers, streamed and not, with tool calls, n > 1, usage, a length
# cut and errors, recorded with curl and put in each target's input format. Every seed it writes
# is named sim_*; the other seeds are written by hand. Run it after changing the simulator's
# answers, then commit the changed seeds:
#   tests/fuzz/record-seeds.sh build/dev/tests/simulator/litellm-mock-provider
# (no recorded provider data goes into the seeds: see README.md, "Tests").
set -eu
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 <path to litellm-mock-provider>" >&2
  exit 2
fi
simulator="$1"
seeds="$(cd "$(dirname "$0")" && pwd)/seeds"
key="sk-seed-key-0001-aaaaaaaaaaaaaaaa"
work="$(mktemp -d)"
"$simulator" --port 0 --port-file "$work/port" --keys "$key" >"$work/simulator.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
tries=0
until [ -s "$work/port" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/simulator.log" >&2
    echo "record-seeds: the simulator did not start" >&2
    exit 1
  fi
  sleep 0.1
done
base="http://127.0.0.1:$(cat "$work/port")"

# post <path> <output> <json body> [curl options...]: the response body, whatever its status.
post() {
  path="$1" output="$2" body="$3"
  shift 3
  curl --silent --show-error --no-buffer --output "$output" \
    --header "Content-Type: application/json" "$@" --data "$body" "$base$path"
}
openai() { post /v1/chat/completions "$@" --header "Authorization: Bearer $key"; }
azure() {
  post "/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21" "$@" \
    --header "api-key: $key"
}
anthropic() {
  post /v1/messages "$@" --header "x-api-key: $key" --header "anthropic-version: 2023-06-01"
}
# gemini <method> <output> <json body> [curl options...]
gemini() {
  method="$1"
  shift
  post "/v1beta/models/gemini-2.5-flash:$method" "$@" --header "x-goog-api-key: $key"
}
# seed <target> <name> <selector byte in octal, or ""> <file>: the target's input format.
seed() {
  mkdir -p "$seeds/$1"
  rm -f "$seeds/$1/$2"
  if [ -n "$3" ]; then printf "\\$3" >"$seeds/$1/$2"; fi
  cat "$4" >>"$seeds/$1/$2"
}
# lines <sse file>: its data payloads, one per line, without [DONE] (fuzz_merge's chunk lists).
lines() { sed -n 's/^data: //p' "$1" | grep -v '^\[DONE\]$'; }

user='"messages": [{"role": "user", "content": "What is the weather in Lisbon and Oslo?"}]'
tools='"tools": [{"type": "function", "function": {"name": "get_weather",
  "description": "The weather in a city", "parameters": {"type": "object", "properties":
  {"city": {"type": "string"}, "days": {"type": "integer"}, "metric": {"type": "boolean"}},
  "required": ["city"]}}}, {"type": "function", "function": {"name": "get_time",
  "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}}}]'
anthropic_tools='"tools": [{"name": "get_weather", "description": "The weather in a city",
  "input_schema": {"type": "object", "properties": {"city": {"type": "string"},
  "days": {"type": "integer"}}, "required": ["city"]}}, {"name": "get_time",
  "input_schema": {"type": "object", "properties": {"zone": {"type": "string"}}}}]'
parallel='"messages": [{"role": "user", "content": "Both tools, in parallel please."}]'
usage='"stream_options": {"include_usage": true}'

openai "$work/openai_text.sse" "{\"model\": \"gpt-4o-mini\", \"stream\": true, $usage, $user}"
openai "$work/openai_n2.sse" "{\"model\": \"gpt-4o-mini\", \"stream\": true, \"n\": 2, $usage, $user}"
openai "$work/openai_tool.sse" "{\"model\": \"gpt-4o-mini\", \"stream\": true, $tools, $user}"
openai "$work/openai_parallel.sse" \
  "{\"model\": \"gpt-4o-mini\", \"stream\": true, $usage, $tools, $parallel}"
openai "$work/openai_length.sse" \
  "{\"model\": \"gpt-4o-mini\", \"stream\": true, \"max_tokens\": 3, $user}"
openai "$work/openai_inband.sse" "{\"model\": \"gpt-4o-mini\", \"stream\": true, $user}" \
  --header "x-sim-fault: inband_error;after=3"
openai "$work/openai_malformed.sse" "{\"model\": \"gpt-4o-mini\", \"stream\": true, $user}" \
  --header "x-sim-fault: malformed_chunk;after=2"
openai "$work/openai_completion.json" "{\"model\": \"gpt-4o-mini\", \"n\": 2, $tools, $user}"
azure "$work/azure_completion.json" "{\"max_tokens\": 5, $user}"
openai "$work/openai_429.json" "{\"model\": \"gpt-4o-mini\", $user}" \
  --header "x-sim-fault: status;status=429"
azure "$work/azure_text.sse" "{\"stream\": true, \"n\": 2, $user}"
anthropic "$work/anthropic_text.sse" \
  "{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 200, \"stream\": true, $user}"
anthropic "$work/anthropic_tool.sse" \
  "{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 200, \"stream\": true, $anthropic_tools, $parallel}"
anthropic "$work/anthropic_length.sse" \
  "{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 3, \"stream\": true, $user}"
anthropic "$work/anthropic_message.json" \
  "{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 200, $anthropic_tools, $user}"
anthropic "$work/anthropic_429.json" "{\"model\": \"claude-sonnet-4-5\", \"max_tokens\": 9, $user}" \
  --header "x-sim-fault: status;status=429"
anthropic "$work/anthropic_400.json" "{\"model\": \"claude-sonnet-4-5\", $user}"
gemini_user='"contents": [{"role": "user", "parts": [{"text": "What is the weather in Lisbon?"}]}]'
gemini_tools='"tools": [{"functionDeclarations": [{"name": "get_weather", "parameters":
  {"type": "object", "properties": {"city": {"type": "string"}}}}]}]'
gemini "streamGenerateContent?alt=sse" "$work/gemini_text.sse" \
  "{$gemini_user, \"generationConfig\": {\"candidateCount\": 2}}"
gemini "streamGenerateContent?alt=sse" "$work/gemini_tool.sse" "{$gemini_user, $gemini_tools}"
gemini generateContent "$work/gemini_response.json" "{$gemini_user, $gemini_tools}"
gemini generateContent "$work/gemini_429.json" "{$gemini_user}" \
  --header "x-sim-fault: status;status=429"
gemini generateContent "$work/gemini_quota.json" "{$gemini_user}" \
  --header "x-sim-fault: insufficient_quota"
gemini batchEmbedContents "$work/gemini_embeddings.json" \
  '{"requests": [{"model": "models/gemini-2.5-flash", "content": {"parts": [{"text": "a b"}]}}]}'

# fuzz_sse: a piece-size byte, then SSE bytes.
seed sse sim_openai_text.sse 007 "$work/openai_text.sse"
seed sse sim_azure_n2.sse 022 "$work/azure_text.sse"
seed sse sim_anthropic_tool.sse 003 "$work/anthropic_tool.sse"
# fuzz_openai_stream: SSE bytes.
for name in text n2 tool parallel length inband malformed; do
  seed openai_stream "sim_openai_$name.sse" "" "$work/openai_$name.sse"
done
seed openai_stream sim_azure_n2.sse "" "$work/azure_text.sse"
# fuzz_merge: the choice count n (byte % 4), then one chunk per line.
for name in text tool parallel length; do
  lines "$work/openai_$name.sse" >"$work/openai_$name.lines"
  seed merge "sim_openai_$name.txt" 001 "$work/openai_$name.lines"
done
lines "$work/openai_n2.sse" >"$work/openai_n2.lines"
seed merge sim_openai_n2.txt 002 "$work/openai_n2.lines"
lines "$work/azure_text.sse" >"$work/azure_n2.lines"
seed merge sim_azure_n2.txt 002 "$work/azure_n2.lines"
# fuzz_anthropic: 0 stream, 1 message, 2 error body.
for name in text tool length; do
  seed anthropic "sim_stream_$name.sse" 000 "$work/anthropic_$name.sse"
done
seed anthropic sim_message_tool.json 001 "$work/anthropic_message.json"
seed anthropic sim_error_429.json 002 "$work/anthropic_429.json"
seed anthropic sim_error_400.json 002 "$work/anthropic_400.json"
# fuzz_gemini: 0 stream, 1 response, 2 error body, 3 parameters / embeddings answer.
seed gemini sim_stream_text.sse 000 "$work/gemini_text.sse"
seed gemini sim_stream_tool.sse 000 "$work/gemini_tool.sse"
seed gemini sim_response_tool.json 001 "$work/gemini_response.json"
seed gemini sim_error_429.json 002 "$work/gemini_429.json"
seed gemini sim_error_quota.json 002 "$work/gemini_quota.json"
seed gemini sim_embeddings.json 003 "$work/gemini_embeddings.json"
# fuzz_requests: a provider byte (0 OpenAI, 1 Azure), then JSON, used as chat parameters, as a
# response and as an error body.
seed requests sim_openai_completion.json 000 "$work/openai_completion.json"
seed requests sim_azure_completion.json 001 "$work/azure_completion.json"
seed requests sim_openai_error_429.json 000 "$work/openai_429.json"
echo "record-seeds: wrote the sim_* seeds under $seeds"
