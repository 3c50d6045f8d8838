#!/usr/bin/env bash
# Whole-process search time: `zhengdun list --search Q --format csv` (open the database, load
# every case, build the index, search, print) against `fzf --filter Q` over a plain text file
# of the same cases (id county township village per line); then the same through a
# `zhengdun serve` on the ledger (`--server`), whose client process only connects, asks and
# prints. Prints the median of repeated runs per query, the ratio zhengdun / fzf, and the
# median of those ratios over the queries, with the load average (other work on the machine
# inflates both sides). fzf has no pinyin: on pinyin queries it is timed doing its own
# (fruitless) scan.
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

# Median wall time in milliseconds (to a tenth) of running "$@" RUNS times (output
# discarded), each run reading the file $IN (default /dev/null) as its whole input: a
# redirect around the function would feed only the first run, and the others would time
# fzf on an empty input.
median_ms() {
  local times=()
  for _ in $(seq "$RUNS"); do
    local t0 t1
    t0=$(date +%s%N)
    "$@" < "${IN:-/dev/null}" > /dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 100000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f\n", a[int((NR+1)/2)] / 10}'
}

QUERIES=("阳谷县" "王庄" "2017-SX-01" "yangguxian" "qjc" "wangzhuang")

# One table: for each query, the median time of `zhengdun "$@" list --search Q --format csv`
# and of fzf, their ratio and hit counts; then the median of the ratios over the queries
# (of an even number of queries, the mean of the middle two).
table() {
  local head=$1; shift
  local ratios=()
  # The query goes last: printf pads by bytes, which would misalign Chinese queries.
  printf '%12s %8s %8s %8s %8s  %s\n' "$head" fzf_ms ratio z_hits f_hits query
  for q in "${QUERIES[@]}"; do
    z=$(median_ms "$BIN" "$@" list --search "$q" --format csv)
    f=$(IN="$tmp/lines.txt" median_ms fzf --filter "$q")
    zh=$("$BIN" "$@" list --search "$q" --format csv | tail -n +2 | wc -l)
    fh=$(fzf --filter "$q" < "$tmp/lines.txt" | wc -l || true)
    ratio=$(awk -v z="$z" -v f="$f" 'BEGIN { if (f < 0.1) f = 0.1; printf "%.2f", z / f }')
    ratios+=("$ratio")
    printf '%12s %8s %8s %8s %8s  %s\n' "$z" "$f" "$ratio" "$zh" "$fh" "$q"
  done
  printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {
    m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
    printf "median ratio over the %d queries: %.2f (load average %s)\n", NR, m, load }' \
    load="$(cut -d' ' -f1-3 /proc/loadavg)"
}

table zhengdun_ms --db "$tmp/db" --today 2017-09-15

# The floor under any whole-process search: open the ledger, read one case, close it.
first=$(head -1 "$tmp/lines.txt" | cut -d' ' -f1)
floor=$(median_ms "$BIN" --db "$tmp/db" show "$first")
echo "floor: open the ledger, show one case ($first), close: $floor ms"

# Through the county's server, which keeps the summaries, the search index and every
# case's CSV row in memory: the client process only connects, asks and prints. The server
# builds the rows in the background once it listens; timing starts when its log says they
# are ready (until then a list reads its cases from the store).
"$BIN" --db "$tmp/db" --lang en serve --today 2017-09-15 --socket "$tmp/server.sock" 2>"$tmp/server.log" &
server=$!
trap 'kill "$server" 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1200); do
  grep -q "list rows ready" "$tmp/server.log" && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "vs-fzf: the server stopped:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
grep -q "list rows ready" "$tmp/server.log" || { echo "vs-fzf: the server's rows were never ready" >&2; exit 1; }
echo "through the server (--server):"
table server_ms --server "$tmp/server.sock"

# The floor under any whole-process search through the server: connect, show one case.
floor=$(median_ms "$BIN" --server "$tmp/server.sock" show "$first")
echo "floor: through the server, show one case ($first): $floor ms"
