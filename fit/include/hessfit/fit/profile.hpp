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
#include <string>
#include <vector>

#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/objective.hpp"

namespace hessfit::fit {

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

}  // namespace hessfit::fit
