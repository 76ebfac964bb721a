#!/usr/bin/env bash
# Full-table ingest benchmark: vbrd vs a BIRD 2 and a GoBGP receiver (figures only).
# Usage: tests/bench/ingest/run.sh BUILD_DIR [--routes N] [--skip-gobgp] [--skip-bird]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: run.sh BUILD_DIR [options]}; shift
export VBRD=$(cd "$build" && pwd)/vbrd
exec timeout 1800 /usr/bin/python3 "$here/ingest.py" "$@"
