#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (or ThreadSanitizer),
# in its own build folder. Not part of .ci/run (a sanitized build and run take longer than the
# CI budget allows on 2 cores): run it nightly or before a release.
#   bash scripts/sanitize.sh                 # ASan + UBSan, every test      (build-asan)
#   bash scripts/sanitize.sh thread 'scan|impact|minos|parallel'   # TSan on the parallel tests (build-tsan)
# Extra arguments after the first two go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=${1:-address,undefined}
regex=${2:-}
shift $(( $# > 2 ? 2 : $# )) || true
case "$sanitizers" in
  thread) build=${HESSFIT_SANITIZE_BUILD_DIR:-build-tsan} ;;
  *) build=${HESSFIT_SANITIZE_BUILD_DIR:-build-asan} ;;
esac
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHESSFIT_WERROR=ON -DHESSFIT_SANITIZE="$sanitizers" \
  -DHESSFIT_BUILD_BENCH=OFF
cmake --build "$build" -j"$(nproc)"
# halt_on_error: a report fails the test; detect_leaks: leaks are findings too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
args=(--test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 3000)
[[ -n "$regex" ]] && args+=(-R "$regex")
ctest "${args[@]}" "$@"
