// Goodness of fit: the saturated-model likelihood-ratio test (Baker & Cousins 1984; as cabinetry
// defines it for HistFactory models).
//
// The saturated model has nu_b = n_b in every main bin and its constraint terms at their maximum
// (every constrained parameter at its auxiliary value a: theta = a for a Gaussian constraint,
// gamma = a / tau for a Poisson one). The statistic is twice the NLL difference between the fit at
// theta_hat and the saturated model:
//
//   chi2 = 2 sum_b [nu_b - n_b + n_b log(n_b / nu_b)]                        (main part; n_b = 0: 2 nu_b)
//        + sum_{Gaussian j} ((a_j - theta_j) / sigma_j)^2                      (constraint part: the pulls
//        + 2 sum_{Poisson j} [gamma_j tau_j - a_j + a_j log(a_j / (gamma_j tau_j))]   count)
//
// = 2 [NLL(theta_hat | data) - NLL_saturated(data)], every term >= 0, evaluated cancellation-free
// (n (r - 1 - log r) with r = nu / n) so that Poisson constraints with tau ~ 1e11 do not lose digits.
// The auxiliary values a are the data vector's (the model's auxdata for the observed data, the
// toy's for a pseudo-experiment), so the statistic serves toys as well.
//
//   dof = main bins - free unconstrained parameters (normfactors, shapefactors, ... not fixed)
//   p   = P(chi2_dof >= chi2)   (asymptotic; none when dof <= 0, with the reason)
//
//   const auto gof = hessfit::infer::saturated_gof(model, fit.x);           // observed data
//   const auto toy = hessfit::infer::saturated_gof(model, toy_data, toy_fit.x);
#pragma once

#include <Eigen/Core>

#include <limits>
#include <string>
#include <vector>

#include "hessfit/infer/model.hpp"

namespace hessfit::infer {

enum class GofStatus {
  kOk,                   // chi2, dof and p-value
  kNoDegreesOfFreedom,   // chi2 computed, dof <= 0: no p-value (message says why)
  kNotFinite,            // a main bin with n > 0 and nu <= 0 (or a non-finite value): chi2 infinite/NaN
  kUnavailable,          // the model is not a HistFactory model (no main bins / constraint terms known)
};
/// "ok", "no_degrees_of_freedom", "not_finite", "unavailable".
std::string to_string(GofStatus status);

/// One channel's share of the main part.
struct ChannelGof {
  std::string name;
  std::size_t bins = 0;
  double chi2 = 0.0;  // 2 sum over its bins [nu - n + n log(n / nu)]
};

struct [[nodiscard]] SaturatedGof {
  GofStatus status = GofStatus::kUnavailable;
  std::string message;  // always set, for people
  double chi2 = std::numeric_limits<double>::quiet_NaN();        // main + constraint
  double main = std::numeric_limits<double>::quiet_NaN();        // sum of the channels' chi2
  double constraint = std::numeric_limits<double>::quiet_NaN();  // 2 [C(theta_hat) - C(theta_aux)]
  int main_bins = 0;
  int free_unconstrained = 0;  // free parameters without a constraint term
  int dof = 0;                 // main_bins - free_unconstrained
  double p_value = std::numeric_limits<double>::quiet_NaN();  // NaN unless status kOk
  std::vector<ChannelGof> channels;
  bool ok() const { return status == GofStatus::kOk; }
};

/// The saturated-model statistic of the fit `x_hat` to `data` (pyhf's data vector: main counts then
/// auxiliary data, model.data_size() entries). Free parameters are those not fixed in
/// model.objective() (fix the POI there for a background-only fit). Throws std::invalid_argument
/// when the sizes do not match the model.
SaturatedGof saturated_gof(const Model& model, const Eigen::VectorXd& data, const Eigen::VectorXd& x_hat);
/// The same on the model's observed data.
SaturatedGof saturated_gof(const Model& model, const Eigen::VectorXd& x_hat);

/// P(chi2_dof >= chi2), the asymptotic p-value (NaN for dof <= 0 or a non-finite chi2).
double chi2_p_value(double chi2, int dof);

}  // namespace hessfit::infer
