#!/usr/bin/env bash
# Helpers the benchmarks share: sourced (`source bench/lib.sh`), never run.

free_port() { # a port nothing listens on now (the kernel's pick)
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

ms() { # wrk latency (e.g. 1.23ms, 850.00us, 1.02s) -> milliseconds
  awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; printf "%.2f", v}' <<<"$1"
}

wrk_summary() { # wrk --latency output -> "rps p50_ms p99_ms errors"
  local out=$1 p50 p99 errors
  p50=$(ms "$(awk '$1=="50%" {print $2}' <<<"$out")")
  p99=$(ms "$(awk '$1=="99%" {print $2}' <<<"$out")")
  errors=$(awk '/Socket errors/ {gsub(",",""); print "connect="$4" read="$6" write="$8" timeout="$10}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $p50 $p99 ${errors:-none}"
}
