#!/usr/bin/env bash
# Runs tests/forward/two_servers_test.py against the tsw binary with Debian's Python, the
# one python3-boto3 installs for. Usage (as the sh_test does): two_servers_test.sh TSW SCRIPT
set -euo pipefail
PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import boto3, botocore' 2>/dev/null; then
  echo "two_servers_test: boto3 is not installed for $PYTHON; run tools/bootstrap.sh" \
       "(it installs Debian's python3-boto3)" >&2
  exit 1
fi
exec "$PYTHON" "$2" --tsw "$1"
