#!/usr/bin/env bash
# Installs every Debian package tsw needs to build, test, benchmark and serve.
# Idempotent and quiet when everything is present; safe to run before every command.
set -euo pipefail

# One package per line; keep sorted. Each is a Debian bookworm package.
PACKAGES=(
  bazel-bootstrap        # Bazel 4.2.3, the build tool (offline)
  g++                    # C++20 compiler
  libabsl-dev            # Abseil: Status, flat_hash_map, strings, synchronization
  libbenchmark-dev       # Google Benchmark (bench/)
  libgtest-dev           # GoogleTest (tests/)
  libgmock-dev           # GoogleMock (tests/)
  librocksdb-dev         # RocksDB, a peer in the benchmarks
  libsqlite3-dev         # SQLite, a peer in the benchmarks
  libxxhash-dev          # xxHash: checksums and series hashing
  libzstd-dev            # Zstd: magnetic-store column compression
  python3-boto3          # the AWS SDK, for the HTTP endpoint's tests (run with /usr/bin/python3)
)

missing=()
for entry in "${PACKAGES[@]}"; do
  pkg=${entry%% *}
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "tools/bootstrap.sh: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || $SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
