// Toys: the samplers against their moments, pseudo-data against the model, the same toys for
// any thread count or shard split, toy CLs against exact answers at low counts and the
// asymptotic ones at high counts, toy p0 against the Poisson tail.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "models.hpp"

namespace hessfit::infer {
namespace {

using testing::counting;
using testing::model_of;
using testing::uncorrelated_background;

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(ToyRandom, PoissonAndNormalVariatesHaveTheirMeansAndVariances) {
  // 200k draws each: the sample mean is within 5 standard errors, the variance within 5 of its
  // standard error (sqrt((mu4 - sigma^4) / N), mu4 = sigma^4 (3 + 1/mean) for a Poisson).
  constexpr int kDraws = 200000;
  for (const double mean : {0.5, 3.0, 9.9, 10.0, 25.0, 400.0}) {
    ToyRandom random(toy_stream_seed(1, ToyEnsemble::kNull, mean, 0));
    double sum = 0.0, sum2 = 0.0;
    for (int i = 0; i < kDraws; ++i) {
      const double k = random.poisson(mean);
      ASSERT_EQ(k, std::floor(k));
      ASSERT_GE(k, 0.0);
      sum += k;
      sum2 += k * k;
    }
    const double m = sum / kDraws, v = sum2 / kDraws - m * m;
    EXPECT_NEAR(m, mean, 5.0 * std::sqrt(mean / kDraws)) << mean;
    EXPECT_NEAR(v, mean, 5.0 * std::sqrt((mean * mean * (2.0 + 1.0 / mean)) / kDraws)) << mean;
  }
  ToyRandom random(42);
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = random.normal();
    sum += x;
    sum2 += x * x;
  }
  EXPECT_NEAR(sum / kDraws, 0.0, 5.0 / std::sqrt(kDraws));
  EXPECT_NEAR(sum2 / kDraws, 1.0, 5.0 * std::sqrt(2.0 / kDraws));
}

TEST(ToyRandom, StreamsDependOnEveryPartOfTheirSeed) {
  const std::uint64_t s = toy_stream_seed(7, ToyEnsemble::kNull, 1.0, 3);
  EXPECT_EQ(s, toy_stream_seed(7, ToyEnsemble::kNull, 1.0, 3));
  EXPECT_NE(s, toy_stream_seed(8, ToyEnsemble::kNull, 1.0, 3));
  EXPECT_NE(s, toy_stream_seed(7, ToyEnsemble::kAlternative, 1.0, 3));
  EXPECT_NE(s, toy_stream_seed(7, ToyEnsemble::kNull, 1.5, 3));
  EXPECT_NE(s, toy_stream_seed(7, ToyEnsemble::kNull, 1.0, 4));
  EXPECT_EQ(toy_stream_seed(7, ToyEnsemble::kNull, 0.0, 3), toy_stream_seed(7, ToyEnsemble::kNull, -0.0, 3));
}

TEST(PseudoData, MainAndAuxiliaryDataMatchTheModelsMeansAndVariances) {
  // pyhf's example (shapesys: Poisson auxiliary data gamma tau) and a model with Gaussian
  // constraints (normsys and lumi through a second workspace below).
  const Model m = model_of(uncorrelated_background({12, 11}, {50, 52}, {3, 7}, {51, 48}));
  Eigen::VectorXd x = m.objective().values();
  x[*m.poi()] = 1.0;
  x[1] = 1.1;  // gamma of bin 1 away from its nominal value
  const ToyGenerator generator(m, x, ToyEnsemble::kNull, 1.0, 5);
  const Eigen::VectorXd expected = m.expected_data(x);
  ASSERT_EQ(expected.size(), 4);
  constexpr int kToys = 20000;
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(4), sum2 = Eigen::VectorXd::Zero(4);
  for (int i = 0; i < kToys; ++i) {
    const Eigen::VectorXd d = generator.data(static_cast<std::uint64_t>(i));
    sum += d;
    sum2 += d.cwiseProduct(d);
  }
  for (int k = 0; k < 4; ++k) {
    const double mean = sum[k] / kToys, var = sum2[k] / kToys - mean * mean, e = expected[k];
    EXPECT_NEAR(mean, e, 5.0 * std::sqrt(e / kToys)) << k;  // all Poisson here
    EXPECT_NEAR(var, e, 5.0 * e * std::sqrt(2.0 / kToys)) << k;
  }
  EXPECT_TRUE(generator.chord().usable());
}

TEST(PseudoData, GaussianConstraintsAreDrawnAroundTheGeneratingValues) {
  nlohmann::json ws = counting(5.0, 20.0, 20.0);
  ws["channels"][0]["samples"][1]["modifiers"] = nlohmann::json::array(
      {{{"name", "bkg_norm"}, {"type", "normsys"}, {"data", {{"hi", 1.1}, {"lo", 0.9}}}}});
  const Model m = model_of(ws);
  ASSERT_EQ(m.data_size(), 2u);
  Eigen::VectorXd x = m.objective().values();
  const int alpha = *m.objective().find("bkg_norm");
  x[alpha] = 0.7;
  const ToyGenerator generator(m, x, ToyEnsemble::kAlternative, 0.0, 11);
  constexpr int kToys = 20000;
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < kToys; ++i) {
    const double a = generator.data(static_cast<std::uint64_t>(i))[1];
    sum += a;
    sum2 += a * a;
  }
  const double mean = sum / kToys, var = sum2 / kToys - mean * mean;
  EXPECT_NEAR(mean, 0.7, 5.0 / std::sqrt(kToys));
  EXPECT_NEAR(var, 1.0, 5.0 * std::sqrt(2.0 / kToys));
}

TEST(Toys, TheSameSeedGivesTheSameToysForAnyThreadCountAndShardSplit) {
  const Model m = model_of(uncorrelated_background({12, 11}, {50, 52}, {3, 7}, {51, 48}));
  ToyOptions one;
  one.ntoys = 60;
  one.seed = 123;
  one.threads = 1;
  ToyOptions two = one;
  two.threads = 2;
  const ToyCalculator c1(m, m.observed_data(), TestStatistic::kQTildeMu, one);
  const ToyCalculator c2(m, m.observed_data(), TestStatistic::kQTildeMu, two);
  const auto a = c1.run(ToyEnsemble::kNull, 1.0, {1.0, 2.0}, 0, 60);
  const auto b = c2.run(ToyEnsemble::kNull, 1.0, {1.0, 2.0}, 0, 60);
  const auto first = c2.run(ToyEnsemble::kNull, 1.0, {1.0, 2.0}, 0, 25);
  const auto rest = c2.run(ToyEnsemble::kNull, 1.0, {1.0, 2.0}, 25, 60);
  for (std::size_t t = 0; t < 2; ++t) {
    EXPECT_TRUE(same_bits(a[t].q, b[t].q)) << t;
    EXPECT_TRUE(same_bits(a[t].poi_hat, b[t].poi_hat)) << t;
    std::vector<double> joined = first[t].q;
    joined.insert(joined.end(), rest[t].q.begin(), rest[t].q.end());
    EXPECT_TRUE(same_bits(a[t].q, joined)) << t;
    EXPECT_EQ(a[t].failed(), 0);
  }
  // Toy fits from the generating point: at most two Hessians per fit on this model.
  for (std::size_t i = 0; i < a[0].hessians.size(); ++i) EXPECT_LE(a[0].hessians[i], 4) << i;
  const ToyHypotestResult h1 = c1.hypotest(1.0), h2 = c2.hypotest(1.0);
  EXPECT_EQ(std::memcmp(&h1.cls, &h2.cls, sizeof(double)), 0);
  EXPECT_EQ(h1.cls_exp, h2.cls_exp);
}

TEST(ToyPValues, CountTiesAndReportABoundWhenNoToyPasses) {
  ToyDistribution d;
  d.q = {0.0, 1.0, 2.0, std::numeric_limits<double>::quiet_NaN(), 2.0};
  EXPECT_EQ(d.failed(), 1);
  const ToyPValue p = d.p_value(2.0, 1e-7);
  EXPECT_EQ(p.passed, 2);
  EXPECT_EQ(p.total, 4);
  EXPECT_DOUBLE_EQ(p.value, 0.5);
  EXPECT_DOUBLE_EQ(p.error, std::sqrt(0.25 / 4));
  const ToyPValue none = d.p_value(3.0, 1e-7);
  EXPECT_TRUE(none.bound);
  EXPECT_DOUBLE_EQ(none.value, 0.25);
  EXPECT_DOUBLE_EQ(percentile_linear({1, 2, 3, 4}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(percentile_linear({0, 10}, normal_cdf(-2.0)), 10 * normal_cdf(-2.0));
}

TEST(ToyHypotest, OneBinWithNoEventsHasTheExactClsExpOfMinusS) {
  // b = 0.5, n = 0: q~_mu is largest at n = 0, so CLs+b = P(n = 0 | mu s + b) = e^-(mu s + b),
  // CLb = e^-b, CLs = e^-(mu s) for any b.
  const Model m = model_of(counting(1.0, 0.5, 0.0));
  ToyOptions options;
  options.ntoys = 4000;
  options.seed = 2026;
  const ToyCalculator toys(m, m.observed_data(), TestStatistic::kQTildeMu, options);
  const ToyHypotestResult r = toys.hypotest(2.0);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.failed_fits(), 0);
  EXPECT_NEAR(r.clsb.value, std::exp(-2.5), 4.0 * r.clsb.error);
  EXPECT_NEAR(r.clb.value, std::exp(-0.5), 4.0 * r.clb.error);
  EXPECT_NEAR(r.cls, std::exp(-2.0), 4.0 * r.cls_error);
  EXPECT_GT(r.cls, r.asymptotic.cls_obs);  // the asymptotic CLs is too small at low counts

  // The 95% limit: s = ln 20 = 2.9957 exactly; the asymptotic q~ limit is 2.211.
  std::vector<double> grid;
  for (double mu = 2.0; mu <= 4.0 + 1e-9; mu += 0.25) grid.push_back(mu);
  const ToyUpperLimitResult limit = toys.upper_limit(grid);
  ASSERT_TRUE(limit.observed.found) << limit.message;
  EXPECT_LT(limit.observed.error, 0.1);
  for (const ToyUpperLimit& e : limit.expected) {
    if (e.found) {
      EXPECT_TRUE(e.error > 0.0 && e.error < 1.0) << e.error;  // the band's toy errors reach the limits
    }
  }
  EXPECT_EQ(limit.ntoys, 4000);
  EXPECT_NEAR(limit.observed.value, std::log(20.0), 3.0 * limit.observed.error + 0.01);  // + linear interpolation
  const UpperLimitResult asymptotic = infer::upper_limit(m.observed_data(), m);
  EXPECT_NEAR(asymptotic.observed.value, 2.211, 1e-3);
}

TEST(ToyHypotest, AgreesWithTheAsymptoticClsAtLargeCounts) {
  // A Gaussian-constrained background normalisation makes q continuous (a single Poisson count
  // has ties of O(1/sqrt(n)) probability at the observed value, which the asymptotic formulae
  // know nothing of).
  nlohmann::json ws = counting(20.0, 100.0, 108.0);
  ws["channels"][0]["samples"][1]["modifiers"] = nlohmann::json::array(
      {{{"name", "bkg_norm"}, {"type", "normsys"}, {"data", {{"hi", 1.05}, {"lo", 0.95}}}}});
  const Model m = model_of(ws);
  ToyOptions options;
  options.ntoys = 3000;
  options.seed = 99;
  const ToyCalculator toys(m, m.observed_data(), TestStatistic::kQTildeMu, options);
  const ToyHypotestResult r = toys.hypotest(1.0);
  ASSERT_TRUE(r.ok) << r.message;
  ASSERT_GT(r.cls_error, 0.0);
  // Within 3 toy errors plus the O(1/sqrt(n)) asymptotic approximation error (~2% relative).
  EXPECT_NEAR(r.cls, r.asymptotic.cls_obs, 3.0 * r.cls_error + 0.02 * r.asymptotic.cls_obs);
  EXPECT_NEAR(r.clsb.value, r.asymptotic.clsb_obs, 3.0 * r.clsb.error + 0.02 * r.asymptotic.clsb_obs);
  EXPECT_NEAR(r.cls_exp[2], r.asymptotic.cls_exp[2], 0.1 * r.asymptotic.cls_exp[2]);
}

TEST(ToySignificance, P0IsThePoissonTailOfTheBackground) {
  // n = 12 on b = 5: q0 rises with n above b, so p0 = P(n >= 12 | 5) = 0.005453.
  const Model m = model_of(counting(10.0, 5.0, 12.0));
  ToyOptions options;
  options.ntoys = 20000;
  options.seed = 5;
  const ToyCalculator toys(m, m.observed_data(), TestStatistic::kQ0, options);
  const ToySignificanceResult r = toys.significance();
  ASSERT_TRUE(r.ok) << r.message;
  double cdf = 0.0, term = std::exp(-5.0);
  for (int k = 0; k < 12; ++k, term *= 5.0 / k) cdf += term;
  EXPECT_NEAR(r.p0.value, 1.0 - cdf, 4.0 * r.p0.error);
  EXPECT_NEAR(r.z, -normal_quantile(1.0 - cdf), 0.2);
}

TEST(ToyHypotest, AddsToysUntilTheClsAccuracyIsReached) {
  const Model m = model_of(counting(5.0, 10.0, 10.0));
  ToyOptions options;
  options.ntoys = 200;
  options.seed = 3;
  options.cls_accuracy = 0.01;
  const ToyCalculator toys(m, m.observed_data(), TestStatistic::kQTildeMu, options);
  const ToyHypotestResult r = toys.hypotest(1.0);
  EXPECT_LE(r.cls_error, 0.01) << r.message;
  EXPECT_GT(r.null.q.size(), 200u);
  EXPECT_EQ(r.null.q.size() % 200, 0u);
}

TEST(ToyHypotest, TheExpectedBandErrorsMatchTheSpreadOverSeeds) {
  // 40 independent runs of 200 + 200 toys: the standard deviation of each band value over the
  // runs against the mean of the errors the runs report (the spread of the quantile of the
  // b-only toys and the s+b counting error). Continuous q (a constrained background).
  nlohmann::json ws = counting(20.0, 100.0, 108.0);
  ws["channels"][0]["samples"][1]["modifiers"] = nlohmann::json::array(
      {{{"name", "bkg_norm"}, {"type", "normsys"}, {"data", {{"hi", 1.05}, {"lo", 0.95}}}}});
  const Model m = model_of(ws);
  constexpr int kRuns = 40;
  std::array<std::vector<double>, 5> values, errors;
  for (int run = 0; run < kRuns; ++run) {
    ToyOptions options;
    options.ntoys = 200;
    options.seed = 1000 + static_cast<std::uint64_t>(run);
    const ToyCalculator toys(m, m.observed_data(), TestStatistic::kQTildeMu, options);
    const ToyHypotestResult r = toys.hypotest(1.0);
    ASSERT_TRUE(r.ok) << r.message;
    EXPECT_EQ(r.ntoys, 200);
    EXPECT_EQ(r.seed, options.seed);
    for (std::size_t k = 0; k < 5; ++k) {
      values[k].push_back(r.cls_exp[k]);
      errors[k].push_back(r.cls_exp_error[k]);
    }
  }
  for (std::size_t k = 1; k < 4; ++k) {  // -1, 0, +1 sigma (the 2-sigma quantiles rest on ~5 toys)
    double mean = 0.0, mean_error = 0.0;
    for (int run = 0; run < kRuns; ++run) {
      mean += values[k][run] / kRuns;
      mean_error += errors[k][run] / kRuns;
    }
    double variance = 0.0;
    for (const double v : values[k]) variance += (v - mean) * (v - mean) / (kRuns - 1);
    // The spread over 40 runs is known to ~11%: 0.65..1.5 is about 3-4 of its sigma.
    EXPECT_GT(mean_error, 0.65 * std::sqrt(variance)) << "band " << k;
    EXPECT_LT(mean_error, 1.5 * std::sqrt(variance)) << "band " << k;
  }
}

Model gaussian_counting() {
  nlohmann::json ws = counting(20.0, 100.0, 108.0);
  ws["channels"][0]["samples"][1]["modifiers"] = nlohmann::json::array(
      {{{"name", "bkg_norm"}, {"type", "normsys"}, {"data", {{"hi", 1.05}, {"lo", 0.95}}}}});
  ws["measurements"][0]["config"]["parameters"][0]["bounds"] = {{-10.0, 10.0}};
  return model_of(ws);
}

TEST(PullStudy, PullsHaveMeanZeroWidthOneAndHessianAndMinosIntervalsCover68Percent) {
  const Model m = gaussian_counting();
  ToyOptions options;
  options.ntoys = 1000;
  options.seed = 17;
  PullOptions pulls;
  pulls.minos = true;
  const PullStudyResult r = pull_study(m, options, pulls);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.failed_fits, 0);
  ASSERT_EQ(r.parameters.size(), 2u);
  for (const ParameterPulls& p : r.parameters) {
    EXPECT_EQ(p.toys, 1000) << p.name;
    EXPECT_NEAR(p.pull_mean, 0.0, 3.0 * p.pull_mean_error) << p.name;
    EXPECT_NEAR(p.pull_width, 1.0, 3.0 * p.pull_width_error) << p.name;
    EXPECT_NEAR(p.coverage_hessian, kOneSigmaLevel, 3.0 * p.coverage_hessian_error) << p.name;
    EXPECT_EQ(p.minos_toys, 1000) << p.name;
    EXPECT_NEAR(p.coverage_minos, kOneSigmaLevel, 3.0 * p.coverage_minos_error) << p.name;
  }
  // Same toys for another thread count.
  ToyOptions two = options;
  two.threads = 2;
  two.ntoys = 50;
  options.ntoys = 50;
  options.threads = 1;
  const PullStudyResult a = pull_study(m, options), b = pull_study(m, two);
  EXPECT_EQ(std::memcmp(a.pulls.data(), b.pulls.data(), sizeof(double) * a.pulls.size()), 0);
}

TEST(ToyGof, TheToyPValueAgreesWithTheAsymptoticOneAtLargeCounts) {
  // mu_hat = 1 +- 0.33 (a POI near its bound 0 would add to chi2: the asymptotic dof assume
  // every parameter free), shapesys constraints, ~500 events a bin: chi2 ~ chi2_2.
  const Model m = model_of(uncorrelated_background({50, 40, 30}, {500, 520, 480}, {20, 25, 20}, {570, 540, 505}));
  ToyOptions options;
  options.ntoys = 1000;
  options.seed = 8;
  const ToyGofResult r = toy_gof(m, options);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_EQ(r.dof, 2);
  EXPECT_EQ(r.failed_fits, 0);
  EXPECT_GT(r.chi2_obs, 0.5);
  EXPECT_NEAR(r.p_value.value, r.p_value_asymptotic, 3.0 * r.p_value.error);
}

}  // namespace
}  // namespace hessfit::infer
