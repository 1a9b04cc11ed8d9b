// Internal: the probe for lower minima of Method::kAuto.
#pragma once

#include <Eigen/Core>

#include <vector>

#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/objective.hpp"

namespace hessfit::fit::detail {

struct ProbeSeeds {
  std::vector<Eigen::VectorXd> starts;  // best (lowest f) first
  std::vector<double> deltas;           // f - f_min at each start
  std::vector<int> parameters;          // whose profile path each start lies on
  int evaluations = 0;
  int paths = 0, paths_total = 0;       // profile paths sampled, of all
};

/// What an exact Hessian at `minimum` is counted as in the probe's budget, in function values:
/// 4 ceil(c / 16) + 4 with c = the free parameters, or the nonzeros per column of a sparse Hessian.
long hessian_cost(const MinimizeResult& minimum, int free_parameters);

/// Samples f along the free parameters' first-order profile paths and returns the starts worth
/// a Newton run (see ProbeOptions), using at most `budget` function values (< 0: no limit):
/// first f at 1 sigma on the paths of as many parameters as the budget covers (those that
/// meet most others in f first), then the whole grid on the least quadratic paths as far as the
/// rest goes. Empty when the Hessian at the minimum is not positive definite.
ProbeSeeds probe_for_lower_minima(const Objective& objective, const MinimizeResult& minimum,
                                  const ProbeOptions& options, long budget);

}  // namespace hessfit::fit::detail
