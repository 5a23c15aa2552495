#!/usr/bin/env bash
# The README's demo command: installs missing Debian packages, builds the tsw CLI and
# runs `tsw demo` (a fresh data directory under the current directory unless --data).
set -euo pipefail
here="$(pwd)"
cd "$(dirname "$0")/.."
tools/bootstrap.sh
bazel build //tools/tsw >&2
bin="$(pwd)/bazel-bin/tools/tsw/tsw"
cd "$here"
exec "$bin" demo "$@"
