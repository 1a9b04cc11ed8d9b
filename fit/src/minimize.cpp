#include "hessfit/fit/minimize.hpp"

#include <fmt/format.h>

#include <limits>

#include "free_problem.hpp"
#include "probe.hpp"
#include "profile_core.hpp"

namespace hessfit::fit {

std::string to_string(Method method) {
  switch (method) {
    case Method::kAuto: return "auto";
    case Method::kNewton: return "newton";
    case Method::kLbfgs: return "lbfgs";
    case Method::kBfgs: return "bfgs";
  }
  return "unknown";
}

std::optional<Method> parse_method(std::string_view name) {
  for (const Method m : {Method::kAuto, Method::kNewton, Method::kLbfgs, Method::kBfgs})
    if (to_string(m) == name) return m;
  return std::nullopt;
}

std::string to_string(Termination termination) {
  switch (termination) {
    case Termination::kConverged: return "converged";
    case Termination::kMaxIterations: return "max_iterations";
    case Termination::kNoProgress: return "no_progress";
    case Termination::kNonFiniteStart: return "non_finite_start";
  }
  return "unknown";
}

std::string to_string(ParameterState state) {
  switch (state) {
    case ParameterState::kFree: return "free";
    case ParameterState::kFixed: return "fixed";
    case ParameterState::kAtLowerBound: return "at_lower_bound";
    case ParameterState::kAtUpperBound: return "at_upper_bound";
  }
  return "unknown";
}

std::string MinimizeResult::brief_report() const {
  return fmt::format("{} ({}): fval = {:.10g}, EDM = {:.3g}, {} iterations, {} evaluations "
                     "({} with gradient, {} with Hessian)",
                     to_string(termination), to_string(method), fval, edm, iterations, evaluations,
                     gradient_evaluations, hessian_evaluations);
}

namespace {

// Better of two results: a converged one over one that is not, then the lower f.
bool better(const MinimizeResult& a, const MinimizeResult& b) {
  if (a.converged() != b.converged()) return a.converged();
  if (std::isfinite(a.fval) != std::isfinite(b.fval)) return std::isfinite(a.fval);
  return a.fval < b.fval;
}

struct Work {
  int iterations = 0, evaluations = 0, gradient_evaluations = 0, hessian_evaluations = 0;
  std::vector<MinimizeStage> stages;
  void add(const MinimizeResult& r, const std::string& description) {
    iterations += r.iterations;
    evaluations += r.evaluations;
    gradient_evaluations += r.gradient_evaluations;
    hessian_evaluations += r.hessian_evaluations;
    for (MinimizeStage stage : r.stages) {
      stage.description = description + (stage.description.empty() ? "" : " (" + stage.description + ")");
      stages.push_back(std::move(stage));
    }
  }
};

MinimizeResult auto_minimize(const Objective& objective, const Eigen::VectorXd& start,
                             const MinimizeOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  Work work;
  MinimizeResult best = detail::newton_minimize(objective, start, options);
  work.add(best, "Newton from the start");
  std::string how = "Newton from the start";
  if (!best.converged()) {
    const MinimizeResult quasi = detail::quasi_newton_minimize(objective, start, options, Method::kLbfgs);
    work.add(quasi, "L-BFGS from the start");
    MinimizeResult polished = detail::newton_minimize(objective, quasi.x, options);
    work.add(polished, "Newton from the L-BFGS end point");
    if (better(polished, best)) {
      best = std::move(polished);
      how = "L-BFGS then Newton";
    }
  }
  int probe_evaluations = 0, probe_starts = 0, lower_found = 0, probe_paths = 0, probe_paths_total = 0;
  const ProbeOptions& probe = options.probe;
  if (probe.enabled && best.converged()) {
    const double tolerance = probe.tolerance * objective.errordef() / kErrorDefNll;
    // The adaptive budget: what the minimisation so far cost, in function values.
    const long per_hessian = detail::hessian_cost(best, objective.n_free());
    const long fit_cost = (work.evaluations - work.hessian_evaluations) + per_hessian * work.hessian_evaluations;
    const long budget = probe.max_evaluations != 0 ? probe.max_evaluations : std::max(fit_cost, std::min(400L, 4L * objective.n_free()));
    for (int round = 1; round <= probe.max_rounds; ++round) {
      const detail::ProbeSeeds seeds = detail::probe_for_lower_minima(objective, best, probe, budget);
      probe_evaluations += seeds.evaluations;
      probe_paths = std::max(probe_paths, seeds.paths);
      probe_paths_total = seeds.paths_total;
      // Starts below f_min always get their Newton run; of the others (a flattening profile) the
      // lowest, and more only while the budget left covers runs as dear as the first minimisation.
      long left = budget < 0 ? std::numeric_limits<long>::max() : budget - seeds.evaluations;
      int k = 0, flat = 0;
      for (std::size_t s = 0; s < seeds.starts.size(); ++s) {
        if (seeds.deltas[s] >= -tolerance && flat++ > 0) {
          if (left < fit_cost) break;
          left -= fit_cost;
        }
        ++k;
      }
      probe_starts += k;
      std::vector<MinimizeResult> runs(static_cast<std::size_t>(k));
      detail::parallel_for(k, probe.threads, [&](int s) {
        runs[static_cast<std::size_t>(s)] = detail::newton_minimize(objective, seeds.starts[static_cast<std::size_t>(s)], options);
      });
      int winner = -1;
      for (int s = 0; s < k; ++s) {
        const MinimizeResult& r = runs[static_cast<std::size_t>(s)];
        work.add(r, "probe round " + std::to_string(round) + ": Newton from a sample on the profile path of '" +
                        objective.name(seeds.parameters[static_cast<std::size_t>(s)]) + "'");
        if (r.converged() && r.fval < best.fval - tolerance &&
            (winner < 0 || r.fval < runs[static_cast<std::size_t>(winner)].fval)) {
          winner = s;
        }
      }
      if (winner < 0) break;
      ++lower_found;
      best = std::move(runs[static_cast<std::size_t>(winner)]);
      how = "Newton, then a lower minimum from the probe (round " + std::to_string(round) + ")";
    }
  }
  MinimizeResult out = std::move(best);
  if (std::isnan(out.min_scaled_eigenvalue)) out.min_scaled_eigenvalue = detail::min_scaled_eigenvalue(objective, out);
  out.method = Method::kAuto;
  out.message = how + ": " + out.message;
  out.iterations = work.iterations;
  out.evaluations = work.evaluations + probe_evaluations;
  out.gradient_evaluations = work.gradient_evaluations;
  out.hessian_evaluations = work.hessian_evaluations;
  out.stages = std::move(work.stages);
  out.probe_evaluations = probe_evaluations;
  out.probe_starts = probe_starts;
  out.lower_minima_found = lower_found;
  out.probe_paths = probe_paths;
  out.probe_paths_total = probe_paths_total;
  out.time_seconds = detail::seconds_since(t0);
  return out;
}

}  // namespace

MinimizeResult minimize(const Objective& objective, const MinimizeOptions& options) {
  return minimize(objective, objective.values(), options);
}

MinimizeResult minimize(const Objective& objective, const Eigen::VectorXd& start,
                        const MinimizeOptions& options) {
  switch (options.method) {
    case Method::kNewton: return detail::newton_minimize(objective, start, options);
    case Method::kLbfgs:
    case Method::kBfgs: return detail::quasi_newton_minimize(objective, start, options, options.method);
    case Method::kAuto: break;
  }
  return auto_minimize(objective, start, options);
}

}  // namespace hessfit::fit
