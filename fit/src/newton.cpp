// Trust-region Newton with the exact Hessian and an active set for the bounds (see minimize.hpp).
#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include "free_problem.hpp"

namespace hessfit::fit::detail {
namespace {

// Largest alpha in [0, 1] with x + alpha p inside [lower, upper].
double max_feasible_fraction(const Eigen::VectorXd& x, const Eigen::VectorXd& p,
                             const Eigen::VectorXd& lower, const Eigen::VectorXd& upper) {
  double alpha = 1.0;
  for (Eigen::Index k = 0; k < x.size(); ++k) {
    if (p[k] < 0.0 && std::isfinite(lower[k])) alpha = std::min(alpha, (lower[k] - x[k]) / p[k]);
    if (p[k] > 0.0 && std::isfinite(upper[k])) alpha = std::min(alpha, (upper[k] - x[k]) / p[k]);
  }
  return std::max(0.0, alpha);
}

Eigen::VectorXd clamp(const Eigen::VectorXd& x, const Eigen::VectorXd& lower,
                      const Eigen::VectorXd& upper) {
  return x.cwiseMax(lower).cwiseMin(upper);
}

// Feasibility restoration for a trial point y = x + s where f is not finite: f has a wall there
// (a Poisson rate nu that reaches zero), and near a wall whose bin has a tiny observed count n the
// Hessian is dominated by the barrier term (n / nu^2) grad nu grad nu^T, so the wall normal is
// an eigenvector of H with the largest eigenvalues. The minimum may lie against such a wall
// (nu ~ 1e-16 in agc-ttbar-ml with the POI fixed at 0: a bin with n = 4e-6): the Newton step then
// runs along the tangent of a curved wall and crosses it after a distance of order
// sqrt(nu / curvature), and without restoration every step is cut back to that (a crawl of
// thousands of iterations). Here y is moved along each of the stiffest eigenvectors v in turn
// (largest eigenvalues first, at most kRestoreDirections, those within 1e-8 of the largest) to
// the nearest point y + beta v with f finite, |beta| from 1e-12 |s| doubling up to 64 |s|. The
// restored point is then judged by the usual ratio test against the model decrease of s.
constexpr int kRestoreDirections = 4;

std::optional<double> restore_feasibility(FreeProblem& problem, const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>& eig,
                                          const Eigen::VectorXd& lower, const Eigen::VectorXd& upper,
                                          double step_length, Eigen::VectorXd& y) {
  const Eigen::VectorXd& lambda = eig.eigenvalues();  // ascending
  const Eigen::Index m = lambda.size();
  if (m == 0 || !(step_length > 0.0)) return std::nullopt;
  const double largest = lambda[m - 1];
  for (Eigen::Index i = m - 1; i >= std::max<Eigen::Index>(0, m - kRestoreDirections); --i) {
    if (!(largest > 0.0) || !(lambda[i] >= 1e-8 * largest)) break;
    const Eigen::VectorXd v = eig.eigenvectors().col(i);
    for (double beta = 1e-12 * step_length; beta <= 64.0 * step_length; beta *= 2.0) {
      for (const double sign : {1.0, -1.0}) {
        Eigen::VectorXd z = clamp(y + sign * beta * v, lower, upper);
        const double f = problem.value(z);
        if (std::isfinite(f)) {
          y = std::move(z);
          return f;
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace

bool Evaluation::finite() const {
  return std::isfinite(f) && g.allFinite() && (sparse ? sparse_all_finite(hs()) : h.allFinite());
}

Evaluation evaluate(FreeProblem& problem, const Eigen::VectorXd& x) {
  Evaluation e;
  e.sparse = problem.sparse();
  if (e.sparse)
    e.f = problem.value_gradient_sparse_hessian(x, e.g, e.hs_free, e.g_full, e.hs_full);
  else
    e.f = problem.value_gradient_hessian(x, e.g, e.h, e.g_full, e.h_full);
  return e;
}

void fill_result(FreeProblem& problem, const Eigen::VectorXd& x, const Evaluation& at,
                 double edm_target, MinimizeResult& result, const Stationarity* known) {
  result.x = problem.full(x);
  result.fval = at.f;
  result.gradient = at.g_full;
  result.hessian = at.h_full;
  result.sparse_hessian = at.hs_full;
  if (at.finite()) {
    const Stationarity computed = known ? Stationarity{} : analyse_stationarity(at, x, problem.lower(), problem.upper());
    const Stationarity& st = known ? *known : computed;
    result.edm = st.model.edm();
    result.positive_definite = st.model.cholesky_ok();
    if (!result.positive_definite) {
      result.min_scaled_eigenvalue = st.model.min_eigenvalue();
      result.positive_definite = result.min_scaled_eigenvalue > 0.0;
    }
    result.parameter_states = parameter_states(problem, x, at, st, edm_target);
  } else {
    result.edm = std::numeric_limits<double>::quiet_NaN();
    result.parameter_states.assign(static_cast<std::size_t>(problem.objective().size()),
                                   ParameterState::kFixed);
    for (const int i : problem.free()) {
      result.parameter_states[static_cast<std::size_t>(i)] = ParameterState::kFree;
    }
  }
  result.evaluations += problem.counters.evaluations;
  result.gradient_evaluations += problem.counters.gradient_evaluations;
  result.hessian_evaluations += problem.counters.hessian_evaluations;
  problem.counters = {};
}

MinimizeResult newton_minimize(const Objective& objective, const Eigen::VectorXd& start_full,
                               const MinimizeOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const NewtonOptions& opt = options.newton;
  const double target = edm_target(objective, options);
  MinimizeResult result;
  result.method = Method::kNewton;
  FreeProblem problem(objective, start_full);
  const Eigen::VectorXd& lower = problem.lower();
  const Eigen::VectorXd& upper = problem.upper();

  Eigen::VectorXd x = problem.start();
  Evaluation at = evaluate(problem, x);
  if (!at.finite()) {
    result.termination = Termination::kNonFiniteStart;
    result.message = std::isfinite(at.f) ? "the gradient or Hessian is not finite at the start"
                                         : "f is not finite at the start (f = " +
                                               fmt::format("{:g}", at.f) + ")";
    fill_result(problem, x, at, target, result);
    result.time_seconds = seconds_since(t0);
    result.stages.push_back({Method::kNewton, "Newton", result.termination, result.message, result.fval,
                             result.edm, 0, result.evaluations, result.time_seconds});
    return result;
  }

  double radius = opt.initial_trust_radius;
  int iterations = 0;
  int polished = 0;
  auto converged_message = [&](double edm) {
    return fmt::format("converged: EDM {:.3g} <= {:.3g}", edm, target) + " after " +
           std::to_string(iterations) + " Newton iterations";
  };
  Stationarity last;  // of `at` when the loop ends by convergence
  bool last_valid = false;
  for (;;) {
    Stationarity st = analyse_stationarity(at, x, lower, upper);
    // The curvature test first: far from a minimum (an indefinite S) it refuses convergence with a
    // Cholesky factorisation, and the EDM, which then needs an eigendecomposition, is not wanted.
    const bool curvature_ok = st.inner.empty() || st.model.curvature_at_least(opt.negative_curvature_tolerance);
    const double edm = curvature_ok ? st.model.edm() : std::numeric_limits<double>::infinity();
    const bool converged = curvature_ok && edm <= target;
    // Once converged, up to polish_iterations more full Newton steps (quadratic convergence:
    // each squares the EDM) unless the EDM is already at rounding level.
    const bool polishing = converged && polished < opt.polish_iterations &&
                           edm > 1e-6 * target && st.model.cholesky_ok() &&
                           iterations < opt.max_iterations;
    if (converged && !polishing) {
      result.termination = Termination::kConverged;
      result.message = converged_message(edm);
      last = std::move(st);
      last_valid = true;
      break;
    }
    if (iterations >= opt.max_iterations) {
      result.termination = Termination::kMaxIterations;
      result.message = "stopped after " + std::to_string(iterations) +
                       fmt::format(" Newton iterations with EDM {:.3g} > {:.3g}", st.model.edm(), target);
      break;
    }
    ++iterations;

    const Eigen::VectorXd scale = at.scale();
    std::vector<bool> held = st.held;
    std::vector<int> inner = st.inner;
    QuadraticModel model = std::move(st.model);
    bool accepted = false;
    bool collapsed = false;
    std::optional<Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>> stiff;  // of H, on first need
    while (!accepted) {
      // Solve over the parameters not held; a parameter on a bound whose Newton component points
      // out of the box joins the held set (its multiplier is positive for this step).
      TrustRegionStep step;
      for (;;) {
        step = solve_trust_region(model, radius);
        bool extended = false;
        for (std::size_t j = 0; j < inner.size(); ++j) {
          const int k = inner[j];
          const double pj = step.p[static_cast<Eigen::Index>(j)];
          if ((x[k] <= lower[k] && pj < 0.0) || (x[k] >= upper[k] && pj > 0.0)) {
            held[static_cast<std::size_t>(k)] = true;
            extended = true;
          }
        }
        if (!extended) break;
        inner.clear();
        for (int k = 0; k < problem.size(); ++k) {
          if (!held[static_cast<std::size_t>(k)]) inner.push_back(k);
        }
        model = at.model(inner, scale);
      }
      Eigen::VectorXd p = Eigen::VectorXd::Zero(problem.size());
      p(inner) = step.p;
      Eigen::VectorXd trial = clamp(x + p, lower, upper);
      Eigen::VectorXd s = trial - x;
      double predicted = at.model_decrease(s);
      if (!(predicted > 0.0)) {
        // The projection spoilt the model decrease: truncate at the first bound instead.
        s = max_feasible_fraction(x, p, lower, upper) * p;
        trial = clamp(x + s, lower, upper);
        s = trial - x;
        predicted = at.model_decrease(s);
      }
      const double step_norm = s.cwiseProduct(scale).norm();
      if (step_norm == 0.0) {
        collapsed = true;
        break;
      }
      double f_trial = problem.value(trial);
      if (!std::isfinite(f_trial) && !at.sparse) {
        if (!stiff) stiff.emplace(at.h);
        if (const auto restored = restore_feasibility(problem, *stiff, lower, upper, s.norm(), trial)) {
          f_trial = *restored;
        }
      }
      const double noise = opt.relative_function_noise * std::max(1.0, std::abs(at.f));
      const double actual = at.f - f_trial;
      bool ok = std::isfinite(f_trial) &&
                (predicted > noise ? actual > opt.accept_ratio * predicted : actual >= -noise);
      Evaluation next;
      if (ok) {
        next = evaluate(problem, trial);
        ok = next.finite();
      }
      if (ok) {
        const double rho = predicted > noise ? actual / predicted : 1.0;
        if (rho > 0.75 && step_norm > 0.8 * radius) {
          radius = std::min(3.0 * radius, opt.max_trust_radius);
        } else if (rho < 0.25) {
          radius = 0.5 * step_norm;
        }
        x = trial;
        at = std::move(next);
        accepted = true;
      } else {
        if (polishing) break;  // the polish step did not help: stay where it converged
        radius = 0.25 * std::min(radius, step_norm);
        if (radius < opt.min_trust_radius) {
          collapsed = true;
          break;
        }
      }
    }
    if (polishing) {
      if (!accepted) {
        result.termination = Termination::kConverged;
        result.message = converged_message(edm);
        break;
      }
      ++polished;
    }
    if (collapsed) {
      const Stationarity now = analyse_stationarity(at, x, lower, upper);
      result.termination = Termination::kNoProgress;
      result.message = "no step lowers f any more (trust region collapsed) after " +
                       std::to_string(iterations) +
                       fmt::format(" Newton iterations; EDM {:.3g} > {:.3g}", now.model.edm(), target);
      break;
    }
  }
  result.iterations = iterations;
  fill_result(problem, x, at, target, result, last_valid ? &last : nullptr);
  result.time_seconds = seconds_since(t0);
  result.stages.push_back({Method::kNewton, "Newton", result.termination, result.message, result.fval,
                           result.edm, iterations, result.evaluations, result.time_seconds});
  return result;
}

}  // namespace hessfit::fit::detail
