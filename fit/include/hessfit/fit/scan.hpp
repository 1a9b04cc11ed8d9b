// Profile scans in one parameter and profile contours in two.
//
// Scan: Delta(v) = f_p(v) - f_min at given values v of one parameter. The points on either side
// of the best fit form two chains walked outward, each point warm-started from its inner
// neighbour's conditional minimum moved by the linear predictor; optionally every point is also
// fitted from the global minimum moved by the predictor, and the lower of the two kept (guards
// against a chain that followed a local valley).
//
// Contour: the curve Delta(v_a, v_b) = up * q, q = chi2_quantile(cl, 2 dof), found along n rays
// from the best fit, v(t) = v_hat + t L (cos phi_j, sin phi_j), phi_j = 2 pi j / n, L the
// Cholesky factor of the 2 x 2 covariance block: for a Gaussian the crossing is at t = sqrt(q)
// on every ray, so the root finding starts almost on it. Rays are independent (parallel).
#pragma once

#include <Eigen/Core>

#include <limits>
#include <string>
#include <vector>

#include "hessfit/common/levels.hpp"
#include "hessfit/fit/covariance.hpp"
#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/minos.hpp"
#include "hessfit/fit/objective.hpp"
#include "hessfit/fit/profile.hpp"

namespace hessfit::fit {

struct ScanOptions {
  ProfileOptions profile;
  /// Also fit every point from the global minimum (+ predictor) and keep the lower one.
  bool two_starts = true;
};

struct ScanPoint {
  double value = std::numeric_limits<double>::quiet_NaN();
  /// f_p(value) - f_min (not twice).
  double delta = std::numeric_limits<double>::quiet_NaN();
  double fval = std::numeric_limits<double>::quiet_NaN();
  /// Conditional minimum, all parameters.
  Eigen::VectorXd x;
  Termination termination = Termination::kNoProgress;
  int evaluations = 0;
  bool converged() const { return termination == Termination::kConverged; }
};

struct [[nodiscard]] ProfileScan {
  int index = -1;
  std::string name;
  double best_fit = std::numeric_limits<double>::quiet_NaN();
  double fmin = std::numeric_limits<double>::quiet_NaN();
  std::vector<ScanPoint> points;  // in the order of the requested values
  double time_seconds = 0.0;
  bool all_converged() const;
  /// A point with delta < -new_minimum_tolerance: the minimum was not global.
  bool new_minimum_found = false;
  /// The lowest such point (all parameters), if any.
  Eigen::VectorXd new_minimum;
};

/// `n` equally spaced values over [center - width, center + width] clipped to `bounds` (the shared
/// references use n = 21, width = 3 sigma around the best fit).
std::vector<double> scan_values(double center, double width, const Bounds& bounds, int n = 21);

/// Profile scan of parameter `name` at `values`.
ProfileScan profile_scan(const Objective& objective, const MinimizeResult& minimum,
                         const std::string& name, const std::vector<double>& values,
                         const ScanOptions& options = {});

struct ContourOptions {
  ProfileOptions profile;
  /// Confidence level (2 degrees of freedom); default: the 1-sigma level, q = 2.2957.
  double confidence_level = kOneSigmaLevel;
  /// Number of rays (points on the contour).
  int points = 24;
  /// Root finding on each ray, as for MINOS.
  double tolerance = 1e-7;
  int max_fits = 40;
};

struct ContourPoint {
  double x = std::numeric_limits<double>::quiet_NaN();  // value of the first parameter
  double y = std::numeric_limits<double>::quiet_NaN();  // value of the second
  double angle = 0.0;                                   // phi of the ray
  CrossingStatus status = CrossingStatus::kNoConvergence;
  int fits = 0;
};

struct [[nodiscard]] Contour {
  int x_index = -1, y_index = -1;
  std::string x_name, y_name;
  double confidence_level = 0.0;
  double threshold = 0.0;  // up * q
  double x_best = std::numeric_limits<double>::quiet_NaN();
  double y_best = std::numeric_limits<double>::quiet_NaN();
  std::vector<ContourPoint> points;  // by angle
  double time_seconds = 0.0;
  bool ok() const;
  bool new_minimum_found = false;
  Eigen::VectorXd new_minimum;
};

Contour profile_contour(const Objective& objective, const MinimizeResult& minimum,
                        const CovarianceResult& cov, const std::string& x_name,
                        const std::string& y_name, const ContourOptions& options = {});

}  // namespace hessfit::fit
