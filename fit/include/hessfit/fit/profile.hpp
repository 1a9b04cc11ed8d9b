// The profile likelihood: f minimised over all free parameters but a chosen few,
//
//   f_p(v) = min_{x : x_k = v_k for k in K} f(x),      Delta(v) = f_p(v) - f_min,
//
// computed by conditional Newton fits, each warm-started from a neighbouring conditional minimum
// moved by the linear predictor of the implicit function theorem,
//
//   d x_O / d v_K = -H_OO^-1 H_OK      (O: the other free parameters),
//
// which is exact to first order, so a conditional fit usually converges in two or three
// Newton iterations. Along a straight line v_K(t) = v_K0 + t d, the envelope theorem gives the
// slope and curvature of the profile for free at every conditional minimum:
//
//   dDelta/dt = g_K . d,        d2Delta/dt2 = d^T (H_KK - H_KO H_OO^-1 H_OK) d,
//
// so crossings Delta(t) = up * q (MINOS, contours) are found by Newton's method on
// r(t) = sqrt(2 Delta(t)), which is linear in t for a Gaussian profile.
//
// Thresholds: q is the chi-square quantile of the confidence level with one degree of freedom
// for intervals (q = 1 at 68.27%) and two for contours (q = 2.2957 at 68.27%).
//
// Parallelism: MINOS sides, scan chains, contour rays and impact refits are independent tasks,
// each with a warm-start chain fixed by the problem alone, run on `threads` std::threads; the
// results are bit-identical for every thread count.
#pragma once

#include <Eigen/Core>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/objective.hpp"

namespace hessfit::fit {

namespace detail {
class SparseLlt;
}

/// Options shared by every profile computation (MINOS, scans, contours, impacts).
struct ProfileOptions {
  /// Options of each conditional fit (Newton by default: the start is already close).
  MinimizeOptions conditional = [] {
    MinimizeOptions o;
    o.method = Method::kNewton;
    o.newton.polish_iterations = 0;
    return o;
  }();
  /// A conditional fit ending this far below f_min means the minimum was not global:
  /// Delta < -new_minimum_tolerance * up / 0.5 is reported as a new minimum.
  double new_minimum_tolerance = 1e-6;
  /// Worker threads; 0 = std::thread::hardware_concurrency(). Results do not depend on it.
  int threads = 0;
};

/// The chi-square quantile q with P(chi2_dof <= q) = cl (Boost.Math); throws
/// std::invalid_argument unless 0 < cl < 1 and dof >= 1.
double chi_square_quantile(double cl, int dof);

/// The confidence level of an n-sigma Gaussian interval, erf(n / sqrt 2) (1 -> 0.6827).
double gaussian_confidence_level(double n_sigma);

/// One conditional fit: `parameters` (names) fixed at `values`, the other free parameters
/// minimised, starting from `start` (n values; empty: the objective's values). The returned
/// minimum is over the objective with those parameters fixed.
MinimizeResult conditional_fit(const Objective& objective, const std::vector<std::string>& parameters,
                               const std::vector<double>& values, const Eigen::VectorXd& start = {},
                               const MinimizeOptions& options = ProfileOptions{}.conditional);

// --- warm starts for conditional fits (MINOS, scans, impacts, hypothesis tests) -------------
//
// A conditional fit at fixed values v of the `moved` parameters M starts best from a known
// conditional minimum x0 (at v0) moved by the linear predictor, x0 + (v - v0) . dx/dv, and is
// refined by chord steps (fixed-Hessian Newton steps with the global minimum's inverse Hessian)
// for the price of gradients before Newton takes over: it then usually converges after one
// exact Hessian.

/// dx/dt of every parameter when the `moved` ones change along `direction` and the other free
/// ones follow their conditional minimum: -H_OO^-1 H_OM d (zero for fixed and moved entries;
/// the moved entries are set to `direction`). O = free parameters of `objective` not in `moved`.
Eigen::VectorXd linear_predictor(const Objective& objective, const Eigen::MatrixXd& hessian,
                                 const std::vector<int>& moved, const Eigen::VectorXd& direction);
/// The same with the Hessian of a minimisation result, dense or sparse (a sparse Cholesky of H_OO).
Eigen::VectorXd linear_predictor(const Objective& objective, const MinimizeResult& at, const std::vector<int>& moved,
                                 const Eigen::VectorXd& direction);

/// Curvature of the profile along the direction: d^T (H_MM - H_MO H_OO^-1 H_OM) d, using the
/// predictor p from linear_predictor: d^T H_MM d + d^T H_MO p_O.
double profile_curvature(const Eigen::MatrixXd& hessian, const std::vector<int>& moved,
                         const Eigen::VectorXd& direction, const Eigen::VectorXd& predictor);

/// A start for a conditional fit: `from` + `predictor` * dt, with the moved parameters at
/// `values`, clamped into the bounds.
Eigen::VectorXd predicted_start(const Objective& objective, const Eigen::VectorXd& from,
                                const Eigen::VectorXd& predictor, double dt,
                                const std::vector<int>& moved, const Eigen::VectorXd& values);

/// The inverse Hessian at the global minimum over its free, non-held parameters, for chord
/// (fixed-Hessian) Newton steps that bring a conditional fit's start close to its minimum for the
/// price of gradients only: with M the moved parameters and O the others,
///   (H_OO)^-1 = V_OO - V_OM V_MM^-1 V_MO,   so   p_O = -[V g - V_.M V_MM^-1 (V g)_M]_O
/// (g with its M entries zeroed) costs two matrix-vector products.
/// With a sparse Hessian V is never formed: V g and the columns V_.M come from solves with the
/// sparse Cholesky factor of S = D^-1 H D^-1.
struct Chord {
  std::vector<int> inner;       // parameter indices covered by v
  std::vector<int> position;    // position in `inner` of each parameter, -1 if not covered
  Eigen::MatrixXd v;            // H_inner,inner^-1 (empty: dense chord steps disabled)
  std::shared_ptr<const detail::SparseLlt> factor;  // sparse: the factor of S (null: sparse chord steps disabled)
  Eigen::VectorXd inv_d;        // sparse: D^-1
  static Chord at(const Objective& objective, const MinimizeResult& minimum);
  bool usable() const;
  /// V b for b over `inner`.
  Eigen::VectorXd apply(const Eigen::VectorXd& b) const;
  /// Column a of V (a position in `inner`).
  Eigen::VectorXd column(Eigen::Index a) const;
  /// A scale of parameter a's error: sqrt(V_aa) (dense), 1/D_a <= sqrt(V_aa) (sparse).
  double sigma(Eigen::Index a) const;
};

/// Line-searched chord steps (conditional_minimum with ChordOptions; toy fits): projected
/// fixed-Hessian Newton steps (Bertsekas' projected Newton with the chord for the Hessian;
/// parameters on a bound that a step would leave by are held there), each a backtracking line
/// search on f with Armijo's condition, for the price of a gradient and a few function values.
struct ChordOptions {
  /// Chord steps at most (per chord: the refreshed ones start again).
  int max_steps = 30;
  /// Stop once the chord's estimate of the EDM, 1/2 g_F^T (H_FF)^-1 g_F with H^-1 ~ V, is at most
  /// edm_fraction * the fit's EDM target (Newton's one Hessian then confirms convergence).
  double edm_fraction = 0.1;
  /// Stop when for `patience` steps the EDM estimate has not fallen below `contraction` times the
  /// lowest one so far (the chord no longer contracts: an exact Hessian does better).
  double contraction = 0.5;
  int patience = 3;
  /// Step reductions of one line search (quadratic interpolation, factors 0.1 to 0.5).
  int max_backtracks = 10;
  /// A parameter that a step put on a bound where the gradient points back inside (a wall, not a
  /// minimum on the bound) is put back at this fraction of the way to where it came from.
  double wall_fraction = 0.1;
  /// When the chord steps stop before the EDM estimate is reached, up to this many times the
  /// exact Hessian where they stopped (when positive definite) becomes the chord and they go on
  /// (Shamanskii's method: one Hessian for several steps).
  int max_refreshes = 0;
  /// Dense chords: each accepted step updates the chord's inverse Hessian by BFGS (s the step,
  /// y the change of the gradient), so that the steps learn how the curvature changes away from
  /// where the chord was taken instead of stalling there.
  bool bfgs_updates = false;
};

/// Conditional minimum with `moved` fixed at `values` (objective copied, nothing else changed).
/// With a chord, chord steps refine the start before Newton, which then usually converges after
/// one exact Hessian: without `chord_options`, up to four full steps, each accepted only if f
/// does not rise (starts a neighbouring conditional minimum predicted well: MINOS, scans,
/// impacts); with them, the line-searched steps above (starts far in a nonlinear region: toys).
/// `learned` (optional, with bfgs_updates and a dense chord) receives the chord as the steps left
/// it: the last chord used (the given one or a refreshed one) with its BFGS-updated V; an empty
/// Chord otherwise.
MinimizeResult conditional_minimum(const Objective& objective, const std::vector<int>& moved,
                                   const Eigen::VectorXd& values, const Eigen::VectorXd& start,
                                   const MinimizeOptions& options, const Chord* chord = nullptr,
                                   const ChordOptions* chord_options = nullptr, Chord* learned = nullptr);

/// Better of two conditional fits: converged first, then lower f.
bool better_fit(const MinimizeResult& a, const MinimizeResult& b);

}  // namespace hessfit::fit
