#!/usr/bin/env bash
# Benchmark: `validate` and `graph --format json` on generated plans of 1k / 10k / 100k services.
# Usage: bench/validate.sh            (release build; prints a Markdown table)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
setup "" gen_plan


echo "| services | plan size | validate | graph --format json |"
echo "|---:|---:|---:|---:|"
declare -A v g
for n in 1000 10000 100000; do
  target/release/examples/gen_plan "$n" > "$work/p$n.toml"
  "$bin" validate "$work/p$n.toml" >/dev/null
  v[$n]=$(median3 "$bin" validate "$work/p$n.toml")
  g[$n]=$(median3 "$bin" graph --format json "$work/p$n.toml")
  size=$(du -h "$work/p$n.toml" | cut -f1)
  echo "| $n | $size | ${v[$n]} ms | ${g[$n]} ms |"
done
awk -v a="${v[100000]}" -v b="${v[10000]}" -v c="${g[100000]}" -v d="${g[10000]}" \
  'BEGIN { printf "\nratio 100k/10k: validate %.1f×, graph %.1f× (linear = 10×)\n", a / (b ? b : 1), c / (d ? d : 1) }'
