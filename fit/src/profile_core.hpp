// Internal: conditional fits, linear predictors, crossing search along a ray, and a
// deterministic parallel loop — shared by MINOS, scans, contours and impacts.
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
#include "hessfit/fit/profile.hpp"
#include "sparse_algebra.hpp"

namespace hessfit::fit::detail {

int resolve_threads(int threads, int tasks);

/// Runs task(i) for i in [0, n) on up to `threads` threads. Tasks must not depend on one another
/// or on the order they run in (each writes its own slot): then results do not depend on the
/// thread count. The first exception thrown by a task is rethrown after all threads joined.
void parallel_for(int n, int threads, const std::function<void(int)>& task);

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
  SparseLlt factor;             // sparse: the factor of S (not ok(): sparse chord steps disabled)
  Eigen::VectorXd inv_d;        // sparse: D^-1
  static Chord at(const Objective& objective, const MinimizeResult& minimum);
  bool usable() const { return v.size() > 0 || factor.ok(); }
  /// V b for b over `inner`.
  Eigen::VectorXd apply(const Eigen::VectorXd& b) const;
  /// Column a of V (a position in `inner`).
  Eigen::VectorXd column(Eigen::Index a) const;
  /// A scale of parameter a's error: sqrt(V_aa) (dense), 1/D_a <= sqrt(V_aa) (sparse).
  double sigma(Eigen::Index a) const;
};

/// Conditional minimum with `moved` fixed at `values` (objective copied, nothing else changed).
/// With a chord, up to a few fixed-Hessian steps (each accepted only if f decreases) refine the
/// start before Newton, which then usually converges after one exact Hessian.
MinimizeResult conditional_minimum(const Objective& objective, const std::vector<int>& moved,
                                   const Eigen::VectorXd& values, const Eigen::VectorXd& start,
                                   const MinimizeOptions& options, const Chord* chord = nullptr);

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

/// Better of two conditional fits: converged first, then lower f.
bool better_fit(const MinimizeResult& a, const MinimizeResult& b);

/// The innermost t > 0 with Delta(origin + t direction) = threshold, by Newton's method on
/// r(t) = sqrt(2 Delta(t)) with bracketing; stops at the bounds of the moved parameters.
RayCrossing find_crossing(const Objective& objective, const MinimizeResult& minimum, const Ray& ray,
                          const RayOptions& options);

}  // namespace hessfit::fit::detail
