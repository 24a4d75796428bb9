#!/usr/bin/env bash
# Benchmark: `restorectl status` over 1,000 and 10,000 HTTP services served by one local server,
# against the same probes with curl run by `xargs -P` at the same concurrency (64).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
cargo build --release --quiet --example gen_plan --example http_server --bin restorectl
bin=target/release/restorectl
work=$(mktemp -d)
target/release/examples/http_server 0 > "$work/port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/port" ]; do sleep 0.05; done
port=$(cat "$work/port")


echo "| services | restorectl status --jobs 64 | curl via xargs -P 64 | ratio |"
echo "|---:|---:|---:|---:|"
for n in 1000 10000; do
  target/release/examples/gen_plan "$n" --http-port "$port" > "$work/p$n.toml"
  seq 0 $((n - 1)) | sed "s|^|http://127.0.0.1:$port/health/s|" > "$work/urls$n"
  r=$(median3 "$bin" status --jobs 64 --format json "$work/p$n.toml")
  c=$(median3 sh -c "xargs -P 64 -n 1 curl -s -o /dev/null --max-time 5 < '$work/urls$n'")
  awk -v n="$n" -v r="$r" -v c="$c" 'BEGIN { printf "| %d | %d ms | %d ms | %.1f× faster |\n", n, r, c, c / (r ? r : 1) }'
done
