// Quasi-Newton minimisation (L-BFGS, BFGS) through Ceres' GradientProblemSolver, on internal
// coordinates that map R onto each parameter's bounds (Minuit's transforms, see minimize.hpp).
#include <ceres/first_order_function.h>
#include <ceres/gradient_problem.h>
#include <ceres/gradient_problem_solver.h>
#include <fmt/format.h>
#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "free_problem.hpp"

namespace hessfit::fit::detail {
namespace {

enum class BoundKind { kNone, kLower, kUpper, kBoth };

// One parameter's map between internal u (unbounded) and external x (bounded).
struct BoundTransform {
  BoundKind kind = BoundKind::kNone;
  double a = 0.0;  // lower
  double b = 0.0;  // upper

  BoundTransform(double lower, double upper) : a(lower), b(upper) {
    const bool lo = std::isfinite(lower);
    const bool hi = std::isfinite(upper);
    kind = lo && hi ? BoundKind::kBoth : lo ? BoundKind::kLower : hi ? BoundKind::kUpper : BoundKind::kNone;
  }
  double external(double u) const {
    switch (kind) {
      case BoundKind::kBoth: return std::clamp(a + 0.5 * (b - a) * (std::sin(u) + 1.0), a, b);
      case BoundKind::kLower: return std::max(a, a - 1.0 + std::sqrt(u * u + 1.0));
      case BoundKind::kUpper: return std::min(b, b + 1.0 - std::sqrt(u * u + 1.0));
      case BoundKind::kNone: break;
    }
    return u;
  }
  double derivative(double u) const {  // dx/du
    switch (kind) {
      case BoundKind::kBoth: return 0.5 * (b - a) * std::cos(u);
      case BoundKind::kLower: return u / std::sqrt(u * u + 1.0);
      case BoundKind::kUpper: return -u / std::sqrt(u * u + 1.0);
      case BoundKind::kNone: break;
    }
    return 1.0;
  }
  double internal(double x) const {
    switch (kind) {
      case BoundKind::kBoth: {
        if (b == a) return 0.0;
        const double t = std::clamp(2.0 * (x - a) / (b - a) - 1.0, -1.0, 1.0);
        return std::asin(t);
      }
      case BoundKind::kLower: {
        const double t = x - a + 1.0;
        return std::sqrt(std::max(0.0, t * t - 1.0));
      }
      case BoundKind::kUpper: {
        const double t = b - x + 1.0;
        return std::sqrt(std::max(0.0, t * t - 1.0));
      }
      case BoundKind::kNone: break;
    }
    return x;
  }
};

class TransformedFunction final : public ceres::FirstOrderFunction {
 public:
  TransformedFunction(FreeProblem* problem, std::vector<BoundTransform> transforms)
      : problem_(problem), transforms_(std::move(transforms)) {}

  Eigen::VectorXd external(const double* u) const {
    Eigen::VectorXd x(problem_->size());
    for (int k = 0; k < problem_->size(); ++k) x[k] = transforms_[static_cast<std::size_t>(k)].external(u[k]);
    return x;
  }

  bool Evaluate(const double* u, double* cost, double* gradient) const override {
    const Eigen::VectorXd x = external(u);
    if (gradient == nullptr) {
      *cost = problem_->value(x);
      return std::isfinite(*cost);
    }
    Eigen::VectorXd g;
    *cost = problem_->value_and_gradient(x, g);
    if (!std::isfinite(*cost) || !g.allFinite()) return false;
    for (int k = 0; k < problem_->size(); ++k) {
      gradient[k] = g[k] * transforms_[static_cast<std::size_t>(k)].derivative(u[k]);
    }
    return true;
  }
  int NumParameters() const override { return problem_->size(); }

 private:
  FreeProblem* problem_;
  std::vector<BoundTransform> transforms_;
};

}  // namespace

MinimizeResult quasi_newton_minimize(const Objective& objective, const Eigen::VectorXd& start_full,
                                     const MinimizeOptions& options, Method method) {
  const auto t0 = std::chrono::steady_clock::now();
  const QuasiNewtonOptions& opt = options.quasi_newton;
  const double target = edm_target(objective, options);
  MinimizeResult result;
  result.method = method;
  FreeProblem problem(objective, start_full);
  const int m = problem.size();

  std::vector<BoundTransform> transforms;
  std::vector<double> u(static_cast<std::size_t>(m));
  for (int k = 0; k < m; ++k) {
    transforms.emplace_back(problem.lower()[k], problem.upper()[k]);
    u[static_cast<std::size_t>(k)] = transforms.back().internal(problem.start()[k]);
  }
  Eigen::VectorXd x = problem.start();
  // Ceres logs through glog even when SILENT (warnings of its line search); what it says is in our
  // result's status, and an uninitialised glog would print "Logging before InitGoogleLogging()".
  static const bool glog_quiet = [] {
    FLAGS_minloglevel = google::GLOG_FATAL;
    return true;
  }();
  (void)glog_quiet;
  ceres::GradientProblemSolver::Summary summary;
  if (m > 0) {
    auto* function = new TransformedFunction(&problem, transforms);  // owned by the problem
    ceres::GradientProblem ceres_problem(function);
    ceres::GradientProblemSolver::Options copt;
    copt.line_search_direction_type = method == Method::kBfgs ? ceres::BFGS : ceres::LBFGS;
    copt.max_lbfgs_rank = opt.lbfgs_rank;
    copt.use_approximate_eigenvalue_bfgs_scaling = true;
    copt.max_num_iterations = opt.max_iterations;
    copt.function_tolerance = opt.function_tolerance;
    copt.gradient_tolerance = opt.gradient_tolerance;
    copt.parameter_tolerance = opt.parameter_tolerance;
    copt.logging_type = ceres::SILENT;
    ceres::Solve(copt, ceres_problem, u.data(), &summary);
    x = function->external(u.data());
  }
  const Evaluation at = evaluate(problem, x);
  result.iterations = static_cast<int>(summary.iterations.size() > 0 ? summary.iterations.size() - 1 : 0);
  fill_result(problem, x, at, target, result);
  const std::string name = method == Method::kBfgs ? "BFGS" : "L-BFGS";
  const std::string edm = fmt::format("EDM {:.3g} (target {:.3g})", result.edm, target);
  if (!at.finite()) {
    result.termination = Termination::kNonFiniteStart;
    result.message = name + ": f, gradient or Hessian not finite at the end point (" +
                     summary.message + ")";
  } else if (result.edm <= target &&
             (result.positive_definite ||
              result.min_scaled_eigenvalue >= -options.newton.negative_curvature_tolerance)) {
    result.termination = Termination::kConverged;
    result.message = name + " converged: " + edm + " after " + std::to_string(result.iterations) +
                     " iterations";
  } else if (m > 0 && summary.termination_type == ceres::NO_CONVERGENCE) {
    result.termination = Termination::kMaxIterations;
    result.message = name + " stopped after " + std::to_string(result.iterations) +
                     " iterations with " + edm;
  } else {
    result.termination = Termination::kNoProgress;
    result.message = name + " stopped (" + summary.message + ") with " + edm;
  }
  result.time_seconds = seconds_since(t0);
  result.stages.push_back({method, method == Method::kBfgs ? "BFGS" : "L-BFGS", result.termination, result.message, result.fval, result.edm,
                           result.iterations, result.evaluations, result.time_seconds});
  return result;
}

}  // namespace hessfit::fit::detail
