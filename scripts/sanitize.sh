#!/usr/bin/env bash
# The whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer (or ThreadSanitizer),
# in its own build folder. Not part of .ci/run (a sanitized build and run take longer than the
# CI budget allows on 2 cores): run it nightly or before a release.
#   bash scripts/sanitize.sh                 # ASan + UBSan, every test      (build-asan)
#   bash scripts/sanitize.sh thread          # TSan on the tests that run threads (build-tsan, below)
#   bash scripts/sanitize.sh thread 'Minos'  # TSan on the tests matching a ctest regex
# Extra arguments after the first two go to ctest. HESSFIT_SANITIZE_JOBS (default: the number of
# cores) sets the build's processes and ctest's parallel tests; on a shared machine run it as
# `HESSFIT_SANITIZE_JOBS=2 nice -n 19 bash scripts/sanitize.sh`.
#
# Tests run differently under a sanitizer (each said where it is done):
# - Python.* (python/CMakeLists.txt) and the install check's Python step: python3 is not
#   instrumented, so the sanitizer's runtime is preloaded (LD_PRELOAD) and LeakSanitizer is off
#   for them (CPython leaves its objects at exit); the hessfit they start keeps it off too.
# - ResourceLimits.ADenseModelTooLargeForTheMemoryIsRefusedBeforeAllocating is skipped under
#   ASan, and the hostile-input and fuzz-smoke runs drop their address-space limit (ulimit -v,
#   RLIMIT_AS): ASan reserves terabytes of address space, so a limit would make every run fail.
# - The MPI tests: Open MPI (not instrumented) never frees some of its own allocations, so
#   LeakSanitizer reads its suppressions from scripts/lsan-openmpi.supp (Open MPI's libraries
#   only), and the MPI tests add fast_unwind_on_malloc=0 so that the leaks' stacks reach those
#   libraries (tests/cli/CMakeLists.txt). The install check links its consumer with -fsanitize and preloads the runtime for its
#   Python step.
# - The tests' ctest TIMEOUTs are multiplied by HESSFIT_TEST_TIMEOUT_FACTOR (CMake; 10 in a
#   sanitizer build): the lesson examples of examples_tests took over their 120 s under ASan.
# - ThreadSanitizer builds only the targets of the threaded tests (HESSFIT_TSAN_TARGETS) and runs
#   the tests matching HESSFIT_TSAN_TESTS: the executor (fit/src/parallel.cpp), and the scans,
#   impacts, MINOS, toys and grids that use it.
set -euo pipefail
cd "$(dirname "$0")/.."
sanitizers=${1:-address,undefined}
regex=${2:-}
shift $(( $# > 2 ? 2 : $# )) || true
case "$sanitizers" in
  thread) build=${HESSFIT_SANITIZE_BUILD_DIR:-build-tsan} ;;
  *) build=${HESSFIT_SANITIZE_BUILD_DIR:-build-asan} ;;
esac
jobs=${HESSFIT_SANITIZE_JOBS:-$(nproc)}
targets=()
if [[ "$sanitizers" == thread ]]; then
  read -r -a targets <<< "${HESSFIT_TSAN_TARGETS:-fit_tests fit_reference_tests infer_tests configs_tests hessfit hessfit_python}"
  regex=${regex:-${HESSFIT_TSAN_TESTS:-Executor|DistributedFor|Scan|Impact|Minos|Parallel|Toys|Grid}}
fi
# Warnings are not errors here: the plain build (scripts/test.sh) checks them, and gcc 12 gives
# false -Wmaybe-uninitialized warnings inside <regex> and <functional> under -fsanitize=address.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHESSFIT_WERROR=OFF -DHESSFIT_SANITIZE="$sanitizers" \
  -DHESSFIT_BUILD_BENCH=OFF
cmake --build "$build" -j"$jobs" ${targets[@]:+--target "${targets[@]}"}
# halt_on_error: a report fails the test; detect_leaks: leaks are findings too.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan-openmpi.supp:print_suppressions=0}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
args=(--test-dir "$build" --output-on-failure -j"$jobs" --timeout 3000)
[[ -n "$regex" ]] && args+=(-R "$regex")
ctest "${args[@]}" "$@"
