#include "hessfit/infer/test_statistics.hpp"

#include <boost/math/special_functions/erf.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace hessfit::infer {

std::string to_string(TestStatistic statistic) {
  switch (statistic) {
    case TestStatistic::kQTildeMu: return "qtilde";
    case TestStatistic::kQMu: return "q";
    case TestStatistic::kQ0: return "q0";
    case TestStatistic::kTMu: return "t";
    case TestStatistic::kTTildeMu: return "ttilde";
  }
  return "?";
}

std::optional<TestStatistic> parse_test_statistic(std::string_view name) {
  for (const TestStatistic s : {TestStatistic::kQTildeMu, TestStatistic::kQMu, TestStatistic::kQ0, TestStatistic::kTMu,
                                TestStatistic::kTTildeMu})
    if (to_string(s) == name) return s;
  return std::nullopt;
}

bool clips_at_zero(TestStatistic s) { return s == TestStatistic::kQTildeMu || s == TestStatistic::kTTildeMu; }
bool has_cls(TestStatistic s) { return s == TestStatistic::kQTildeMu || s == TestStatistic::kQMu || s == TestStatistic::kQ0; }
double asimov_poi(TestStatistic s) { return s == TestStatistic::kQ0 ? 1.0 : 0.0; }

double test_statistic_value(TestStatistic s, double mu, double mu_hat, double f_conditional, double f_free) {
  const double t = std::max(2.0 * (f_conditional - f_free), 0.0);
  if (std::isnan(f_conditional) || std::isnan(f_free)) return std::numeric_limits<double>::quiet_NaN();
  switch (s) {
    case TestStatistic::kQTildeMu:
    case TestStatistic::kQMu: return mu_hat > mu ? 0.0 : t;
    case TestStatistic::kQ0: return mu_hat < mu ? 0.0 : t;
    case TestStatistic::kTMu:
    case TestStatistic::kTTildeMu: return t;
  }
  return t;
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) {
    if (p == 0.0) return -std::numeric_limits<double>::infinity();
    if (p == 1.0) return std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  return -std::numbers::sqrt2 * boost::math::erfc_inv(2.0 * p);
}

double asymptotic_ts(TestStatistic s, double q, double q_asimov) {
  const double sq = std::sqrt(std::max(q, 0.0)), sqa = std::sqrt(std::max(q_asimov, 0.0));
  if (s != TestStatistic::kQTildeMu || sq <= sqa || !(q_asimov > 0.0)) return sq - sqa;
  return (q - q_asimov) / (2.0 * sqa);
}

PValues asymptotic_pvalues(double ts, double sqrt_q_asimov) {
  PValues p;
  p.clsb = normal_cdf(-(ts + sqrt_q_asimov));
  p.clb = normal_cdf(-ts);
  p.cls = p.clsb / p.clb;
  return p;
}

std::array<PValues, 5> asymptotic_expected_band(double sqrt_q_asimov) {
  std::array<PValues, 5> band;
  for (std::size_t k = 0; k < 5; ++k) band[k] = asymptotic_pvalues(-kBandSigmas[k], sqrt_q_asimov);
  return band;
}

double two_sided_pvalue(TestStatistic s, double t, double t_asimov) {
  const double st = std::sqrt(std::max(t, 0.0));
  switch (s) {
    case TestStatistic::kTMu: return 2.0 * normal_cdf(-st);
    case TestStatistic::kTTildeMu: {
      const double lambda = std::max(t_asimov, 0.0);
      if (t <= lambda || !(lambda > 0.0)) return 2.0 * normal_cdf(-st);
      // 1 - F = [1 - Phi(sqrt t)] + [1 - Phi((t + L) / (2 sqrt L))]
      return normal_cdf(-st) + normal_cdf(-(t + lambda) / (2.0 * std::sqrt(lambda)));
    }
    default: return asymptotic_pvalues(asymptotic_ts(s, t, t_asimov), std::sqrt(std::max(t_asimov, 0.0))).clsb;
  }
}

}  // namespace hessfit::infer
