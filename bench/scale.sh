#!/usr/bin/env bash
# Benchmark: the adversarial shapes at 1,000 / 10,000 / 100,000 services, time and peak memory,
# with the growth from 10k to 100k (linear = 10×). Shapes (examples/gen_plan.rs): `random` DAGs
# with every service customer-facing in two locales; `no checks` (a warning for most services);
# `chain` (each service on the one before); `fan` (all on the first). Dry runs use --jobs 16 and
# write the JSON report, the journal and every announcement.
# Usage: bench/scale.sh [DIR]   (DIR: where plans and state go; default a temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
setup "${1:-}" gen_plan measure
measure=target/release/examples/measure

# Median wall time (ms) and the peak RSS (MB) of that run, of three.
run3() {
  for _ in 1 2 3; do rm -rf "$work/state"; "$measure" "$@"; done | sort -n | sed -n 2p
}

row() {
  local label=$1 shape=$2; shift 2
  local cells=() t10=0 t100=0
  for n in 1000 10000 100000; do
    [ -f "$work/$shape-$n.toml" ] || target/release/examples/gen_plan "$n" $(gen_flags "$shape") > "$work/$shape-$n.toml"
    read -r ms mb < <(run3 "$bin" "$@" "$work/$shape-$n.toml")
    cells+=("$ms ms, $mb MB")
    [ "$n" = 10000 ] && t10=$ms
    [ "$n" = 100000 ] && t100=$ms
  done
  printf '| %s | %s | %s | %s | %s |\n' "$label" "${cells[@]}" \
    "$(awk -v a="$t100" -v b="$t10" 'BEGIN { printf "%.1f×", a / (b ? b : 1) }')"
}

gen_flags() {
  case $1 in
    random) echo "--customer all" ;;
    nochecks) echo "--no-checks" ;;
    chain) echo "--shape chain --customer all" ;;
    fan) echo "--shape fan --customer all" ;;
  esac
}

echo "| what (shape) | 1,000 | 10,000 | 100,000 | 10k → 100k |"
echo "|---|---:|---:|---:|---:|"
row "validate (random, all customer-facing)" random validate
row "validate, human output (no checks: a warning each)" nochecks validate
row "graph --format json (random)" random graph --format json
row "preview (random: every service down, a TCP probe each)" random preview
row "dry run (random, all customer-facing, 2 locales)" random run --dry-run --jobs 16 --format json --state "$work/state"
row "dry run (chain)" chain run --dry-run --jobs 16 --format json --state "$work/state"
row "dry run (fan)" fan run --dry-run --jobs 16 --format json --state "$work/state"

# The evidence pack of the random plan's drill (the drill run once, then the report three times).
cells=(); t10=0; t100=0
for n in 1000 10000 100000; do
  rm -rf "$work/state"
  "$bin" run --dry-run --jobs 16 --progress none --state "$work/state" "$work/random-$n.toml" > /dev/null
  read -r ms mb < <(for _ in 1 2 3; do "$measure" "$bin" report --dry-run --format html --state "$work/state" -o "$work/report.html" "$work/random-$n.toml"; done | sort -n | sed -n 2p)
  cells+=("$ms ms, $mb MB")
  [ "$n" = 10000 ] && t10=$ms
  [ "$n" = 100000 ] && t100=$ms
done
printf '| %s | %s | %s | %s | %s |\n' "report --dry-run --format html (random)" "${cells[@]}" \
  "$(awk -v a="$t100" -v b="$t10" 'BEGIN { printf "%.1f×", a / (b ? b : 1) }')"

echo
echo "| announcements written by the dry run (random, all customer-facing) | 1,000 | 10,000 | 100,000 |"
echo "|---|---:|---:|---:|"
sizes=()
for n in 1000 10000 100000; do
  rm -rf "$work/state"
  "$bin" run --dry-run --jobs 16 --progress none --state "$work/state" "$work/random-$n.toml" > /dev/null
  dir="$work/state/dry-run/announcements"
  sizes+=("$(ls "$dir" | wc -l) files, $(du -s --apparent-size --block-size=1K "$dir" | cut -f1) KB")
done
printf '| updates and feeds, both locales | %s | %s | %s |\n' "${sizes[@]}"
