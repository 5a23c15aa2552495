#!/bin/bash
# Instructions per TableStore::Write call (one 100-record request) and per call of its
# two phases, by callgrind: a measure of the write path's cost that a loaded machine does
# not disturb, for "did this change slow ingest?" questions wall time cannot settle.
#
#   bench/instructions.sh [CASE...]     # default: four ingest_bench workloads
#   bench/instructions.sh multi/series:1/upserts:0
#
# Prints one line per case: calls, instructions per Write, per ParseRequest, per Apply.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=("$@")
if [ ${#cases[@]} -eq 0 ]; then
  cases=(double/series:1/upserts:0 multi/series:1/upserts:0 double/series:10000/upserts:0
         multi/series:10000/upserts:10)
fi
bazel build -c opt //bench:ingest_bench >&2
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for c in "${cases[@]}"; do
  valgrind --tool=callgrind --dump-instr=no --compress-strings=no \
    --callgrind-out-file="$out/cg" bazel-bin/bench/ingest_bench \
    --benchmark_filter="^BM_WriteRecords/tsw/$c/" --benchmark_min_time=2 >/dev/null 2>&1
  printf '%s ' "$c"
  /usr/bin/python3 bench/callgrind_per_call.py "$out/cg" "TableStore::Write(" \
    "ParseRequest(" "BatchApplier::Apply("
done
