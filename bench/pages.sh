#!/usr/bin/env bash
# Page weight and time to first byte (issue #18), two builds compared in one sitting:
#
#   bash bench/pages.sh OLD_CANYU NEW_CANYU      # two `canyu` binaries (release builds)
#
# Each build serves the same generated demo (`canyu demo`, seed 2026, POSTS posts, default
# 2,000) from a fresh data folder. A browser on a phone asks for gzip, so every page is
# fetched with `Accept-Encoding: gzip` as a visitor: the bytes transferred (the page alone,
# and the page with its stylesheet and script, which every first visit loads) and the time to
# first byte, REPEAT times (default 30) per page and build, alternating the builds page by
# page so a machine slowing down favours neither. Reported: median TTFB and bytes, and the
# new/old ratios. Results: bench/out/pages.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -ne 2 ] || [ ! -x "$1" ] || [ ! -x "$2" ]; then
  echo "usage: $0 OLD_CANYU NEW_CANYU (two canyu binaries)" >&2
  exit 2
fi
OLD=$(realpath "$1")
NEW=$(realpath "$2")
POSTS=${POSTS:-2000}
REPEAT=${REPEAT:-30}
mkdir -p bench/out
WORK=$(mktemp -d /tmp/canyu-pages-XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# shellcheck source=bench/lib.sh
source bench/lib.sh

start() { # label binary -> prints the URL
  local label=$1 bin=$2 port
  port=$(free_port)
  mkdir -p "$WORK/$label"
  "$bin" demo --data-dir "$WORK/$label" --posts "$POSTS" --listen "127.0.0.1:$port" >"$WORK/$label.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "pages: $label never answered" >&2; tail "$WORK/$label.log" >&2; exit 1; }
  echo "http://127.0.0.1:$port"
}

OLD_URL=$(start old "$OLD")
NEW_URL=$(start new "$NEW")
echo "pages: old $OLD_URL, new $NEW_URL ($POSTS posts each)"

# The pages a visitor opens on launch night, found on the new build (the demo is the same
# data on both: same seed, same generator).
paths=$(python3 - "$NEW_URL" <<'PY'
import json, re, sys, urllib.request
base = sys.argv[1]
get = lambda p: urllib.request.urlopen(base + p).read().decode()
products = json.loads(get("/api/v1/products"))["items"]
slug, wave, campaign = products[0]["slug"], None, None
for p in products:
    html = get(f"/products/{p['slug']}/waves")
    w, c = re.search(r'href="/waves/(\d+)"', html), re.search(r'href="/campaigns/(\d+)"', html)
    if w and c:
        slug, wave, campaign = p["slug"], w.group(1), c.group(1)
        break
post = json.loads(get(f"/api/v1/posts?product={slug}&limit=1"))["items"][0]
paths = ["/", f"/products/{slug}", f"/products/{slug}/roadmap", f"/products/{slug}/changelog",
         f"/posts/{post['id']}", f"/users/{urllib.parse.quote(post['author']['handle'])}", "/leaderboard", "/demands"]
if wave:
    paths += [f"/waves/{wave}", f"/campaigns/{campaign}", f"/campaigns/{campaign}/live"]
print("\n".join(paths))
PY
)

measure() { # url -> "bytes ttfb_ms" per line, REPEAT lines
  for _ in $(seq 1 "$REPEAT"); do
    curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download} %{time_starttransfer}\n' "$1"
  done | awk '{ printf "%d %.3f\n", $1, $2 * 1000 }'
}
median_col() { # column
  sort -n -k"$1" | awk -v c="$1" '{ v[NR] = $c } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
asset_bytes() { # base url: the stylesheet and script a first visit loads, gzipped
  local html css js
  html=$(curl -s "$1/")
  css=$(grep -o '/assets/app.css[^"]*' <<<"$html" | head -1)
  js=$(grep -o '/assets/app.js[^"]*' <<<"$html" | head -1)
  echo $(( $(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}' "$1$css") + \
           $(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}' "$1$js") ))
}

OLD_ASSETS=$(asset_bytes "$OLD_URL")
NEW_ASSETS=$(asset_bytes "$NEW_URL")
{
  echo "| page | old bytes | new bytes | new/old | old + css/js | new + css/js | old TTFB ms | new TTFB ms | new/old |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  i=0
  while read -r path; do
    [ -n "$path" ] || continue
    i=$((i + 1))
    # Alternate which build goes first, page by page.
    if [ $((i % 2)) -eq 1 ]; then
      o=$(measure "$OLD_URL$path"); n=$(measure "$NEW_URL$path")
    else
      n=$(measure "$NEW_URL$path"); o=$(measure "$OLD_URL$path")
    fi
    ob=$(median_col 1 <<<"$o"); nb=$(median_col 1 <<<"$n")
    ot=$(median_col 2 <<<"$o"); nt=$(median_col 2 <<<"$n")
    awk -v p="$path" -v ob="$ob" -v nb="$nb" -v ot="$ot" -v nt="$nt" -v oa="$OLD_ASSETS" -v na="$NEW_ASSETS" \
      'BEGIN { printf "| `%s` | %d | %d | %.2f | %d | %d | %.2f | %.2f | %.2f |\n", p, ob, nb, nb / ob, ob + oa, nb + na, ot, nt, (ot > 0 ? nt / ot : 0) }'
  done <<<"$paths"
  echo
  echo "Stylesheet + script, gzip-capable client: old $OLD_ASSETS bytes, new $NEW_ASSETS bytes."
  echo "$REPEAT fetches per page and build, medians; $POSTS demo posts; $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)."
} | tee bench/out/pages.md
