#!/usr/bin/env bash
# A long power-cut campaign: tools/powercut.sh [CUTS] [SEED]
#
# Builds //tests/powercut:powercut_test and runs its PowerCutCampaign.Long with CUTS power
# cuts (default 20000), half under each sync policy, split over JOBS processes (default:
# the number of cores) with different seeds. Prints any problems found and the coverage,
# then as its last line
#   power cuts: N, acknowledged changes: A, lost: 0, phantom: 0, duplicated: 0, unclean opens: 0
# and exits non-zero if anything was lost, invented, duplicated, not reopened cleanly, or
# failed unexpectedly.
set -euo pipefail
cd "$(dirname "$0")/.."
cuts=${1:-20000}
seed=${2:-$(date +%s)}
jobs=${JOBS:-$(nproc)}
bazel build //tests/powercut:powercut_test >&2
binary=bazel-bin/tests/powercut/powercut_test
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "seed $seed, $jobs jobs" >&2
pids=()
for ((j = 0; j < jobs; j++)); do
  per=$(( cuts / jobs + (j < cuts % jobs ? 1 : 0) ))
  TSW_POWERCUT_CUTS=$per TSW_POWERCUT_SEED=$(( seed + 1000 * j )) \
    "$binary" --gtest_filter=PowerCutCampaign.Long >"$out/$j.log" 2>&1 &
  pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
grep -h '^problem: \|^unexpected ' "$out"/*.log | head -40 || true
# Any job that did not print its summary (a crash, a hang cut short) fails the campaign.
for ((j = 0; j < jobs; j++)); do
  if ! grep -q '^power cuts: ' "$out/$j.log"; then
    echo "job $j printed no summary; its last lines:" >&2
    tail -20 "$out/$j.log" >&2
    failed=1
  fi
done
grep -h '^cuts while' "$out"/*.log | awk -F'[:,] *' '
  { for (i = 2; i <= NF; i += 2) sum[i] += $i; names = $0 }
  END { printf "coverage: cuts while the workload ran: %d, cuts during Open: %d, requests in flight kept: %d, dropped: %d, segments seen: %d, unsynced acknowledged requests lost (kSyncPeriodically): %d\n", sum[2], sum[4], sum[6], sum[8], sum[10], sum[12] }'
grep -h '^power cuts: ' "$out"/*.log | awk -F'[:,] *' -v failed="$failed" '
  { for (i = 2; i <= NF; i += 2) sum[i] += $i }
  END {
    printf "power cuts: %d, acknowledged changes: %d, lost: %d, phantom: %d, duplicated: %d, unclean opens: %d\n",
           sum[2], sum[4], sum[6], sum[8], sum[10], sum[12]
    exit (failed || sum[6] || sum[8] || sum[10] || sum[12]) ? 1 : 0
  }'
