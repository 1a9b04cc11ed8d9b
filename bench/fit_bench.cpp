// HistFactory likelihood benchmarks (issue 4) and whole-fit benchmarks (issue 5).
//
// HistFactory/<workspace>/...: on every shared workspace under <data>/histfactory/ (each folder's
// workspace.json, at the reference best fit of its reference.json, else at the inits):
//   load:<file>   Workspace::load(path): read, parse and validate (also the published originals,
//                 e.g. BkgOnly.json, where a folder carries them)
//   model         ws.model(): parameter sets, index tables
//   nll           model.nll(x) in double
//   gradient      hessfit::ad::value_and_gradient (reverse mode)
//   hessian       hessfit::ad::hessian (dense, forward-over-reverse)
// Before timing, the NLL is checked against the reference NLL (1e-9 relative) and the errors from
// the timed Hessian, sqrt(diag H_FF^-1), against the reference errors (1e-3 relative).
//
// Fit/<problem>/minos:poi: the whole fit a physicist runs, from the inits, each stage timed:
//   minimise      hessfit::fit::minimize (Method::kAuto: Newton with exact Hessians, then the probe
//                 for lower minima)
//   hessian+cov   a fresh exact Hessian at the minimum and covariance_from_hessian (HESSE's job;
//                 fit::fit() reuses the minimiser's last Hessian and skips the evaluation)
//   minos         hessfit::fit::minos on the POI
// Fit/<workspace>/minos:poi+5 runs MINOS on the six parameters iminuit ran MINOS on (the POI and
// the five most correlated with it, reference.json "iminuit.minos.params"), for a like-for-like
// comparison. Problems: every shared workspace with a reference.json, and B3 (problems.hpp) at
// p = 100 and 200 with POI theta_0. Each fit is checked (converged, NLL at the minimum within 1e-6
// of the reference, covariance accurate, POI error within 1e-3 relative, MINOS within 1e-3
// relative) before it is timed. A failed check skips the case with the reason (`CHECK FAILED` on
// stderr) and makes the program exit with status 1.
//
// After the run a summary prints the tables, the iminuit timings recorded in each reference.json
// side by side (ratio hessfit / iminuit), and the issues' speed aims marked met/MISS. With
// --benchmark_format=json the summary goes to stderr and stdout stays pure JSON.
//
// Own flags (the rest are Google Benchmark's):
//   --data_dir=DIR     the shared data directory (default: the compile-time HESSFIT_BENCH_DATA_DIR)
//   --fit_threads=N    threads for the probe and MINOS (default 1: CPU time is then the work done;
//                      every case measures the CPU time of the whole process)
//   --no_probe         minimise with Newton alone (MinimizeOptions::probe.enabled = false): shows
//                      what kAuto's probe for lower minima costs; the staus check then fails (the
//                      probe is what finds its global minimum)
#include <benchmark/benchmark.h>
#include <time.h>
#include <unistd.h>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "bench_main.hpp"
#include "hessfit/autodiff.hpp"
#include "hessfit/fit/covariance.hpp"
#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/minos.hpp"
#include "hessfit/fit/objective.hpp"
#include "hessfit/likelihood/model.hpp"
#include "hessfit/likelihood/workspace.hpp"
#include "hessfit/testing/shared_data.hpp"
#include "problems.hpp"

#ifndef HESSFIT_BENCH_DATA_DIR
#define HESSFIT_BENCH_DATA_DIR ""
#endif

namespace {

namespace ad = hessfit::ad;
namespace fit = hessfit::fit;
namespace hl = hessfit::likelihood;
namespace hb = hessfit::bench;
namespace fs = std::filesystem;

int fit_threads = 1;
bool probe_enabled = true;

// ---- reference data ----------------------------------------------------------------------------

// Python's json writes NaN and Infinity, which JSON lacks: the tests' reader takes them as null.
using hessfit::testing::read_python_json;

double number_or(const nlohmann::json& j, double fallback) { return j.is_number() ? j.get<double>() : fallback; }

Eigen::VectorXd to_vector(const nlohmann::json& values) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) v[static_cast<Eigen::Index>(i)] = number_or(values[i], std::nan(""));
  return v;
}

/// One side of a reference MINOS interval.
struct ReferenceSide {
  double offset = 0.0;
  bool at_limit = false;
};

struct ReferenceInterval {
  std::string name;
  ReferenceSide lower, upper;
};

/// iminuit's own timings on the workspace (reference.json "iminuit"; wall seconds, one run each).
struct IminuitTimes {
  double migrad = -1.0;     // strategy 1 (tol 0.1) then strategy 2 (tol 1e-7), summed
  double hesse = -1.0;
  double minos = -1.0;      // all of iminuit's MINOS parameters
  double minos_poi = -1.0;  // the POI's share, estimated from its function calls
  std::vector<std::string> minos_parameters;
  bool found_global_minimum = true;
  double loadavg = -1.0;
};

/// One folder of <data>/histfactory.
struct SharedWorkspace {
  std::string name;
  fs::path dir;
  std::vector<fs::path> files;  // workspace.json first, then published originals (BkgOnly.json)
  std::unique_ptr<hl::Workspace> workspace;
  std::unique_ptr<hl::Model> model;
  std::string error;  // why it could not be loaded
  std::size_t bins = 0;

  bool has_reference = false;
  Eigen::VectorXd point;  // the reference best fit, else the inits
  double reference_nll = std::nan("");
  Eigen::VectorXd reference_errors;
  std::vector<ReferenceInterval> reference_minos;
  IminuitTimes iminuit;
};

void read_reference(SharedWorkspace& w) {
  const fs::path path = w.dir / "reference.json";
  if (!fs::exists(path)) return;
  const nlohmann::json r = read_python_json(path);
  w.has_reference = true;
  w.point = to_vector(r.at("bestfit").at("values"));
  w.reference_nll = r.at("bestfit").at("nll").get<double>();
  w.reference_errors = to_vector(r.at("hesse").at("errors"));
  const auto& minos = r.at("minos");
  for (const auto& name : minos.at("params")) {
    const auto& res = minos.at("results").at(name.get<std::string>());
    w.reference_minos.push_back({name.get<std::string>(),
                                 {res.at("lower").get<double>(), res.at("lower_at_limit").get<bool>()},
                                 {res.at("upper").get<double>(), res.at("upper_at_limit").get<bool>()}});
  }
  if (r.contains("iminuit")) {
    const auto& im = r.at("iminuit");
    IminuitTimes& t = w.iminuit;
    t.migrad = number_or(im.at("migrad").at("time_s"), -1.0);
    t.hesse = number_or(im.at("hesse").at("time_s"), -1.0);
    const auto& m = im.at("minos");
    // Where iminuit's MINOS was not run (atlas-2l0j: "skipped"), there is no time to compare with.
    const bool ran = !m.value("skipped", false);
    t.minos = ran ? number_or(m.at("time_s"), -1.0) : -1.0;
    if (ran)
      for (const auto& p : m.at("params")) t.minos_parameters.push_back(p.get<std::string>());
    const double calls = ran ? number_or(m.at("nfcn"), -1.0) : -1.0;
    if (!t.minos_parameters.empty() && calls > 0 && m.at("results").contains(t.minos_parameters.front())) {
      const double poi_calls = number_or(m.at("results").at(t.minos_parameters.front()).at("nfcn"), -1.0);
      if (poi_calls > 0) t.minos_poi = t.minos * poi_calls / calls;
    }
    t.found_global_minimum = im.value("migrad_found_global_minimum", true);
    if (im.contains("loadavg_at_start") && !im.at("loadavg_at_start").empty()) t.loadavg = number_or(im.at("loadavg_at_start")[0], -1.0);
  }
}

fs::path data_dir = HESSFIT_BENCH_DATA_DIR;
std::string data_note;  // why the HistFactory cases are missing, if they are
std::vector<std::unique_ptr<SharedWorkspace>> workspaces;

void discover_workspaces() {
  const fs::path root = data_dir / "histfactory";
  if (data_dir.empty() || !fs::is_directory(root)) {
    data_note = "shared data not found at '" + root.string() +
                "': HistFactory and workspace-fit benchmarks skipped (configure with -DHESSFIT_BENCH_DATA_DIR=<shared>/data "
                "or run with --data_dir=<shared>/data)";
    return;
  }
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(root))
    if (entry.is_directory() && fs::exists(entry.path() / "workspace.json")) dirs.push_back(entry.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& dir : dirs) {
    auto w = std::make_unique<SharedWorkspace>();
    w->name = dir.filename().string();
    w->dir = dir;
    w->files.push_back(dir / "workspace.json");
    std::vector<fs::path> others;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string f = entry.path().filename().string();
      if (entry.path().extension() == ".json" && f != "workspace.json" && f != "reference.json" && f != "patchset.json" &&
          f != "checks.json")
        others.push_back(entry.path());
    }
    std::sort(others.begin(), others.end());
    w->files.insert(w->files.end(), others.begin(), others.end());
    try {
      w->workspace = std::make_unique<hl::Workspace>(hl::Workspace::load(w->files.front()));
      w->model = std::make_unique<hl::Model>(w->workspace->model());
      for (const auto& c : w->model->channels()) w->bins += c.bins;
      read_reference(*w);
      if (!w->has_reference) w->point = w->model->init();
      if (w->point.size() != static_cast<Eigen::Index>(w->model->size()))
        throw std::runtime_error("reference.json has " + std::to_string(w->point.size()) + " best-fit values, the model " +
                                 std::to_string(w->model->size()) + " parameters");
    } catch (const std::exception& e) {
      w->error = e.what();
      std::fprintf(stderr, "hessfit_fit_bench: %s: %s\n", w->name.c_str(), e.what());
    }
    workspaces.push_back(std::move(w));
  }
  // Largest models first: they are the point of the exercise.
  std::stable_sort(workspaces.begin(), workspaces.end(), [](const auto& a, const auto& b) {
    const std::size_t na = a->model ? a->model->size() : 0, nb = b->model ? b->model->size() : 0;
    return na > nb;
  });
}

// ---- checks ------------------------------------------------------------------------------------

std::map<std::string, std::string> check_results;  // case name -> "" or the failure

/// Runs `check` once per case (the first repetition); on failure skips the case with the reason.
template <class Check>
bool passes(benchmark::State& state, const std::string& name, Check&& check) {
  auto it = check_results.find(name);
  if (it == check_results.end()) {
    std::string message;
    try {
      message = check();
    } catch (const std::exception& e) {
      message = std::string("exception: ") + e.what();
    }
    it = check_results.emplace(name, message).first;
    if (!message.empty()) {
      std::fprintf(stderr, "CHECK FAILED %s: %s\n", name.c_str(), message.c_str());
      hb::any_check_failed = true;
    }
  }
  if (!it->second.empty()) {
    state.SkipWithError((name + ": " + it->second).c_str());
    return false;
  }
  return true;
}

std::string format(const char* fmt, double a, double b, double c = 0.0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

// ---- HistFactory evaluation ---------------------------------------------------------------------

struct NllFn {
  const hl::Model* model;
  template <class V>
  auto operator()(const V& x) const {
    return model->nll(x);
  }
};

/// Errors sqrt(diag H_FF^-1) (error definition 0.5) over the parameters the reference gives an
/// error, against the reference: "" or the worst mismatch.
std::string check_hessian_errors(const SharedWorkspace& w, const Eigen::MatrixXd& h) {
  if (!w.has_reference) return "";
  std::vector<Eigen::Index> free;
  for (Eigen::Index i = 0; i < w.reference_errors.size(); ++i)
    if (w.reference_errors[i] > 0.0 && std::isfinite(w.reference_errors[i])) free.push_back(i);
  const Eigen::Index k = static_cast<Eigen::Index>(free.size());
  Eigen::MatrixXd hff(k, k);
  for (Eigen::Index a = 0; a < k; ++a)
    for (Eigen::Index b = 0; b < k; ++b) hff(a, b) = h(free[static_cast<std::size_t>(a)], free[static_cast<std::size_t>(b)]);
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(hff);
  if (ldlt.info() != Eigen::Success) return "Hessian over the free parameters cannot be factorised";
  const Eigen::MatrixXd v = ldlt.solve(Eigen::MatrixXd::Identity(k, k));
  double worst = 0.0;
  std::string where;
  for (Eigen::Index a = 0; a < k; ++a) {
    const Eigen::Index i = free[static_cast<std::size_t>(a)];
    const double ref = w.reference_errors[i], err = std::sqrt(v(a, a));
    const double rel = std::abs(err - ref) / ref;
    if (!(rel <= worst)) {
      worst = rel;
      where = w.model->parameter_names()[static_cast<std::size_t>(i)] + format(": %.9g vs reference %.9g", err, ref);
    }
  }
  if (!(worst <= 1e-3)) return "error from the Hessian differs from the reference by " + format("%.3g", worst, 0.0) + " relative (" + where + ")";
  return "";
}

void bench_load(benchmark::State& state, const SharedWorkspace* w, fs::path file) {
  const std::string name = "HistFactory/" + w->name + "/load:" + file.filename().string();
  if (!passes(state, name, [&]() -> std::string {
        const hl::Workspace ws = hl::Workspace::load(file);
        return ws.channels().empty() ? "no channels" : "";
      }))
    return;
  for (auto _ : state) {
    hl::Workspace ws = hl::Workspace::load(file);
    benchmark::DoNotOptimize(&ws);
  }
  state.counters["KiB"] = static_cast<double>(fs::file_size(file)) / 1024.0;
}

void bench_model(benchmark::State& state, const SharedWorkspace* w) {
  if (!w->model) {
    state.SkipWithError(w->error.c_str());
    return;
  }
  for (auto _ : state) {
    hl::Model m = w->workspace->model();
    benchmark::DoNotOptimize(&m);
  }
  state.counters["params"] = static_cast<double>(w->model->size());
}

enum class Evaluation { kNll, kGradient, kHessian };

void bench_evaluation(benchmark::State& state, const SharedWorkspace* w, Evaluation what) {
  if (!w->model) {
    state.SkipWithError(w->error.c_str());
    return;
  }
  const std::string name = "HistFactory/" + w->name + (what == Evaluation::kNll ? "/nll" : what == Evaluation::kGradient ? "/gradient" : "/hessian");
  const NllFn f{w->model.get()};
  const Eigen::VectorXd& x = w->point;
  Eigen::VectorXd g;
  Eigen::MatrixXd h;
  if (!passes(state, name, [&]() -> std::string {
        const double v = w->model->nll(x);
        if (!std::isfinite(v)) return "NLL is not finite";
        if (w->has_reference && !(std::abs(v - w->reference_nll) <= 1e-9 * std::abs(w->reference_nll)))
          return format("NLL %.17g differs from the reference %.17g", v, w->reference_nll);
        if (what == Evaluation::kGradient) {
          const double vg = ad::value_and_gradient(f, x, g);
          if (!(std::abs(vg - v) <= 1e-12 * std::abs(v))) return format("value_and_gradient value %.17g vs nll %.17g", vg, v);
          if (!g.allFinite()) return "gradient is not finite";
        }
        if (what == Evaluation::kHessian) {
          h = ad::hessian(f, x);
          if (!h.allFinite()) return "Hessian is not finite";
          return check_hessian_errors(*w, h);
        }
        return "";
      }))
    return;
  switch (what) {
    case Evaluation::kNll:
      for (auto _ : state) {
        double v = w->model->nll(x);
        benchmark::DoNotOptimize(v);
      }
      break;
    case Evaluation::kGradient:
      for (auto _ : state) {
        double v = ad::value_and_gradient(f, x, g);
        benchmark::DoNotOptimize(v);
        benchmark::DoNotOptimize(g.data());
        benchmark::ClobberMemory();
      }
      break;
    case Evaluation::kHessian:
      for (auto _ : state) {
        h = ad::hessian(f, x);
        benchmark::DoNotOptimize(h.data());
        benchmark::ClobberMemory();
      }
      break;
  }
  state.counters["params"] = static_cast<double>(w->model->size());
}

// ---- whole fits ---------------------------------------------------------------------------------

struct B3Fn {
  const hb::B3Data* data;
  template <class V>
  auto operator()(const V& x) const {
    return hb::b3<hb::ScalarOf<V>>(x, *data);
  }
};

/// Evaluations of an objective by kind, counted across threads.
struct EvaluationCounts {
  std::atomic<long> values{0}, gradients{0}, hessians{0};
  std::array<long, 3> snapshot() const { return {values.load(), gradients.load(), hessians.load()}; }
};

/// The objective of an NLL callable, exactly as Objective::from_callable makes it (value f(x),
/// gradient by reverse mode, Hessian forward-over-reverse), with every evaluation counted.
template <class F>
fit::Objective counted_objective(F nll, EvaluationCounts* counts, std::vector<std::string> names, Eigen::VectorXd init,
                                 std::vector<fit::Bounds> bounds = {}) {
  fit::Objective::Functions fns;
  fns.value = [nll, counts](const Eigen::VectorXd& x) -> double {
    counts->values.fetch_add(1, std::memory_order_relaxed);
    return static_cast<double>(nll(x));
  };
  fns.gradient = [nll, counts](const Eigen::VectorXd& x, Eigen::VectorXd& g) -> double {
    counts->gradients.fetch_add(1, std::memory_order_relaxed);
    return ad::value_and_gradient(nll, x, g);
  };
  fns.hessian = [nll, counts](const Eigen::VectorXd& x, Eigen::VectorXd& g, Eigen::MatrixXd& h) -> double {
    counts->hessians.fetch_add(1, std::memory_order_relaxed);
    return ad::value_gradient_hessian(nll, x, g, h);
  };
  return fit::Objective::from_functions(std::move(fns), std::move(names), std::move(init), std::move(bounds), fit::kErrorDefNll);
}

/// A problem to fit: a HistFactory workspace or B3.
struct FitProblem {
  std::string label;  // "agc-ttbar-ml", "B3 p=100"
  std::string key;    // benchmark name stem: "Fit/agc-ttbar-ml"
  const SharedWorkspace* workspace = nullptr;
  std::unique_ptr<hb::B3Data> b3;
  std::unique_ptr<EvaluationCounts> counts = std::make_unique<EvaluationCounts>();
  std::unique_ptr<fit::Objective> objective;
  std::string poi;
  std::vector<std::string> minos_as_iminuit;  // empty for B3
  std::vector<std::string> cases;             // benchmark names registered
};

std::vector<std::unique_ptr<FitProblem>> fit_problems;

std::unique_ptr<FitProblem> make_histfactory_fit(const SharedWorkspace& w) {
  const hl::Model& model = *w.model;
  auto f = std::make_unique<FitProblem>();
  f->label = w.name;
  f->key = "Fit/" + w.name;
  f->workspace = &w;
  std::vector<fit::Bounds> bounds;
  for (const auto& b : model.bounds()) bounds.push_back({b.lower, b.upper});
  f->objective = std::make_unique<fit::Objective>(
      counted_objective(NllFn{&model}, f->counts.get(), model.parameter_names(), model.init(), bounds));
  for (std::size_t i = 0; i < model.size(); ++i)
    if (model.fixed()[i]) f->objective->fix(static_cast<int>(i));
  f->poi = model.poi().name;
  f->minos_as_iminuit = w.iminuit.minos_parameters;
  return f;
}

std::unique_ptr<FitProblem> make_b3_fit(int p) {
  auto f = std::make_unique<FitProblem>();
  f->label = "B3 p=" + std::to_string(p);
  f->key = "Fit/B3/p=" + std::to_string(p);
  f->b3 = std::make_unique<hb::B3Data>(hb::make_b3(p));
  std::vector<std::string> names;
  for (int j = 0; j < p; ++j) names.push_back("theta_" + std::to_string(j));
  f->objective = std::make_unique<fit::Objective>(counted_objective(B3Fn{f->b3.get()}, f->counts.get(), names, hb::b3_point(p)));
  f->poi = "theta_0";
  return f;
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Pipeline {
  fit::MinimizeResult minimum;
  fit::CovarianceResult covariance;
  fit::MinosResult minos;
  double cpu[3] = {0, 0, 0}, wall[3] = {0, 0, 0};  // minimise, hessian+covariance, minos
  double hessian_cpu = 0;                          // the Hessian evaluation within stage 1
  std::array<long, 3> minimise_counts{}, minos_counts{};  // values, gradients, Hessians
};

/// Minimise from the inits, exact Hessian + covariance at the minimum, MINOS on `parameters`.
Pipeline run_pipeline(const fit::Objective& objective, const std::vector<std::string>& parameters, const EvaluationCounts& counts) {
  fit::MinimizeOptions minimize_options;
  minimize_options.probe.threads = fit_threads;
  minimize_options.probe.enabled = probe_enabled;
  fit::MinosOptions minos_options;
  minos_options.profile.threads = fit_threads;

  Pipeline p;
  double c0 = cpu_now(), w0 = wall_now();
  auto lap = [&](int stage) {
    const double c = cpu_now(), w = wall_now();
    p.cpu[stage] = c - c0, p.wall[stage] = w - w0;
    c0 = c, w0 = w;
  };
  auto before = counts.snapshot();
  auto since = [&counts](const std::array<long, 3>& b) {
    const auto now = counts.snapshot();
    return std::array<long, 3>{now[0] - b[0], now[1] - b[1], now[2] - b[2]};
  };
  p.minimum = fit::minimize(objective, minimize_options);
  p.minimise_counts = since(before);
  lap(0);
  Eigen::VectorXd g;
  Eigen::MatrixXd h;
  objective.value_gradient_hessian(p.minimum.x, g, h);
  p.hessian_cpu = cpu_now() - c0;
  p.covariance = fit::covariance_from_hessian(objective, h, p.minimum.parameter_states);
  lap(1);
  before = counts.snapshot();
  p.minos = fit::minos(objective, p.minimum, p.covariance, parameters, minos_options);
  p.minos_counts = since(before);
  lap(2);
  return p;
}

std::string check_pipeline(const FitProblem& f, const Pipeline& p) {
  if (!p.minimum.converged()) return "minimisation: " + fit::to_string(p.minimum.termination) + ": " + p.minimum.message;
  if (!p.covariance.accurate()) return "covariance " + fit::to_string(p.covariance.status) + ": " + p.covariance.message;
  if (p.minos.new_minimum_found()) return "MINOS found a new minimum";
  for (const auto& interval : p.minos.intervals) {
    for (const fit::MinosSide* side : {&interval.lower, &interval.upper})
      if (!side->ok())
        return "MINOS '" + interval.name + "' " + (side == &interval.lower ? "lower" : "upper") + ": " + fit::to_string(side->status) +
               " (" + side->message + ")";
  }
  const SharedWorkspace* w = f.workspace;
  if (w == nullptr || !w->has_reference) return "";
  if (!(std::abs(p.minimum.fval - w->reference_nll) <= 1e-6))
    return format("NLL at the minimum %.12g, reference %.12g", p.minimum.fval, w->reference_nll);
  const int poi = f.objective->index(f.poi);
  const double error = p.covariance.errors[poi], ref_error = w->reference_errors[poi];
  if (!(std::abs(error - ref_error) <= 1e-3 * ref_error)) return format("POI error %.9g, reference %.9g", error, ref_error);
  for (const auto& interval : p.minos.intervals) {
    const auto ref = std::find_if(w->reference_minos.begin(), w->reference_minos.end(),
                                  [&](const ReferenceInterval& r) { return r.name == interval.name; });
    if (ref == w->reference_minos.end()) continue;
    const double sigma = w->reference_errors[interval.index];
    for (const bool upper : {false, true}) {
      const fit::MinosSide& side = upper ? interval.upper : interval.lower;
      const ReferenceSide& expected = upper ? ref->upper : ref->lower;
      const std::string what = "MINOS '" + interval.name + (upper ? "' upper" : "' lower");
      if (side.at_limit() != expected.at_limit) return what + (expected.at_limit ? ": the reference is at a limit" : ": at a limit, the reference is not");
      const double tolerance = expected.at_limit ? 1e-3 * sigma : 1e-3 * std::abs(expected.offset);
      if (!(std::abs(side.offset - expected.offset) <= tolerance)) return what + format(" %.9g, reference %.9g", side.offset, expected.offset);
    }
  }
  return "";
}

void bench_fit(benchmark::State& state, FitProblem* f, std::vector<std::string> parameters, std::string name) {
  if (!passes(state, name, [&] { return check_pipeline(*f, run_pipeline(*f->objective, parameters, *f->counts)); })) return;
  double cpu[3] = {0, 0, 0}, wall[3] = {0, 0, 0}, hessian_cpu = 0;
  double newton_wall = 0, probe_runs_wall = 0, probe_samples_wall = 0;
  fit::MinimizeResult last_minimum;
  int minos_fits = 0;
  std::array<long, 3> minimise_counts{}, minos_counts{};
  for (auto _ : state) {
    Pipeline p = run_pipeline(*f->objective, parameters, *f->counts);
    minimise_counts = p.minimise_counts, minos_counts = p.minos_counts;
    for (int s = 0; s < 3; ++s) cpu[s] += p.cpu[s], wall[s] += p.wall[s];
    hessian_cpu += p.hessian_cpu;
    double probe_runs = 0, other = 0;
    for (const auto& stage : p.minimum.stages) (stage.description.rfind("probe", 0) == 0 ? probe_runs : other) += stage.time_seconds;
    newton_wall += other, probe_runs_wall += probe_runs;
    probe_samples_wall += std::max(0.0, p.minimum.time_seconds - other - probe_runs);
    minos_fits = 0;
    for (const auto& i : p.minos.intervals) minos_fits += i.lower.fits + i.upper.fits;
    benchmark::DoNotOptimize(p.minos.intervals.data());
    last_minimum = std::move(p.minimum);
  }
  using benchmark::Counter;
  auto avg_ms = [](double seconds) { return Counter(1e3 * seconds, Counter::kAvgIterations); };
  state.counters["minimise_ms"] = avg_ms(cpu[0]);
  state.counters["hess_cov_ms"] = avg_ms(cpu[1]);
  state.counters["cov_ms"] = avg_ms(cpu[1] - hessian_cpu);  // covariance_from_hessian alone
  state.counters["minos_ms"] = avg_ms(cpu[2]);
  state.counters["total_ms"] = avg_ms(cpu[0] + cpu[1] + cpu[2]);
  state.counters["wall_ms"] = avg_ms(wall[0] + wall[1] + wall[2]);
  // Inside the minimisation (wall): Newton from the start (and any L-BFGS stage), the probe's
  // function-value samples along the profile paths, and the Newton runs the probe seeds.
  state.counters["newton_ms"] = avg_ms(newton_wall);
  state.counters["probe_ms"] = avg_ms(probe_samples_wall);
  state.counters["probe_fit_ms"] = avg_ms(probe_runs_wall);
  // Per fit (the same in every iteration): the minimiser's iterations, objective evaluations
  // by kind (f = value only, g = value and gradient, H = value, gradient and Hessian) in the
  // minimisation and in MINOS, the probe's seeded runs and MINOS's conditional fits.
  state.counters["iters"] = last_minimum.iterations;
  state.counters["min_f"] = static_cast<double>(minimise_counts[0]);
  state.counters["min_g"] = static_cast<double>(minimise_counts[1]);
  state.counters["min_H"] = static_cast<double>(minimise_counts[2]);
  state.counters["probe_starts"] = last_minimum.probe_starts;
  state.counters["minos_fits"] = minos_fits;
  state.counters["minos_f"] = static_cast<double>(minos_counts[0]);
  state.counters["minos_g"] = static_cast<double>(minos_counts[1]);
  state.counters["minos_H"] = static_cast<double>(minos_counts[2]);
}

// ---- registration -------------------------------------------------------------------------------

void register_cases() {
  for (const auto& w : workspaces) {
    const SharedWorkspace* wp = w.get();
    const std::string stem = "HistFactory/" + w->name;
    for (const auto& file : w->files) {
      benchmark::RegisterBenchmark((stem + "/load:" + file.filename().string()).c_str(),
                                   [wp, file](benchmark::State& s) { bench_load(s, wp, file); })
          ->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark((stem + "/model").c_str(), [wp](benchmark::State& s) { bench_model(s, wp); })->Unit(benchmark::kMillisecond);
    const std::pair<const char*, Evaluation> evaluations[] = {
        {"/nll", Evaluation::kNll}, {"/gradient", Evaluation::kGradient}, {"/hessian", Evaluation::kHessian}};
    for (const auto& [suffix, what] : evaluations) {
      const Evaluation e = what;
      benchmark::RegisterBenchmark((stem + suffix).c_str(), [wp, e](benchmark::State& s) { bench_evaluation(s, wp, e); })
          ->Unit(benchmark::kMicrosecond);
    }
  }

  for (const auto& w : workspaces) {
    if (!w->model || !w->has_reference) continue;
    fit_problems.push_back(make_histfactory_fit(*w));
  }
  for (int p : {100, 200}) fit_problems.push_back(make_b3_fit(p));

  for (auto& f : fit_problems) {
    FitProblem* fp = f.get();
    auto add = [&](const std::string& suffix, std::vector<std::string> parameters) {
      const std::string name = fp->key + suffix;
      fp->cases.push_back(name);
      benchmark::RegisterBenchmark(name.c_str(), [fp, parameters, name](benchmark::State& s) { bench_fit(s, fp, parameters, name); })
          ->Unit(benchmark::kMillisecond)
          ->MeasureProcessCPUTime();
    };
    add("/minos:poi", {fp->poi});
    if (fp->minos_as_iminuit.size() > 1) add("/minos:poi+5", fp->minos_as_iminuit);
  }
}

// ---- summary ------------------------------------------------------------------------------------

std::string ms(double seconds) {
  char buf[32];
  if (seconds < 0) return "-";
  std::snprintf(buf, sizeof buf, seconds < 0.1 ? "%.2f" : seconds < 10 ? "%.1f" : "%.0f", seconds * 1e3);
  return buf;
}

std::string secs(double seconds) {
  char buf[32];
  if (seconds < 0) return "-";
  std::snprintf(buf, sizeof buf, "%.2f", seconds);
  return buf;
}

std::string ratio(double a, double b) {
  char buf[32];
  if (!(a > 0) || !(b > 0)) return "-";
  const double r = a / b;
  std::snprintf(buf, sizeof buf, r < 0.01 ? "%.4f" : r < 1 ? "%.3f" : "%.1f", r);
  return buf;
}

template <class Reporter>
void print_summary(std::ostream& out, const Reporter& rep) {
  char line[640];
  auto error_of = [&](const std::string& name) -> std::string {
    auto it = rep.errors.find(name);
    return it == rep.errors.end() ? "" : it->second;
  };
  if (!data_note.empty()) out << "\nNOTE: " << data_note << "\n";

  bool any = false;
  for (const auto& w : workspaces) any = any || rep.time_of("HistFactory/" + w->name + "/nll") > 0 || rep.time_of("HistFactory/" + w->name + "/load:workspace.json") > 0;
  if (any) {
    out << "\n==== HistFactory likelihoods (issue 4): median CPU time per call, at the reference best fit ====\n";
    std::snprintf(line, sizeof line, "%-38s %6s %5s %10s %10s %10s %10s %10s %8s %9s\n", "workspace", "params", "bins", "load", "model",
                  "NLL", "gradient", "Hessian", "grad/NLL", "Hess/grad");
    out << line;
    for (const auto& w : workspaces) {
      const std::string stem = "HistFactory/" + w->name;
      if (!w->model) {
        out << "  " << w->name << ": " << w->error << "\n";
        continue;
      }
      const double load = rep.time_of(stem + "/load:workspace.json"), model = rep.time_of(stem + "/model"),
                   nll = rep.time_of(stem + "/nll"), grad = rep.time_of(stem + "/gradient"), hess = rep.time_of(stem + "/hessian");
      if (load < 0 && model < 0 && nll < 0 && grad < 0 && hess < 0) continue;
      std::snprintf(line, sizeof line, "%-38s %6zu %5zu %10s %10s %10s %10s %10s %8s %9s\n", w->name.c_str(), w->model->size(), w->bins,
                    hb::format_time(load).c_str(), hb::format_time(model).c_str(), hb::format_time(nll).c_str(),
                    hb::format_time(grad).c_str(), hb::format_time(hess).c_str(), ratio(grad, nll).c_str(), ratio(hess, grad).c_str());
      out << line;
      for (const char* s : {"/nll", "/gradient", "/hessian", "/model"}) {
        const std::string e = error_of(stem + s);
        if (!e.empty()) out << "    ERROR " << e << "\n";
      }
    }
    out << "\nWorkspace::load (read + parse + validate), by file size:\n";
    std::vector<std::pair<std::uintmax_t, std::string>> loads;
    for (const auto& w : workspaces)
      for (const auto& file : w->files) loads.emplace_back(fs::file_size(file), w->name + "/" + file.filename().string());
    std::sort(loads.rbegin(), loads.rend());
    for (const auto& [bytes, label] : loads) {
      const double t = rep.time_of("HistFactory/" + label.substr(0, label.find('/')) + "/load:" + label.substr(label.find('/') + 1));
      if (t < 0) continue;
      std::snprintf(line, sizeof line, "  %-58s %7.2f MiB %10s  (%.0f MiB/s)\n", label.c_str(), static_cast<double>(bytes) / 1048576.0,
                    hb::format_time(t).c_str(), static_cast<double>(bytes) / 1048576.0 / t);
      out << line;
    }
  }

  bool any_fit = false;
  for (const auto& f : fit_problems)
    for (const auto& c : f->cases) any_fit = any_fit || rep.time_of(c) > 0 || !error_of(c).empty();
  if (any_fit) {
    out << "\n==== Whole fits (issue 5): minimise from the inits + exact Hessian & covariance + MINOS on the POI ====\n"
        << "median CPU ms of the process (fit threads: " << fit_threads << (probe_enabled ? "" : "; probe for lower minima OFF")
        << "); iminuit: reference.json wall seconds, one run each,\n"
        << "its MINOS(POI) estimated as its MINOS time x the POI's share of MINOS function calls\n";
    std::snprintf(line, sizeof line, "%-38s %6s | %9s %9s %9s %9s | %8s %7s %8s %8s | %11s %8s\n", "problem", "params", "minimise",
                  "hess+cov", "MINOS", "total", "migrad s", "hesse s", "MINOS s", "total s", "total ratio", "speed-up");
    out << line;
    for (const auto& f : fit_problems) {
      const std::string name = f->key + "/minos:poi";
      const std::string e = error_of(name);
      if (!e.empty()) {
        out << "  " << f->label << ": ERROR " << e << "\n";
        continue;
      }
      if (rep.time_of(name) < 0) continue;
      const double m = rep.counter_of(name, "minimise_ms") * 1e-3, h = rep.counter_of(name, "hess_cov_ms") * 1e-3,
                   n = rep.counter_of(name, "minos_ms") * 1e-3, t = rep.counter_of(name, "total_ms") * 1e-3;
      const IminuitTimes im = f->workspace ? f->workspace->iminuit : IminuitTimes{};
      const double im_total = im.migrad > 0 && im.hesse >= 0 && im.minos_poi > 0 ? im.migrad + im.hesse + im.minos_poi : -1.0;
      std::snprintf(line, sizeof line, "%-38s %6d | %9s %9s %9s %9s | %8s %7s %8s %8s | %11s %8s%s\n", f->label.c_str(), f->objective->size(),
                    ms(m).c_str(), ms(h).c_str(), ms(n).c_str(), ms(t).c_str(), secs(im.migrad).c_str(), secs(im.hesse).c_str(),
                    secs(im.minos_poi).c_str(), secs(im_total).c_str(), ratio(t, im_total).c_str(), ratio(im_total, t).c_str(),
                    f->workspace && !im.found_global_minimum ? "  (iminuit: local minimum)" : "");
      out << line;
    }
    out << "\nPer stage, hessfit / iminuit (and how much of hess+cov is covariance_from_hessian, CPU ms):\n";
    std::snprintf(line, sizeof line, "%-38s %10s %10s %10s %12s\n", "problem", "minimise", "hess+cov", "MINOS(POI)", "of which cov");
    out << line;
    for (const auto& f : fit_problems) {
      const std::string name = f->key + "/minos:poi";
      if (rep.time_of(name) < 0) continue;
      const IminuitTimes im = f->workspace ? f->workspace->iminuit : IminuitTimes{};
      std::snprintf(line, sizeof line, "%-38s %10s %10s %10s %12s\n", f->label.c_str(), ratio(rep.counter_of(name, "minimise_ms") * 1e-3, im.migrad).c_str(),
                    ratio(rep.counter_of(name, "hess_cov_ms") * 1e-3, im.hesse).c_str(),
                    ratio(rep.counter_of(name, "minos_ms") * 1e-3, im.minos_poi).c_str(), ms(rep.counter_of(name, "cov_ms") * 1e-3).c_str());
      out << line;
    }

    bool any_like_for_like = false;
    for (const auto& f : fit_problems)
      any_like_for_like = any_like_for_like || rep.time_of(f->key + "/minos:poi+5") > 0 || !error_of(f->key + "/minos:poi+5").empty();
    if (any_like_for_like) {
      out << "\nMINOS on iminuit's parameters (the POI and the five most correlated with it), like for like:\n";
      std::snprintf(line, sizeof line, "%-38s %12s %12s %8s | %12s %12s %8s\n", "problem", "MINOS ms", "iminuit s", "ratio", "whole ms",
                    "iminuit s", "ratio");
      out << line;
    }
    for (const auto& f : fit_problems) {
      const std::string name = f->key + "/minos:poi+5";
      const std::string e = error_of(name);
      if (!e.empty()) {
        out << "  " << f->label << ": ERROR " << e << "\n";
        continue;
      }
      if (!f->workspace || rep.time_of(name) < 0) continue;
      const IminuitTimes& im = f->workspace->iminuit;
      const double n = rep.counter_of(name, "minos_ms") * 1e-3, t = rep.counter_of(name, "total_ms") * 1e-3;
      const double im_total = im.migrad > 0 && im.hesse >= 0 && im.minos > 0 ? im.migrad + im.hesse + im.minos : -1.0;
      std::snprintf(line, sizeof line, "%-38s %12s %12s %8s | %12s %12s %8s\n", f->label.c_str(), ms(n).c_str(), secs(im.minos).c_str(),
                    ratio(n, im.minos).c_str(), ms(t).c_str(), secs(im_total).c_str(), ratio(t, im_total).c_str());
      out << line;
    }

    out << "\nWhere the time goes (wall ms of the minimisation's parts, so inflated by machine load; objective\n"
        << "evaluations per fit: f value, g value+gradient, H value+gradient+Hessian):\n";
    std::snprintf(line, sizeof line, "%-38s %8s %8s %8s | %5s %6s %5s %5s %6s | %6s %6s %5s %5s\n", "problem", "Newton", "probe", "probe",
                  "iters", "f", "g", "H", "probe", "MINOS", "f", "g", "H");
    out << line;
    std::snprintf(line, sizeof line, "%-38s %8s %8s %8s | %5s %6s %5s %5s %6s | %6s %6s %5s %5s\n", "", "runs", "samples", "runs", "", "", "",
                  "", "starts", "fits", "", "", "");
    out << line;
    for (const auto& f : fit_problems) {
      for (const std::string& suffix : {std::string("/minos:poi"), std::string("/minos:poi+5")}) {
        const std::string name = f->key + suffix;
        if (rep.time_of(name) < 0) continue;
        auto c = [&](const char* key) { return rep.counter_of(name, key); };
        const std::string label = f->label + (suffix == "/minos:poi" ? "" : " (MINOS x6)");
        std::snprintf(line, sizeof line, "%-38s %8s %8s %8s | %5.0f %6.0f %5.0f %5.0f %6.0f | %6.0f %6.0f %5.0f %5.0f\n", label.c_str(),
                      ms(c("newton_ms") * 1e-3).c_str(), ms(c("probe_ms") * 1e-3).c_str(), ms(c("probe_fit_ms") * 1e-3).c_str(), c("iters"),
                      c("min_f"), c("min_g"), c("min_H"), c("probe_starts"), c("minos_fits"), c("minos_f"), c("minos_g"), c("minos_H"));
        out << line;
      }
    }
  }

  out << "\n==== Aims ====\n";
  auto aim = [&](const std::string& what, double value, double limit, const std::string& unit) {
    if (value < 0) return;  // not run (filtered out)
    std::snprintf(line, sizeof line, "  [%s] %s: %.3g%s (aim < %.3g%s)\n", value < limit ? " met" : "MISS", what.c_str(), value, unit.c_str(),
                  limit, unit.c_str());
    out << line;
  };
  // Issue 4: loading the largest shared workspace.
  std::uintmax_t largest = 0;
  std::string largest_label;
  for (const auto& w : workspaces)
    for (const auto& file : w->files)
      if (fs::file_size(file) > largest) largest = fs::file_size(file), largest_label = w->name + "/load:" + file.filename().string();
  if (!largest_label.empty())
    aim("Workspace::load of the largest shared workspace (" + largest_label.substr(0, largest_label.find("/load:")) + "/" +
            largest_label.substr(largest_label.find("/load:") + 6) + ")",
        rep.time_of("HistFactory/" + largest_label), 0.2, " s");
  for (const auto& w : workspaces) {
    if (!w->model || w->model->size() < 100) continue;
    aim("Workspace::load of " + w->name + "/workspace.json", rep.time_of("HistFactory/" + w->name + "/load:workspace.json"), 0.2, " s");
  }
  // Issue 5: the whole fit of a ~100-parameter model under 0.5 s.
  for (const auto& f : fit_problems) {
    if (f->objective->size() < 100) continue;
    const std::string name = f->key + "/minos:poi";
    aim("whole fit (minimise + Hessian + MINOS on the POI), " + f->label, rep.time_of(name) < 0 ? -1.0 : rep.counter_of(name, "total_ms") * 1e-3,
        0.5, " s");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto json = hb::initialize(argc, argv,
                                   {{"--data_dir=", [](const std::string& v) { data_dir = v; }},
                                    {"--fit_threads=", [](const std::string& v) { fit_threads = std::max(1, std::atoi(v.c_str())); }},
                                    {"--no_probe", [](const std::string&) { probe_enabled = false; }}});
  if (!json) return 1;
  discover_workspaces();
  if (!data_note.empty()) std::fprintf(stderr, "hessfit_fit_bench: %s\n", data_note.c_str());
  register_cases();
  return hb::run(*json, [](std::ostream& out, const auto& reporter) { print_summary(out, reporter); },
                 "some results did not match the references (see CHECK FAILED above).");
}
