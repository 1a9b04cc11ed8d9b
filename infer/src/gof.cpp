#include "hessfit/infer/gof.hpp"

#include <boost/math/distributions/chi_squared.hpp>

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace hessfit::infer {

std::string to_string(GofStatus status) {
  switch (status) {
    case GofStatus::kOk: return "ok";
    case GofStatus::kNoDegreesOfFreedom: return "no_degrees_of_freedom";
    case GofStatus::kNotFinite: return "not_finite";
    case GofStatus::kUnavailable: return "unavailable";
  }
  return "?";
}

double chi2_p_value(double chi2, int dof) {
  if (dof <= 0 || !std::isfinite(chi2)) return std::numeric_limits<double>::quiet_NaN();
  const boost::math::chi_squared_distribution<double> dist(dof);
  return boost::math::cdf(boost::math::complement(dist, std::max(chi2, 0.0)));
}

namespace {

/// 2 [nu - n + n log(n / nu)] = 2 n (r - 1 - log r), r = nu / n; 2 nu for n = 0.
double poisson_deviance(double nu, double n) {
  if (n > 0.0) {
    if (!(nu > 0.0)) return std::numeric_limits<double>::infinity();
    const double r = nu / n;
    // log1p keeps r - 1 - log r accurate where r is close to 1.
    const double d = r - 1.0;
    return 2.0 * n * (d - std::log1p(d));
  }
  return 2.0 * nu;
}

}  // namespace

SaturatedGof saturated_gof(const Model& model, const Eigen::VectorXd& data, const Eigen::VectorXd& x_hat) {
  SaturatedGof out;
  const likelihood::Model* hf = model.histfactory();
  if (hf == nullptr) {
    out.message = fmt::format("{}: the saturated-model test needs a HistFactory model (main bins and constraint terms)",
                              model.name());
    return out;
  }
  if (static_cast<std::size_t>(data.size()) != hf->data_size())
    throw std::invalid_argument(fmt::format("hessfit::infer::saturated_gof: a data vector of {} values for {} ({} main bins, {} auxiliary data)",
                                            data.size(), model.name(), hf->main_bins(), hf->aux_parameters().size()));
  if (static_cast<std::size_t>(x_hat.size()) != hf->size())
    throw std::invalid_argument(fmt::format("hessfit::infer::saturated_gof: {} parameter values for {} ({} parameters)",
                                            x_hat.size(), model.name(), hf->size()));

  const Eigen::VectorXd nu = hf->expected_main_data(x_hat);
  out.main_bins = static_cast<int>(hf->main_bins());
  out.main = 0.0;
  for (const likelihood::ChannelInfo& c : hf->channels()) {
    ChannelGof ch{c.name, c.bins, 0.0};
    for (std::size_t b = c.offset; b < c.offset + c.bins; ++b) {
      const auto i = static_cast<Eigen::Index>(b);
      ch.chi2 += poisson_deviance(nu[i], data[i]);
    }
    out.main += ch.chi2;
    out.channels.push_back(std::move(ch));
  }
  out.constraint = 0.0;
  const auto& aux = hf->aux_parameters();
  for (std::size_t k = 0; k < aux.size(); ++k) {
    const likelihood::Parameter& p = hf->parameters()[aux[k]];
    const double a = data[static_cast<Eigen::Index>(hf->main_bins() + k)];
    const double theta = x_hat[static_cast<Eigen::Index>(aux[k])];
    if (p.constraint == likelihood::Constraint::kPoisson) {
      out.constraint += poisson_deviance(theta * p.factor, a);
    } else {
      const double pull = (a - theta) / p.sigma;
      out.constraint += pull * pull;
    }
  }
  out.chi2 = out.main + out.constraint;

  const fit::Objective& state = model.objective();
  for (int i = 0; i < state.size(); ++i)
    if (!state.is_fixed(i) && hf->parameters()[static_cast<std::size_t>(i)].constraint == likelihood::Constraint::kNone)
      ++out.free_unconstrained;
  out.dof = out.main_bins - out.free_unconstrained;

  if (!std::isfinite(out.chi2)) {
    out.status = GofStatus::kNotFinite;
    out.message = fmt::format("the saturated-model chi2 is {} (a main bin with data and a predicted rate <= 0, or a non-finite value)",
                              out.chi2);
  } else if (out.dof <= 0) {
    out.status = GofStatus::kNoDegreesOfFreedom;
    out.message = fmt::format("chi2 = {:.6g}; no p-value: {} main bins and {} free unconstrained parameters leave {} degrees of freedom",
                              out.chi2, out.main_bins, out.free_unconstrained, out.dof);
  } else {
    out.status = GofStatus::kOk;
    out.p_value = chi2_p_value(out.chi2, out.dof);
    out.message = fmt::format("chi2 / dof = {:.6g} / {}, p = {:.4g}", out.chi2, out.dof, out.p_value);
  }
  return out;
}

SaturatedGof saturated_gof(const Model& model, const Eigen::VectorXd& x_hat) {
  return saturated_gof(model, model.observed_data(), x_hat);
}

}  // namespace hessfit::infer
