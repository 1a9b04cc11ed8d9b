// Grid throughput (issue 13): every patch of the ATLAS 3L eRJR patchset (64 signal points),
// the CLs test at mu = 1 per point, on 1 and 2 threads of the executor; the plan (workspace and
// patchset read once, digest verified once); and the cost of carrying the points between
// processes (their JSON written and read back, what an MPI gather or a shard merge does).
// MPI ranks are timed with the command itself (bench/README.md, "hessfit grid").
//
//   cmake --build build --target hessfit_grid_bench && build/bench/hessfit_grid_bench
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "hessfit/configs/grid.hpp"
#include "hessfit/fit/parallel.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;
const fs::path kErjr = fs::path(HESSFIT_BENCH_DATA_DIR) / "histfactory" / "atlas-susy-2018-06-3l-erjr";

hessfit::configs::Config grid_config(bool limits) {
  std::vector<std::string> sets{"grid.patchset=" + (kErjr / "patchset.json").string()};
  if (limits) sets.push_back("grid.limits=true");
  return hessfit::configs::load_config(kErjr / "BkgOnly.json", sets);
}

void BM_GridPlan(benchmark::State& state) {
  const auto config = grid_config(false);
  for (auto _ : state) {
    hessfit::configs::Diagnostics d;
    auto plan = hessfit::configs::plan_grid(config, d);
    if (!plan) state.SkipWithError("no plan");
    benchmark::DoNotOptimize(plan);
  }
}

void BM_Grid3L(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const bool limits = state.range(1) != 0;
  const auto config = grid_config(limits);
  hessfit::configs::Diagnostics d;
  const auto plan = hessfit::configs::plan_grid(config, d);
  if (!plan) {
    state.SkipWithError("no plan (shared data missing?)");
    return;
  }
  for (auto _ : state) {
    std::vector<ordered_json> points(static_cast<std::size_t>(plan->size()));
    hessfit::fit::parallel_for(plan->size(), threads, [&](int i) {
      points[static_cast<std::size_t>(i)] = hessfit::configs::run_grid_point(config, *plan, i);
    });
    benchmark::DoNotOptimize(points);
  }
  state.counters["patches_per_s"] = benchmark::Counter(plan->size(), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["threads"] = threads;
}

void BM_GridPointsRoundTrip(benchmark::State& state) {
  // 64 points' JSON (with limits) written and parsed: the per-point cost of a gather or merge.
  const auto config = grid_config(true);
  hessfit::configs::Diagnostics d;
  const auto plan = hessfit::configs::plan_grid(config, d);
  if (!plan) {
    state.SkipWithError("no plan");
    return;
  }
  std::vector<ordered_json> points;
  for (int i = 0; i < 4; ++i) points.push_back(hessfit::configs::run_grid_point(config, *plan, i));
  while (points.size() < 64) points.push_back(points[points.size() % 4]);
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string text = ordered_json(points).dump();
    bytes = text.size();
    benchmark::DoNotOptimize(ordered_json::parse(text));
  }
  state.counters["bytes_per_point"] = static_cast<double>(bytes) / 64.0;
  state.counters["points_per_s"] = benchmark::Counter(64, benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(BM_GridPlan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Grid3L)->Args({1, 0})->Args({2, 0})->Args({2, 1})->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);
BENCHMARK(BM_GridPointsRoundTrip)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
