#include "hessfit/infer/breakdown.hpp"

#include <Eigen/Cholesky>

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "hessfit/fit/parallel.hpp"

namespace hessfit::infer {

namespace {

double impact_of(double total, double error) {
  const double d = total * total - error * error;
  return d >= 0.0 ? std::sqrt(d) : (d > -1e-12 * total * total ? 0.0 : std::numeric_limits<double>::quiet_NaN());
}

/// sqrt(C_pp - C_pG C_GG^-1 C_Gp) over the fixed set G (free parameters of the full fit only).
double conditional_error(const fit::CovarianceResult& cov, int p, const std::vector<int>& G) {
  if (!cov.has_full_matrix()) return std::numeric_limits<double>::quiet_NaN();
  const auto k = static_cast<Eigen::Index>(G.size());
  double var = cov.covariance(p, p);
  if (k > 0) {
    Eigen::MatrixXd CGG(k, k);
    Eigen::VectorXd CGp(k);
    for (Eigen::Index a = 0; a < k; ++a) {
      CGp[a] = cov.covariance(G[static_cast<std::size_t>(a)], p);
      for (Eigen::Index b = 0; b < k; ++b) CGG(a, b) = cov.covariance(G[static_cast<std::size_t>(a)], G[static_cast<std::size_t>(b)]);
    }
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(CGG);
    var -= CGp.dot(ldlt.solve(CGp));
  }
  return var >= 0.0 ? std::sqrt(var) : std::numeric_limits<double>::quiet_NaN();
}

BreakdownPart refit_with_fixed(const fit::Objective& objective, const fit::MinimizeResult& minimum,
                               const fit::CovarianceResult& cov, int p, const std::string& name,
                               const std::vector<int>& fixed, const BreakdownOptions& options, double total,
                               const fit::MinosInterval* full_minos) {
  BreakdownPart part;
  part.name = name;
  std::vector<int> in_cov;  // the fixed parameters the full covariance has rows for
  fit::Objective o = objective;
  for (const int i : fixed) {
    if (o.is_fixed(i) || i == p) continue;
    o.fix(i, minimum.x[i]);
    ++part.parameters;
    if (std::find(cov.parameters.begin(), cov.parameters.end(), i) != cov.parameters.end()) in_cov.push_back(i);
  }
  part.covariance_error = conditional_error(cov, p, in_cov);
  part.covariance_impact = name == "stat" ? part.covariance_error : impact_of(total, part.covariance_error);
  const fit::MinimizeResult refit = fit::minimize(o, minimum.x, options.refit);
  const fit::CovarianceResult c = fit::covariance(o, refit);
  part.error = c.errors[p];
  part.impact = name == "stat" ? part.error : impact_of(total, part.error);
  part.ok = refit.converged() && c.accurate();
  part.message = part.ok ? fmt::format("{} parameters fixed", part.parameters)
                         : fmt::format("refit with {} parameters fixed: {}; covariance {}", part.parameters,
                                       refit.brief_report(), fit::to_string(c.status));
  if (options.minos && part.ok && full_minos != nullptr) {
    const fit::MinosResult m = fit::minos(o, refit, c, {o.name(p)}, options.minos_options);
    if (!m.intervals.empty() && m.intervals.front().ok()) {
      part.minos_lower = -m.intervals.front().lower.offset;
      part.minos_upper = m.intervals.front().upper.offset;
      const bool stat = name == "stat";
      part.minos_impact_lower = stat ? part.minos_lower : impact_of(-full_minos->lower.offset, part.minos_lower);
      part.minos_impact_upper = stat ? part.minos_upper : impact_of(full_minos->upper.offset, part.minos_upper);
    } else {
      part.message += "; MINOS of the refit failed";
    }
  }
  return part;
}

}  // namespace

BreakdownResult uncertainty_breakdown(const fit::Objective& objective, const fit::MinimizeResult& minimum,
                                      const fit::CovarianceResult& covariance, int parameter,
                                      const std::vector<bool>& constrained, const std::vector<BreakdownGroup>& groups,
                                      const BreakdownOptions& options, const fit::MinosInterval* minos) {
  const int n = objective.size();
  if (parameter < 0 || parameter >= n)
    throw std::invalid_argument(fmt::format("hessfit::infer::uncertainty_breakdown: parameter index {} of {}", parameter, n));
  if (static_cast<int>(constrained.size()) != n)
    throw std::invalid_argument(fmt::format("hessfit::infer::uncertainty_breakdown: {} constraint flags for {} parameters",
                                            constrained.size(), n));
  for (const auto& g : groups)
    for (const int i : g.parameters)
      if (i < 0 || i >= n)
        throw std::invalid_argument(fmt::format("hessfit::infer::uncertainty_breakdown: group '{}' names parameter index {} of {}", g.name, i, n));

  BreakdownResult r;
  r.parameter = objective.name(parameter);
  r.value = minimum.x[parameter];
  r.total = covariance.errors[parameter];
  if (minos != nullptr && minos->ok()) {
    r.total_minos_lower = -minos->lower.offset;
    r.total_minos_upper = minos->upper.offset;
  }
  const fit::MinosInterval* full_minos = minos != nullptr && minos->ok() ? minos : nullptr;
  std::vector<int> all_constrained;
  for (int i = 0; i < n; ++i)
    if (constrained[static_cast<std::size_t>(i)]) all_constrained.push_back(i);

  // Task 0: stat; task g + 1: group g. Each refit is independent: any thread count, same numbers.
  std::vector<BreakdownPart> parts(groups.size() + 1);
  fit::parallel_for(static_cast<int>(parts.size()), options.threads, [&](int t) {
    if (t == 0)
      parts[0] = refit_with_fixed(objective, minimum, covariance, parameter, "stat", all_constrained, options, r.total, full_minos);
    else {
      const BreakdownGroup& g = groups[static_cast<std::size_t>(t - 1)];
      parts[static_cast<std::size_t>(t)] =
          refit_with_fixed(objective, minimum, covariance, parameter, g.name, g.parameters, options, r.total, full_minos);
    }
  });
  r.stat = std::move(parts[0]);
  r.groups.assign(std::make_move_iterator(parts.begin() + 1), std::make_move_iterator(parts.end()));
  double sum2 = r.stat.impact * r.stat.impact;
  for (const auto& g : r.groups) sum2 += g.impact * g.impact;
  r.quadrature_sum = std::sqrt(sum2);
  r.ok = r.stat.ok && std::all_of(r.groups.begin(), r.groups.end(), [](const BreakdownPart& g) { return g.ok; }) &&
         std::isfinite(r.total);
  r.message = r.ok ? fmt::format("total {:.4g}; stat (+) groups in quadrature {:.4g} ({:+.1f}% from correlations between groups)",
                                 r.total, r.quadrature_sum, 100.0 * (r.quadrature_sum / r.total - 1.0))
                   : "some refits did not converge or their covariance is not accurate";
  return r;
}

}  // namespace hessfit::infer
