// Minimisation of an Objective over its free parameters, within their bounds.
//
// Newton (Method::kNewton) is a trust-region Newton method with the exact Hessian. Each iteration
// solves the trust-region subproblem
//
//     min_p  g^T p + 1/2 p^T H p   subject to  ||D p|| <= Delta,   D = diag(sqrt|H_ii|),
//
// i.e. p = -(H + sigma D^2)^-1 g with the smallest sigma >= max(0, -lambda_min) that keeps the step
// inside the region: the plain Newton step from a Cholesky factorisation when H is positive
// definite and the step fits, otherwise exactly by eigendecomposition (More & Sorensen 1983, with
// the hard case). An indefinite Hessian is thus handled without being modified, and Delta is
// measured in "standard deviations". A trial point is first evaluated for f only; the Hessian is
// computed once a step is accepted (ratio of actual to predicted decrease). Bounds are respected by an active set (parameters on a bound
// whose gradient points outward are held there) and projected steps. A trial point where f is not
// finite (beyond a wall: a Poisson rate reaching zero) is first moved back across the wall along
// the stiffest eigenvectors of a dense H (near a wall with a tiny observed count the barrier term
// n/nu^2 grad nu grad nu^T dominates H, so its normal is one of them), to the nearest point where
// f is finite, which then faces the usual ratio test; if none is found the step is invalid (the
// region shrinks), never an error. Without this a minimum against a curved wall is reached only
// by steps of order sqrt(nu / curvature) along it. Convergence is declared when the
// expected distance to the minimum over the free, non-active parameters
//
//     EDM = 1/2 g^T H^-1 g  <=  edm_tolerance * up / 0.5
//
// and H has no significantly negative curvature there (not a saddle); then one more full Newton
// step is taken ("polish", squaring the EDM) unless it is already at rounding level.
//
// Quasi-Newton (kLbfgs, kBfgs) runs Ceres' GradientProblemSolver on internal, unbounded
// coordinates u (Minuit's transforms: x = a + (b - a)(sin u + 1)/2 for two bounds,
// x = a - 1 + sqrt(u^2 + 1) for a lower one, x = b + 1 - sqrt(u^2 + 1) for an upper one). Results,
// the EDM (from the exact Hessian at the end point) and everything else are reported in the
// user's coordinates.
//
// kAuto (the default) is Newton from the start (with an L-BFGS start when Newton alone does not
// converge), followed by a probe for lower minima along the first-order profile paths of the free
// parameters k, x(t) = x_hat + t sigma_k V_.k / V_kk (V = H^-1), function values only, within a
// budget (ProbeOptions::max_evaluations; by default what the minimisation it checks cost, counting
// an exact Hessian as 4 ceil(c/16) + 4 function values, at least min(400, 4 n)): first f at
// t = +-2 on the paths of as many parameters as the budget covers (on a sparse Hessian those that
// meet most others first), then the whole grid t = +-step, +-2 step, ... up to +-max_sigma on the
// paths least like the quadratic expectation, as far as the budget goes. On each path the lowest
// sample that is below f_min, or that lies past a concave stretch with
// f - f_min < flatness * up * t^2 (a profile flattening out: another valley nearby), is a start;
// starts below f_min and the lowest flattening one get a Newton run (further ones only within the
// budget); the lowest converged minimum wins and is probed again. On the shared ATLAS staus
// workspace Minuit, L-BFGS and Newton from the suggested start all stop in a local minimum 0.043
// above the global one, which lies 0.9 sigma away along one nuisance parameter's profile: the
// probe finds it with ~400 function values and one extra Newton run.
#pragma once

#include <Eigen/Core>

#include <limits>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

#include "hessfit/fit/objective.hpp"

namespace hessfit::fit {

enum class Method {
  kAuto,    // Newton (L-BFGS start if needed), then probe for lower minima; the default
  kNewton,  // trust-region Newton with the exact Hessian
  kLbfgs,   // Ceres L-BFGS on bound-transformed coordinates
  kBfgs,    // Ceres dense BFGS on bound-transformed coordinates
};

enum class Termination {
  kConverged,       // EDM below the target, no negative curvature: a minimum
  kMaxIterations,   // iteration (or evaluation) limit reached first
  kNoProgress,      // no step reduces f any more (trust region collapsed, line search failed)
                    // while the EDM is still above its target
  kNonFiniteStart,  // f, its gradient or Hessian is not finite at the starting point
};

/// Per-parameter state at a minimum.
enum class ParameterState {
  kFree,          // free and inside its bounds (possibly touching a bound that does not hold it)
  kFixed,         // fixed by the user
  kAtLowerBound,  // held by its lower bound: the gradient points outward (active constraint)
  kAtUpperBound,  // held by its upper bound
};

std::string to_string(Method method);
/// The method called `name` ("auto", "newton", "lbfgs", "bfgs"), or nothing.
std::optional<Method> parse_method(std::string_view name);
std::string to_string(Termination termination);
std::string to_string(ParameterState state);

struct NewtonOptions {
  /// Newton iterations (one Hessian each).
  int max_iterations = 100;
  /// First trust-region radius, in units of ||D p|| (about one standard deviation per unit).
  double initial_trust_radius = 1.0;
  double max_trust_radius = 1e6;
  /// Stop with kNoProgress when the radius shrinks below this.
  double min_trust_radius = 1e-14;
  /// A step is accepted when (f - f_trial) / (model decrease) > accept_ratio.
  double accept_ratio = 1e-4;
  /// Relative noise of f: when the model decrease is below noise * max(1, |f|), the step is
  /// accepted if f does not rise by more than that (the ratio test is meaningless in rounding).
  double relative_function_noise = 1e-14;
  /// A minimum may have Hessian eigenvalues (of D^-1 H D^-1, unit diagonal) down to -this;
  /// below, the point is treated as a saddle and the minimiser steps along negative curvature.
  double negative_curvature_tolerance = 1e-6;
  /// Full Newton steps taken after convergence (each squares the EDM; free precision for one
  /// Hessian). Profile fits set 0.
  int polish_iterations = 1;
};

struct QuasiNewtonOptions {
  int max_iterations = 10000;
  /// Rank of the L-BFGS inverse-Hessian approximation.
  int lbfgs_rank = 20;
  /// Ceres stops when |f_new - f_old| < function_tolerance * |f_old|.
  double function_tolerance = 1e-13;
  /// Ceres stops when max_i |u_i - u_i'| < gradient_tolerance after a projected gradient step.
  double gradient_tolerance = 1e-10;
  /// Ceres stops when |step| < parameter_tolerance * (|u| + parameter_tolerance).
  double parameter_tolerance = 1e-12;
};

/// The probe for lower minima of Method::kAuto (see the top of this file).
struct ProbeOptions {
  bool enabled = true;
  /// Spacing and reach of the samples along each profile path, in standard deviations.
  double step = 0.25;
  double max_sigma = 2.5;
  /// A sample past a concave stretch seeds a run when f - f_min < flatness * up * t^2
  /// (the quadratic expectation is up * t^2).
  double flatness = 0.5;
  /// Seeded Newton runs per round (lowest samples first), and rounds (each from a new minimum).
  int max_starts = 4;
  int max_rounds = 3;
  /// A minimum counts as lower when below f_min - tolerance * up / 0.5.
  double tolerance = 1e-6;
  /// Threads for the samples and runs; 0 = hardware concurrency. Results do not depend on it.
  int threads = 0;
  /// Budget in function values (a seeded Newton run counts its evaluations, an exact Hessian as
  /// 4 ceil(c / 16) + 4 function values, c = free parameters, or nonzeros per column of a sparse
  /// Hessian). 0: adaptive, what the minimisation it checks cost; < 0: no budget.
  long max_evaluations = 0;
};

struct MinimizeOptions {
  Method method = Method::kAuto;
  /// Converged when EDM = 1/2 g^T H^-1 g <= edm_tolerance * up / 0.5 (so 1e-8 for an NLL,
  /// 2e-8 for a chi-square). Minuit's default target is 1e-4 for an NLL (tol 0.1).
  double edm_tolerance = 1e-8;
  NewtonOptions newton;
  QuasiNewtonOptions quasi_newton;
  ProbeOptions probe;
};

/// One stage of a minimisation (kAuto runs several).
struct MinimizeStage {
  Method method = Method::kNewton;
  std::string description;  // "Newton from the start", "probe round 1: Newton from a sample on ..."
  Termination termination = Termination::kNoProgress;
  std::string message;
  double fval = std::numeric_limits<double>::quiet_NaN();
  double edm = std::numeric_limits<double>::quiet_NaN();
  int iterations = 0;
  int evaluations = 0;
  double time_seconds = 0.0;
};

struct [[nodiscard]] MinimizeResult {
  Termination termination = Termination::kNoProgress;
  std::string message;  // always set, for people
  Method method = Method::kAuto;

  /// All parameters (fixed ones included), user coordinates.
  Eigen::VectorXd x;
  double fval = std::numeric_limits<double>::quiet_NaN();
  /// 1/2 g^T H^-1 g over the free parameters not held by a bound.
  double edm = std::numeric_limits<double>::quiet_NaN();
  /// Exact gradient and Hessian of f at x, over all parameters (n and n x n). On the sparse path
  /// (Objective::uses_sparse_hessian()) `hessian` is empty (0 x 0) and the Hessian is in
  /// `sparse_hessian` (both triangles); otherwise `sparse_hessian` is empty.
  Eigen::VectorXd gradient;
  Eigen::MatrixXd hessian;
  Eigen::SparseMatrix<double> sparse_hessian;
  /// The Hessian is held sparse.
  bool has_sparse_hessian() const { return sparse_hessian.rows() > 0; }
  /// State of every parameter at x (fixed, free, held by a bound).
  std::vector<ParameterState> parameter_states;
  /// The Hessian over the free parameters not held by a bound is positive definite at x
  /// (a minimum, not a saddle); see covariance() for its eigenvalues.
  bool positive_definite = false;
  /// Smallest eigenvalue of D^-1 H D^-1 (unit diagonal, D = diag sqrt|H_ii|) over those
  /// parameters. Always set by kAuto; the single methods set it only when the Hessian is not
  /// positive definite (NaN otherwise: profile fits skip the eigensolve for speed).
  double min_scaled_eigenvalue = std::numeric_limits<double>::quiet_NaN();

  int iterations = 0;             // Newton + quasi-Newton iterations, all stages
  int evaluations = 0;            // objective evaluations of any kind
  int gradient_evaluations = 0;   // of which with a gradient
  int hessian_evaluations = 0;    // of which with a Hessian
  double time_seconds = 0.0;      // wall time
  std::vector<MinimizeStage> stages;
  /// kAuto's probe: function values sampled, Newton runs seeded, lower minima found.
  int probe_evaluations = 0;
  int probe_starts = 0;
  int lower_minima_found = 0;
  /// Profile paths the probe sampled (two per parameter when it covered all), and how many there were.
  int probe_paths = 0;
  int probe_paths_total = 0;

  bool converged() const { return termination == Termination::kConverged; }
  /// One line: termination, fval, EDM, iterations, evaluations. No wall time: the line goes into
  /// messages of results that must be the same bits on every run (time_seconds holds the time).
  std::string brief_report() const;
};

/// Minimises `objective` from its current values over its free parameters.
MinimizeResult minimize(const Objective& objective, const MinimizeOptions& options = {});

/// Same, starting from `start` (all n parameters; the entries of fixed parameters are ignored:
/// they stay at the objective's values; free entries are clamped into the bounds).
MinimizeResult minimize(const Objective& objective, const Eigen::VectorXd& start,
                        const MinimizeOptions& options = {});

}  // namespace hessfit::fit
