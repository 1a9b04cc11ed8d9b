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
};

/// Samples f along every free parameter's first-order profile path and returns the starts worth
/// a Newton run (see ProbeOptions). Empty when the Hessian at the minimum is not positive definite.
ProbeSeeds probe_for_lower_minima(const Objective& objective, const MinimizeResult& minimum,
                                  const ProbeOptions& options);

}  // namespace hessfit::fit::detail
