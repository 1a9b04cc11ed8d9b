// Uncertainty breakdown of a parameter (the POI): how its error splits into a statistical part
// and groups of systematic uncertainties -- the "impact of a group" definition (Combine's
// breakdown, ATLAS's grouped impacts):
//
//   stat       = sigma(POI) of the fit with every *constrained* free parameter fixed at its best
//                fit (free normalisation factors stay free: Combine's allConstrainedNuisances)
//   impact(G)  = sqrt(sigma_total^2 - sigma_{G fixed}^2), sigma_{G fixed} from a refit with the
//                group's parameters fixed at their best fit
//
// from Hessian errors, and from MINOS errors (each side apart) when asked. Beside each, the
// covariance-based estimate from the full fit's covariance alone (no refit):
//
//   sigma_{G fixed}^2 = C_pp - C_pG C_GG^-1 C_Gp   (the conditional variance)
//
// For Hessian errors the two agree to rounding -- the group fixed at its best fit leaves the others
// at their best fit, and the refit's Hessian is the full one restricted -- so the refit doubles
// as a check; MINOS errors differ where the likelihood is not quadratic. Groups need not be
// disjoint or cover every parameter; when they are disjoint and cover every constrained
// parameter, stat^2 + sum impact(G)^2 = total^2 only up to the correlations between groups
// (`quadrature_sum` against `total` says how far).
#pragma once

#include <Eigen/Core>

#include <limits>
#include <string>
#include <vector>

#include "hessfit/fit/covariance.hpp"
#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/minos.hpp"
#include "hessfit/fit/objective.hpp"

namespace hessfit::infer {

/// A named set of parameters (indices into the objective).
struct BreakdownGroup {
  std::string name;
  std::vector<int> parameters;
};

struct BreakdownOptions {
  /// The refits with a group fixed start at the best fit (already their minimum to first order).
  fit::MinimizeOptions refit;
  /// Also MINOS errors of the parameter in each refit (two profile crossings each).
  bool minos = false;
  fit::MinosOptions minos_options;
  /// Threads for the refits (0 = all cores); results do not depend on it.
  int threads = 0;
};

/// The parameter's uncertainty with a set of parameters fixed, and what that set accounts for.
struct BreakdownPart {
  std::string name;           // "stat" or the group's name
  int parameters = 0;         // how many parameters were fixed (free ones only)
  double error = std::numeric_limits<double>::quiet_NaN();        // Hessian error of the refit
  double impact = std::numeric_limits<double>::quiet_NaN();       // sqrt(total^2 - error^2) (stat: error)
  double covariance_error = std::numeric_limits<double>::quiet_NaN();   // sqrt(conditional variance)
  double covariance_impact = std::numeric_limits<double>::quiet_NaN();  // sqrt(total^2 - that)
  /// MINOS (when asked): the refit's interval and the impacts per side (lower as a positive size).
  double minos_lower = std::numeric_limits<double>::quiet_NaN(), minos_upper = std::numeric_limits<double>::quiet_NaN();
  double minos_impact_lower = std::numeric_limits<double>::quiet_NaN(), minos_impact_upper = std::numeric_limits<double>::quiet_NaN();
  bool ok = false;
  std::string message;  // always set
};

struct [[nodiscard]] BreakdownResult {
  std::string parameter;
  double value = std::numeric_limits<double>::quiet_NaN();
  double total = std::numeric_limits<double>::quiet_NaN();  // Hessian error of the full fit
  double total_minos_lower = std::numeric_limits<double>::quiet_NaN(), total_minos_upper = std::numeric_limits<double>::quiet_NaN();
  BreakdownPart stat;
  std::vector<BreakdownPart> groups;
  /// sqrt(stat^2 + sum impact^2): equals `total` only for disjoint groups without correlations.
  double quadrature_sum = std::numeric_limits<double>::quiet_NaN();
  bool ok = false;
  std::string message;  // always set
};

/// The breakdown of the error of `parameter` at the fit `minimum` of `objective` with covariance
/// `covariance` (dense); `constrained[i]` says whether parameter i has a constraint term; `minos`
/// the full fit's MINOS interval of the parameter when options.minos. Throws
/// std::invalid_argument for an unknown parameter index or a group naming a bad index.
BreakdownResult uncertainty_breakdown(const fit::Objective& objective, const fit::MinimizeResult& minimum,
                                      const fit::CovarianceResult& covariance, int parameter,
                                      const std::vector<bool>& constrained, const std::vector<BreakdownGroup>& groups,
                                      const BreakdownOptions& options = {}, const fit::MinosInterval* minos = nullptr);

}  // namespace hessfit::infer
