// Hypothesis-test benchmarks (issue 10): the asymptotic hypotest at POI = 1, the observed and
// five expected CLs upper limits, and the discovery significance, each from scratch (every free,
// conditional and Asimov fit included), on
//   - pyhf's documented example uncorrelated_background([12, 11], [50, 52], [3, 7]) with data [51, 48],
//   - the shared workspaces whose POI is a signal strength (pyhf-2bin-1channel,
//     pyhf-histfactory-example, atlas-susy-2018-06-3l-erjr),
//   - "B3-like" models of p = 100 and 200 parameters: B3 of problems.hpp (a dense binned Poisson
//     NLL, 2p bins, 3 samples whose yields depend on every nuisance parameter) with a signal
//     s_b = 0.2 + 0.6 u scaled by a POI mu and the 1/2 theta^2 term read as Gaussian constraints
//     of auxiliary data a_j = 0 (so that Asimov data exist).
// Limits run their six curves on 1 and on 2 threads (wall time); the rest is single-threaded CPU
// time. (Results are kept alive with ClobberMemory(): benchmark 1.7's DoNotOptimize(double&) with GCC 12
// -O3 wrote garbage into the double it was given.) Every result is checked (finite, expected limits ascending) and the check's outcome ends
// the run with an error if it fails.
//
//   cmake --build build --target hessfit_infer_bench && build/bench/hessfit_infer_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench_main.hpp"
#include "hessfit/infer.hpp"
#include "hessfit/likelihood.hpp"
#include "infer_problems.hpp"
#include "problems.hpp"

namespace hb = hessfit::bench;
namespace inf = hessfit::infer;
namespace lh = hessfit::likelihood;

namespace {

using hb::b3_like;
using hb::check;
using hb::pyhf_example;

std::string data_dir = HESSFIT_BENCH_DATA_DIR;

struct Problem {
  std::string label;
  std::unique_ptr<inf::Model> model;
  std::size_t parameters = 0;
};
std::vector<std::unique_ptr<Problem>> problems;

void discover() {
  auto add = [](std::string label, std::unique_ptr<inf::Model> m) {
    auto p = std::make_unique<Problem>();
    p->label = std::move(label);
    p->parameters = static_cast<std::size_t>(m->objective().size());
    p->model = std::move(m);
    problems.push_back(std::move(p));
  };
  add("pyhf-example", pyhf_example());
  for (const char* name : {"pyhf-2bin-1channel", "pyhf-histfactory-example", "atlas-susy-2018-06-3l-erjr"}) {
    const auto file = std::filesystem::path(data_dir) / "histfactory" / name / "workspace.json";
    if (!std::filesystem::exists(file)) {
      std::fprintf(stderr, "hessfit_infer_bench: %s missing, skipped\n", file.c_str());
      continue;
    }
    add(name, std::make_unique<inf::Model>(lh::Workspace::load(file).model()));
  }
  for (int p : {100, 200}) add("B3-like p=" + std::to_string(p), b3_like(p));
}

void bench_hypotest(benchmark::State& state, const Problem* p) {
  inf::InferenceOptions o;
  o.threads = 1;
  inf::HypotestResult r;
  for (auto _ : state) {
    r = inf::hypotest(1.0, *p->model, inf::TestStatistic::kQTildeMu, o);
    benchmark::ClobberMemory();
  }
  check(r.ok && std::isfinite(r.cls_obs), p->label + " hypotest: " + r.message);
  state.counters["cls_obs"] = r.cls_obs;
}

void bench_limits(benchmark::State& state, const Problem* p, int threads) {
  inf::InferenceOptions o;
  o.threads = threads;
  inf::UpperLimitResult r;
  for (auto _ : state) {
    r = inf::upper_limit(p->model->observed_data(), *p->model, {}, inf::TestStatistic::kQTildeMu, o);
    benchmark::ClobberMemory();
  }
  bool ascending = true;
  for (std::size_t k = 1; k < 5; ++k) ascending = ascending && r.expected[k].value > r.expected[k - 1].value;
  check(r.ok() && std::isfinite(r.observed.value) && ascending, p->label + " limits: " + r.problems());
  int evaluations = r.observed.evaluations;
  for (const auto& e : r.expected) evaluations += e.evaluations;
  state.counters["observed"] = r.observed.value;
  state.counters["expected"] = r.expected[2].value;
  state.counters["cls_evaluations"] = evaluations;
}

void bench_significance(benchmark::State& state, const Problem* p) {
  inf::InferenceOptions o;
  o.threads = 1;
  inf::SignificanceResult r;
  for (auto _ : state) {
    r = inf::significance(*p->model, o);
    benchmark::ClobberMemory();
  }
  check(r.ok && std::isfinite(r.observed.z) && std::isfinite(r.expected.z), p->label + " significance: " + r.message);
  state.counters["z_obs"] = r.observed.z;
  state.counters["z_exp"] = r.expected.z;
}

void register_cases() {
  for (const auto& p : problems) {
    const Problem* pp = p.get();
    const std::string stem = "Infer/" + p->label;
    benchmark::RegisterBenchmark((stem + "/hypotest").c_str(), [pp](benchmark::State& s) { bench_hypotest(s, pp); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((stem + "/limits:threads=1").c_str(), [pp](benchmark::State& s) { bench_limits(s, pp, 1); })
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark((stem + "/limits:threads=2").c_str(), [pp](benchmark::State& s) { bench_limits(s, pp, 2); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark((stem + "/significance").c_str(), [pp](benchmark::State& s) { bench_significance(s, pp); })
        ->Unit(benchmark::kMillisecond);
  }
}

template <class Reporter>
void print_summary(std::ostream& out, const Reporter& rep) {
  out << "\n==== Hypothesis tests (issue 10): median time per call, every fit included ====\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-28s %6s %12s %16s %16s %12s %8s\n", "model", "params", "hypotest", "limits 1 thread",
                "limits 2 threads", "significance", "CLs evals");
  out << line;
  for (const auto& p : problems) {
    const std::string stem = "Infer/" + p->label;
    const double h = rep.time_of(stem + "/hypotest");
    // Wall time for the 2-thread case (CPU time would add both threads).
    const double l1 = rep.time_of(stem + "/limits:threads=1"), l2 = rep.real_time_of(stem + "/limits:threads=2");
    const double s = rep.time_of(stem + "/significance");
    if (h < 0 && l1 < 0 && l2 < 0 && s < 0) continue;
    std::snprintf(line, sizeof line, "%-28s %6zu %12s %16s %16s %12s %8.0f\n", p->label.c_str(), p->parameters, hb::format_time(h).c_str(),
                  hb::format_time(l1).c_str(), hb::format_time(l2).c_str(), hb::format_time(s).c_str(),
                  rep.counter_of(stem + "/limits:threads=1", "cls_evaluations"));
    out << line;
  }
  out << "(CPU time; 'limits 2 threads' is wall time. Aims: observed + expected limits of a 100-parameter model < 0.5 s;\n"
         " the pyhf example's limits < 5 ms.)\n";
}

}  // namespace

int main(int argc, char** argv) {
  const auto json = hb::initialize(argc, argv, {{"--data_dir=", [](const std::string& v) { data_dir = v; }}});
  if (!json) return 1;
  discover();
  register_cases();
  return hb::run(*json, [](std::ostream& out, const auto& reporter) { print_summary(out, reporter); },
                 "some results failed their checks (see CHECK FAILED above).");
}
