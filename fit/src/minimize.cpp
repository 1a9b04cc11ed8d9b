#include "hessfit/fit/minimize.hpp"

#include <cstdio>

#include "free_problem.hpp"

namespace hessfit::fit {

std::string to_string(Method method) {
  switch (method) {
    case Method::kHybrid: return "hybrid";
    case Method::kNewton: return "newton";
    case Method::kLbfgs: return "lbfgs";
    case Method::kBfgs: return "bfgs";
  }
  return "unknown";
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
  char buffer[512];
  std::snprintf(buffer, sizeof buffer,
                "%s (%s): fval = %.10g, EDM = %.3g, %d iterations, %d evaluations "
                "(%d with gradient, %d with Hessian), %.3f s",
                to_string(termination).c_str(), to_string(method).c_str(), fval, edm, iterations,
                evaluations, gradient_evaluations, hessian_evaluations, time_seconds);
  return buffer;
}

namespace {

// Better of two results: a converged one over one that is not, then the lower f.
bool better(const MinimizeResult& a, const MinimizeResult& b) {
  if (a.converged() != b.converged()) return a.converged();
  if (std::isfinite(a.fval) != std::isfinite(b.fval)) return std::isfinite(a.fval);
  return a.fval < b.fval;
}

void add_work(MinimizeResult& into, const MinimizeResult& from) {
  into.iterations += from.iterations;
  into.evaluations += from.evaluations;
  into.gradient_evaluations += from.gradient_evaluations;
  into.hessian_evaluations += from.hessian_evaluations;
  into.stages.insert(into.stages.end(), from.stages.begin(), from.stages.end());
}

MinimizeResult hybrid_minimize(const Objective& objective, const Eigen::VectorXd& start,
                               const MinimizeOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const MinimizeResult quasi = detail::quasi_newton_minimize(objective, start, options, Method::kLbfgs);
  MinimizeResult polished = detail::newton_minimize(objective, quasi.x, options);
  MinimizeResult direct = detail::newton_minimize(objective, start, options);
  const bool polished_wins = !better(direct, polished);
  MinimizeResult result = polished_wins ? std::move(polished) : std::move(direct);
  MinimizeResult work;
  add_work(work, quasi);
  add_work(work, polished_wins ? direct : polished);  // moved-from is only the winner
  MinimizeResult out = std::move(result);
  out.iterations += work.iterations;
  out.evaluations += work.evaluations;
  out.gradient_evaluations += work.gradient_evaluations;
  out.hessian_evaluations += work.hessian_evaluations;
  out.method = Method::kHybrid;
  out.message = (polished_wins ? "L-BFGS then Newton: " : "Newton from the start: ") + out.message;
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
    case Method::kHybrid: break;
  }
  return hybrid_minimize(objective, start, options);
}

}  // namespace hessfit::fit
