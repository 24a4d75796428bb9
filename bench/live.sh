#!/usr/bin/env bash
# Benchmark: spawn-bound live runs. 1,000 services in one phase, each checked by `test -f FILE` (the
# plan's default check interval) and restored by `touch FILE`: `restorectl run --jobs 16` against GNU
# `make -j16` running the same probe, action and probe per target over the same graph (a generated
# Makefile). Four shapes, because one shape can hide the cost of another:
#   random  each service on up to three earlier ones (1 in 100 customer-facing)
#   window  each on up to three of the 50 before it, all internal (wide and shallow)
#   chain   each on the one before (nothing runs beside anything)
#   fan     all on the first (1,000 ready at once)
# Each shape runs side by side with make, alternating, five times, on tmpfs (/dev/shm) and on the
# disk (${TMPDIR:-/tmp}); the medians and their ratio are printed.
# Usage: bench/live.sh [SERVICES] [SHAPES...]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}; shift || true
shapes=("${@:-random window chain fan}"); shapes=(${shapes[*]})
setup "" gen_plan
dirs=()
[ -d /dev/shm ] && dirs+=("tmpfs:/dev/shm")
dirs+=("disk:${TMPDIR:-/tmp}")

echo "| shape | where | restorectl run --jobs 16 | make -j16 | ratio |"
echo "|---|---|---:|---:|---:|"
for entry in "${dirs[@]}"; do
  where=${entry%%:*}; root=$(mktemp -d "${entry#*:}/restorectl-live.XXXXXX")
  for shape in "${shapes[@]}"; do
    customer=none; [ "$shape" = random ] && customer=100
    target/release/examples/gen_plan "$n" --phases 1 --shape "$shape" --customer "$customer" \
      --default-interval --touch "$root/r" > "$root/plan.toml"
    target/release/examples/gen_plan "$n" --phases 1 --shape "$shape" --touch "$root/m" --makefile > "$root/Makefile"
    r_times=(); m_times=()
    for round in 1 2 3 4 5; do
      rm -rf "$root/r" "$root/m" "$root/state"; mkdir "$root/r" "$root/m"
      r_times+=("$(ms "$bin" run --jobs 16 --progress none --format json --state "$root/state" "$root/plan.toml")")
      [ "$(ls "$root/r" | wc -l)" -eq "$n" ] || { echo "restorectl did not restore all $n services" >&2; exit 1; }
      m_times+=("$(ms make -s -j16 -f "$root/Makefile" all)")
    done
    r=$(median "${r_times[@]}"); m=$(median "${m_times[@]}")
    awk -v s="$shape" -v w="$where" -v r="$r" -v m="$m" \
      'BEGIN { printf "| %s | %s | %d ms | %d ms | %.2f× |\n", s, w, r, m, r / (m ? m : 1) }'
  done
  rm -rf "$root"
done
