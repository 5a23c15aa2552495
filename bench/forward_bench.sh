#!/usr/bin/env bash
# Forwarding throughput over loopback (issue 15's bar), in one run on one machine:
#   1. the destination's own ingest rate: bench/http_ingest_bench against a `tsw serve`
#      that checks signatures (signed 100-record requests, 1 and 4 client connections);
#   2. the forwarding rate: `tsw forward --connections C` (C = 1, and 4: the default
#      max_connections) sending a directory of RECORDS records (written in process by
#      `tsw bench`) to that same server, each C to a table of its own, until nothing is
#      pending. The rate is tsw forward's own ("records forwarded in X s after opening":
#      its forwarders' counters, from the end of opening the directory, i.e. after the
#      log's replay, to 0 pending), set against step 1's rate at the same connections;
#      and against the destination taking the very same records (tsw bench --endpoint
#      --seed 7 --clients C: devops records carry 10 dimensions each, http_ingest_bench's
#      2 common ones, so their requests cost both ends far more per record);
#   2b. the same for exactly the records http_ingest_bench sends (its --fill writes them
#      into a local tsw serve first), the like-for-like pairing with step 1: REPEATS runs
#      per connection count (each to a table of its own), each with its ratio to step 1's
#      rate at the same count, then step 1's 4-thread rate once more (the destination's
#      own rate just after, to see whether it moved meanwhile);
#   3. local WriteRecords throughput of a `tsw serve` with forwarding off, on with the
#      forwarder's threads at the server's priority (--forward-nice 0, "on0") and on at
#      the default --forward-nice 10 ("on") and at 19 ("on19"): `tsw bench --endpoint`, 4
#      clients, DURATION s each, interleaved ROUNDS times, with the CPU seconds the local
#      server's forwarder threads, its other threads and the destination used meanwhile. The destination is a `tsw serve` on the same cores,
#      standing for a remote machine: once as it is ("same machine"), once under
#      `nice -n 19` ("remote" stand-in: it takes only the CPU the local server leaves).
# Usage: bench/forward_bench.sh   (after bazel build -c opt //tools/tsw //bench:http_ingest_bench)
# Env: RECORDS (default 200000), DURATION (10), ROUNDS (2), BAZEL_BIN (bazel-bin),
#      STEPS (default "1 2 3": which steps run; 2 includes 2b), REPEATS (3: step 2b's runs).
set -euo pipefail
BIN=${BAZEL_BIN:-bazel-bin}
TSW=$BIN/tools/tsw/tsw
HTTP_BENCH=$BIN/bench/http_ingest_bench
RECORDS=${RECORDS:-200000}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
STEPS=" ${STEPS:-1 2 3} "
REPEATS=${REPEATS:-3}
work=$(mktemp -d /tmp/forward-bench.XXXXXX)
# Stops the server whose pid is in $1 and waits for it to exit.
stop() {
  local pid
  pid=$(cat "$1")
  kill "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
  rm -f "$1"
}
cleanup() {
  for f in "$work"/*.pid; do [[ -e $f ]] && stop "$f"; done
  rm -rf "$work"
}
trap cleanup EXIT
echo "AKIDBENCH bench-secret" >"$work/creds"

# Starts `tsw serve --data DIR ...` on a free port (its pid in DIR.pid); prints the port.
# NICE (default 0) runs it under nice -n NICE.
serve() {
  local dir=$1
  shift
  nice -n "${NICE:-0}" "$TSW" serve --data "$dir" --listen 127.0.0.1:0 "$@" >"$dir.log" 2>&1 &
  echo $! >"$dir.pid"
  for _ in $(seq 300); do
    if grep -q "listening on" "$dir.log" 2>/dev/null; then
      grep -o 'listening on http://127.0.0.1:[0-9]*' "$dir.log" | grep -o '[0-9]*$'
      return
    fi
    sleep 0.05
  done
  echo "tsw serve $dir did not start" >&2
  cat "$dir.log" >&2
  exit 1
}

echo "== $(date -u +%FT%TZ) $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "== load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
remote_port=$(serve "$work/remote" --credentials "$work/creds")
remote=http://127.0.0.1:$remote_port
# The destination table (tsw bench creates it), and a first write to warm the server.
"$TSW" bench --endpoint "$remote" --credentials "$work/creds" --database fwd --table cpu \
  --records 1000 >/dev/null

if [[ $STEPS == *" 1 "* ]]; then
echo "== 1. the destination's own ingest rate (http_ingest_bench --endpoint)"
"$HTTP_BENCH" --endpoint="127.0.0.1:$remote_port" \
  --benchmark_filter='BM_HttpWriteRecords/signed:1/real_time/threads:(1|4)$' \
  --benchmark_min_time=3 2>&1 | grep -E 'BM_|records' | tee "$work/reference" || true

echo "== 1b. the destination's rate on the records step 2 forwards (tsw bench --endpoint --seed 7)"
for conns in 1 4; do
  rate=$("$TSW" bench --endpoint "$remote" --credentials "$work/creds" --database fwd \
    --table "direct_c$conns" --records "$RECORDS" --seed 7 --clients "$conns" | grep -E '^  rate:')
  echo "clients $conns: $rate"
done

fi

if [[ $STEPS == *" 2 "* ]]; then
echo "== 2. forwarding $RECORDS records to it (tsw forward until nothing is pending)"
"$TSW" bench --data "$work/local" --database fwd --table cpu --records "$RECORDS" \
  --seed 7 | grep -E 'rate|records:'
for conns in 1 4; do
  # A destination table per run, so each starts from a cursor of its own at the first batch.
  "$TSW" bench --endpoint "$remote" --credentials "$work/creds" --database fwd \
    --table "cpu_c$conns" --records 100 >/dev/null
  start=$(date +%s.%N)
  rate=$("$TSW" forward --data "$work/local" --to "$remote" --credentials "$work/creds" \
    --table "cpu_c$conns" --connections "$conns" | tail -n 1)
  end=$(date +%s.%N)
  echo "connections $conns: $rate"
  awk -v n="$RECORDS" -v s="$start" -v e="$end" \
    'BEGIN { printf "  (with startup: %d records in %.2f s = %.0f records/s)\n", n, e - s, n / (e - s) }'
done

echo "== 2b. forwarding the very records http_ingest_bench sends ($RECORDS, written by --fill)"
# Written through a tsw serve of their own (no forwarding), so the local log holds them as
# any client's writes; then forwarded like step 2, to be set against step 1's rate.
fill_port=$(serve "$work/hlocal")
"$HTTP_BENCH" --endpoint="127.0.0.1:$fill_port" --fill=$((RECORDS / 100))
stop "$work/hlocal.pid"
# Step 1's rate on `threads` client threads, in records/s ("" if step 1 did not run).
reference() {
  [[ -e $work/reference ]] || return 0
  grep "threads:$1 " "$work/reference" | grep -o 'items_per_second=[0-9.]*[kM]*' |
    awk -F= '{ v = $2; m = 1; if (v ~ /k$/) m = 1e3; if (v ~ /M$/) m = 1e6; print v * m }'
}
for conns in 1 4; do
  ref=$(reference "$conns")
  for run in $(seq "$REPEATS"); do
    table="hcpu_c${conns}_$run"
    "$TSW" bench --endpoint "$remote" --credentials "$work/creds" --database fwd \
      --table "$table" --records 100 >/dev/null
    rate=$("$TSW" forward --data "$work/hlocal" --to "$remote" --credentials "$work/creds" \
      --database fwd --table "$table" --connections "$conns" | tail -n 1)
    ratio=$(echo "$rate" | grep -o '([0-9]* records/s)' | grep -o '[0-9]*' |
      awk -v r="$ref" '{ if (r > 0) printf "; %.0f%% of step 1 (%.1fk)", 100 * $1 / r, r / 1e3 }')
    echo "http_ingest_bench records, connections $conns, run $run: $rate$ratio"
  done
done
if [[ -e $work/reference ]]; then
  echo "== 1 again: the destination's own rate on 4 threads after step 2b"
  "$HTTP_BENCH" --endpoint="127.0.0.1:$remote_port" \
    --benchmark_filter='BM_HttpWriteRecords/signed:1/real_time/threads:4$' \
    --benchmark_min_time=3 2>&1 | grep -E 'BM_|records' || true
fi

fi

if [[ $STEPS == *" 3 "* ]]; then
# user + system clock ticks of the process or thread whose stat file is $1.
ticks() { awk '{ print $14 + $15 }' "$1"; }
# The "remote" stand-in: a second destination that yields the CPU to everything else.
remote19_port=$(NICE=19 serve "$work/remote19" --credentials "$work/creds")
"$TSW" bench --endpoint "http://127.0.0.1:$remote19_port" --credentials "$work/creds" \
  --database fwd --table cpu --records 1000 >/dev/null
echo "== 3. local WriteRecords through tsw serve, forwarding off / on0 / on / on19 ($ROUNDS rounds)"
for round in $(seq "$ROUNDS"); do
  for dest in same remote; do
    [[ $dest == same ]] && dport=$remote_port || dport=$remote19_port
    for mode in off on0 on on19; do
      dir="$work/serve-$dest-$mode-$round"
      case $mode in
        off) port=$(serve "$dir") ;;
        on0) port=$(serve "$dir" --forward-to "http://127.0.0.1:$dport" \
          --forward-credentials "$work/creds" --forward-nice 0) ;;
        on) port=$(serve "$dir" --forward-to "http://127.0.0.1:$dport" \
          --forward-credentials "$work/creds") ;;
        on19) port=$(serve "$dir" --forward-to "http://127.0.0.1:$dport" \
          --forward-credentials "$work/creds" --forward-nice 19) ;;
      esac
      [[ $dest == same ]] && dpid=$(cat "$work/remote.pid") || dpid=$(cat "$work/remote19.pid")
      d0=$(ticks "/proc/$dpid/stat")
      rate=$("$TSW" bench --endpoint "http://127.0.0.1:$port" --credentials "$work/creds" \
        --database fwd --table cpu \
        --duration "$DURATION" --clients 4 --seed "$round" | grep -E '^  rate:')
      # CPU seconds while the writers ran: the local server's forwarder threads, its other
      # threads, and the destination.
      pid=$(cat "$dir.pid")
      fwd=0 other=0
      for task in /proc/"$pid"/task/*; do
        t=$(ticks "$task/stat")
        if grep -q '^tsw-fwd' "$task/comm"; then fwd=$((fwd + t)); else other=$((other + t)); fi
      done
      cpu=$(awk -v f="$fwd" -v o="$other" -v d=$(($(ticks "/proc/$dpid/stat") - d0)) \
        -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "CPU s: local %.1f, forwarder %.1f, destination %.1f", o / hz, f / hz, d / hz }')
      echo "round $round destination $dest forwarding $mode: $rate; $cpu (load $(cut -d' ' -f1 /proc/loadavg))"
      stop "$dir.pid"
    done
  done
done
fi
echo "== load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
