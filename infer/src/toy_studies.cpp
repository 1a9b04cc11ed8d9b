// Pull and coverage studies and the toy goodness of fit (toys.hpp).
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "hessfit/common/text.hpp"
#include "hessfit/fit/covariance.hpp"
#include "hessfit/fit/minos.hpp"
#include "hessfit/infer/gof.hpp"
#include "hessfit/infer/toys.hpp"

namespace hessfit::infer {

namespace {

void check_toys(const Model& model, const ToyOptions& options) {
  if (model.data_distributions().size() != model.data_size())
    throw std::invalid_argument(model.name() + " does not say how its data fluctuate: toys are unavailable");
  if (!model.has_expected_data()) throw NoExpectedData(model.name() + " has no expected data: toys are unavailable");
  if (options.ntoys < 1) throw std::invalid_argument("toys: ntoys must be at least 1, got " + std::to_string(options.ntoys));
}

void add_problem(std::string& message, const std::string& what) { message += (message.empty() ? "" : "; ") + what; }

std::vector<int> studied_parameters(const Model& model, const std::vector<std::string>& names) {
  const fit::Objective& o = model.objective();
  std::vector<int> out;
  if (names.empty()) {
    for (int i = 0; i < o.size(); ++i)
      if (!o.is_fixed(i)) out.push_back(i);
    return out;
  }
  for (const auto& name : names) {
    const auto i = o.find(name);
    if (!i) {
      std::string close;
      for (const auto& c : closest_names(name, o.names(), 3)) close += (close.empty() ? "'" : ", '") + c + "'";
      throw std::invalid_argument("pulls: no parameter is called '" + name + "'" +
                                  (close.empty() ? std::string() : " (closest: " + close + ")"));
    }
    if (o.is_fixed(*i)) throw std::invalid_argument("pulls: the parameter '" + name + "' is fixed");
    out.push_back(*i);
  }
  return out;
}

/// The generating point: given, or the free fit to the observed data.
Eigen::VectorXd generating_point(const Model& model, const ToyOptions& options, const Eigen::VectorXd& given,
                                 std::string& message, bool& ok) {
  if (given.size() > 0) {
    if (given.size() != model.objective().size())
      throw std::invalid_argument("toys: " + std::to_string(given.size()) + " generating values for " +
                                  std::to_string(model.objective().size()) + " parameters");
    return given;
  }
  const fit::MinimizeResult best = fit::minimize(model.objective(), options.fits.free_fit);
  if (!best.converged()) {
    ok = false;
    add_problem(message, "the fit to the observed data did not converge (" + fit::to_string(best.termination) + ")");
  }
  return best.x;
}

double binomial_error(double p, int n) { return n > 0 ? std::sqrt(p * (1.0 - p) / n) : std::nan(""); }

}  // namespace

PullStudyResult pull_study(const Model& model, const ToyOptions& options, const PullOptions& pulls,
                           const Eigen::VectorXd& generating) {
  check_toys(model, options);
  if (!(pulls.confidence_level > 0.0 && pulls.confidence_level < 1.0))
    throw std::invalid_argument("pulls: the confidence level must lie in (0, 1)");
  const std::vector<int> studied = studied_parameters(model, pulls.parameters);
  PullStudyResult r;
  r.ntoys = options.ntoys;
  r.seed = options.seed;
  r.confidence_level = pulls.confidence_level;
  r.generated = generating_point(model, options, generating, r.message, r.ok);
  const double poi_value = model.poi() ? r.generated[*model.poi()] : 0.0;
  const ToyGenerator generator(model, r.generated, ToyEnsemble::kPulls, poi_value, options.seed);
  const double z = normal_quantile(0.5 + 0.5 * pulls.confidence_level);
  const auto n = static_cast<Eigen::Index>(options.ntoys);
  const auto p = static_cast<Eigen::Index>(studied.size());
  const double nan = std::nan("");
  r.pulls = Eigen::MatrixXd::Constant(n, p, nan);
  Eigen::MatrixXd offsets = Eigen::MatrixXd::Constant(n, p, nan);       // theta_hat - theta_gen
  Eigen::MatrixXd minos_cover = Eigen::MatrixXd::Constant(n, p, nan);   // 1 / 0 / NaN
  r.iterations.assign(static_cast<std::size_t>(n), 0);
  r.hessians.assign(static_cast<std::size_t>(n), 0);
  std::vector<char> failed(static_cast<std::size_t>(n), 0);
  std::vector<std::string> names;
  for (const int i : studied) names.push_back(model.objective().name(i));
  // A toy's record: iterations, Hessians, failed (0/1), then per studied parameter the pull,
  // theta_hat - theta_gen and the MINOS coverage (1 / 0 / NaN).
  const auto compute = [&](int k, double* record) {
    const fit::Objective objective = model.objective_for(generator.data(static_cast<std::uint64_t>(k)));
    const fit::MinimizeResult f =
        fit_toy(objective, {}, Eigen::VectorXd(), generator.parameters(), &generator.chord(), options.toy_fits);
    record[0] = f.iterations;
    record[1] = f.hessian_evaluations;
    record[2] = f.converged() ? 0.0 : 1.0;
    if (!f.converged()) return;
    const fit::CovarianceResult cov = fit::covariance(objective, f);
    std::optional<fit::MinosResult> minos;
    if (pulls.minos) {
      fit::MinosOptions mo;
      mo.confidence_level = pulls.confidence_level;
      mo.profile.threads = 1;  // the toys are the parallel loop
      minos = fit::minos(objective, f, cov, names, mo);
    }
    for (Eigen::Index a = 0; a < p; ++a) {
      const int i = studied[static_cast<std::size_t>(a)];
      const double sigma = cov.errors.size() > i ? cov.error(i) : 0.0;
      const double d = f.x[i] - r.generated[i];
      double* slot = record + 3 + 3 * a;
      slot[1] = d;
      if (sigma > 0.0 && std::isfinite(sigma)) slot[0] = d / sigma;
      if (minos) {
        const fit::MinosInterval& m = minos->intervals[static_cast<std::size_t>(a)];
        if (m.ok())
          slot[2] = (r.generated[i] >= m.value + m.lower.offset && r.generated[i] <= m.value + m.upper.offset) ? 1.0 : 0.0;
      }
    }
  };
  const auto store = [&](int k, const double* record) {
    r.iterations[static_cast<std::size_t>(k)] = static_cast<int>(record[0]);
    r.hessians[static_cast<std::size_t>(k)] = static_cast<int>(record[1]);
    failed[static_cast<std::size_t>(k)] = record[2] != 0.0 ? 1 : 0;
    for (Eigen::Index a = 0; a < p; ++a) {
      const double* slot = record + 3 + 3 * a;
      r.pulls(k, a) = slot[0];
      offsets(k, a) = slot[1];
      minos_cover(k, a) = slot[2];
    }
  };
  detail::for_each_toy(n, 3 + 3 * static_cast<int>(p), options, compute, store);
  r.failed_fits = static_cast<int>(std::count(failed.begin(), failed.end(), 1));
  for (Eigen::Index a = 0; a < p; ++a) {
    ParameterPulls pp;
    pp.index = studied[static_cast<std::size_t>(a)];
    pp.name = names[static_cast<std::size_t>(a)];
    pp.generated = r.generated[pp.index];
    double sum = 0.0, sum2 = 0.0, bias = 0.0, bias2 = 0.0;
    int covered = 0, minos_covered = 0;
    for (Eigen::Index k = 0; k < n; ++k) {
      const double x = r.pulls(k, a);
      if (std::isnan(x)) continue;
      ++pp.toys;
      sum += x;
      sum2 += x * x;
      bias += offsets(k, a);
      bias2 += offsets(k, a) * offsets(k, a);
      if (std::abs(x) <= z) ++covered;
      if (!std::isnan(minos_cover(k, a))) {
        ++pp.minos_toys;
        minos_covered += minos_cover(k, a) > 0.5 ? 1 : 0;
      }
    }
    if (pp.toys > 1) {
      const double m = pp.toys;
      pp.pull_mean = sum / m;
      pp.pull_width = std::sqrt(std::max(0.0, (sum2 - m * pp.pull_mean * pp.pull_mean) / (m - 1.0)));
      pp.pull_mean_error = pp.pull_width / std::sqrt(m);
      pp.pull_width_error = pp.pull_width / std::sqrt(2.0 * (m - 1.0));
      pp.bias = bias / m;
      pp.bias_error = std::sqrt(std::max(0.0, (bias2 - m * pp.bias * pp.bias) / (m - 1.0)) / m);
      pp.coverage_hessian = covered / m;
      pp.coverage_hessian_error = binomial_error(pp.coverage_hessian, pp.toys);
    }
    if (pp.minos_toys > 0) {
      pp.coverage_minos = minos_covered / static_cast<double>(pp.minos_toys);
      pp.coverage_minos_error = binomial_error(pp.coverage_minos, pp.minos_toys);
    }
    const Bounds b = model.objective().bounds(pp.index);
    if (pp.generated <= b.lower || pp.generated >= b.upper)
      add_problem(r.message, pp.name + " is generated on its bound " + format_shortest(pp.generated) +
                                 ": its estimates are clipped there, its pulls not Gaussian");
    if (pp.toys < n - r.failed_fits)
      add_problem(r.message, pp.name + ": " + std::to_string(n - r.failed_fits - pp.toys) +
                                 " toy fits without an error for it (held by a bound; left out)");
    r.parameters.push_back(std::move(pp));
  }
  if (r.failed_fits > 0) {
    add_problem(r.message, std::to_string(r.failed_fits) + " of " + std::to_string(n) +
                               " toy fits failed (left out of every parameter)");
    if (r.failed_fits > options.max_failed_fraction * static_cast<double>(n)) r.ok = false;
  }
  return r;
}

ToyGofResult toy_gof(const Model& model, const ToyOptions& options) {
  check_toys(model, options);
  ToyGofResult r;
  r.ntoys = options.ntoys;
  r.seed = options.seed;
  const Eigen::VectorXd best = generating_point(model, options, {}, r.message, r.ok);
  const SaturatedGof observed = saturated_gof(model, best);
  r.chi2_obs = observed.chi2;
  r.dof = observed.dof;
  r.p_value_asymptotic = observed.p_value;
  if (observed.status == GofStatus::kUnavailable || observed.status == GofStatus::kNotFinite) {
    r.ok = false;
    add_problem(r.message, observed.message);
    return r;
  }
  const double poi_value = model.poi() ? best[*model.poi()] : 0.0;
  const ToyGenerator generator(model, best, ToyEnsemble::kGoodnessOfFit, poi_value, options.seed);
  ToyDistribution d;
  d.ensemble = ToyEnsemble::kGoodnessOfFit;
  d.q.assign(static_cast<std::size_t>(options.ntoys), std::nan(""));
  // A toy's record: its chi2 (NaN where the fit failed).
  const auto compute = [&](int k, double* record) {
    const Eigen::VectorXd data = generator.data(static_cast<std::uint64_t>(k));
    const fit::Objective objective = model.objective_for(data);
    const fit::MinimizeResult f = fit_toy(objective, {}, Eigen::VectorXd(), best, &generator.chord(), options.toy_fits);
    if (!f.converged()) return;
    const SaturatedGof g = saturated_gof(model, data, f.x);
    if (std::isfinite(g.chi2)) record[0] = g.chi2;
  };
  detail::for_each_toy(options.ntoys, 1, options, compute,
                       [&](int k, const double* record) { d.q[static_cast<std::size_t>(k)] = record[0]; });
  r.chi2 = d.q;
  r.failed_fits = d.failed();
  r.p_value = d.p_value(r.chi2_obs, options.tie_tolerance);
  if (r.failed_fits > 0) {
    add_problem(r.message, std::to_string(r.failed_fits) + " of " + std::to_string(options.ntoys) +
                               " toy fits failed (left out of the p-value)");
    if (r.failed_fits > options.max_failed_fraction * options.ntoys) r.ok = false;
  }
  return r;
}

}  // namespace hessfit::infer
