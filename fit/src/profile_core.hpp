// Internal: crossing search along a ray and a deterministic parallel loop, shared by MINOS,
// scans, contours and impacts (the warm-start tools they use are public, in profile.hpp).
#pragma once

#include <Eigen/Core>

#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "hessfit/fit/covariance.hpp"
#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/minos.hpp"
#include "hessfit/fit/objective.hpp"
#include "hessfit/fit/parallel.hpp"
#include "hessfit/fit/profile.hpp"
#include "sparse_algebra.hpp"

namespace hessfit::fit::detail {

using fit::parallel_for;
using fit::resolve_threads;

struct Ray {
  std::vector<int> moved;
  Eigen::VectorXd origin;     // values of the moved parameters at t = 0 (the best fit)
  Eigen::VectorXd direction;  // unit of t
  double threshold = 0.5;     // Delta to reach
  double first_guess = 1.0;   // t of the first trial (quadratic prediction)
};

struct RayOptions {
  ProfileOptions profile;
  double tolerance = 1e-7;
  int max_fits = 40;
  /// Where the profile is less than half its quadratic prediction, release the moved parameters
  /// once and minimise: catches a lower valley the root finding would step over.
  bool release_check = true;
  const Chord* chord = nullptr;
};

struct RayCrossing {
  CrossingStatus status = CrossingStatus::kNoConvergence;
  std::string message;
  double t = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd x;
  double fval = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd new_minimum;
  double new_minimum_fval = std::numeric_limits<double>::quiet_NaN();
  int fits = 0;
  int evaluations = 0;
};

/// First guess of a parameter's error: the covariance if usable, else sqrt(2 up / H_ii).
double guess_error(const Objective& objective, const MinimizeResult& minimum,
                   const CovarianceResult& cov, int i);

/// The innermost t > 0 with Delta(origin + t direction) = threshold, by Newton's method on
/// r(t) = sqrt(2 Delta(t)) with bracketing; stops at the bounds of the moved parameters.
RayCrossing find_crossing(const Objective& objective, const MinimizeResult& minimum, const Ray& ray,
                          const RayOptions& options);

}  // namespace hessfit::fit::detail
