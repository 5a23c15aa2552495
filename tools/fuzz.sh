#!/usr/bin/env bash
# Builds every fuzz target (tests/fuzz/*_fuzzer.cc) with libFuzzer, ASan and UBSan
# (bazel --config=fuzz) and runs each for SECONDS (default 10), starting from a copy of its
# seed corpus and regressions (the repository is never written). Prints per target its
# executions and any crash file, then last:
#   fuzz: T targets, E executions, C crashes
# Exits non-zero when a target crashed (or failed to run); the crash inputs are kept in
# the work directory the output names, and the end of the target's log and the input (as
# base64) are printed, for a machine whose files are gone after the run (CI). See
# tests/fuzz/README.md.
#
# Environment: FUZZ_TARGETS="codec wal" runs only those; FUZZ_JOBS=2 runs two at once;
# FUZZ_WORK=DIR keeps everything (corpora, logs) in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-10}
jobs=${FUZZ_JOBS:-1}
if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for f in tests/fuzz/*_fuzzer.cc; do
    t=${f##*/}
    targets+=("${t%_fuzzer.cc}")
  done
fi

labels=()
for t in "${targets[@]}"; do labels+=("//tests/fuzz:${t}_fuzzer"); done
build_log=$(mktemp)
if ! bazel build --config=fuzz "${labels[@]}" >"$build_log" 2>&1; then
  grep -v "Cannot export local symbol" "$build_log" | tail -40 >&2
  echo "fuzz: the fuzz build failed" >&2
  exit 1
fi
rm -f "$build_log"
bin=$(bazel info --config=fuzz bazel-bin 2>/dev/null)/tests/fuzz

# Symbolized stacks in the reports (llvm-symbolizer comes with clang).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && command -v llvm-symbolizer >/dev/null; then
  export ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
fi

work=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tsw-fuzz.XXXXXX")}
mkdir -p "$work"

# Runs target $1 in $work/$1; its exit status is libFuzzer's.
run_target() {
  local t=$1 dir=$work/$1
  mkdir -p "$dir/corpus"
  for src in tests/fuzz/corpus/$t tests/fuzz/regressions/$t; do
    [ -d "$src" ] && cp -r "$src/." "$dir/corpus/"
  done
  local dict=()
  [ -f "tests/fuzz/$t.dict" ] && dict=("-dict=tests/fuzz/$t.dict")
  "$bin/${t}_fuzzer" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 \
    -rss_limit_mb=2560 -artifact_prefix="$dir/" "${dict[@]}" "$dir/corpus" >"$dir/log" 2>&1 &
  local pid=$! status=0
  wait "$pid" || status=$?
  # The target's scratch files (tests/fuzz/fuzz_util.h), left behind when it crashed.
  rm -rf "/dev/shm/tsw-fuzz-$pid" "${TMPDIR:-/tmp}/tsw-fuzz-$pid"
  return "$status"
}

pids=()
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$t" &
  pids+=($!)
done

total_execs=0
crashes=0
for i in "${!targets[@]}"; do
  t=${targets[$i]}
  status=0
  wait "${pids[$i]}" || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t/log" | tail -1)
  execs=${execs:-0}
  total_execs=$((total_execs + execs))
  line="fuzz: $t: $execs executions in ${seconds}s"
  if [ "$status" -ne 0 ]; then
    crashes=$((crashes + 1))
    found=$(ls "$work/$t"/{crash,leak,timeout,oom,slow-unit}-* 2>/dev/null | head -1 || true)
    line="$line; FAILED (exit $status): ${found:-no crash file}; log $work/$t/log"
  fi
  echo "$line"
  if [ "$status" -ne 0 ]; then
    # The work directory is gone with a CI machine: show the report and the input here.
    echo "fuzz: $t: the end of its log:"
    { grep -v '^#[0-9]' "$work/$t/log" 2>/dev/null || true; } | tail -60 | sed 's/^/  /'
    if [ -n "${found:-}" ]; then
      echo "fuzz: $t: the input ($(stat -c %s "$found") bytes; first 4 KiB, base64):"
      head -c 4096 "$found" | base64 | sed 's/^/  /'
    fi
  fi
done

if [ "$crashes" -eq 0 ] && [ -z "${FUZZ_WORK:-}" ]; then rm -rf "$work"; fi
echo "fuzz: ${#targets[@]} targets, $total_execs executions, $crashes crashes"
[ "$crashes" -eq 0 ]
