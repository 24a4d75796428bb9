#!/usr/bin/env bash
# Benchmark: `restorectl run --dry-run` of generated plans with 1,000 / 10,000 / 100,000 services
# (4 phases, --jobs 16), and 1,000 jittered trials of plans/ista.toml. Median of 3 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
setup "" gen_plan

echo "| services | dry run (--jobs 16, JSON report, journal) |"
echo "|---:|---:|"
declare -A t
for n in 1000 10000 100000; do
  target/release/examples/gen_plan "$n" > "$work/p$n.toml"
  t[$n]=$(median3 "$bin" run --dry-run --jobs 16 --format json --state "$work/s$n" "$work/p$n.toml")
  echo "| $n | ${t[$n]} ms |"
done
awk -v a="${t[100000]}" -v b="${t[10000]}" 'BEGIN { printf "\nratio 100k/10k: %.1f× (linear = 10×)\n", a / (b ? b : 1) }'
trials=$(median3 "$bin" run --dry-run --trials 1000 --jitter 0.3 --format json plans/ista.toml)
echo "1,000 trials of plans/ista.toml: $trials ms"
