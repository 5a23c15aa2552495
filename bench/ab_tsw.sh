#!/bin/bash
# An A/B of two ingest_bench binaries on tsw's workloads alone: PAIRS rounds, each running
# both binaries on every WORKLOAD, the binaries' order swapped every round, so a drift of
# a shared machine's speed hits both alike. Prints one line per run: round, binary,
# workload, CPU time (process: the WAL syncer's included) and real time per request.
#
#   bench/ab_tsw.sh PAIRS BINARY_A BINARY_B WORKLOAD...
#   bench/ab_tsw.sh 3 /tmp/before /tmp/after multi/series:10000/upserts:0
#
# Copy each build of bench/ingest_bench aside first (bazel-bin is overwritten by the next
# build). Note `uptime` beside the figures; bench/RESULTS.md has the method.
set -euo pipefail
pairs="$1"
a="$2"
b="$3"
shift 3
uptime
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for i in $(seq "$pairs"); do
  if [ $((i % 2)) -eq 1 ]; then order=("$a" "$b"); else order=("$b" "$a"); fi
  for bin in "${order[@]}"; do
    for w in "$@"; do
      "$bin" --benchmark_filter="^BM_WriteRecords/tsw/$w/process_time\$" \
        --benchmark_min_time=1 --benchmark_format=json 2>/dev/null >"$out"
      /usr/bin/python3 - "$out" "$i" "$bin" "$w" <<'PY'
import json, sys
path, i, binary, workload = sys.argv[1:]
b = json.load(open(path))["benchmarks"][0]
print(i, binary, workload, "cpu_%s=%.2f real=%.2f" % (b["time_unit"], b["cpu_time"], b["real_time"]))
PY
    done
  done
done
uptime
