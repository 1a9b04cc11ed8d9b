#include "hessfit/infer/limits.hpp"

#include <boost/math/tools/toms748_solve.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hessfit/common/text.hpp"
#include "hessfit/fit/parallel.hpp"

namespace hessfit::infer {

bool UpperLimitResult::ok() const {
  return observed.ok && std::all_of(expected.begin(), expected.end(), [](const UpperLimit& l) { return l.ok; });
}

std::string UpperLimitResult::problems() const {
  // The curves that failed for the same reason (often all six: one fit to the data or to the
  // Asimov data behind them all) are named together before their reason, once.
  std::vector<std::pair<std::string, std::vector<std::string>>> causes;  // message, curves; first-seen order
  auto add = [&](const UpperLimit& l, const std::string& what) {
    if (l.ok) return;
    auto it = std::find_if(causes.begin(), causes.end(), [&](const auto& c) { return c.first == l.message; });
    if (it == causes.end()) causes.push_back({l.message, {what}});
    else it->second.push_back(what);
  };
  add(observed, "observed");
  for (std::size_t k = 0; k < expected.size(); ++k)
    add(expected[k], kBandSigmas[k] == 0.0 ? "expected median" : "expected " + format_spec("{:+.0f}", kBandSigmas[k]) + " sigma");
  std::string out;
  for (const auto& [message, curves] : causes) {
    std::string names;
    for (std::size_t i = 0; i < curves.size(); ++i) names += (i ? ", " : "") + curves[i];
    out += (out.empty() ? "" : "; ") + std::string(curves.size() > 1 ? "limits (" : "limit (") + names + "): " + message;
  }
  return out;
}

namespace {

/// sqrt(qA) at which the band entry k (ts = -kBandSigmas[k]) has CLs = alpha:
/// Phi(-(ts + s)) = alpha Phi(-ts).
double band_root(std::size_t k, double alpha) {
  const double ts = -kBandSigmas[k];
  return -normal_quantile(alpha * normal_cdf(-ts)) - ts;
}

/// The POI's error on the Asimov data, from the free fit's exact Hessian (profile curvature).
double asimov_sigma(const AsymptoticCalculator& calc) {
  const fit::MinimizeResult& free = calc.asimov_fits().free_fit();
  fit::Objective released = calc.asimov_fits().objective();
  released.release(calc.poi());
  Eigen::VectorXd unit(1);
  unit[0] = 1.0;
  const Eigen::VectorXd p = fit::linear_predictor(released, free, {calc.poi()}, unit);
  // d^T (H_MM - H_MO H_OO^-1 H_OM) d = (H p)_poi with p the predictor (p_poi = 1).
  const double curvature = free.has_sparse_hessian() ? free.sparse_hessian.col(calc.poi()).dot(p)
                                                     : fit::profile_curvature(free.hessian, {calc.poi()}, unit, p);
  const double sigma = std::sqrt(2.0 * released.errordef() / curvature);
  return std::isfinite(sigma) && sigma > 0.0 ? sigma : 1.0;
}

/// One curve: f(mu) = CLs(mu) - alpha, decreasing in mu.
UpperLimit solve_curve(const AsymptoticCalculator& calc, int curve, double alpha, double guess, double lower,
                       double upper_bound, const LimitOptions& options) {
  UpperLimit out;
  bool fits_ok = true;
  std::string fit_problems;
  auto f = [&](double mu) {
    ++out.evaluations;
    const bool observed = curve < 0;
    const auto s = calc.statistics(mu, observed);
    if (!s.ok && fits_ok) {
      fits_ok = false;
      fit_problems = s.message;
    }
    const double sqa = std::sqrt(std::max(s.q_asimov, 0.0));
    if (observed) return asymptotic_pvalues(asymptotic_ts(calc.statistic(), s.q, s.q_asimov), sqa).cls - alpha;
    return asymptotic_expected_band(sqa)[static_cast<std::size_t>(curve)].cls - alpha;
  };
  const auto fail = [&](std::string why) {
    out.ok = false;
    out.message = std::move(why);
    return out;
  };
  // Bracket [lo, hi] with f(lo) > 0 > f(hi), from the guess outwards.
  double x = std::max(guess, lower + 1e-9 * std::max(1.0, std::abs(guess)));
  double fx = f(x);
  double lo = lower, f_lo = std::numeric_limits<double>::quiet_NaN(), hi = x, f_hi = fx;
  if (!std::isfinite(fx)) return fail("CLs is not finite at " + format_significant(x, 8) + (fit_problems.empty() ? "" : ": " + fit_problems));
  if (fx > 0.0) {
    lo = x;
    f_lo = fx;
    double step = std::max(0.5 * x, 1e-3 * std::max(1.0, std::abs(upper_bound)));
    for (;;) {
      if (out.evaluations >= options.max_evaluations) return fail("no value with CLs below " + format_significant(alpha, 3) + " up to " + format_significant(lo, 6));
      hi = lo + step;
      f_hi = f(hi);
      if (!std::isfinite(f_hi)) return fail("CLs is not finite at " + format_significant(hi, 8) + (fit_problems.empty() ? "" : ": " + fit_problems));
      if (f_hi <= 0.0) break;
      lo = hi;
      f_lo = f_hi;
      step *= 2.0;
    }
  } else {
    for (;;) {
      if (out.evaluations >= options.max_evaluations) return fail("no value with CLs above " + format_significant(alpha, 3) + " down to " + format_significant(hi, 6));
      const double next = lower + 0.5 * (hi - lower);
      if (!(next > lower) || hi - lower <= 1e-12 * std::max(1.0, std::abs(hi))) {
        lo = lower;
        f_lo = f(lo);
        if (!(f_lo > 0.0)) return fail("CLs is below " + format_significant(alpha, 3) + " at the POI's lower bound");
        break;
      }
      const double f_next = f(next);
      if (!std::isfinite(f_next)) return fail("CLs is not finite at " + format_significant(next, 8));
      if (f_next > 0.0) {
        lo = next;
        f_lo = f_next;
        break;
      }
      hi = next;
      f_hi = f_next;
    }
  }
  if (f_hi == 0.0) {
    out.value = hi;
  } else {
    std::uintmax_t iterations = static_cast<std::uintmax_t>(std::max(1, options.max_evaluations - out.evaluations));
    const double rtol = options.relative_tolerance;
    const auto tolerance = [rtol](double a, double b) { return std::abs(b - a) <= rtol * std::min(std::abs(a), std::abs(b)); };
    try {
      const auto [a, b] = boost::math::tools::toms748_solve(f, lo, hi, f_lo, f_hi, tolerance, iterations);
      if (!tolerance(a, b) && a != b) return fail("the root was not found to the tolerance after " + std::to_string(out.evaluations) + " evaluations");
      out.value = 0.5 * (a + b);
    } catch (const std::exception& e) {
      return fail(std::string("root finding failed: ") + e.what());
    }
  }
  out.past_bound = out.value > upper_bound;
  out.ok = fits_ok;
  out.message = fits_ok ? "" : fit_problems;
  return out;
}

}  // namespace

UpperLimitResult upper_limit(const AsymptoticCalculator& calc, const LimitOptions& options) {
  if (!has_cls(calc.statistic()) || calc.statistic() == TestStatistic::kQ0)
    throw std::invalid_argument("upper limits need a CLs statistic (qtilde or q), not '" + to_string(calc.statistic()) + "'");
  if (!(options.cl > 0.0 && options.cl < 1.0))
    throw std::invalid_argument("the confidence level must lie in (0, 1), got " + format_shortest(options.cl));
  UpperLimitResult r;
  r.poi = calc.model().poi_name();
  r.cl = options.cl;
  r.statistic = calc.statistic();
  const Bounds bounds = calc.model().objective().bounds(calc.poi());
  r.poi_upper_bound = bounds.upper;
  const double alpha = 1.0 - options.cl;
  const double lower = std::max(bounds.lower, 0.0);
  const double sigma = asimov_sigma(calc);
  const double mu_hat = std::max(calc.data_fits().poi_hat(), lower);
  fit::parallel_for(6, calc.options().threads, [&](int task) {
    const int curve = task - 1;  // -1: observed
    const std::size_t band = curve < 0 ? 2 : static_cast<std::size_t>(curve);
    const double guess = (curve < 0 ? mu_hat : lower) + sigma * band_root(band, alpha);
    UpperLimit l = solve_curve(calc, curve, alpha, guess, lower, bounds.upper, options);
    if (curve < 0) r.observed = std::move(l);
    else r.expected[static_cast<std::size_t>(curve)] = std::move(l);
  });
  return r;
}

UpperLimitResult upper_limit(const Eigen::VectorXd& data, const Model& model, const LimitOptions& options,
                             TestStatistic statistic, const InferenceOptions& fits) {
  return upper_limit(AsymptoticCalculator(model, data, statistic, fits), options);
}

std::vector<HypotestResult> cls_scan(const AsymptoticCalculator& calc, const std::vector<double>& values) {
  std::vector<HypotestResult> out(values.size());
  (void)calc.asimov_fits();  // once, before the parallel loop
  fit::parallel_for(static_cast<int>(values.size()), calc.options().threads,
                    [&](int i) { out[static_cast<std::size_t>(i)] = calc.hypotest(values[static_cast<std::size_t>(i)], true); });
  return out;
}

}  // namespace hessfit::infer
