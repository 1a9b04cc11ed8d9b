#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs missing packages, builds with warnings as
# errors, runs every test. Usage: bash scripts/test.sh   (as root on Debian 12)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${HESSFIT_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DHESSFIT_WERROR=ON
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 900
