#!/usr/bin/env bash
# End-to-end test of `tsw bench`: in process (--data) with --json checked against what the
# table holds, against a `tsw serve` this script starts on a free port (--endpoint, SigV4),
# the same records for both targets, and --plot. No timing is asserted.
set -uo pipefail
TSW="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
DIR="${TEST_TMPDIR:-$(mktemp -d)}/bench"
rm -rf "$DIR"
mkdir -p "$DIR"
PYTHON=/usr/bin/python3
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# run <name> <command...>: runs it, stdout to $DIR/<name>.out, stderr to $DIR/<name>.err;
# fails on a non-zero exit or a sanitizer report.
run() {
  local name="$1"; shift
  if ! "$@" >"$DIR/$name.out" 2>"$DIR/$name.err"; then
    fail "'$*' exited non-zero: $(cat "$DIR/$name.err")"
  fi
  if grep -q Sanitizer "$DIR/$name.err"; then fail "'$*': $(cat "$DIR/$name.err")"; fi
}
# check_json <file> <python expression over j>: the expression holds for the JSON in file.
check_json() {
  "$PYTHON" - "$1" "$2" <<'PY' || fail "$1: $2 does not hold"
import json, sys
j = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
if not ok:
    print(json.dumps({k: v for k, v in j.items() if k != "PerSecond"}, indent=1), file=sys.stderr)
sys.exit(0 if ok else 1)
PY
}
# The scanned rows of a table, sorted, so two data directories can be compared.
scan_sorted() {
  "$TSW" scan --data "$1" --database bench --table "$2" | sort
}

start_ms=$(( ($(date +%s) - 86400) * 1000 ))
common=(--seed 42 --start "$start_ms" --series 7 --records 2000)

# ---- In process.
run inproc "$TSW" bench --data "$DIR/inproc" --workload devops "${common[@]}" --clients 3 \
  --json "$DIR/inproc.json"
check_json "$DIR/inproc.json" 'j["RecordsSent"] == 2000 and j["RecordsIngested"] == 2000'
check_json "$DIR/inproc.json" 'j["RecordsRejected"] == 0 and j["FailedRequestsByError"] == {}'
check_json "$DIR/inproc.json" 'j["Requests"] >= 20 and j["Workload"]["Name"] == "devops"'
check_json "$DIR/inproc.json" 'j["Storage"]["Points"] == 2000 and j["Storage"]["Series"] == 7'
check_json "$DIR/inproc.json" 'j["Storage"]["WriteAheadLog"]["BytesPerPoint"] > 0'
check_json "$DIR/inproc.json" 'all(k in j["LatencyMicros"] for k in ("P50", "P99", "P99.9", "Max"))'
check_json "$DIR/inproc.json" 'j["LatencyMicros"]["P50"] <= j["LatencyMicros"]["P99"] <= j["LatencyMicros"]["Max"]'
check_json "$DIR/inproc.json" 'sum(s["Records"] for s in j["PerSecond"]) == 2000'
grep -q 'records/s' "$DIR/inproc.out" || fail "no records/s in the summary: $(cat "$DIR/inproc.out")"
grep -q 'p99.9' "$DIR/inproc.out" || fail "no p99.9 in the summary"
if [ -s "$DIR/inproc.err" ]; then fail "stderr is not a terminal, yet: $(cat "$DIR/inproc.err")"; fi
rows=$(scan_sorted "$DIR/inproc" devops | wc -l)
[ "$rows" -eq 2000 ] || fail "the table holds $rows rows, wanted 2000"
"$TSW" stats --data "$DIR/inproc" >"$DIR/stats.out" 2>&1 || fail "tsw stats failed"

# iot, MULTI, with upserts and out-of-order points: all accepted, versions kept.
run iot "$TSW" bench --data "$DIR/iot" --workload iot --multi --upserts 0.2 --out-of-order 0.3 \
  --records-per-request 50 "${common[@]}" --json "$DIR/iot.json"
check_json "$DIR/iot.json" 'j["RecordsIngested"] == 2000 and j["RecordsRejected"] == 0'
check_json "$DIR/iot.json" '1000 < j["Storage"]["Points"] < 2000'  # Upserts replace points.

# An existing table is used as it is: with 1 h of memory retention, day-old records are
# rejected, and counted by reason.
"$TSW" create-database --data "$DIR/short" --name bench >/dev/null 2>&1
"$TSW" create-table --data "$DIR/short" --database bench --name devops \
  --memory-retention-hours 1 --magnetic-retention-days 1 >/dev/null 2>&1 ||
  fail "create-table for the short table failed"
run short "$TSW" bench --data "$DIR/short" "${common[@]}" --json "$DIR/short.json"
check_json "$DIR/short.json" 'j["RecordsRejected"] == 2000 and j["RecordsIngested"] == 0'
check_json "$DIR/short.json" 'sum(j["RejectedByReason"].values()) == 2000'
grep -q 'rejected: 2000' "$DIR/short.out" || fail "no rejection line: $(cat "$DIR/short.out")"

# ---- Against tsw serve, signed; the same seed gives the same table.
echo "AKBENCH benchsecret" >"$DIR/creds"
"$TSW" serve --data "$DIR/served" --listen 127.0.0.1:0 --credentials "$DIR/creds" \
  >"$DIR/serve.out" 2>"$DIR/serve.err" &
serve_pid=$!
endpoint=""
for _ in $(seq 1 300); do
  endpoint=$(sed -n 's/.*listening on \([^ ]*\).*/\1/p' "$DIR/serve.out")
  [ -n "$endpoint" ] && break
  sleep 0.1
done
if [ -z "$endpoint" ]; then
  fail "tsw serve did not start: $(cat "$DIR/serve.err")"
else
  run served "$TSW" bench --endpoint "$endpoint" --credentials "$DIR/creds" --workload devops \
    "${common[@]}" --clients 2 --json "$DIR/served.json"
  check_json "$DIR/served.json" 'j["RecordsSent"] == 2000 and j["RecordsIngested"] == 2000'
  check_json "$DIR/served.json" 'j["Target"].startswith("endpoint http://127.0.0.1:")'
  check_json "$DIR/served.json" '"Storage" not in j and j["LatencyMicros"]["Max"] > 0'
  # Wrong credentials: every request fails with AccessDenied, and the exit code says so.
  echo "AKBENCH wrongsecret" >"$DIR/badcreds"
  "$TSW" bench --endpoint "$endpoint" --credentials "$DIR/badcreds" --records 100 \
    --json "$DIR/bad.json" >"$DIR/bad.out" 2>"$DIR/bad.err"
  rc=$?
  [ "$rc" -eq 1 ] || fail "bench with a wrong secret exited $rc, wanted 1: $(cat "$DIR/bad.err")"
  grep -q AccessDeniedException "$DIR/bad.out" "$DIR/bad.err" ||
    fail "no AccessDeniedException reported: $(cat "$DIR/bad.out" "$DIR/bad.err")"
fi
kill -TERM "$serve_pid" 2>/dev/null
wait "$serve_pid" || fail "tsw serve exited non-zero after SIGTERM: $(cat "$DIR/serve.err")"
if ! diff <(scan_sorted "$DIR/inproc" devops) <(scan_sorted "$DIR/served" devops) >"$DIR/diff"; then
  fail "the same seed wrote different records in process and through tsw serve: $(head -5 "$DIR/diff")"
fi

# ---- Usage errors, and --plot.
"$TSW" bench --records 10 >/dev/null 2>"$DIR/usage.err"
[ $? -eq 2 ] || fail "bench without a target should exit 2"
grep -q -- '--data DIR or --endpoint URL' "$DIR/usage.err" || fail "usage error: $(cat "$DIR/usage.err")"
"$TSW" bench --data "$DIR/x" --records 10 --upserts 2 >/dev/null 2>"$DIR/usage.err"
[ $? -eq 2 ] || fail "--upserts 2 should be a usage error"
env PATH=/nonexistent "$TSW" bench --data "$DIR/noplot" --records 10 --plot "$DIR/p.png" \
  >/dev/null 2>"$DIR/noplot.err"
[ $? -ne 0 ] || fail "--plot without gnuplot should fail"
grep -q gnuplot-nox "$DIR/noplot.err" || fail "no hint to install gnuplot-nox: $(cat "$DIR/noplot.err")"
[ -e "$DIR/noplot" ] && fail "--plot without gnuplot still ran the benchmark"
if command -v gnuplot >/dev/null; then
  run plot "$TSW" bench --data "$DIR/plot" --records 500 --plot "$DIR/plot.png"
  head -c 8 "$DIR/plot.png" | grep -q PNG || fail "--plot wrote no PNG"
else
  echo "gnuplot is not installed: --plot not drawn (tools/bootstrap.sh installs gnuplot-nox)"
fi

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "PASS"
