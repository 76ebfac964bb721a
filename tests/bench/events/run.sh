#!/usr/bin/env bash
# Runs the event fan-out benchmark (figures only, never pass/fail) against an already built vbrd.
#   tests/bench/events/run.sh [BUILD_DIR] [bench_events options...]
# BUILD_DIR defaults to the repository's build/; it must hold vbrd and
# tests/bench/events/bench_events (cmake --build BUILD_DIR --target vbrd bench_events).
# Needs root: vbrd runs in a private network namespace. STATE_PARENT: see below.
set -euo pipefail
build=${1:-$(cd "$(dirname "$0")/../../.." && pwd)/build}
[ $# -gt 0 ] && shift
bench="$build/tests/bench/events/bench_events"
vbrd=${VBRD:-$build/vbrd}
for f in "$bench" "$vbrd"; do
  [ -x "$f" ] || { echo "run.sh: $f is not built (cmake --build $build --target vbrd bench_events)" >&2; exit 2; }
done
# vbrd's state goes to the real disk (each change pays its fsync) unless STATE_PARENT names
# another folder: STATE_PARENT=/dev/shm measures the fan-out with the fastest replies.
parent=$(mktemp -d "${STATE_PARENT:-/var/tmp}/vbr-bench-events-run.XXXXXX")
trap 'rm -rf "$parent"' EXIT
ulimit -n 65536 2>/dev/null || true
"$bench" --vbrd "$vbrd" --state-parent "$parent" "$@"
