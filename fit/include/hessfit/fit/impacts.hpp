// Impacts of constrained nuisance parameters on a parameter of interest mu (the "ranking").
//
// Refit impacts: theta_i fixed at theta_i_hat +- sigma_i (post-fit: its Hessian error; pre-fit:
// the constraint width the caller supplies), everything else refitted:
//
//   Delta mu_i(+-) = mu_hat(theta_i = theta_i_hat +- sigma_i) - mu_hat,
//
// each refit warm-started from the global minimum moved by the linear predictor, all in
// parallel. Covariance impacts (instant, first order in the same shift):
//
//   post-fit: V_mu,i / sigma_i_post        pre-fit: V_mu,i sigma_i_pre / sigma_i_post^2.
//
// The list is ranked by the larger post-fit refit impact, max(|Delta mu(+)|, |Delta mu(-)|).
#pragma once

#include <Eigen/Core>

#include <limits>
#include <string>
#include <vector>

#include "hessfit/fit/covariance.hpp"
#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/objective.hpp"
#include "hessfit/fit/profile.hpp"

namespace hessfit::fit {

/// A constrained nuisance parameter and its pre-fit uncertainty (the constraint width).
struct ConstrainedParameter {
  std::string name;
  double prefit_sigma = 1.0;
};

struct ImpactsOptions {
  ProfileOptions profile;
  /// Also compute the pre-fit refit impacts (two more fits per parameter).
  bool prefit = true;
};

/// One refit: theta fixed at `theta`, mu refitted.
struct ImpactRefit {
  double theta = std::numeric_limits<double>::quiet_NaN();
  double delta_poi = std::numeric_limits<double>::quiet_NaN();
  bool clipped = false;  // theta_hat +- sigma was outside the bounds and clipped to them
  Termination termination = Termination::kNoProgress;
  bool converged() const { return termination == Termination::kConverged; }
};

struct Impact {
  int index = -1;
  std::string name;
  double value = std::numeric_limits<double>::quiet_NaN();  // theta_hat
  double postfit_sigma = std::numeric_limits<double>::quiet_NaN();
  double prefit_sigma = std::numeric_limits<double>::quiet_NaN();
  ImpactRefit postfit_up, postfit_down, prefit_up, prefit_down;
  double covariance_postfit = std::numeric_limits<double>::quiet_NaN();  // V_mu,i / sigma_i
  double covariance_prefit = std::numeric_limits<double>::quiet_NaN();
  /// max(|postfit_up.delta_poi|, |postfit_down.delta_poi|): the ranking key.
  double rank_key() const;
};

struct [[nodiscard]] ImpactsResult {
  int poi_index = -1;
  std::string poi;
  double poi_value = std::numeric_limits<double>::quiet_NaN();
  double poi_error = std::numeric_limits<double>::quiet_NaN();
  /// Ranked: largest impact first (ties by parameter index).
  std::vector<Impact> impacts;
  /// Fixed or bound-held parameters that were skipped.
  std::vector<std::string> skipped;
  double time_seconds = 0.0;
  bool all_converged() const;
  bool new_minimum_found = false;
  Eigen::VectorXd new_minimum;
};

/// Impacts of `constrained` on `poi`. Throws std::invalid_argument for unknown names or a fixed
/// POI.
ImpactsResult impacts(const Objective& objective, const MinimizeResult& minimum,
                      const CovarianceResult& cov, const std::string& poi,
                      const std::vector<ConstrainedParameter>& constrained,
                      const ImpactsOptions& options = {});

}  // namespace hessfit::fit
