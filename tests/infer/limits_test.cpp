// Upper limits and significances: pyhf's example against precise roots, closed forms, every
// shared signal workspace for consistency and thread-count independence.
#include <gtest/gtest.h>

#include <cmath>

#include "models.hpp"

namespace hessfit::infer {
namespace {

using testing::counting;
using testing::model_of;
using testing::uncorrelated_background;

TEST(UpperLimit, PyhfsExampleMatchesPreciseRootsTo1e5) {
  const Model m = model_of(uncorrelated_background({12, 11}, {50, 52}, {3, 7}, {51, 48}));
  const UpperLimitResult r = upper_limit(m.observed_data(), m);
  ASSERT_TRUE(r.ok()) << r.problems();
  EXPECT_EQ(r.poi, "mu");
  EXPECT_EQ(r.cl, 0.95);
  // Exact roots with precise fits (pyhf's own stop at toms748's rtol 0.01 and agree at 5e-4).
  EXPECT_NEAR(r.observed.value / 1.011572, 1.0, 1e-5);
  const std::array<double, 5> expected{0.559884, 0.757029, 1.062355, 1.501181, 2.050802};
  for (std::size_t k = 0; k < 5; ++k) {
    EXPECT_NEAR(r.expected[k].value / expected[k], 1.0, 1e-5) << k;
    EXPECT_FALSE(r.expected[k].past_bound);
  }
}

TEST(UpperLimit, CountingModelMatchesAnIndependentRoot) {
  const double s = 10.0, b = 5.0, n = 9.0;
  const Model m = model_of(counting(s, b, n));
  const UpperLimitResult r = upper_limit(m.observed_data(), m);
  ASSERT_TRUE(r.ok()) << r.problems();
  const auto nll = [&](double mu, double data) { return mu * s + b - data * std::log(mu * s + b); };
  const double mu_hat = (n - b) / s;
  const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
  const auto cls = [&](double mu) {
    const double q = mu < mu_hat ? 0.0 : 2 * (nll(mu, n) - nll(mu_hat, n)), qa = 2 * (nll(mu, b) - nll(0, b));
    const double sq = std::sqrt(q), sqa = std::sqrt(qa), ts = sq <= sqa ? sq - sqa : (q - qa) / (2 * sqa);
    return phi(-(ts + sqa)) / phi(-ts);
  };
  double lo = 0.5, hi = 5.0;  // bisection to rounding
  for (int i = 0; i < 200; ++i) (cls(0.5 * (lo + hi)) > 0.05 ? lo : hi) = 0.5 * (lo + hi);
  EXPECT_NEAR(r.observed.value, 0.5 * (lo + hi), 1e-6 * r.observed.value);
  // The median expected limit: sqrt(qA(mu)) = 1.95996... with CLb = 1/2.
  const double target = -normal_quantile(0.05 * 0.5);
  lo = 0.0, hi = 5.0;
  for (int i = 0; i < 200; ++i) (std::sqrt(2 * (nll(0.5 * (lo + hi), b) - nll(0, b))) < target ? lo : hi) = 0.5 * (lo + hi);
  EXPECT_NEAR(r.expected[2].value, 0.5 * (lo + hi), 1e-6 * r.expected[2].value);
}

TEST(UpperLimit, LimitsPastThePoiUpperBoundAreSearchedAndFlagged) {
  // A weak signal: the limits lie above the POI's upper bound of 2.
  const Model m = model_of(counting(1.0, 5.0, 6.0, 2.0));
  const UpperLimitResult r = upper_limit(m.observed_data(), m);
  ASSERT_TRUE(r.ok()) << r.problems();
  EXPECT_GT(r.observed.value, 2.0);
  EXPECT_TRUE(r.observed.past_bound);
  EXPECT_EQ(r.poi_upper_bound, 2.0);
  const AsymptoticCalculator calc(m, m.observed_data());
  EXPECT_NEAR(calc.hypotest(r.observed.value, true).cls_obs, 0.05, 1e-7);
}

TEST(UpperLimit, CurvesThatFailedForOneReasonAreNamedTogether) {
  // agc-ttbar-ml printed the same fit failure six times, once per curve.
  UpperLimitResult r;
  r.observed.ok = true;
  for (auto& e : r.expected) e.message = "the fit to the Asimov data did not converge";
  r.expected[4].message = "no value with CLs below 0.05 up to 10";
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.problems(),
            "limits (expected -2 sigma, expected -1 sigma, expected median, expected +1 sigma): the fit to the Asimov data did "
            "not converge; limit (expected +2 sigma): no value with CLs below 0.05 up to 10");
  r.observed.ok = false;
  r.observed.message = "no value with CLs below 0.05 up to 10";
  EXPECT_EQ(r.problems(),
            "limits (observed, expected +2 sigma): no value with CLs below 0.05 up to 10; limits (expected -2 sigma, expected -1 "
            "sigma, expected median, expected +1 sigma): the fit to the Asimov data did not converge");
}

TEST(UpperLimit, BadOptionsAreRefused) {
  const Model m = model_of(counting(10.0, 5.0, 9.0));
  LimitOptions bad;
  bad.cl = 1.5;
  EXPECT_THROW((void)upper_limit(m.observed_data(), m, bad), std::invalid_argument);
  EXPECT_THROW((void)upper_limit(m.observed_data(), m, {}, TestStatistic::kTMu), std::invalid_argument);
}

TEST(Significance, CountingModelMatchesItsClosedForm) {
  const double s = 10.0, b = 5.0, n = 12.0;
  const Model m = model_of(counting(s, b, n));
  const SignificanceResult r = significance(m);
  ASSERT_TRUE(r.ok) << r.message;
  const double q0 = 2 * (n * std::log(n / b) - (n - b));  // Cowan et al. eq. (97)
  EXPECT_NEAR(r.observed.q0, q0, 1e-9);
  EXPECT_NEAR(r.observed.z, std::sqrt(q0), 1e-9);
  EXPECT_NEAR(r.observed.p0, 0.5 * std::erfc(std::sqrt(q0 / 2)), 1e-12);
  // Expected: Asimov data of mu = 1, n_A = s + b.
  const double qa = 2 * ((s + b) * std::log((s + b) / b) - s);
  EXPECT_NEAR(r.expected.q0, qa, 1e-9);
  EXPECT_NEAR(r.expected.z, std::sqrt(qa), 1e-9);
  for (std::size_t k = 1; k < 5; ++k) EXPECT_GT(r.expected_p0_band[k], r.expected_p0_band[k - 1]);
}

class SignalWorkspace : public ::testing::TestWithParam<std::string> {};

TEST_P(SignalWorkspace, HypotestLimitsAndSignificanceAreConsistentAndThreadIndependent) {
  const Model m = testing::shared_model(GetParam());
  InferenceOptions one, two;
  one.threads = 1;
  two.threads = 2;
  const AsymptoticCalculator calc1(m, m.observed_data(), TestStatistic::kQTildeMu, one);
  const AsymptoticCalculator calc2(m, m.observed_data(), TestStatistic::kQTildeMu, two);
  const HypotestResult h = calc1.hypotest(1.0);
  ASSERT_TRUE(h.ok) << h.message;
  EXPECT_TRUE(std::isfinite(h.cls_obs));
  for (std::size_t k = 1; k < 5; ++k) EXPECT_GT(h.cls_exp[k], h.cls_exp[k - 1]);

  const UpperLimitResult l1 = upper_limit(calc1), l2 = upper_limit(calc2);
  ASSERT_TRUE(l1.ok()) << l1.problems();
  EXPECT_EQ(l1.observed.value, l2.observed.value);  // bit for bit
  for (std::size_t k = 0; k < 5; ++k) EXPECT_EQ(l1.expected[k].value, l2.expected[k].value) << k;
  for (std::size_t k = 1; k < 5; ++k) EXPECT_GT(l1.expected[k].value, l1.expected[k - 1].value);
  // CLs at each limit is 1 - CL.
  EXPECT_NEAR(calc1.hypotest(l1.observed.value, true).cls_obs, 0.05, 1e-6);
  for (std::size_t k = 0; k < 5; ++k) EXPECT_NEAR(calc1.hypotest(l1.expected[k].value, true).cls_exp[k], 0.05, 1e-6) << k;

  // CLs_obs falls monotonically on a scan through the observed limit.
  std::vector<double> values;
  for (int i = 0; i <= 8; ++i) values.push_back(0.25 * l1.observed.value * i);
  const auto scan = cls_scan(calc2, values);
  for (std::size_t i = 1; i < scan.size(); ++i) EXPECT_LT(scan[i].cls_obs, scan[i - 1].cls_obs) << values[i];

  const SignificanceResult s1 = significance(m, one), s2 = significance(m, two);
  ASSERT_TRUE(s1.ok) << s1.message;
  EXPECT_TRUE(std::isfinite(s1.observed.z) && std::isfinite(s1.expected.z));
  EXPECT_EQ(s1.observed.q0, s2.observed.q0);
  EXPECT_EQ(s1.expected.q0, s2.expected.q0);
}

INSTANTIATE_TEST_SUITE_P(Shared, SignalWorkspace,
                         ::testing::Values("pyhf-2bin-1channel", "pyhf-histfactory-example", "atlas-susy-2018-06-3l-erjr"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace hessfit::infer
