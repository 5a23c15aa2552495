#!/usr/bin/env bash
# The README's test command: installs missing Debian packages, runs every test, then
# every fuzz target briefly (tools/fuzz.sh; TSW_FUZZ_SECONDS per target, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
bazel test //... "$@"
FUZZ_JOBS=${FUZZ_JOBS:-2} exec tools/fuzz.sh "${TSW_FUZZ_SECONDS:-10}"
