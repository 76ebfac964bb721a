#!/usr/bin/env bash
# Runs the API benchmark (figures only, never pass/fail) against an already built vbrd.
#   tests/bench/api/run.sh [BUILD_DIR] [bench_api options...]
# BUILD_DIR defaults to the repository's build/; it must hold vbrd and tests/bench/api/bench_api
# (cmake --build BUILD_DIR --target vbrd bench_api). Builds nothing. Needs root: vbrd runs in
# a private network namespace. Extra options go to bench_api (--seconds 5 --rounds 5 --phases get,list ...).
set -euo pipefail
build=${1:-$(cd "$(dirname "$0")/../../.." && pwd)/build}
[ $# -gt 0 ] && shift
bench="$build/tests/bench/api/bench_api"
vbrd="$build/vbrd"
for f in "$bench" "$vbrd"; do
  [ -x "$f" ] || { echo "run.sh: $f is not built (cmake --build $build --target vbrd bench_api)" >&2; exit 2; }
done
# State under a folder of our own on the real disk, removed however we leave.
parent=$(mktemp -d /var/tmp/vbr-bench-api-run.XXXXXX)
trap 'rm -rf "$parent"' EXIT
"$bench" --vbrd "$vbrd" --state-parent "$parent" "$@"
