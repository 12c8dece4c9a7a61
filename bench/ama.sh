#!/usr/bin/env bash
# The AMA live-page benchmark (issue #27): an AMA with 5,000 fans on the live page and votes
# flowing. One command:
#
#   bash bench/ama.sh        # 60,000 fans, 50 questions a session, 5,000 viewers, 4 rounds of 30 s phases
#   FANS=20000 CLIENTS=1000 DURATION=10s ROUNDS=1 bash bench/ama.sh   # a quick run
#
# On one server (embedded engine, SQLite, loopback), each round runs two phases, each on a
# fresh session in its live phase (`canyu loadtest ama`: QUESTIONS questions, a staff host
# with an API token): one with nobody watching (the baseline) and one with CLIENTS viewers
# holding GET /api/v1/amas/{id}/live open (server-sent events). The two alternate which goes
# first. In both, wrk (bench/ama_votes.lua, CONNS connections) sends votes — every request a
# different fan, each a new (fan, question) pair, so each is an insert — while
# `canyu-bench ama` (crates/bench/src/ama.rs) has the host answer a question every
# ANSWER_EVERY seconds and probes /healthz ten times a second over new connections.
# Reported per phase: acknowledged votes/s and wrk's vote p50/p99, how many viewers stayed
# connected, answer-to-screen lag (the answer's POST written → each viewer has read the frame
# carrying it; p50/p99/max over viewers × answers, split at the frame's `at` into made and
# delivered), /healthz p50/p99, the CPU the server and the viewers' client use during the
# votes and for 3 s with the viewers connected and no votes. Then the ratios with ÷ without
# viewers and their median over the rounds. After each phase the database is checked: every
# question's vote count equals its ama_votes rows, 200s <= rows <= 200s + CONNS (requests in
# flight when wrk stops may commit unseen), every acknowledged answer recorded.
# wrk, the viewers and the server share the machine's cores. Results: bench/out/ama.txt.
# CANYU_BIN / CANYU_BENCH_BIN run those binaries instead of building.
set -euo pipefail
cd "$(dirname "$0")/.."

FANS=${FANS:-60000}
QUESTIONS=${QUESTIONS:-50}
DURATION=${DURATION:-30s}
CONNS=${CONNS:-64}
CLIENTS=${CLIENTS:-5000}
ROUNDS=${ROUNDS:-4}
THREADS=${THREADS:-2}
ANSWER_EVERY=${ANSWER_EVERY:-2}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed: apt-get install sqlite3"; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [ -z "${CANYU_BIN:-}" ] || [ -z "${CANYU_BENCH_BIN:-}" ]; then
  cargo build --release --locked -p canyu -p canyu-bench
fi
BIN=${CANYU_BIN:-$PWD/target/release/canyu}
BENCH=${CANYU_BENCH_BIN:-$PWD/target/release/canyu-bench}
mkdir -p bench/out
OUT=bench/out/ama.txt
dir=$(mktemp -d /tmp/canyu-ama-XXXXXX)
pid=""
cleanup() {
  set +e
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
query() { sqlite3 "$dir/canyu.db" "$1"; }
# CPU time a process has used so far, in ms (user + system; /proc/PID/stat counts in ticks).
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$1/stat" 2>/dev/null || echo 0; }
secs_of() { local d=$1; case $d in *s) echo "${d%s}";; *m) echo $(( ${d%m} * 60 ));; *) echo "$d";; esac; }
# wrk's latency percentile line (`99%  12.34ms`) in ms.
wrk_ms() { awk -v p="$1" '$1==p {v=$2; u=v; sub(/[0-9.]+/,"",u); sub(/[a-z]+$/,"",v);
  printf "%.1f", v * (u=="us" ? 0.001 : u=="s" ? 1000 : u=="m" ? 60000 : 1)}'; }
# The value of key=... in a line of `canyu-bench ama`'s output.
field() { grep -o " $1=[^ ]*" | head -1 | cut -d= -f2; }

# The server is started in this shell, not in the tee'd group below, so the trap can stop it.
"$BIN" --data-dir "$dir" loadtest init >/dev/null 2>&1
fans_line=$("$BIN" --data-dir "$dir" loadtest fans --count "$FANS" --out "$dir/tokens.txt")
port=$((20000 + RANDOM % 20000))
CANYU_WRITES_PER_MINUTE=600 RUST_LOG=warn "$BIN" --data-dir "$dir" --listen "127.0.0.1:$port" serve >"$dir/serve.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { echo "server died:"; cat "$dir/serve.log"; exit 1; }
  sleep 0.05
done
dur=$(secs_of "$DURATION")
viewers=""

{
  # This group is a subshell (it feeds tee): it stops its own viewers' client if it fails.
  trap '[ -n "$viewers" ] && kill "$viewers" 2>/dev/null' EXIT
  echo "# canyu AMA live-page benchmark: $FANS fans, $QUESTIONS questions a session, $CLIENTS viewers, $CONNS vote connections, $DURATION phases, an answer every ${ANSWER_EVERY}s, $(date -u +%FT%TZ)"
  echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); wrk -t$THREADS and the viewers on the same cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "$fans_line"
  for round in $(seq 1 "$ROUNDS"); do
    # Alternate which phase goes first: later phases run on a fuller database.
    modes="without with"; [ $((round % 2)) -eq 0 ] && modes="with without"
    for mode in $modes; do
      read -r ama token qids <<<"$("$BIN" --data-dir "$dir" loadtest ama --questions "$QUESTIONS")"
      clients=0; settle=1
      [ "$mode" = with ] && clients=$CLIENTS && settle=7
      "$BENCH" ama --addr "127.0.0.1:$port" --ama "$ama" --token "$token" --questions "$qids" \
        --clients "$clients" --start-in "$settle" --seconds "$dur" --drain 3 --answer-every "$ANSWER_EVERY" \
        >"$dir/ama.txt" 2>&1 &
      viewers=$!
      idle=""
      if [ "$mode" = with ]; then
        sleep 4 # every viewer connected and receiving before the first vote
        # What the streams alone cost, before any vote: server and viewers' CPU per second.
        s0=$(cpu_ms "$pid"); v0=$(cpu_ms "$viewers"); sleep 3; s1=$(cpu_ms "$pid"); v1=$(cpu_ms "$viewers")
        idle="server $(( (s1 - s0) / 3 )) ms/s, viewers' client $(( (v1 - v0) / 3 )) ms/s (the machine has $(( $(nproc) * 1000 )) ms/s)"
      else
        sleep "$settle"
      fi
      c0=$(cpu_ms "$pid"); cv0=$(cpu_ms "$viewers")
      o=$(TOKENS="$dir/tokens.txt" AMA=$ama QUESTIONS=$qids THREADS=$THREADS \
        wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 10s --latency -s bench/ama_votes.lua "http://127.0.0.1:$port/")
      c1=$(cpu_ms "$pid"); cv1=$(cpu_ms "$viewers")
      statuses=$(awk '/^statuses:/ {sub(/^statuses: /,""); print}' <<<"$o")
      acked=$(grep -o '200=[0-9]*' <<<"$statuses" | cut -d= -f2 || true); acked=${acked:-0}
      secs=$(sed -n 's/.* requests in \([0-9.]*\)s,.*/\1/p' <<<"$o")
      p50=$(wrk_ms 50% <<<"$o"); p99=$(wrk_ms 99% <<<"$o")
      rate=$(awk "BEGIN {printf \"%.0f\", $acked / $secs}")
      cpu="server $(awk "BEGIN {printf \"%.0f\", ($c1 - $c0) / $secs}") ms/s"
      [ "$mode" = with ] && cpu+=", viewers' client $(awk "BEGIN {printf \"%.0f\", ($cv1 - $cv0) / $secs}") ms/s"
      wait "$viewers" || { echo "canyu-bench ama failed:"; cat "$dir/ama.txt"; exit 1; }
      viewers=""
      res=$(cat "$dir/ama.txt")
      sleep 1
      rows=$(query "SELECT COUNT(*) FROM ama_votes v JOIN ama_questions q ON q.id = v.question_id WHERE q.ama_id = $ama")
      counted=$(query "SELECT COALESCE(SUM(votes), 0) FROM ama_questions WHERE ama_id = $ama")
      off=$(query "SELECT COUNT(*) FROM ama_questions q WHERE q.ama_id = $ama AND q.votes <> (SELECT COUNT(*) FROM ama_votes v WHERE v.question_id = q.id)")
      answered=$(query "SELECT COUNT(*) FROM ama_questions WHERE ama_id = $ama AND status = 'answered'")
      answers_ok=$(( $(grep '^answers:' <<<"$res" | field sent) - $(grep '^answers:' <<<"$res" | field not_200) ))
      verdict=PASS
      [ "$off" = 0 ] && [ "$counted" = "$rows" ] && [ "$acked" -le "$rows" ] && [ "$rows" -le $((acked + CONNS)) ] \
        && [ "$answered" = "$answers_ok" ] || verdict=FAIL
      hz=$(grep '^healthz:' <<<"$res")
      echo "round=$round viewers=$mode ama=$ama"
      echo "  votes: statuses $statuses; vote p50=${p50}ms p99=${p99}ms -> acknowledged/s=$rate"
      echo "  cpu during the votes: $cpu"
      [ "$mode" = with ] && echo "  cpu with viewers and no votes: $idle"
      sed 's/^/  /' <<<"$res"
      echo "  check: 200s=$acked ama_votes rows=$rows sum(questions.votes)=$counted questions off=$off answered=$answered of $answers_ok -> $verdict"
      lag=$(grep '^lag:' <<<"$res" || true)
      echo "result round=$round mode=$mode rate=$rate p50=$p50 p99=$p99 healthz_p50=$(field p50_ms <<<"$hz") healthz_p99=$(field p99_ms <<<"$hz") lag_p50=$(field p50_ms <<<"$lag") lag_p99=$(field p99_ms <<<"$lag") lag_max=$(field max_ms <<<"$lag") stayed=$(grep '^viewers:' <<<"$res" | field stayed) verdict=$verdict"
    done
  done
  echo "rss_peak_mb=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status)"
} 2>&1 | tee "$OUT"

# Per round: the ratio with ÷ without viewers; then medians over the rounds.
awk '
  function med(a, n,   i, j, t) {
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  /^result/ {
    delete kv
    for (i = 2; i <= NF; i++) { split($i, p, "="); kv[p[1]] = p[2] }
    r = kv["round"]; m = kv["mode"]; if (r + 0 > n) n = r + 0
    rate[r, m] = kv["rate"]; p99[r, m] = kv["p99"]; hz50[r, m] = kv["healthz_p50"]; hz99[r, m] = kv["healthz_p99"]
    if (m == "with") { lag50[r] = kv["lag_p50"]; lag99[r] = kv["lag_p99"]; lagmax[r] = kv["lag_max"] }
  }
  END {
    for (i = 1; i <= n; i++) {
      q[i] = rate[i, "with"] / rate[i, "without"]
      printf "round %d: votes/s %d without, %d with viewers: ratio %.3f\n", i, rate[i, "without"], rate[i, "with"], q[i]
      w[i] = rate[i, "without"]; v[i] = rate[i, "with"]; l50[i] = lag50[i]; l99[i] = lag99[i]; lmax[i] = lagmax[i]
      a50[i] = hz50[i, "without"]; a99[i] = hz99[i, "without"]; b50[i] = hz50[i, "with"]; b99[i] = hz99[i, "with"]
      pa[i] = p99[i, "without"]; pb[i] = p99[i, "with"]
    }
    printf "median over %d rounds: votes/s without %.0f, with %.0f; ratio (with / without viewers) %.3f\n", n, med(w, n), med(v, n), med(q, n)
    printf "median vote p99: without %.1f ms, with %.1f ms\n", med(pa, n), med(pb, n)
    printf "median answer-to-screen lag: p50 %.0f ms, p99 %.0f ms, max %.0f ms\n", med(l50, n), med(l99, n), med(lmax, n)
    printf "median /healthz p50 / p99: without %.1f / %.1f ms, with %.1f / %.1f ms\n", med(a50, n), med(a99, n), med(b50, n), med(b99, n)
  }' "$OUT" | tee -a "$OUT"
