#!/bin/sh
# Kernel FIB benchmark: vbrd vs BIRD's kernel protocol. tests/bench/fib/run.sh BUILD_DIR [--routes N]
set -e
build=${1:?usage: run.sh BUILD_DIR [options]}
shift
VBRD=$(cd "$build" && pwd)/vbrd PYTHONDONTWRITEBYTECODE=1 exec timeout 1200 /usr/bin/python3 \
    "$(dirname "$0")/fib.py" "$@"
