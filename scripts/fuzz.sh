#!/usr/bin/env bash
# Fuzz campaign over the four harnesses of fuzz/ (workspace, patchset, config, set): builds them
# with clang-14, libFuzzer, ASan and UBSan in build-fuzz, makes seed corpora from the shared data
# (small workspaces, one-channel fragments of the large ones, patches, the shipped configs), and
# runs each harness. Not part of .ci/run (the suite replays fuzz/regressions instead).
#   bash scripts/fuzz.sh                 # 60 s per harness
#   bash scripts/fuzz.sh 600             # 10 min per harness
#   bash scripts/fuzz.sh 0 1000000       # 10^6 executions per harness, however long it takes
# A finding is written to build-fuzz/findings/<harness>/; add it to fuzz/regressions/<harness>/
# once fixed. Record campaign sizes in fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
runs=${2:--1}
build=${HESSFIT_FUZZ_BUILD_DIR:-build-fuzz}
shared=${HESSFIT_SHARED_DATA_DIR:-../shared/data}/histfactory
harnesses=(workspace patchset config set)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 -DHESSFIT_FUZZ=ON \
  -DHESSFIT_SANITIZE=address,undefined -DHESSFIT_BUILD_TESTS=OFF -DHESSFIT_BUILD_BENCH=OFF -DHESSFIT_BUILD_EXAMPLES=OFF
cmake --build "$build" -j"$(nproc)" --target "${harnesses[@]/#/hessfit_fuzz_}"

seeds=$build/seeds
rm -rf "$seeds"
mkdir -p "$seeds"/{workspace,patchset,config,set}
python3 fuzz/make_seeds.py "$shared" "$seeds"
cp configs/examples/*.yaml configs/examples/user_nll/*.yaml "$seeds/config/"
cp likelihood/examples/*.json "$seeds/workspace/"
for h in "${harnesses[@]}"; do cp fuzz/regressions/$h/* "$seeds/$h/" 2>/dev/null || true; done

status=0
for h in "${harnesses[@]}"; do
  mkdir -p "$build/corpus/$h" "$build/findings/$h"
  log=$build/fuzz_$h.log
  echo "== $h: ${seconds}s, runs $runs"
  args=(-max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$build/findings/$h/")
  [[ "$seconds" != 0 ]] && args+=(-max_total_time="$seconds")
  [[ "$runs" != -1 ]] && args+=(-runs="$runs")
  if ! ASAN_OPTIONS=detect_leaks=1 "$build/fuzz/hessfit_fuzz_$h" "${args[@]}" "$build/corpus/$h" "$seeds/$h" >"$log" 2>&1; then
    status=1
    echo "   FINDING: see $log and $build/findings/$h/"
  fi
  grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$log" | sed 's/^/   /' || true
  echo "   corpus: $(ls "$build/corpus/$h" | wc -l) inputs"
done
exit $status
