#!/usr/bin/env bash
# Benchmark: what a shared state costs a live run. The `random` shape of bench/live.sh (1,000
# services on up to three earlier ones, 1 in 100 customer-facing, `test -f` checks, `touch`
# restores), run with --jobs 16 on a state directory on the disk, then on PostgreSQL on 127.0.0.1
# (scripts/postgres; each round in a fresh database): five rounds alternating, medians, the ratio,
# and the rows the database holds after one run. Every record group is a transaction with the
# local fsync before it, so the cost is one round trip to the server per group commit; every
# customer update's record (announced.jsonl, shared line by line) one more.
# Usage: bench/shared.sh [SERVICES] [CUSTOMER]   (CUSTOMER: every N-th customer-facing, or `all`)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
n=${1:-1000}
customer=${2:-100}
setup "" gen_plan
admin=$(scripts/postgres | head -n 1)
base=${admin%%\?*}; base=${base%/*}
target/release/examples/gen_plan "$n" --phases 1 --shape random --customer "$customer" --default-interval \
  --touch "$work/r" > "$work/plan.toml"
dir_times=(); pg_times=()
for round in 1 2 3 4 5; do
  rm -rf "$work/r" "$work/state" "$work/.restorectl"; mkdir "$work/r"
  dir_times+=("$(ms "$bin" run --jobs 16 --progress none --format json --state "$work/state" "$work/plan.toml")")
  rm -rf "$work/r" "$work/.restorectl"; mkdir "$work/r"
  db="restorectl_bench_$round"
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null
  url="$base/$db?sslmode=disable"
  pg_times+=("$(ms "$bin" run --jobs 16 --progress none --format json --state "$url" "$work/plan.toml")")
  [ "$(ls "$work/r" | wc -l)" -eq "$n" ] || { echo "the shared run did not restore all $n services" >&2; exit 1; }
  rows=$(psql "$url" -tAc "SELECT count(*) FROM restorectl_journal")
  records=$(psql "$url" -tAc "SELECT count(*) FROM restorectl_records")
  psql "$admin" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
done
d=$(median "${dir_times[@]}"); p=$(median "${pg_times[@]}")
echo "| services | customer-facing | --state DIR (disk) | --state postgres://127.0.0.1 | ratio | journal rows | record rows |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
awk -v n="$n" -v c="$customer" -v d="$d" -v p="$p" -v rows="$rows" -v rec="$records" \
  'BEGIN { printf "| %d | %s | %d ms | %d ms | %.2f× | %d | %d |\n", n, (c == "all" ? "all" : "1 in " c), d, p, p / (d ? d : 1), rows, rec }'
