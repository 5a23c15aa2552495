#!/bin/bash
# Measures tsw against its peers (SQLite, RocksDB) on the same requests with one command:
# builds bench/ingest_bench optimised, then runs every workload ROUNDS times, rotating
# the peers' order each round, and prints each ratio as median [min-max] over rounds.
#
#   bench/run_peers.sh [ROUNDS [MIN_TIME [FILTER]]]
#   bench/run_peers.sh 5 2 'multi/series:10000'
#
# Run it on a quiet machine; it prints the CPU and the load average beside the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
min_time="${2:-1}"
filter="${3:-.}"
bazel build -c opt //bench:ingest_bench
exec /usr/bin/python3 bench/run_peers.py --binary bazel-bin/bench/ingest_bench \
  --rounds "$rounds" --min-time "$min_time" --filter "$filter"
