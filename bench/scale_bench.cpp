// Whole fits of large generated models, dense against sparse path (issue 14).
//
// For each size (tests/support/hessfit/testing/large_workspace.hpp: gen-625 ~ a published
// 625-parameter ATLAS workspace, gen-1k, gen-3k, gen-10k) and each Hessian storage (dense, sparse)
// one child process (this program re-run with --case=NAME:STORAGE) loads the workspace from its
// JSON text, builds the model and runs what `hessfit fit` runs by default: minimise (kAuto:
// Newton, then the probe for lower minima), covariance, MINOS on the POI and a 21-point profile
// scan of the POI over +-3 sigma, on one thread. It prints one JSON line: the CPU and wall seconds
// of each stage, the exact Hessian alone (one evaluation at the minimum, and the first one with
// the pattern and colouring), the pattern's nonzeros and colours, evaluation counts, and the
// peak resident memory (VmHWM) of the process.
//
// The driver runs the children, prints a table (stderr) and the JSON array (stdout).
//   hessfit_scale_bench                       every size, dense up to 3k, sparse always
//   hessfit_scale_bench --sizes=625,1k        some sizes
//   hessfit_scale_bench --dense_max=1000      dense only up to this many parameters
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/autodiff.hpp"
#include "hessfit/fit/fit.hpp"
#include "hessfit/likelihood/model.hpp"
#include "hessfit/likelihood/workspace.hpp"
#include "hessfit/testing/large_workspace.hpp"

namespace {

using hessfit::testing::LargeWorkspaceSpec;
namespace hf = hessfit::fit;

double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
double wall_seconds() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

long peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::vector<LargeWorkspaceSpec> all_specs() {
  return {hessfit::testing::atlas_like_625(), hessfit::testing::generated_1k(), hessfit::testing::generated_3k(),
          hessfit::testing::generated_10k()};
}

struct Clock {
  double cpu = cpu_seconds(), wall = wall_seconds();
  nlohmann::json lap() {
    const double c = cpu_seconds(), w = wall_seconds();
    nlohmann::json j = {{"cpu", c - cpu}, {"wall", w - wall}};
    cpu = c, wall = w;
    return j;
  }
};

int run_case(const std::string& name, const std::string& storage) {
  LargeWorkspaceSpec spec;
  bool found = false;
  for (const auto& s : all_specs())
    if (s.name == name) spec = s, found = true;
  if (!found) {
    std::cerr << "unknown case " << name << "\n";
    return 2;
  }
  const std::string text = hessfit::testing::generate_workspace(spec).dump();
  nlohmann::json out = {{"case", name}, {"storage", storage}};
  Clock clock;
  const auto model = hessfit::likelihood::Workspace::parse(text, name).model();
  out["load"] = clock.lap();
  auto nll = [&model](const auto& x) { return model.nll(x); };
  std::vector<hf::Bounds> bounds;
  for (const auto& b : model.bounds()) bounds.push_back({b.lower, b.upper});
  hf::Objective objective = hf::Objective::from_callable(nll, model.parameter_names(), model.init(), bounds);
  for (std::size_t i = 0; i < model.size(); ++i)
    if (model.fixed()[i]) objective.fix(static_cast<int>(i));
  objective.set_hessian_storage(storage == "dense" ? hf::HessianStorage::kDense : hf::HessianStorage::kSparse);
  out["parameters"] = objective.size();
  out["free"] = objective.n_free();

  hf::FitOptions options;  // as `hessfit fit` by default: MINOS and a scan of the POI
  options.threads = 1;
  options.minos = {model.poi().name};
  hf::ScanRequest scan;
  scan.parameter = model.poi().name;
  options.scans.push_back(scan);
  clock.lap();
  const hf::FitResult r = hf::fit(objective, options);
  const nlohmann::json fit_time = clock.lap();
  out["fit"] = fit_time;
  out["stages_wall"] = {{"minimize", r.timing.minimize},
                        {"covariance", r.timing.covariance},
                        {"minos", r.timing.minos},
                        {"scans", r.timing.scans}};
  out["ok"] = r.ok();
  out["problems"] = r.problems();
  out["nll"] = r.minimum.fval;
  out["poi"] = r.minimum.x[objective.index(model.poi().name)];
  out["poi_error"] = r.covariance.errors[objective.index(model.poi().name)];
  if (!r.minos.intervals.empty())
    out["poi_minos"] = {r.minos.intervals[0].lower.offset, r.minos.intervals[0].upper.offset};
  out["iterations"] = r.minimum.iterations;
  out["hessians"] = r.minimum.hessian_evaluations;
  out["evaluations"] = r.minimum.evaluations;
  out["probe_evaluations"] = r.minimum.probe_evaluations;
  out["probe_starts"] = r.minimum.probe_starts;
  out["probe_paths"] = {r.minimum.probe_paths, r.minimum.probe_paths_total};
  double newton = 0.0, probe_runs = 0.0;
  for (const auto& st : r.minimum.stages)
    (st.description.rfind("probe", 0) == 0 ? probe_runs : newton) += st.time_seconds;
  out["minimize_parts_wall"] = {{"newton", newton}, {"probe_runs", probe_runs}, {"probe_samples", r.timing.minimize - newton - probe_runs}};
  out["minos_fits"] = r.minos.intervals.empty() ? 0 : r.minos.intervals[0].lower.fits + r.minos.intervals[0].upper.fits;
  // One exact Hessian at the minimum (the pattern is cached from the fit), and its size.
  Eigen::VectorXd g;
  clock.lap();
  if (storage == "dense") {
    Eigen::MatrixXd h;
    objective.value_gradient_hessian(r.minimum.x, g, h);
    out["hessian"] = clock.lap();
  } else {
    Eigen::SparseMatrix<double> h;
    objective.value_gradient_sparse_hessian(r.minimum.x, g, h);
    out["hessian"] = clock.lap();
    out["nonzeros"] = h.nonZeros();
    const auto pattern = hessfit::ad::hessian_sparsity(nll, r.minimum.x);
    out["pattern"] = clock.lap();
    const auto colouring = hessfit::ad::star_colouring(pattern);
    out["colouring"] = clock.lap();
    out["colours"] = colouring.colours;
    out["hub_colours"] = colouring.unique;
  }
  clock.lap();
  out["nll_eval"] = [&] {
    Clock c;
    const int reps = 20;
    double s = 0.0;
    for (int k = 0; k < reps; ++k) s += model.nll(r.minimum.x);
    nlohmann::json j = c.lap();
    j["cpu"] = j["cpu"].get<double>() / reps;
    j["wall"] = j["wall"].get<double>() / reps;
    return s != 0.0 ? j : j;
  }();
  out["peak_rss_mib"] = static_cast<double>(peak_rss_kib()) / 1024.0;
  std::cout << out.dump() << std::endl;
  return 0;
}

std::string run_child(const std::string& self, const std::string& arg) {
  int fd[2];
  if (pipe(fd) != 0) return "";
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    close(fd[1]);
    execl(self.c_str(), self.c_str(), arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fd[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t k; (k = read(fd[0], buffer, sizeof buffer)) > 0;) text.append(buffer, static_cast<std::size_t>(k));
  close(fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> sizes;
  long dense_max = 3000;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg.rfind("--case=", 0) == 0) {
      const std::string v = arg.substr(7);
      const auto colon = v.find(':');
      return run_case(v.substr(0, colon), v.substr(colon + 1));
    }
    if (arg.rfind("--sizes=", 0) == 0) {
      std::stringstream ss(arg.substr(8));
      for (std::string s; std::getline(ss, s, ',');) sizes.push_back("gen-" + s);
    } else if (arg.rfind("--dense_max=", 0) == 0) {
      dense_max = std::stol(arg.substr(12));
    } else {
      std::cerr << "usage: hessfit_scale_bench [--sizes=625,1k,3k,10k] [--dense_max=N]\n";
      return 2;
    }
  }
  nlohmann::json all = nlohmann::json::array();
  std::fprintf(stderr, "%-8s %-6s %6s %9s %9s %9s %9s %9s %9s %8s %6s %9s %s\n", "case", "path", "params", "load s", "fit cpu s",
               "minimise", "cov", "minos", "scan", "H s", "colours", "peak MiB", "ok / POI");
  for (const auto& spec : all_specs()) {
    if (!sizes.empty() && std::find(sizes.begin(), sizes.end(), spec.name) == sizes.end()) continue;
    for (const std::string storage : {"dense", "sparse"}) {
      if (storage == "dense" && spec.parameters() > dense_max) continue;
      const std::string text = run_child(argv[0], "--case=" + spec.name + ":" + storage);
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(text);
      } catch (const std::exception&) {
        std::fprintf(stderr, "%-8s %-6s failed: %s\n", spec.name.c_str(), storage.c_str(), text.c_str());
        continue;
      }
      all.push_back(j);
      const auto& st = j["stages_wall"];
      std::fprintf(stderr, "%-8s %-6s %6d %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f %8.4f %6s %9.0f %s mu = %.6f +- %.6f\n", spec.name.c_str(),
                   storage.c_str(), j["parameters"].get<int>(), j["load"]["cpu"].get<double>(), j["fit"]["cpu"].get<double>(),
                   st["minimize"].get<double>(), st["covariance"].get<double>(), st["minos"].get<double>(), st["scans"].get<double>(),
                   j["hessian"]["cpu"].get<double>(), j.contains("colours") ? std::to_string(j["colours"].get<int>()).c_str() : "-",
                   j["peak_rss_mib"].get<double>(), j["ok"].get<bool>() ? "ok" : "NOT OK", j["poi"].get<double>(),
                   j["poi_error"].get<double>());
    }
  }
  std::cout << all.dump(2) << std::endl;
  return 0;
}
