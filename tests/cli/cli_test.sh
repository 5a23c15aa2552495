#!/usr/bin/env bash
# End-to-end test of the tsw CLI: catalog commands, write (CSV and JSON lines), scan,
# query, stats, errors as typed JSON on stderr with exit code 1, and the demo.
set -uo pipefail
TSW="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
DIR="${TEST_TMPDIR:-$(mktemp -d)}/cli"
rm -rf "$DIR"
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# Under bazel test --config=asan a sanitizer report exits non-zero like an expected error
# does; any report in a command's stderr is a failure.
no_sanitizer_report() {
  if grep -q 'Sanitizer' /tmp/tsw_cli_err_$$; then fail "'$*': $(cat /tmp/tsw_cli_err_$$)"; fi
}
# expect_ok <grep-pattern> <command...>: the command succeeds and stdout matches.
expect_ok() {
  local pattern="$1"; shift
  local out
  if ! out="$("$@" 2>/tmp/tsw_cli_err_$$)"; then
    fail "'$*' failed: $(cat /tmp/tsw_cli_err_$$)"
  elif ! grep -qE -- "$pattern" <<<"$out"; then
    fail "'$*' printed '$out', wanted /$pattern/"
  fi
}
# expect_error <exception> <command...>: exit 1 and stderr names the exception.
expect_error() {
  local kind="$1"; shift
  "$@" >/dev/null 2>/tmp/tsw_cli_err_$$
  local rc=$?
  if [ "$rc" -ne 1 ]; then fail "'$*' exited $rc, wanted 1"; fi
  no_sanitizer_report "$@"
  grep -q "\"__type\":\"$kind\"" /tmp/tsw_cli_err_$$ || fail "'$*' stderr $(cat /tmp/tsw_cli_err_$$), wanted $kind"
}

expect_ok 'create-database' "$TSW" --help
expect_ok '"DatabaseName":"fleet"' "$TSW" create-database --data "$DIR" --name fleet --tag team=iot
expect_error ConflictException "$TSW" create-database --data "$DIR" --name fleet
expect_error ValidationException "$TSW" create-database --data "$DIR" --name 'bad name!'
expect_ok '"TableName":"sensors"' "$TSW" create-table --data "$DIR" --database fleet --name sensors \
  --memory-retention-hours 24 --magnetic-retention-days 30
expect_ok '"MemoryStoreRetentionPeriodInHours":24' "$TSW" describe-table --data "$DIR" --database fleet --name sensors
expect_ok '"TableCount":1' "$TSW" describe-database --data "$DIR" --name fleet
expect_ok '"Tables":\[' "$TSW" list-tables --data "$DIR" --database fleet
expect_ok '"Databases":\[' "$TSW" list-databases --data "$DIR"
expect_error ResourceNotFoundException "$TSW" describe-table --data "$DIR" --database fleet --name nope
expect_ok '"Key":"team"' "$TSW" list-tags-for-resource --data "$DIR" \
  --arn arn:aws:timestream:us-east-1:000000000000:database/fleet
expect_ok '"Endpoints":\[' "$TSW" describe-endpoints --data "$DIR"
expect_error ValidationException "$TSW" delete-database --data "$DIR" --name fleet

now_ms=$(( $(date +%s) * 1000 ))
cat >"$DIR.csv" <<CSV
device,site,time,measure_name,measure_value,measure_value_type
d1,s1,$now_ms,temp,21.5,DOUBLE
d1,s1,$((now_ms + 1000)),temp,21.75,DOUBLE
d2,s1,$now_ms,temp,19,DOUBLE
d2,s1,$now_ms,state,"ok, mostly",VARCHAR
CSV
expect_ok '' "$TSW" write --data "$DIR" --database fleet --table sensors --input "$DIR.csv"
printf '{"Dimensions":[{"Name":"device","Value":"d3"}],"MeasureName":"temp","MeasureValue":"7.25","Time":"%s"}\n' "$now_ms" \
  | "$TSW" write --data "$DIR" --database fleet --table sensors --format jsonl \
  || fail "jsonl write failed"
# A record that is rejected: exit code 1, its line and reason on stderr.
printf 'device,time,measure_name,measure_value\nd1,%s,temp,not-a-number\n' "$now_ms" >"$DIR.bad.csv"
if "$TSW" write --data "$DIR" --database fleet --table sensors --input "$DIR.bad.csv" 2>/tmp/tsw_cli_err_$$; then
  fail "a rejected record must make write exit non-zero"
fi
no_sanitizer_report write "$DIR.bad.csv"
grep -q 'rejected: line 2' /tmp/tsw_cli_err_$$ || fail "rejection not reported with its line: $(cat /tmp/tsw_cli_err_$$)"

scan="$("$TSW" scan --data "$DIR" --database fleet --table sensors)" || fail "scan failed"
[ "$(grep -c . <<<"$scan")" -eq 5 ] || fail "scan printed $(grep -c . <<<"$scan") rows, wanted 5: $scan"
grep -q '"MeasureValue":"21.75"' <<<"$scan" || fail "scan lacks 21.75: $scan"
grep -q '"MeasureValue":"ok, mostly"' <<<"$scan" || fail "scan lacks the VARCHAR: $scan"
expect_ok '^time,dimensions' "$TSW" scan --data "$DIR" --database fleet --table sensors --format csv
d2="$("$TSW" scan --data "$DIR" --database fleet --table sensors --dimension device=d2 --measure temp)"
[ "$(grep -c . <<<"$d2")" -eq 1 ] || fail "filtered scan printed: $d2"
expect_ok '"Series":3' "$TSW" stats --data "$DIR" --database fleet

# tsw query: an aligned table (NULL as NULL), RFC 4180 CSV (CRLF, NULL empty), JSON lines of
# typed values; bad SQL is a ValidationException with exit 1, no SQL a usage error.
q="SELECT device, site, measure_value::double AS temp FROM \"fleet\".\"sensors\" WHERE measure_name = 'temp' ORDER BY device, temp"
table="$("$TSW" query --data "$DIR" "$q" 2>/tmp/tsw_cli_err_$$)" || fail "query failed: $(cat /tmp/tsw_cli_err_$$)"
grep -qx 'device  site  temp' <<<"$table" || fail "query table header: $table"
grep -qx -- '------  ----  -----' <<<"$table" || fail "query table separator: $table"
grep -qx 'd1      s1    21.75' <<<"$table" || fail "query table row: $table"
grep -qx 'd3      NULL  7.25' <<<"$table" || fail "query table NULL: $table"
[ "$(grep -c . <<<"$table")" -eq 6 ] || fail "query table has $(grep -c . <<<"$table") lines, wanted 6: $table"
csv="$("$TSW" query --data "$DIR" --format csv "$q")" || fail "query csv failed"
[ "$(head -1 <<<"$csv")" = $'device,site,temp\r' ] || fail "query csv header: $csv"
grep -qx $'d3,,7.25\r' <<<"$csv" || fail "query csv NULL: $csv"
expect_ok '^"ok, mostly"' "$TSW" query --data "$DIR" --format csv \
  "SELECT measure_value::varchar AS state FROM \"fleet\".\"sensors\" WHERE measure_name = 'state'"
jsonl="$("$TSW" query --data "$DIR" --format jsonl "$q")" || fail "query jsonl failed"
grep -qx '{"device":"d3","site":null,"temp":7.25}' <<<"$jsonl" || fail "query jsonl: $jsonl"
grep -qx '{"device":"d1","site":"s1","temp":21.5}' <<<"$jsonl" || fail "query jsonl: $jsonl"
expect_ok '^\{"n":4\}$' "$TSW" query --data "$DIR" --format jsonl \
  "SELECT count(*) AS n FROM \"fleet\".\"sensors\" WHERE measure_name = 'temp'"
expect_error ValidationException "$TSW" query --data "$DIR" "SELEC device FROM \"fleet\".\"sensors\""
expect_error ValidationException "$TSW" query --data "$DIR" --format xml "$q"
"$TSW" query --data "$DIR" >/dev/null 2>&1
[ $? -eq 2 ] || fail "tsw query without SQL must exit 2"
expect_ok 'query' "$TSW" --help

# Version 0 is a ValidationException for its whole request: nothing of it is written.
printf 'device,time,measure_name,measure_value,version\nv1,%s,temp,1,1\nv1,%s,temp,2,0\n' \
  "$now_ms" "$((now_ms - 1))" >"$DIR.version.csv"
expect_error ValidationException "$TSW" write --data "$DIR" --database fleet --table sensors \
  --input "$DIR.version.csv"
grep -q 'Version must be 1 or greater. Record 1 has Version 0. (the request of input lines 2 to 3' \
  /tmp/tsw_cli_err_$$ || fail "version 0: $(cat /tmp/tsw_cli_err_$$)"
v1="$("$TSW" scan --data "$DIR" --database fleet --table sensors --dimension device=v1)"
[ -z "$v1" ] || fail "a request with Version 0 stored rows: $v1"

# Doubles read back exactly in every output format: values that need all 17 significant
# digits (six-digit printing turns 21.799999999999997 into 21.8), scalar and MULTI.
expect_ok '"TableName":"exact"' "$TSW" create-table --data "$DIR" --database fleet --name exact
exact_values=(0.30000000000000004 21.799999999999997 -1234.5678901234567 1.0000000000000002 5e-324)
{
  echo 'device,time,measure_name,measure_value,measure_value_type'
  for i in "${!exact_values[@]}"; do
    echo "e1,$((now_ms - i)),x,${exact_values[$i]},DOUBLE"
  done
} >"$DIR.exact1.csv"
printf 'device,time,measure_name,y::DOUBLE\ne2,%s,multi,%s\n' "$now_ms" 0.30000000000000004 >"$DIR.exact2.csv"
expect_ok '' "$TSW" write --data "$DIR" --database fleet --table exact --input "$DIR.exact1.csv"
expect_ok '' "$TSW" write --data "$DIR" --database fleet --table exact --input "$DIR.exact2.csv"
jsonl="$("$TSW" scan --data "$DIR" --database fleet --table exact)" || fail "scan exact failed"
csv="$("$TSW" scan --data "$DIR" --database fleet --table exact --format csv)" || fail "scan csv failed"
for v in "${exact_values[@]}"; do
  grep -qF "\"MeasureValue\":\"$v\"" <<<"$jsonl" || fail "jsonl scan lacks $v exactly: $jsonl"
  grep -qF ",x,x,DOUBLE,$v," <<<"$csv" || fail "csv scan lacks $v exactly: $csv"
done
grep -qF '"Value":"0.30000000000000004"' <<<"$jsonl" || fail "jsonl MULTI lacks the value: $jsonl"
grep -qF ',multi,y,DOUBLE,0.30000000000000004,' <<<"$csv" || fail "csv MULTI lacks the value: $csv"
expect_ok '^\{\}$' "$TSW" delete-table --data "$DIR" --database fleet --name exact

# The magnetic tier: a record older than the one-hour memory window lands in a segment
# (tsw write runs maintenance at the end); verify passes, then catches a flipped byte.
expect_ok '"TableName":"archive"' "$TSW" create-table --data "$DIR" --database fleet --name archive \
  --memory-retention-hours 1 --magnetic-retention-days 30 --magnetic-store-writes on
printf 'device,time,measure_name,measure_value\nd1,%s,temp,3.5\n' "$((now_ms - 7200000))" >"$DIR.old.csv"
expect_ok '' "$TSW" write --data "$DIR" --database fleet --table archive --input "$DIR.old.csv"
expect_ok '"MagneticStore":\{"Points":1' "$TSW" stats --data "$DIR" --database fleet --table archive
expect_ok '"MeasureValue":"3.5"' "$TSW" scan --data "$DIR" --database fleet --table archive
expect_ok '^OK' "$TSW" verify --data "$DIR"
segment="$(find "$DIR/tables" -name '*.seg' -type f | head -1)"
if [ -z "$segment" ]; then
  fail "no segment file under $DIR/tables"
else
  size=$(stat -c %s "$segment")
  cp "$segment" "$DIR.segment.bak"
  printf '\xff' | dd of="$segment" bs=1 seek=$((size / 2)) conv=notrunc status=none
  if "$TSW" verify --data "$DIR" >/tmp/tsw_cli_err_$$ 2>&1; then
    fail "verify passed a segment with a flipped byte"
  fi
  no_sanitizer_report verify "$DIR"
  grep -q "$(basename "$segment")" /tmp/tsw_cli_err_$$ || fail "verify did not name the file: $(cat /tmp/tsw_cli_err_$$)"
  cp "$DIR.segment.bak" "$segment"
  expect_ok '^OK' "$TSW" verify --data "$DIR"
fi
expect_ok '^\{\}$' "$TSW" delete-table --data "$DIR" --database fleet --name archive
expect_ok '^\{\}$' "$TSW" delete-table --data "$DIR" --database fleet --name sensors
expect_ok '^\{\}$' "$TSW" delete-database --data "$DIR" --name fleet
expect_error ResourceNotFoundException "$TSW" describe-database --data "$DIR" --name fleet

# The forwarder's niceness is 0 to 19; a bad value stops the command before anything is
# opened: tsw serve's flag errors are usage errors (exit 2, the problem and the usage).
for bad in 20 -1; do
  "$TSW" serve --data "$DIR-fwd" --forward-to http://127.0.0.1:1 --forward-nice "$bad" \
    >/dev/null 2>/tmp/tsw_cli_err_$$
  rc=$?
  [ "$rc" -eq 2 ] || fail "tsw serve --forward-nice $bad exited $rc, wanted 2"
  no_sanitizer_report serve --forward-nice "$bad"
  grep -q -- "--forward-nice wants a number from 0 to 19, not '$bad'" /tmp/tsw_cli_err_$$ ||
    fail "tsw serve --forward-nice $bad: $(cat /tmp/tsw_cli_err_$$)"
done
expect_error ValidationException "$TSW" forward --data "$DIR-fwd" --to http://127.0.0.1:1 --nice x
"$TSW" serve --data "$DIR-fwd" --file-access mmap >/dev/null 2>/tmp/tsw_cli_err_$$
rc=$?
[ "$rc" -eq 2 ] || fail "tsw serve --file-access mmap exited $rc, wanted 2"
grep -q -- "--file-access is mapped or read, not 'mmap'" /tmp/tsw_cli_err_$$ ||
  fail "tsw serve --file-access mmap: $(cat /tmp/tsw_cli_err_$$)"
[ -e "$DIR-fwd" ] && fail "a bad --forward-nice created $DIR-fwd"

# The demo runs in a fresh directory and reports its ingest.
demo_out="$(cd "${TEST_TMPDIR:-/tmp}" && "$TSW" demo --data "$DIR-demo")" || fail "demo failed"
grep -q 'records/s' <<<"$demo_out" || fail "demo did not report records/s: $demo_out"
grep -q 'rejected, by reason' <<<"$demo_out" || fail "demo did not report rejections"
grep -q 'avg_temperature' <<<"$demo_out" || fail "demo did not end with a query's answer: $demo_out"
grep -qE '^eu-west +20[0-9]{2}-' <<<"$demo_out" || fail "demo's query printed no rows: $demo_out"

rm -f /tmp/tsw_cli_err_$$
if [ "$failures" -ne 0 ]; then echo "$failures failure(s)" >&2; exit 1; fi
echo "all CLI checks passed"
