#!/usr/bin/env bash
# Benchmark: a live `restorectl run` of 1,000 services (restore: the no-op process `true`; check: an
# HTTP probe of a local server) with --jobs 16, against GNU `make -j16` running the same probes and
# actions over the same dependency graph (a generated Makefile, one target per service).
# The server answers 503 to the first request per path, so every service really needs its restore.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
server=""
setup "" gen_plan http_server
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
n=${1:-1000}

start_server() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  : > "$work/port"
  target/release/examples/http_server 0 --fail-first > "$work/port" &
  server=$!
  while [ ! -s "$work/port" ]; do sleep 0.05; done
  port=$(cat "$work/port")
}

r_times=(); m_times=()
for round in 1 2 3; do
  start_server
  target/release/examples/gen_plan "$n" --phases 1 --http-port "$port" --restore true > "$work/plan.toml"
  r_times+=("$(ms "$bin" run --jobs 16 --format json --state "$work/state$round" "$work/plan.toml")")
  start_server
  target/release/examples/gen_plan "$n" --phases 1 --http-port "$port" --restore true --makefile > "$work/Makefile"
  m_times+=("$(ms make -s -j16 -f "$work/Makefile" all)")
done
versus_make "$n"
