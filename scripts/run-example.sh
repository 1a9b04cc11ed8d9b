#!/usr/bin/env bash
# The main job on a shipped example, from a fresh clone: installs missing packages, builds, and
# runs `hessfit fit` on a shipped example config. Usage: bash scripts/run-example.sh [CONFIG]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
build=${HESSFIT_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$build" -j"$(nproc)" --target hessfit
config=${1:-configs/examples/sbottom.yaml}
exec "$build/apps/hessfit" fit "$config"
