#!/usr/bin/env bash
# Benchmark: a spawn-bound live run. 1,000 services (random DAG, one phase), each checked by
# `test -f FILE` and restored by `touch FILE`: `restorectl run --jobs 16` against GNU `make -j16`
# running the same probe, action and probe per target over the same graph (a generated Makefile).
# Both run side by side, alternating, five times; the medians and their ratio are printed.
# Usage: bench/live.sh [SERVICES] [DIR]   (DIR: where files and state go; default a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}
setup "${2:-}" gen_plan

target/release/examples/gen_plan "$n" --phases 1 --touch "$work/r" > "$work/plan.toml"
target/release/examples/gen_plan "$n" --phases 1 --touch "$work/m" --makefile > "$work/Makefile"
r_times=(); m_times=()
for round in 1 2 3 4 5; do
  rm -rf "$work/r" "$work/m" "$work/state"; mkdir "$work/r" "$work/m"
  r_times+=("$(ms "$bin" run --jobs 16 --progress none --format json --state "$work/state" "$work/plan.toml")")
  m_times+=("$(ms make -s -j16 -f "$work/Makefile" all)")
done
versus_make "$n"
