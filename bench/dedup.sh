#!/usr/bin/env bash
# The near-duplicate benchmark (issue #3). One command:
#
#   bash bench/dedup.sh             # 200,000 lines; LINES=50000 INJECTED=2500 bash bench/dedup.sh for a quick run
#
# Builds a LINES-line input from ../shared/data/reviews-zh.txt (every real review once,
# recombined real clauses to fill up, INJECTED near-duplicates with 1-3 characters
# inserted / deleted / changed; ground truth in a side file: bench/dedup_gen.py), then
# in the same run, on the same input and the same machine:
#   * `canyu text dedup --threshold 0.5` (release build), end to end: the full score
#     (3-gram Jaccard, LCS ratio, jieba TF-IDF words);
#   * the same with `--chars-only` (no jieba: 3-gram Jaccard and LCS ratio);
#   * datasketch MinHashLSH (128 permutations, character 3-grams, threshold 0.5), end to
#     end (bench/dedup_datasketch.py; datasketch is pip-installed if missing);
# and reports each one's throughput (lines/s, wall clock including start-up), the
# ratio, and recall / precision on the injected pairs (bench/dedup_eval.py).
# Results: bench/out/dedup.txt. CANYU_BIN=path skips the build and uses that binary.
set -euo pipefail
cd "$(dirname "$0")/.."

CORPUS=${CORPUS:-../shared/data/reviews-zh.txt}
LINES=${LINES:-200000}
INJECTED=${INJECTED:-10000}
THRESHOLD=${THRESHOLD:-0.5}
SEED=${SEED:-7}
# The comparison library lives in a virtual environment under target/, never in the system Python.
if [ -z "${PYTHON:-}" ]; then
  VENV=target/bench-venv
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
  PYTHON=$VENV/bin/python
fi
if [ ! -f "$CORPUS" ]; then echo "skipping: $CORPUS not found (shared data absent)"; exit 0; fi

if [ -z "${CANYU_BIN:-}" ]; then
  cargo build --release --locked -p canyu
  CANYU_BIN=$PWD/target/release/canyu
fi
if ! "$PYTHON" -c "import datasketch" 2>/dev/null; then
  "$PYTHON" -m pip install --quiet datasketch
fi

work=target/bench-dedup
mkdir -p "$work" bench/out
input=$work/input-$LINES.txt
truth=$work/truth-$LINES.tsv
"$PYTHON" bench/dedup_gen.py "$CORPUS" "$input" "$truth" --lines "$LINES" --injected "$INJECTED" --seed "$SEED"

now_ms() { date +%s%3N; }
peak_kb() { awk '/Maximum resident/ {print $NF}' "$1"; }
timed() { # name, command... -> writes $work/<name>.jsonl, .log, .ms
  local name=$1 t0 t1
  shift
  t0=$(now_ms)
  /usr/bin/time -v "$@" >"$work/$name.jsonl" 2>"$work/$name.log"
  t1=$(now_ms)
  echo $((t1 - t0)) >"$work/$name.ms"
}

timed canyu "$CANYU_BIN" text dedup --input "$input" --threshold "$THRESHOLD"
timed canyu-chars "$CANYU_BIN" text dedup --input "$input" --threshold "$THRESHOLD" --chars-only
timed datasketch "$PYTHON" bench/dedup_datasketch.py "$input"
for tool in canyu canyu-chars datasketch; do
  "$PYTHON" bench/dedup_eval.py "$input" "$truth" "$work/$tool.jsonl" >"$work/$tool.eval"
done
get() { awk -F= -v k="$2" '$1==k {split($2, v, " "); print v[1]}' "$1"; }
ds_ms=$(cat "$work/datasketch.ms")

{
  echo "# canyu near-duplicate benchmark, $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
  echo "command: bash bench/dedup.sh (LINES=$LINES INJECTED=$INJECTED THRESHOLD=$THRESHOLD SEED=$SEED)"
  echo "input: $LINES lines from $CORPUS ($(wc -c <"$input") bytes), $INJECTED injected near-duplicate pairs"
  echo "datasketch $("$PYTHON" -c 'import datasketch; print(datasketch.__version__)' 2>/dev/null || echo '?'), $("$PYTHON" --version 2>&1)"
  echo
  printf "%-20s %8s %9s %7s %7s %9s %8s %9s %10s %8s %8s %8s\n" \
    tool seconds lines/s "x ds" recall "rec J≥.5" "rec J<.5" precision "prec(copy)" pairs groups "peak MB"
  for tool in canyu canyu-chars datasketch; do
    ms=$(cat "$work/$tool.ms")
    e=$work/$tool.eval
    label=$tool
    [ "$tool" = canyu ] && label="canyu"
    [ "$tool" = canyu-chars ] && label="canyu --chars-only"
    printf "%-20s %8.2f %9.0f %7.1f %7s %9s %8s %9s %10s %8s %8s %8.0f\n" "$label" \
      "$(awk "BEGIN {print $ms/1000}")" "$(awk "BEGIN {print $LINES/($ms/1000)}")" \
      "$(awk "BEGIN {print $ds_ms/$ms}")" \
      "$(get "$e" recall)" "$(get "$e" recall_j50)" "$(get "$e" recall_jlow)" \
      "$(get "$e" precision)" "$(get "$e" precision_inj)" "$(get "$e" pairs)" "$(wc -l <"$work/$tool.jsonl")" \
      "$(awk "BEGIN {print $(peak_kb "$work/$tool.log")/1024}")"
  done
  echo
  echo "seconds: wall clock, end to end (process start to exit, input read, output written); x ds:"
  echo "throughput relative to datasketch in this run."
  echo "recall: share of the injected (source, copy) pairs that end up in one group; 'rec J≥.5' and"
  echo "'rec J<.5' split them by their exact character-3-gram Jaccard ($(awk -F'[(= )]' '/^recall_j50/ {print $5}' "$work/canyu.eval") and"
  echo "$(awk -F'[(= )]' '/^recall_jlow/ {print $5}' "$work/canyu.eval") pairs: a few edits in a short text remove most of its 3-grams)."
  echo "precision: found injected pairs / all line pairs implied by the groups; prec(copy): the same over the"
  echo "implied pairs that involve an injected copy (pairs between two base lines are outside the ground truth;"
  echo "share of those with exact 3-gram Jaccard >= 0.5, i.e. natural near-duplicates of the base text:"
  echo "canyu $(get "$work/canyu.eval" other_j50), --chars-only $(get "$work/canyu-chars.eval" other_j50), datasketch $(get "$work/datasketch.eval" other_j50))."
  echo
  echo "canyu:             $(grep -v -e '^\s' -e 'Command being timed' "$work/canyu.log" | tail -1)"
  echo "canyu --chars-only: $(grep -v -e '^\s' -e 'Command being timed' "$work/canyu-chars.log" | tail -1)"
  echo "$(grep '^datasketch:' "$work/datasketch.log" | tail -1)"
} | tee bench/out/dedup.txt
