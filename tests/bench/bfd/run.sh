#!/bin/sh
# BFD failover benchmark: tests/bench/bfd/run.sh BUILD_DIR [--runs N] [--hold-runs N] [--routes N]
set -e
build=${1:?usage: run.sh BUILD_DIR [options]}
shift
VBRD=$(cd "$build" && pwd)/vbrd PYTHONDONTWRITEBYTECODE=1 exec nice /usr/bin/python3 \
    "$(dirname "$0")/failover.py" "$@"
