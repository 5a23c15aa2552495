#!/usr/bin/env bash
# Installs every Debian package tsw needs to build, test, benchmark and serve.
# Idempotent and quiet when everything is present; safe to run before every command.
set -euo pipefail

# One package per line; keep sorted. Each is a Debian bookworm package.
PACKAGES=(
  bazel-bootstrap        # Bazel 4.2.3, the build tool (offline)
  clang                  # clang 14: the fuzz build (bazel --config=fuzz, tools/fuzz.sh) and
                         # the thread-safety analysis (bazel --config=tsa)
  g++                    # C++20 compiler
  gnuplot-nox            # gnuplot: `tsw bench --plot` charts (PNG)
  libabsl-dev            # Abseil: Status, flat_hash_map, strings, synchronization
  libbenchmark-dev       # Google Benchmark (bench/)
  libcpp-httplib-dev     # cpp-httplib: the HTTP/1.1 server of `tsw serve`
  libfuzzer-14-dev       # libFuzzer for clang 14: the fuzz targets' driver (tests/fuzz)
  libgmock-dev           # GoogleMock (tests/)
  libgtest-dev           # GoogleTest (tests/)
  librocksdb-dev         # RocksDB, a peer in the benchmarks
  libsimdjson-dev        # simdjson: request JSON parsing (engine/wire)
  libsqlite3-dev         # SQLite, a peer in the benchmarks
  libssl-dev             # OpenSSL libcrypto: SHA-256/HMAC for SigV4 (tools/server)
  libxxhash-dev          # xxHash: checksums and series hashing
  libzstd-dev            # Zstd: magnetic-store column compression
  nlohmann-json3-dev     # nlohmann/json, a peer in bench/json_bench
  openssl                # the openssl command: the HTTPS test's CA and certificate
  python3-boto3          # the AWS SDK, for the HTTP endpoint's tests (run with /usr/bin/python3)
  rapidjson-dev          # RapidJSON, a peer in bench/json_bench
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
