#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: unit tests plain and under
# ASan + UBSan, integration tests against the real daemon and real BGP peers, fuzzers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh test
jobs=$(nproc)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DVBR_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DVBR_FUZZ=ON >/dev/null
cmake --build build-fuzz --target fuzzers -j"$jobs"

status=0
ctest --test-dir build-asan -L 'unit|asan' --output-on-failure || status=1
ctest --test-dir build -LE 'fuzz|asan' --output-on-failure || status=1
ctest --test-dir build-fuzz -L fuzz --output-on-failure || status=1
# The reliability report (issue 7): ctest hides the output of passing tests.
for f in build-asan/tests/reliability/results/summary.txt build/tests/reliability/results/summary.txt; do
  if [ -f "$f" ]; then cat "$f"; fi
done
exit $status
