#!/usr/bin/env bash
# Installs what is missing, builds, and runs vbrd in the foreground on its defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
exec ./build/vbrd "$@"
