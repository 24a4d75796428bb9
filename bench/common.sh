# Shared by the benchmark scripts: the release build, a work folder that goes at exit, wall time
# in milliseconds, medians, and the side-by-side table against make.
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
median3() { local a b c; a=$(ms "$@"); b=$(ms "$@"); c=$(ms "$@"); printf '%s\n' "$a" "$b" "$c" | sort -n | sed -n 2p; }
# The median of its arguments.
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }

# Builds the binary and the given examples, sets $bin, and makes $work (in $1, or a temp dir).
setup() {
  local dir=$1; shift
  local examples=()
  for e in "$@"; do examples+=(--example "$e"); done
  cargo build --release --quiet "${examples[@]}" --bin restorectl
  bin=$(pwd)/target/release/restorectl
  work=$(mktemp -d "${dir:-${TMPDIR:-/tmp}}/restorectl-bench.XXXXXX")
  trap 'cleanup' EXIT
}
cleanup() { rm -rf "$work"; }

# Prints restorectl's and make's median times and their ratio as a table row.
versus_make() {
  local n=$1 r m; shift
  r=$(median "${r_times[@]}"); m=$(median "${m_times[@]}")
  echo "| services | restorectl run --jobs 16 | make -j16 | ratio |"
  echo "|---:|---:|---:|---:|"
  awk -v n="$n" -v r="$r" -v m="$m" 'BEGIN { printf "| %d | %d ms | %d ms | %.2f× make |\n", n, r, m, r / (m ? m : 1) }'
}
