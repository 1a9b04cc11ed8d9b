// MINOS intervals: for a parameter k with best fit x_k, the innermost values on either side
// where the profile rises by up * q,
//
//   f_p(x_k + lower) = f_p(x_k + upper) = f_min + up * q,   q = chi2_quantile(cl, 1 dof),
//
// found by Newton's method on the profile (see profile.hpp) from the quadratic prediction
// +-sqrt(q) sigma_k, bracketing and bisecting where Newton misbehaves. If the parameter's bound
// comes first, the offset to the bound is reported with status kAtLimit. If a conditional fit
// finds a point below f_min, that side stops with kNewMinimum and the point: the minimum was not
// global, and fit() redoes the fit from there.
#pragma once

#include <Eigen/Core>

#include <limits>
#include <string>
#include <vector>

#include "hessfit/common/levels.hpp"
#include "hessfit/fit/covariance.hpp"
#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/objective.hpp"
#include "hessfit/fit/profile.hpp"

namespace hessfit::fit {

/// How a profile crossing search ended.
enum class CrossingStatus {
  kOk,             // crossing found
  kAtLimit,        // the parameter bound came first: the offset is to the bound
  kNewMinimum,     // a conditional fit went below f_min (see new_minimum)
  kNoConvergence,  // a conditional fit or the root finding did not converge
};
std::string to_string(CrossingStatus status);

struct MinosOptions {
  ProfileOptions profile;
  /// Confidence level of the interval; the default is one Gaussian sigma (q = 1).
  double confidence_level = kOneSigmaLevel;
  /// Stop when |r - R| <= tolerance * R, r = sqrt(2 Delta), R = sqrt(2 up q) (relative accuracy
  /// of the interval end).
  double tolerance = 1e-7;
  /// Conditional fits per side at most.
  int max_fits = 40;
};

/// One side of an interval.
struct MinosSide {
  CrossingStatus status = CrossingStatus::kNoConvergence;
  std::string message;
  /// Signed offset from the best fit (lower < 0 < upper); at a limit, the offset to the bound.
  double offset = std::numeric_limits<double>::quiet_NaN();
  /// The conditional minimum at the crossing (all parameters) and its f.
  Eigen::VectorXd x;
  double fval = std::numeric_limits<double>::quiet_NaN();
  /// With kNewMinimum: the lower point found.
  Eigen::VectorXd new_minimum;
  double new_minimum_fval = std::numeric_limits<double>::quiet_NaN();
  int fits = 0;         // conditional fits
  int evaluations = 0;  // objective evaluations in them

  bool ok() const { return status == CrossingStatus::kOk || status == CrossingStatus::kAtLimit; }
  bool at_limit() const { return status == CrossingStatus::kAtLimit; }
};

struct MinosInterval {
  int index = -1;
  std::string name;
  double value = std::numeric_limits<double>::quiet_NaN();  // best fit
  MinosSide lower, upper;
  bool ok() const { return lower.ok() && upper.ok(); }
};

struct [[nodiscard]] MinosResult {
  double confidence_level = 0.0;
  double threshold = 0.0;  // up * q: the rise of f at the interval ends
  std::vector<MinosInterval> intervals;
  double time_seconds = 0.0;
  bool ok() const;
  bool new_minimum_found() const;
  /// The lowest new minimum found by any side (empty if none).
  Eigen::VectorXd lowest_new_minimum() const;
  const MinosInterval* find(const std::string& name) const;
};

/// MINOS intervals of `parameters` (names) around `minimum`; `cov` provides the first guess
/// (may be inaccurate: then sqrt(2 up / H_kk) is used). Throws std::invalid_argument for an unknown
/// or fixed parameter.
MinosResult minos(const Objective& objective, const MinimizeResult& minimum,
                  const CovarianceResult& cov, const std::vector<std::string>& parameters,
                  const MinosOptions& options = {});

}  // namespace hessfit::fit
