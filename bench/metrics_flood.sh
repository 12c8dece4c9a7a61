#!/usr/bin/env bash
# Issue #17: made-up HTTP method names must not grow /metrics or the server's memory.
#
#   bash bench/metrics_flood.sh                          # release build, 100,000 names
#   N=20000 CANYU_BIN=target/debug/canyu bash bench/metrics_flood.sh
#
# Serves a fresh data folder, then sends N requests to /api/v1/posts, each with a method name
# of its own (CANYUPROBE0, CANYUPROBE1, ...), over a few keep-alive connections, scraping
# /metrics along the way. Prints the server's RSS (VmRSS of /proc/<pid>/status) and the size
# of /metrics before and after. Before the fix every name added 16 lines to /metrics.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
PORT=${PORT:-18517}
if [ -n "${CANYU_BIN:-}" ]; then
  BIN=$CANYU_BIN
else
  cargo build --release --locked -p canyu
  BIN=$PWD/target/release/canyu
fi
base=http://127.0.0.1:$PORT
dir=$(mktemp -d)
"$BIN" serve --data-dir "$dir" --listen "127.0.0.1:$PORT" >"$dir/server.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/healthz" >/dev/null || { cat "$dir/server.log"; exit 1; }

rss() { awk '$1=="VmRSS:" {print $2, $3}' "/proc/$pid/status"; }
report() { # label
  local text
  text=$(curl -s "$base/metrics")
  printf '%-28s RSS %-12s /metrics %6d lines %8d bytes\n' "$1" "$(rss)" "$(wc -l <<<"$text")" "$(wc -c <<<"$text")"
}

# One of each series the flood touches first (a made-up method, a scrape), so any line
# /metrics gains after this is growth.
curl -s -o /dev/null "$base/api/v1/posts"
curl -s -o /dev/null -X CANYUWARMUP "$base/api/v1/posts"
curl -s -o /dev/null "$base/metrics"
report "before"
python3 - "$PORT" "$N" <<'EOF'
import http.client, sys, threading
port, n = int(sys.argv[1]), int(sys.argv[2])
threads, statuses, lock = 4, {}, threading.Lock()
def flood(start):
    conn, seen = http.client.HTTPConnection("127.0.0.1", port), {}
    for i in range(start, n, threads):
        conn.request(f"CANYUPROBE{i}", "/api/v1/posts")
        res = conn.getresponse()
        res.read()
        seen[res.status] = seen.get(res.status, 0) + 1
        if i % 25000 < threads:
            c = http.client.HTTPConnection("127.0.0.1", port)
            c.request("GET", "/metrics"); c.getresponse().read(); c.close()
    with lock:
        for k, v in seen.items():
            statuses[k] = statuses.get(k, 0) + v
ts = [threading.Thread(target=flood, args=(t,)) for t in range(threads)]
for t in ts: t.start()
for t in ts: t.join()
print(f"{n} requests with distinct method names: statuses {statuses}")
EOF
report "after $N method names"
for _ in 1 2 3; do curl -s -o /dev/null "$base/metrics"; done
report "after 3 more scrapes"
curl -s "$base/metrics" | grep 'route="/api/v1/posts"' | grep -v _bucket
