#!/usr/bin/env bash
# Two builds of canyu, compared in one sitting (issue #16: "no performance loss"):
#
#   bash bench/ab.sh OLD_DIR NEW_DIR     # each DIR holds a release `canyu` and `canyu-bench`
#
# Runs bench/drop.sh and bench/board.sh ROUNDS times (default 3) for each build, alternating
# the builds (old, new; then new, old; …) so that a machine slowing down over the sitting
# does not favour either. Settings are the scripts' own variables; the defaults here are the
# quick ones the issue names (drop: 20,000 fans, waves of 10,000, 5 s, 64 connections;
# board: 100,000 posts). Every run's output is kept under bench/out/ab/, and the table of
# medians with the new/old ratio is printed and written to bench/out/ab/summary.md.
#
# To make the two builds: `git worktree add /tmp/old <commit>`, then in each tree
# `CARGO_TARGET_DIR=/tmp/ab-target cargo build --release --locked -p canyu -p canyu-bench`
# and copy target/release/{canyu,canyu-bench} out before building the other.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ]; then
  echo "usage: $0 OLD_DIR NEW_DIR (each with release canyu and canyu-bench)" >&2
  exit 2
fi
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
for dir in "$OLD" "$NEW"; do
  for exe in canyu canyu-bench; do
    [ -x "$dir/$exe" ] || { echo "ab: $dir/$exe is missing" >&2; exit 2; }
  done
done
# board.sh skips itself without the corpus; here that would leave half the table empty.
CORPUS=$(realpath -m "${CORPUS:-../shared/data/reviews-zh.txt}")
[ -f "$CORPUS" ] || { echo "ab: the corpus $CORPUS is missing (set CORPUS=…/reviews-zh.txt)" >&2; exit 2; }
export CORPUS
ROUNDS=${ROUNDS:-3}
export FANS=${FANS:-20000} QUANTITY=${QUANTITY:-10000} DURATION=${DURATION:-5s} CONNS=${CONNS:-64}
export POSTS=${POSTS:-100000}
OUT=bench/out/ab
rm -rf "$OUT"
mkdir -p "$OUT"

run_build() { # label dir round
  local label=$1 dir=$2 round=$3
  echo "== round $round: $label ($dir)"
  CANYU_BIN="$dir/canyu" bash bench/drop.sh >/dev/null
  for f in bench/out/drop-*.txt; do cp "$f" "$OUT/$label-$round-$(basename "$f")"; done
  # DURATION above is drop.sh's; board.sh gets its own (BOARD_DURATION, 5 s per wrk run).
  DURATION=${BOARD_DURATION:-5s} CANYU_BIN="$dir/canyu" CANYU_BENCH_BIN="$dir/canyu-bench" bash bench/board.sh >/dev/null
  for f in bench/out/board-*.txt; do cp "$f" "$OUT/$label-$round-$(basename "$f")"; done
}

for round in $(seq 1 "$ROUNDS"); do
  if [ $((round % 2)) -eq 1 ]; then
    run_build old "$OLD" "$round"; run_build new "$NEW" "$round"
  else
    run_build new "$NEW" "$round"; run_build old "$OLD" "$round"
  fi
done

python3 - "$OUT" "$ROUNDS" <<'PY' | tee "$OUT/summary.md"
import glob, os, re, statistics, sys

out, rounds = sys.argv[1], int(sys.argv[2])
# metric name -> {build -> [values]}; a metric is (file kind, what), e.g. ("drop-embedded-sqlite", "acknowledged/s")
table = {}

def add(metric, build, value):
    table.setdefault(metric, {}).setdefault(build, []).append(float(value))

for path in sorted(glob.glob(os.path.join(out, "*-*-*.txt"))):
    name = os.path.basename(path)
    build, _round, kind = name.split("-", 2)
    kind = kind[:-4]
    text = open(path).read()
    if kind.startswith("drop-"):
        for m in re.finditer(r"acknowledged/s=(\d+)", text):
            add((kind, "orders acknowledged/s"), build, m.group(1))
        for m in re.finditer(r"healthz: rps=([\d.]+)", text):
            add((kind, "/healthz rps"), build, m.group(1))
        for m in re.finditer(r"wrk rps=[\d.]+ \(all responses\) p50_ms=[\d.]+ p99_ms=([\d.]+)", text):
            add((kind, "orders p99 ms"), build, m.group(1))
        if "FAIL" in text:
            add((kind, "FAILED checks"), build, 1)
    else:
        for key, label in [("board_page", "board page rps"), ("board_api", "board API rps"),
                           ("board_page_2_uncached", "page 2 (uncached) rps"), ("search_api", "search API rps"),
                           ("healthz", "/healthz rps")]:
            m = re.search(rf"^{key}: rps=([\d.]+)", text, re.M)
            if m:
                add((kind, label), build, m.group(1))
        for key, label in [("startup_ms", "start-up ms"), ("rss_peak_mb", "peak RSS MB")]:
            m = re.search(rf"^{key}=(\d+)", text, re.M)
            if m:
                add((kind, label), build, m.group(1))

print(f"| benchmark | measure | old (median of {rounds}) | new (median of {rounds}) | new ÷ old | old runs | new runs |")
print("|---|---|---:|---:|---:|---|---|")
for (kind, what), builds in table.items():
    old, new = builds.get("old", []), builds.get("new", [])
    mo = statistics.median(old) if old else float("nan")
    mn = statistics.median(new) if new else float("nan")
    ratio = mn / mo if old and new and mo else float("nan")
    fmt = lambda xs: ", ".join(f"{x:g}" for x in xs)
    print(f"| {kind} | {what} | {mo:g} | {mn:g} | {ratio:.2f} | {fmt(old)} | {fmt(new)} |")
PY
