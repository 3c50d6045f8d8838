#!/usr/bin/env bash
# Whole-process search time: `zhengdun list --search Q --format csv` (open the database, load
# every case, build the index, search, print) against `fzf --filter Q` over a plain text file
# of the same cases (id county township village per line). Prints the median of repeated
# runs per query and the ratio zhengdun / fzf. fzf has no pinyin: on pinyin queries it is
# timed doing its own (fruitless) scan.
#
#   benches/vs-fzf.sh [CASES] [RUNS]        (defaults: 100000 cases, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
CASES=${1:-100000}
RUNS=${2:-5}
export LANG=C.UTF-8 LC_ALL=C.UTF-8

if ! command -v fzf >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq fzf) >/dev/null 2>&1 || true
fi
if ! command -v fzf >/dev/null 2>&1; then
  echo "vs-fzf: fzf is not installed and could not be installed (apt-get install fzf)" >&2
  exit 1
fi

cargo build --release --quiet --example gen-sample --bin zhengdun
BIN=target/release/zhengdun
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

target/release/examples/gen-sample --cases "$CASES" --seed 1 -o "$tmp/ledger.json"
"$BIN" --db "$tmp/db" --lang en import "$tmp/ledger.json" | tail -1
# id, county, township, village: columns 1, 3, 4, 5 of the CSV export (no commas in them).
"$BIN" --db "$tmp/db" --lang en export --format csv | tail -n +2 | cut -d, -f1,3,4,5 | tr , ' ' > "$tmp/lines.txt"
echo "$(wc -l < "$tmp/lines.txt") lines in the fzf input"

# Median wall time in milliseconds of running "$@" RUNS times (output discarded).
median_ms() {
  local times=()
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" > /dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# The query goes last: printf pads by bytes, which would misalign Chinese queries.
printf '%12s %8s %8s %8s %8s  %s\n' zhengdun_ms fzf_ms ratio z_hits f_hits query
for q in "阳谷县" "王庄" "2017-SX-01" "yangguxian" "qjc" "wangzhuang"; do
  z=$(median_ms "$BIN" --db "$tmp/db" --today 2017-09-15 list --search "$q" --format csv)
  f=$(median_ms fzf --filter "$q" < "$tmp/lines.txt")
  zh=$("$BIN" --db "$tmp/db" --today 2017-09-15 list --search "$q" --format csv | tail -n +2 | wc -l)
  fh=$(fzf --filter "$q" < "$tmp/lines.txt" | wc -l || true)
  ratio=$(awk -v z="$z" -v f="$f" 'BEGIN { if (f > 0) printf "%.1f", z / f; else print "inf" }')
  printf '%12s %8s %8s %8s %8s  %s\n' "$z" "$f" "$ratio" "$zh" "$fh" "$q"
done

# Through the county's server, which keeps the summaries and the search index in memory: the
# client process only connects, asks and prints.
"$BIN" --db "$tmp/db" serve --today 2017-09-15 --socket "$tmp/server.sock" 2>/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 600); do
  "$BIN" --server "$tmp/server.sock" show "$(head -1 "$tmp/lines.txt" | cut -d' ' -f1)" >/dev/null 2>&1 && break
  sleep 0.1
done
echo "through the server (--server):"
printf '%12s %8s %8s %8s %8s  %s\n' server_ms fzf_ms ratio z_hits f_hits query
for q in "阳谷县" "王庄" "2017-SX-01" "yangguxian" "qjc" "wangzhuang"; do
  z=$(median_ms "$BIN" --server "$tmp/server.sock" list --search "$q" --format csv)
  f=$(median_ms fzf --filter "$q" < "$tmp/lines.txt")
  zh=$("$BIN" --server "$tmp/server.sock" list --search "$q" --format csv | tail -n +2 | wc -l)
  fh=$(fzf --filter "$q" < "$tmp/lines.txt" | wc -l || true)
  ratio=$(awk -v z="$z" -v f="$f" 'BEGIN { if (f > 0) printf "%.1f", z / f; else print "inf" }')
  printf '%12s %8s %8s %8s %8s  %s\n' "$z" "$f" "$ratio" "$zh" "$fh" "$q"
done

# The floor under any whole-process search: open the ledger, read one case, close it.
first=$(head -1 "$tmp/lines.txt" | cut -d' ' -f1)
floor=$(median_ms "$BIN" --db "$tmp/db" show "$first")
echo "floor: open the ledger, show one case ($first), close: $floor ms"
