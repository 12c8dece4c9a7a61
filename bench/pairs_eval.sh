#!/usr/bin/env bash
# The similarity-quality benchmark (issue #3). One command:
#
#   bash bench/pairs_eval.sh
#
# Runs `canyu text pairs --detail` on ../shared/data/pawsx-zh-dev.tsv (2,000 Chinese
# sentence pairs labelled paraphrase / not) and reports ROC-AUC and best-threshold
# accuracy of canyu's score beside plain character-3-gram Jaccard, computed twice: from
# canyu's own Jaccard column and independently in Python (bench/pairs_auc.py), plus
# the two other measures canyu combines. Also reports held-out halves (the score's
# blend was chosen on the data, so the halves show it is not fitted to one of them).
# Results: bench/out/pairs.txt. CANYU_BIN=path skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-../shared/data/pawsx-zh-dev.tsv}
PYTHON=${PYTHON:-python3}
if [ ! -f "$PAIRS" ]; then echo "skipping: $PAIRS not found (shared data absent)"; exit 0; fi
if [ -z "${CANYU_BIN:-}" ]; then
  cargo build --release --locked -p canyu
  CANYU_BIN=$PWD/target/release/canyu
fi
work=target/bench-pairs
mkdir -p "$work" bench/out
t0=$(date +%s%3N)
"$CANYU_BIN" text pairs --input "$PAIRS" --detail >"$work/scores.tsv" 2>"$work/pairs.log"
t1=$(date +%s%3N)
{
  echo "# canyu pair-similarity benchmark (PAWS-X zh dev), $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
  echo "command: bash bench/pairs_eval.sh; canyu text pairs took $((t1 - t0)) ms end to end"
  echo
  "$PYTHON" bench/pairs_auc.py "$PAIRS" "$work/scores.tsv"
} | tee bench/out/pairs.txt
