// Gradient and dense-Hessian benchmarks of issue 3: hessfit (four Hessian modes), ADOL-C (gradient,
// hessian, hessian2 on a reused tape) and the analytic floor, on B1 and B3 (see problems.hpp).
//
// Every gradient and Hessian is checked against the analytic floor (1e-9 relative to the largest
// entry) before it is timed; a mismatch skips that benchmark with the reason and makes the program
// exit with status 1. After the run a summary prints each case's median time with its ratio to the
// floor and its speed-up over ADOL-C side by side, the targets, and the peak memory of the
// B3 p = 200 Hessian measured in a fresh child process (its VmHWM, so nothing of this process's
// benchmarks counts). With --benchmark_format=json the summary goes to stderr and stdout
// stays pure JSON.
//
// Own flags (the rest are Google Benchmark's):
//   --all               also run the cases skipped by default for taking tens of seconds
//                       (forward-over-forward at B1 n=1000 and B3 p=200)
//   --no_peak_memory    skip the peak-memory children
#include <benchmark/benchmark.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "hessfit/autodiff.hpp"
#include "bench_main.hpp"
#include "problems.hpp"

#ifdef HESSFIT_BENCH_HAVE_ADOLC
#include <adolc/adolc.h>
#endif

namespace {

namespace ad = hessfit::ad;
namespace hb = hessfit::bench;

// ---- problems ------------------------------------------------------------------------------------

struct B1Fn {
  template <class V>
  auto operator()(const V& x) const {
    return hb::b1<hb::ScalarOf<V>>(x, x.size());
  }
};

struct B3Fn {
  const hb::B3Data* data;
  template <class V>
  auto operator()(const V& x) const {
    return hb::b3<hb::ScalarOf<V>>(x, *data);
  }
};

/// One benchmark problem at one size: the point, the hessfit functor, the floor and ADOL-C.
struct Problem {
  std::string family;  // "B1" or "B3"
  std::string label;   // "B1 n=200"
  std::string key;     // "B1/n=200"
  int size = 0;
  Eigen::VectorXd x;
  std::function<double(const Eigen::VectorXd&, Eigen::VectorXd&)> floor_gradient;
  std::function<void(const Eigen::VectorXd&, Eigen::MatrixXd&)> floor_hessian;
  std::function<double(const Eigen::VectorXd&, Eigen::VectorXd&)> hessfit_gradient;
  std::function<void(const Eigen::VectorXd&, Eigen::MatrixXd&, ad::HessianMode)> hessfit_hessian;
#ifdef HESSFIT_BENCH_HAVE_ADOLC
  std::function<adouble(const std::vector<adouble>&)> adolc_fn;
  short tag = 0;
  bool taped = false;
  std::string tape_note;
#endif
  std::unique_ptr<hb::B3Data> b3;
  std::unique_ptr<hb::B3Floor> b3_floor;
};

std::unique_ptr<Problem> make_b1(int n) {
  auto p = std::make_unique<Problem>();
  p->family = "B1", p->size = n;
  p->label = "B1 n=" + std::to_string(n), p->key = "B1/n=" + std::to_string(n);
  p->x = hb::b1_point(n);
  p->floor_gradient = [](const Eigen::VectorXd& x, Eigen::VectorXd& g) { return hb::b1_floor_gradient(x, g); };
  p->floor_hessian = [](const Eigen::VectorXd& x, Eigen::MatrixXd& h) { hb::b1_floor_hessian(x, h); };
  p->hessfit_gradient = [](const Eigen::VectorXd& x, Eigen::VectorXd& g) { return ad::value_and_gradient(B1Fn{}, x, g); };
  p->hessfit_hessian = [](const Eigen::VectorXd& x, Eigen::MatrixXd& h, ad::HessianMode mode) { h = ad::hessian(B1Fn{}, x, mode); };
#ifdef HESSFIT_BENCH_HAVE_ADOLC
  p->adolc_fn = [n](const std::vector<adouble>& x) { return hb::b1<adouble>(x, n); };
#endif
  return p;
}

std::unique_ptr<Problem> make_b3(int size) {
  auto p = std::make_unique<Problem>();
  p->family = "B3", p->size = size;
  p->label = "B3 p=" + std::to_string(size), p->key = "B3/p=" + std::to_string(size);
  p->b3 = std::make_unique<hb::B3Data>(hb::make_b3(size));
  p->b3_floor = std::make_unique<hb::B3Floor>(*p->b3);
  p->x = hb::b3_point(size);
  const hb::B3Data* data = p->b3.get();
  hb::B3Floor* floor = p->b3_floor.get();
  p->floor_gradient = [floor](const Eigen::VectorXd& x, Eigen::VectorXd& g) { return floor->gradient(x, g); };
  p->floor_hessian = [floor](const Eigen::VectorXd& x, Eigen::MatrixXd& h) { floor->hessian(x, h); };
  p->hessfit_gradient = [data](const Eigen::VectorXd& x, Eigen::VectorXd& g) { return ad::value_and_gradient(B3Fn{data}, x, g); };
  p->hessfit_hessian = [data](const Eigen::VectorXd& x, Eigen::MatrixXd& h, ad::HessianMode mode) {
    h = ad::hessian(B3Fn{data}, x, mode);
  };
#ifdef HESSFIT_BENCH_HAVE_ADOLC
  p->adolc_fn = [data](const std::vector<adouble>& x) { return hb::b3<adouble>(x, *data); };
#endif
  return p;
}

// ---- ADOL-C ----------------------------------------------------------------------------------------

#ifdef HESSFIT_BENCH_HAVE_ADOLC
short next_tag = 1;

/// Records f on tape `tag` at x with the given operation/location/value buffer sizes.
void adolc_record(Problem& p, short tag, unsigned buffer) {
  const int n = static_cast<int>(p.x.size());
  trace_on(tag, 0, buffer, buffer, buffer, TBUFSIZE);
  std::vector<adouble> xa(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) xa[static_cast<std::size_t>(i)] <<= p.x[i];
  adouble y = p.adolc_fn(xa);
  double out = 0.0;
  y >>= out;
  trace_off();
}

/// Tapes p once (reused by every ADOL-C case), with buffers large enough to keep the operation,
/// location and value tapes in memory: ADOL-C's default 524288-entry buffers would spill the B3
/// p=200 tape to files. The size is estimated from the problem (B3 records about 4 locations per
/// term k_sbj theta_j) and checked with tapestats afterwards.
void adolc_ensure_tape(Problem& p) {
  if (p.taped) return;
  p.tag = next_tag++;
  const std::size_t terms = p.family == "B3" ? static_cast<std::size_t>(hb::kB3Samples) * 2u * static_cast<std::size_t>(p.size) *
                                                   static_cast<std::size_t>(p.size)
                                             : 5u * static_cast<std::size_t>(p.size);
  std::size_t buffer = std::max<std::size_t>(OBUFSIZE, 5 * terms);
  std::size_t stats[STAT_SIZE];
  for (int attempt = 0; attempt < 3; ++attempt) {
    adolc_record(p, p.tag, static_cast<unsigned>(buffer));
    tapestats(p.tag, stats);
    const std::size_t need = std::max({stats[NUM_OPERATIONS], stats[NUM_LOCATIONS], stats[NUM_VALUES]});
    if (need < buffer) break;
    buffer = 2 * need;
  }
  std::ostringstream note;
  note << stats[NUM_OPERATIONS] << " operations, " << stats[NUM_LOCATIONS] << " locations, "
       << stats[NUM_VALUES] << " values; op/loc/val tapes "
       << (stats[OP_FILE_ACCESS] || stats[LOC_FILE_ACCESS] || stats[VAL_FILE_ACCESS] ? "on FILE" : "in memory");
  p.tape_note = note.str();
  p.taped = true;
}

/// ADOL-C's Hessian drivers fill the lower triangle of a double**; copy out as a full matrix.
struct AdolcMatrix {
  explicit AdolcMatrix(int n) : n_(n), rows_(myalloc2(static_cast<unsigned>(n), static_cast<unsigned>(n))) {}
  ~AdolcMatrix() { myfree2(rows_); }
  AdolcMatrix(const AdolcMatrix&) = delete;
  AdolcMatrix& operator=(const AdolcMatrix&) = delete;
  double** get() { return rows_; }
  Eigen::MatrixXd full() const {
    Eigen::MatrixXd h(n_, n_);
    for (int i = 0; i < n_; ++i)
      for (int j = 0; j <= i; ++j) h(i, j) = h(j, i) = rows_[i][j];
    return h;
  }

 private:
  int n_;
  double** rows_;
};
#endif

// ---- cases -----------------------------------------------------------------------------------------

enum class Kind { kGradient, kHessian };

struct Case {
  Problem* problem;
  Kind kind;
  std::string library;  // "floor", "hessfit", "adolc"
  std::string method;   // "floor", "reverse", "fwd_over_rev", ..., "gradient", "hessian", "hessian2"
  std::string name;     // the benchmark's name
};

/// Computes the case's result once (outside timing): a gradient or a Hessian.
using Runner = std::function<void(Eigen::VectorXd& g, Eigen::MatrixXd& h)>;

Runner make_runner(const Case& c) {
  Problem& p = *c.problem;
  if (c.library == "floor") {
    if (c.kind == Kind::kGradient) return [&p](Eigen::VectorXd& g, Eigen::MatrixXd&) { p.floor_gradient(p.x, g); };
    return [&p](Eigen::VectorXd&, Eigen::MatrixXd& h) { p.floor_hessian(p.x, h); };
  }
  if (c.library == "hessfit") {
    if (c.kind == Kind::kGradient) return [&p](Eigen::VectorXd& g, Eigen::MatrixXd&) { p.hessfit_gradient(p.x, g); };
    const ad::HessianMode mode = c.method == "fwd_over_rev"   ? ad::HessianMode::kForwardOverReverse
                                 : c.method == "rev_over_rev" ? ad::HessianMode::kReverseOverReverse
                                 : c.method == "fwd_over_fwd" ? ad::HessianMode::kForwardOverForward
                                                              : ad::HessianMode::kReverseOverForward;
    return [&p, mode](Eigen::VectorXd&, Eigen::MatrixXd& h) { p.hessfit_hessian(p.x, h, mode); };
  }
#ifdef HESSFIT_BENCH_HAVE_ADOLC
  const int n = static_cast<int>(p.x.size());
  if (c.method == "gradient")
    return [&p, n](Eigen::VectorXd& g, Eigen::MatrixXd&) {
      g.resize(n);
      gradient(p.tag, n, p.x.data(), g.data());
    };
  auto matrix = std::make_shared<AdolcMatrix>(n);
  auto x = std::make_shared<Eigen::VectorXd>(p.x);  // ADOL-C takes a non-const double*
  if (c.method == "hessian")
    return [&p, n, matrix, x](Eigen::VectorXd&, Eigen::MatrixXd& h) {
      hessian(p.tag, n, x->data(), matrix->get());
      if (h.size() == 0) h = matrix->full();
    };
  return [&p, n, matrix, x](Eigen::VectorXd&, Eigen::MatrixXd& h) {
    hessian2(p.tag, n, x->data(), matrix->get());
    if (h.size() == 0) h = matrix->full();
  };
#else
  return {};
#endif
}

/// "" when the result matches the floor to 1e-9 relative, else why not.
std::string check_against_floor(const Case& c, const Runner& run) {
  Problem& p = *c.problem;
  Eigen::VectorXd g, g_floor;
  Eigen::MatrixXd h, h_floor;
  run(g, h);
  char buf[512];
  if (c.kind == Kind::kGradient) {
    p.floor_gradient(p.x, g_floor);
    if (g.size() != g_floor.size()) return "gradient has the wrong size";
    const double scale = g_floor.cwiseAbs().maxCoeff(), err = (g - g_floor).cwiseAbs().maxCoeff();
    if (!(err <= 1e-9 * scale)) {
      std::snprintf(buf, sizeof buf, "gradient differs from the analytic floor: max |g - g_floor| = %.3e > 1e-9 * %.3e", err, scale);
      return buf;
    }
    return "";
  }
  p.floor_hessian(p.x, h_floor);
  if (h.rows() != h_floor.rows() || h.cols() != h_floor.cols()) return "Hessian has the wrong size";
  const double scale = h_floor.cwiseAbs().maxCoeff(), err = (h - h_floor).cwiseAbs().maxCoeff();
  if (!(err <= 1e-9 * scale)) {
    Eigen::Index r = 0, col = 0;
    (h - h_floor).cwiseAbs().maxCoeff(&r, &col);
    std::snprintf(buf, sizeof buf,
                  "Hessian differs from the analytic floor: max |H - H_floor| = %.3e > 1e-9 * %.3e (at (%td, %td): %.17g vs %.17g)",
                  err, scale, r, col, h(r, col), h_floor(r, col));
    return buf;
  }
  return "";
}

std::map<std::string, std::string> check_results;  // case name -> "" or the mismatch

void run_case(benchmark::State& state, const Case& c) {
#ifdef HESSFIT_BENCH_HAVE_ADOLC
  if (c.library == "adolc") adolc_ensure_tape(*c.problem);
#endif
  const Runner run = make_runner(c);
  auto it = check_results.find(c.name);
  if (it == check_results.end()) it = check_results.emplace(c.name, check_against_floor(c, run)).first;
  if (!it->second.empty()) {
    const std::string message = c.name + ": " + it->second;
    std::fprintf(stderr, "CHECK FAILED %s\n", message.c_str());
    hb::any_check_failed = true;
    state.SkipWithError(message.c_str());
    return;
  }
  Eigen::VectorXd g;
  Eigen::MatrixXd h;
  run(g, h);  // warm-up (sizes the outputs; tapes and scratch reach their capacity)
  for (auto _ : state) {
    run(g, h);
    benchmark::DoNotOptimize(g.data());
    benchmark::DoNotOptimize(h.data());
    benchmark::ClobberMemory();
  }
}

// ---- registration ------------------------------------------------------------------------------------

std::vector<std::unique_ptr<Problem>> problems;
std::vector<Case> cases;
std::vector<std::string> skipped;  // cases not registered, with why

/// Seconds one evaluation is expected to take, from measured scaling (for skipping the slowest).
double expected_seconds(const Problem& p, const std::string& method) {
  const double n = p.size;
  if (method == "fwd_over_fwd") {
    // n * ceil(n/8) passes of f in Dual<Dual<double, 8>, 1>.
    const double passes = n * std::ceil(n / 8.0);
    return p.family == "B1" ? passes * 5.0 * n * 2.4e-8 : passes * 6.0 * n * n * 3e-8;
  }
  return 0.0;
}

void register_cases(bool all) {
  for (int n : {100, 200, 1000}) problems.push_back(make_b1(n));
  for (int size : {50, 100, 200}) problems.push_back(make_b3(size));
  const std::vector<std::pair<std::string, std::string>> hessian_methods{
      {"floor", "floor"},           {"hessfit", "fwd_over_rev"}, {"hessfit", "rev_over_rev"}, {"hessfit", "fwd_over_fwd"},
      {"hessfit", "rev_over_fwd"},  {"adolc", "hessian"},        {"adolc", "hessian2"}};
  const std::vector<std::pair<std::string, std::string>> gradient_methods{
      {"floor", "floor"}, {"hessfit", "reverse"}, {"adolc", "gradient"}};
  for (auto& p : problems) {
    auto add = [&](Kind kind, const std::string& library, const std::string& method) {
#ifndef HESSFIT_BENCH_HAVE_ADOLC
      if (library == "adolc") return;
#endif
      Case c{p.get(), kind, library, method,
             p->key + (kind == Kind::kGradient ? "/gradient/" : "/hessian/") + library + (library == "floor" ? "" : ":" + method)};
      const double seconds = expected_seconds(*p, method);
      if (!all && seconds > 10.0) {
        skipped.push_back(c.name + " (about " + std::to_string(static_cast<int>(seconds)) + " s per evaluation; run with --all)");
        return;
      }
      cases.push_back(c);
    };
    for (const auto& [library, method] : gradient_methods) add(Kind::kGradient, library, method);
    for (const auto& [library, method] : hessian_methods) add(Kind::kHessian, library, method);
  }
  for (const Case& c : cases) {
    auto* b = benchmark::RegisterBenchmark(c.name.c_str(), [c](benchmark::State& state) { run_case(state, c); });
    b->Unit(benchmark::kMicrosecond);
    if (expected_seconds(*c.problem, c.method) > 1.0) b->Iterations(1);
  }
}

// ---- summary ------------------------------------------------------------------------------------------

struct PeakMemory {
  std::string what;
  long kib = -1;  // VmHWM of the child
  int status = -1;
};

/// This process's peak resident set (VmHWM) in KiB. Not getrusage: Linux carries the parent's
/// peak into ru_maxrss of a process it spawns (exec records the old mm's high-water mark).
long peak_rss_kib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  std::fclose(f);
  return kib;
}

/// Runs this executable again with --peak_memory_child=what and reads the child's peak memory.
PeakMemory measure_child(const std::string& what) {
  PeakMemory m{what};
  char exe[4096];
  const ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return m;
  exe[len] = '\0';
  const std::string command = "'" + std::string(exe) + "' --peak_memory_child=" + what + " 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return m;
  char line[256];
  while (std::fgets(line, sizeof line, pipe) != nullptr) std::sscanf(line, "peak_rss_kib=%ld", &m.kib);
  const int status = pclose(pipe);
  m.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return m;
}

/// The child of measure_child: evaluates one thing on B3 p=200, prints its peak memory and exits.
int peak_memory_child(const std::string& what) {
  const hb::B3Data data = hb::make_b3(200);
  const Eigen::VectorXd x = hb::b3_point(200);
  Eigen::MatrixXd h;
  bool known = what == "baseline";
  if (what == "hessfit_fwd_over_rev") {
    h = ad::hessian(B3Fn{&data}, x);
    known = h.size() == 200 * 200 && h.allFinite();
  }
#ifdef HESSFIT_BENCH_HAVE_ADOLC
  if (what == "adolc_hessian2") {
    auto p = make_b3(200);
    adolc_ensure_tape(*p);
    AdolcMatrix hm(200);
    Eigen::VectorXd xx = x;
    hessian2(p->tag, 200, xx.data(), hm.get());
    h = hm.full();
    known = h.allFinite();
  }
#endif
  std::printf("peak_rss_kib=%ld\n", peak_rss_kib());
  return known ? 0 : 2;
}

template <class Reporter>
void print_summary(std::ostream& out, const Reporter& rep, const std::vector<PeakMemory>& memory) {
  auto time_of = [&](const std::string& name) { return rep.time_of(name); };
  auto runs_of = [&](const std::string& name) { return rep.runs_of(name); };
  char line[512];
  out << "\n==== Summary: median CPU time per evaluation; x floor = time / analytic floor; "
         "vs ADOL-C = ADOL-C time / time (hessians vs hessian2(), gradients vs gradient()) ====\n";
  for (const auto& p : problems) {
    bool header = false;
    for (const Case& c : cases) {
      if (c.problem != p.get()) continue;
      const double t = time_of(c.name);
      const auto err = rep.errors.find(c.name);
      if (t < 0 && err == rep.errors.end()) continue;
      if (!header) {
        out << "\n" << p->label << "\n";
        std::snprintf(line, sizeof line, "  %-9s %-22s %12s %10s %10s %6s\n", "", "case", "time", "x floor", "vs ADOL-C", "runs");
        out << line;
        header = true;
      }
      const std::string kind = c.kind == Kind::kGradient ? "gradient" : "hessian";
      const std::string label = c.library == "floor" ? "analytic floor" : c.library + " " + c.method;
      if (err != rep.errors.end()) {
        out << "  " << kind << "  " << label << "  ERROR: " << err->second << "\n";
        continue;
      }
      const double floor = time_of(p->key + "/" + kind + "/floor");
      const double adolc = time_of(p->key + "/" + kind + (c.kind == Kind::kGradient ? "/adolc:gradient" : "/adolc:hessian2"));
      char f[32] = "-", a[32] = "-";
      if (floor > 0) std::snprintf(f, sizeof f, "%.2f", t / floor);
      if (adolc > 0) std::snprintf(a, sizeof a, "%.2f", adolc / t);
      std::snprintf(line, sizeof line, "  %-9s %-22s %12s %10s %10s %6zu\n", kind.c_str(), label.c_str(), hb::format_time(t).c_str(), f,
                    a, runs_of(c.name));
      out << line;
    }
#ifdef HESSFIT_BENCH_HAVE_ADOLC
    if (header && p->taped) out << "  ADOL-C tape: " << p->tape_note << "\n";
#endif
  }
  if (!skipped.empty()) {
    out << "\nNot run:\n";
    for (const auto& s : skipped) out << "  " << s << "\n";
  }

  out << "\n==== Targets (issue 3) ====\n";
  auto target = [&](const std::string& what, double value, double limit, const std::string& unit, bool more_is_better) {
    if (value < 0) {
      out << "  [ n/a ] " << what << ": not measured in this run\n";
      return;
    }
    const bool pass = more_is_better ? value >= limit : value < limit;
    std::snprintf(line, sizeof line, "  [%s] %s: %.3g%s (target %s %.3g%s)\n", pass ? " met" : "MISS", what.c_str(), value,
                  unit.c_str(), more_is_better ? ">=" : "<", limit, unit.c_str());
    out << line;
  };
  auto ratio = [&](const std::string& a, const std::string& b) {
    const double ta = time_of(a), tb = time_of(b);
    return ta > 0 && tb > 0 ? ta / tb : -1.0;
  };
  target("B3 p=100 Hessian fwd-over-rev, speed-up over ADOL-C hessian2", ratio("B3/p=100/hessian/adolc:hessian2", "B3/p=100/hessian/hessfit:fwd_over_rev"),
         15.0, "x", true);
  target("B3 p=100 Hessian fwd-over-rev / floor", ratio("B3/p=100/hessian/hessfit:fwd_over_rev", "B3/p=100/hessian/floor"), 15.0, "x",
         false);
  target("B3 p=200 Hessian fwd-over-rev / floor", ratio("B3/p=200/hessian/hessfit:fwd_over_rev", "B3/p=200/hessian/floor"), 15.0, "x",
         false);
  target("B3 p=100 gradient / floor", ratio("B3/p=100/gradient/hessfit:reverse", "B3/p=100/gradient/floor"), 10.0, "x", false);
  const double b1_200 = time_of("B1/n=200/hessian/hessfit:fwd_over_rev");
  const double b1_1000 = time_of("B1/n=1000/hessian/hessfit:fwd_over_rev");
  target("B1 n=200 Hessian fwd-over-rev", b1_200 > 0 ? b1_200 * 1e6 : -1.0, 100.0, " us", false);
  target("B1 n=1000 Hessian fwd-over-rev", b1_1000 > 0 ? b1_1000 * 1e3 : -1.0, 5.0, " ms", false);
  for (const auto& m : memory) {
    if (m.what == "hessfit_fwd_over_rev")
      target("B3 p=200 Hessian fwd-over-rev, peak RSS of the process", m.status == 0 ? static_cast<double>(m.kib) / 1024.0 : -1.0,
             100.0, " MiB", false);
  }
  if (!memory.empty()) {
    out << "\nPeak memory (VmHWM of a fresh child process that builds the B3 p=200 data and computes once):\n";
    for (const auto& m : memory) {
      if (m.status != 0)
        std::snprintf(line, sizeof line, "  %-24s failed (exit status %d)\n", m.what.c_str(), m.status);
      else
        std::snprintf(line, sizeof line, "  %-24s %8.1f MiB\n", m.what.c_str(), static_cast<double>(m.kib) / 1024.0);
      out << line;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // The child process of measure_child(): nothing else runs in it.
  for (int i = 0; i < argc; ++i)
    if (std::strncmp(argv[i], "--peak_memory_child=", std::strlen("--peak_memory_child=")) == 0)
      return peak_memory_child(argv[i] + std::strlen("--peak_memory_child="));
  bool all = false, peak_memory = true;
  const auto json = hb::initialize(argc, argv,
                                   {{"--all", [&all](const std::string&) { all = true; }},
                                    {"--no_peak_memory", [&peak_memory](const std::string&) { peak_memory = false; }}});
  if (!json) return 1;
  register_cases(all);

  auto finish = [&](std::ostream& out, const auto& reporter) {
    std::vector<PeakMemory> memory;
    if (peak_memory) {
      memory.push_back(measure_child("baseline"));
      memory.push_back(measure_child("hessfit_fwd_over_rev"));
#ifdef HESSFIT_BENCH_HAVE_ADOLC
      memory.push_back(measure_child("adolc_hessian2"));
#endif
    }
    print_summary(out, reporter, memory);
  };
  return hb::run(*json, finish, "some results did not match the analytic floor (see CHECK FAILED above).");
}
