#!/usr/bin/env bash
# CPU per forwarded record, two builds alternated: `tsw forward --connections 4` of the
# records http_ingest_bench sends (its --fill, BATCHES x 100 records) to a `tsw serve` of
# the same build that checks signatures. Prints, per round and build, the forwarder's
# user+sys CPU (the whole process, incl. opening the directory; a second `tsw forward`
# with nothing left pending shows that part alone) and the destination's CPU (its /proc
# ticks while the forwarder ran), each per record. CPU per record moves far less with a
# loaded machine's noise than rates do.
# Usage: A=dir B=dir bash bench/forward_cpu_ab.sh   (each dir holds tsw and
#        http_ingest_bench of one build). Env: ROUNDS (default 4), BATCHES (default 2000).
set -euo pipefail
ROUNDS=${ROUNDS:-4}
BATCHES=${BATCHES:-2000}
declare -A bin=([A]=$A [B]=$B) port pid
work=$(mktemp -d /tmp/forward-cpu.XXXXXX)
cleanup() {
  for b in A B; do [[ -n ${pid[$b]:-} ]] && kill -INT "${pid[$b]}" 2>/dev/null || true; done
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT
echo "AKIDBENCH bench-secret" >"$work/creds"
# Starts `tsw serve` of build dir $1 on data dir $2 (more flags after); prints its port.
serve() {
  local dir=$2 b=$1
  shift 2
  "$b/tsw" serve --data "$dir" --listen 127.0.0.1:0 "$@" >"$dir.log" 2>&1 &
  echo $! >"$dir.pid"
  for _ in $(seq 300); do grep -q "listening on" "$dir.log" 2>/dev/null && break; sleep 0.1; done
  grep -o 'listening on http://127.0.0.1:[0-9]*' "$dir.log" | grep -o '[0-9]*$'
}
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
fill_port=$(serve "$B" "$work/local")
"$B/http_ingest_bench" --endpoint="127.0.0.1:$fill_port" --fill="$BATCHES" >/dev/null
kill -INT "$(cat "$work/local.pid")"
while kill -0 "$(cat "$work/local.pid")" 2>/dev/null; do sleep 0.1; done
for b in A B; do
  port[$b]=$(serve "${bin[$b]}" "$work/dest$b" --credentials "$work/creds")
  pid[$b]=$(cat "$work/dest$b.pid")
done
hz=$(getconf CLK_TCK)
n=$((BATCHES * 100))
echo "== $(date -u +%FT%TZ) $n records a run; load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for b in A B; do
    table="t${b}_$round"
    forward() {
      /usr/bin/time -f "CPU %U %S" "${bin[$b]}/tsw" forward --data "$work/local" \
        --to "http://127.0.0.1:${port[$b]}" --credentials "$work/creds" --database fwd \
        --table "$table" --connections 4 2>&1
    }
    "${bin[$b]}/tsw" bench --endpoint "http://127.0.0.1:${port[$b]}" --credentials "$work/creds" \
      --database fwd --table "$table" --records 100 >/dev/null
    d0=$(ticks "${pid[$b]}")
    out=$(forward)
    d1=$(ticks "${pid[$b]}")
    again=$(forward | grep '^CPU')
    awk -v b="$b" -v r="$round" -v n="$n" -v dt=$((d1 - d0)) -v hz="$hz" -v out="$out" \
      -v again="$again" 'BEGIN {
        k = split(out, lines, "\n")
        for (i = 1; i <= k; i++) {
          if (lines[i] ~ /^CPU/) { split(lines[i], f, " "); cpu = f[2] + f[3] }
          else if (lines[i] ~ /forwarded in/) rate = lines[i]
        }
        split(again, g, " ")
        printf "round %d %s: forwarder %.2f us/record (opening alone %.2f s), destination %.2f us/record; %s\n",
          r, b, cpu * 1e6 / n, g[2] + g[3], dt / hz * 1e6 / n, rate
      }'
  done
done
echo "== load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
