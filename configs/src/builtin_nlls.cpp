// The NLLs every hessfit knows by name: `gaussian` and `counting` (see nll_registry.hpp and
// configs/README.md). They double as worked examples of register_nll().
#include <Eigen/Cholesky>

#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "hessfit/configs/nll_registry.hpp"
#include "hessfit/common/log_gamma.hpp"

namespace hessfit::configs::detail {

namespace {

std::string indexed(const std::string& name, std::size_t i, std::size_t n) {
  return n == 1 ? name : name + "[" + std::to_string(i) + "]";
}

/// -log L of a multivariate Gaussian measurement y of the parameters theta with covariance C:
///   1/2 (y - theta)^T C^-1 (y - theta) + 1/2 log det(2 pi C).
/// The covariance of the fit is C itself: a check of the whole chain.
NllModel build_gaussian(const NllArguments& args) {
  const std::vector<double> mean = args.vector("mean");
  const std::vector<double> sigma = args.vector("sigma");
  const std::size_t n = mean.size();
  if (n == 0) throw NllArgumentError("mean", "'mean' must not be empty");
  if (sigma.size() != n)
    throw NllArgumentError("sigma", "'sigma' has " + std::to_string(sigma.size()) + " entries, 'mean' has " + std::to_string(n));
  for (double s : sigma)
    if (!(s > 0.0)) throw NllArgumentError("sigma", "every 'sigma' must be positive");
  Eigen::MatrixXd corr = Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  if (args.has("correlation")) {
    corr = args.matrix("correlation");
    if (corr.rows() != static_cast<Eigen::Index>(n) || corr.cols() != static_cast<Eigen::Index>(n))
      throw NllArgumentError("correlation", "'correlation' must be " + std::to_string(n) + " x " + std::to_string(n));
    if (!corr.isApprox(corr.transpose(), 1e-12) || !corr.diagonal().isApproxToConstant(1.0, 1e-12))
      throw NllArgumentError("correlation", "'correlation' must be symmetric with a unit diagonal");
  }
  Eigen::MatrixXd cov = corr;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      cov(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) *= sigma[i] * sigma[j];
  const Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) throw NllArgumentError("correlation", "the covariance is not positive definite");
  const Eigen::MatrixXd inverse = llt.solve(Eigen::MatrixXd::Identity(cov.rows(), cov.cols()));
  double log_det = 0.0;
  for (Eigen::Index i = 0; i < cov.rows(); ++i) log_det += 2.0 * std::log(llt.matrixL()(i, i));
  const double constant = 0.5 * (log_det + static_cast<double>(n) * std::log(2.0 * std::numbers::pi));

  // -log L(theta | y): the data are the measured values y (the observed ones are `mean`).
  auto nll = [inverse, constant](const auto& theta, const Eigen::VectorXd& y) {
    using T = std::remove_cvref_t<decltype(theta[0])>;
    const auto k = static_cast<std::size_t>(y.size());
    std::vector<T> r(k);
    for (std::size_t i = 0; i < k; ++i) r[i] = y[static_cast<Eigen::Index>(i)] - theta[static_cast<Eigen::Index>(i)];
    T q = 0.0 * theta[0];
    for (std::size_t i = 0; i < k; ++i) {
      q += 0.5 * inverse(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(i)) * r[i] * r[i];
      for (std::size_t j = i + 1; j < k; ++j) q += inverse(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) * r[i] * r[j];
    }
    return q + constant;
  };
  std::vector<NllParameter> parameters;
  for (std::size_t i = 0; i < n; ++i) parameters.push_back({.name = indexed("x", i, n), .init = 0.0});
  // Independent measurements fluctuate one by one; correlated ones cannot be described entry by entry.
  std::vector<infer::DataDistribution> distributions;
  if (corr.isIdentity(0.0))
    for (const double s : sigma) distributions.push_back({infer::DataDistribution::Kind::kGaussian, s});
  const Eigen::VectorXd observed = Eigen::Map<const Eigen::VectorXd>(mean.data(), static_cast<Eigen::Index>(n));
  return make_nll_model_with_data(nll, observed, [](const Eigen::VectorXd& theta) -> Eigen::VectorXd { return theta; },
                                  parameters, parameters.front().name, distributions);
}

/// Poisson counting in bins i with signal strength mu and backgrounds b_i, each constrained by
/// an auxiliary Gaussian measurement b0_i +- sigma_b_i (all constants kept):
///   sum_i [ nu_i - n_i log nu_i + lgamma(n_i + 1) ] + sum_i [ (b_i - b0_i)^2 / (2 sigma_b_i^2)
///   + log sigma_b_i + log(2 pi) / 2 ],   nu_i = mu s_i + b_i.
NllModel build_counting(const NllArguments& args) {
  const std::vector<double> n = args.vector("n");
  const std::vector<double> s = args.vector("s");
  const std::vector<double> b0 = args.vector("b0");
  const std::vector<double> sigma_b = args.vector("sigma_b");
  const std::size_t bins = n.size();
  if (bins == 0) throw NllArgumentError("n", "'n' must not be empty");
  for (const auto& [name, v] : {std::pair{"s", &s}, std::pair{"b0", &b0}, std::pair{"sigma_b", &sigma_b}})
    if (v->size() != bins)
      throw NllArgumentError(name, std::string("'") + name + "' has " + std::to_string(v->size()) + " entries, 'n' has " + std::to_string(bins));
  for (std::size_t i = 0; i < bins; ++i) {
    if (n[i] < 0.0) throw NllArgumentError("n", "observed counts 'n' must not be negative");
    if (!(s[i] > 0.0)) throw NllArgumentError("s", "signal yields 's' must be positive");
    if (!(b0[i] > 0.0)) throw NllArgumentError("b0", "background estimates 'b0' must be positive");
    if (!(sigma_b[i] > 0.0)) throw NllArgumentError("sigma_b", "background uncertainties 'sigma_b' must be positive");
  }
  const double mu_max = args.number("mu_max", 100.0);

  // -log L(x | d), d = [n_0 .. n_k-1, b0_0 .. b0_k-1]: the counts, then the background estimates
  // (the auxiliary measurements). The observed data are (n, b0).
  auto nll = [s, sigma_b](const auto& x, const Eigen::VectorXd& d) {
    using std::log;
    using T = std::remove_cvref_t<decltype(x[0])>;
    const std::size_t k = s.size();
    double constant = 0.0;
    for (std::size_t i = 0; i < k; ++i)
      constant += log_gamma(d[static_cast<Eigen::Index>(i)] + 1.0) + std::log(sigma_b[i]) + 0.5 * std::log(2.0 * std::numbers::pi);
    const T& mu = x[0];
    T f = 0.0 * mu;
    for (std::size_t i = 0; i < k; ++i) {
      const double count = d[static_cast<Eigen::Index>(i)];
      const T& b = x[static_cast<Eigen::Index>(i + 1)];
      const T nu = mu * s[i] + b;
      f += count > 0.0 ? nu - count * log(nu) : nu;
      const T pull = (b - d[static_cast<Eigen::Index>(k + i)]) / sigma_b[i];
      f += 0.5 * pull * pull;
    }
    return f + constant;
  };
  auto expected = [s](const Eigen::VectorXd& x) -> Eigen::VectorXd {
    const auto k = static_cast<Eigen::Index>(s.size());
    Eigen::VectorXd e(2 * k);
    for (Eigen::Index i = 0; i < k; ++i) {
      e[i] = x[0] * s[static_cast<std::size_t>(i)] + x[i + 1];
      e[k + i] = x[i + 1];
    }
    return e;
  };
  std::vector<NllParameter> parameters{{.name = "mu", .init = 1.0, .bounds = {0.0, mu_max}}};
  std::vector<infer::DataDistribution> distributions(bins, {infer::DataDistribution::Kind::kPoisson, 0.0});
  Eigen::VectorXd observed(static_cast<Eigen::Index>(2 * bins));
  for (std::size_t i = 0; i < bins; ++i) {
    parameters.push_back({.name = indexed("b", i, bins),
                          .init = b0[i],
                          .bounds = {1e-9 * b0[i], b0[i] + 10.0 * sigma_b[i]},
                          .constraint = {Constraint::kGaussian, b0[i], sigma_b[i]}});
    observed[static_cast<Eigen::Index>(i)] = n[i];
    observed[static_cast<Eigen::Index>(bins + i)] = b0[i];
  }
  for (std::size_t i = 0; i < bins; ++i) distributions.push_back({infer::DataDistribution::Kind::kGaussian, sigma_b[i]});
  return make_nll_model_with_data(nll, observed, expected, parameters, "mu", distributions);
}

}  // namespace

void register_builtin_nlls(std::map<std::string, NllDefinition, std::less<>>& registry) {
  registry.emplace("gaussian",
                   NllDefinition{.description = "multivariate Gaussian measurement of the parameters x[i] (covariance known exactly)",
                                 .arguments = {{"mean", "the measured values", true},
                                               {"sigma", "their standard deviations", true},
                                               {"correlation", "their correlation matrix (default: identity)", false}},
                                 .build = build_gaussian});
  registry.emplace("counting",
                   NllDefinition{.description = "Poisson counting in bins with signal strength mu and Gaussian-constrained backgrounds b[i]",
                                 .arguments = {{"n", "observed counts per bin", true},
                                               {"s", "expected signal per bin at mu = 1", true},
                                               {"b0", "background estimate per bin", true},
                                               {"sigma_b", "absolute uncertainty of each background estimate", true},
                                               {"mu_max", "upper bound of mu (default 100)", false}},
                                 .build = build_counting});
}

}  // namespace hessfit::configs::detail
