// Pre- and post-fit yields of a HistFactory model per channel, bin and sample, with their
// uncertainties by exact first-order propagation:
//
//   var(L nu) = L J C J^T L^T,   J = d nu_{c,s,b} / d theta   (one Jacobian by hessfit::ad)
//
// for every linear combination L that a table or a plot shows: one sample in one bin, the channel
// total in a bin (sum over samples, correlations kept), a sample summed over the channel's bins and
// the channel total summed over bins. Only the parameters with a non-zero covariance row enter J.
//
// Post-fit: theta = the best fit, C = the fit covariance. Pre-fit, as cabinetry does: constrained
// parameters at their auxiliary centres (Gaussian: a; Poisson: a / tau), the others at their
// initial values (fixed ones at their fixed values); C diagonal with each free constrained
// parameter's pre-fit sigma squared, zero for fixed and for unconstrained parameters.
// (cabinetry's own post-fit band sums +-1 sigma secants, v^T rho v with v_i = nu(theta_i + sigma_i)
// - nu(theta_i): it agrees with J C J^T to first order and differs at the percent level for large
// systematics.)
//
// A fit to some channels only (blinded analyses fit the control regions): `match_parameters`
// carries the fit of a sub-model over to the full model by parameter name; parameters the
// sub-model does not have keep their pre-fit values and pre-fit variances, uncorrelated with the
// rest. The yields of the excluded channels are then the prediction of that fit.
//
//   const auto prefit = hessfit::infer::prefit_state(model);
//   const auto pre = hessfit::infer::yields(*model.histfactory(), prefit.x, prefit.covariance);
//   const auto post = hessfit::infer::yields(*model.histfactory(), fit.x, cov.covariance);
#pragma once

#include <Eigen/Core>

#include <string>
#include <vector>

#include "hessfit/fit/covariance.hpp"
#include "hessfit/infer/model.hpp"
#include "hessfit/likelihood/model.hpp"

namespace hessfit::infer {

/// A point in parameter space with its covariance (n x n over all parameters).
struct ParameterEstimate {
  Eigen::VectorXd x;
  Eigen::MatrixXd covariance;
};

/// The pre-fit state of `model` (with its parameter overrides): see the header comment.
ParameterEstimate prefit_state(const Model& model);

/// The state of the full model `to` from the fit (`x`, `covariance`) of the model `from` whose
/// parameters are matched by name; `to`'s parameters missing from `from` take `prefit` (the
/// pre-fit state of `to`) with no correlation to the fitted ones.
ParameterEstimate match_parameters(const likelihood::Model& from, const Eigen::VectorXd& x,
                                const Eigen::MatrixXd& covariance, const likelihood::Model& to,
                                const ParameterEstimate& prefit);

/// One sample of one channel.
struct SampleYields {
  std::string name;
  Eigen::VectorXd yield;  // per bin
  Eigen::VectorXd error;  // per bin, sqrt(J C J^T)
  double sum = 0.0;       // over the channel's bins
  double sum_error = 0.0;
};

struct ChannelYields {
  std::string name;
  std::size_t bins = 0;
  std::vector<SampleYields> samples;  // in the model's (sorted) sample order of the channel
  Eigen::VectorXd total, total_error;  // per bin, summed over samples
  double total_sum = 0.0, total_sum_error = 0.0;
  Eigen::VectorXd data;  // the observed counts
  double data_sum = 0.0;
};

struct Yields {
  std::vector<ChannelYields> channels;  // in the model's channel order
};

/// Yields at `x` with errors from `covariance` (n x n; NaN entries make NaN errors where they
/// enter). Throws std::invalid_argument for sizes that do not match the model.
Yields yields(const likelihood::Model& model, const Eigen::VectorXd& x, const Eigen::MatrixXd& covariance);

/// The same with the covariance of a fit (dense; on the sparse path without the full matrix, the
/// propagation solves with the sparse Hessian instead: J_F H_FF^-1 J_F^T 2 up).
Yields yields(const likelihood::Model& model, const Eigen::VectorXd& x, const fit::CovarianceResult& covariance);

}  // namespace hessfit::infer
