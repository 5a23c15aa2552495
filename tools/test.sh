#!/usr/bin/env bash
# The README's test command: installs missing Debian packages, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/bootstrap.sh
exec bazel test //... "$@"
