#!/usr/bin/env bash
# The README's test command: installs missing Debian packages, then runs every test, then
# every test again under AddressSanitizer + UndefinedBehaviorSanitizer, then the
# concurrency tests under ThreadSanitizer, then builds the engine and the tools with
# clang's thread-safety analysis (tests/README.md, "Sanitizers"), then every fuzz target
# briefly (tools/fuzz.sh; TSW_FUZZ_SECONDS per target, default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
bazel test //... "$@"
bazel test --config=asan //...
bazel test --config=tsan //tests/wal:log_sync_test //tests/wal:log_crash_test \
  //tests/magnetic:concurrency_test //tests/catalog:concurrency_test \
  //tests/ingest:concurrency_test //tests/ingest:crash_test //tests/table:concurrency_test \
  //tests/engine:engine_test //tests/server:http_server_test //tests/query:query_service_test \
  //tests/forward:forwarder_test //tests/forward:forwarder_flow_test //tests/memstore:memstore_test
bazel build --config=tsa //engine/... //tools/...
FUZZ_JOBS=${FUZZ_JOBS:-2} exec tools/fuzz.sh "${TSW_FUZZ_SECONDS:-10}"
