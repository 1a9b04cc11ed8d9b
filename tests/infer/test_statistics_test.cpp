// The asymptotic formulas of test_statistics.hpp against values computed by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "hessfit/infer/test_statistics.hpp"

namespace hessfit::infer {
namespace {

TEST(TestStatistic, NamesRoundTrip) {
  for (const TestStatistic s : {TestStatistic::kQTildeMu, TestStatistic::kQMu, TestStatistic::kQ0, TestStatistic::kTMu,
                                TestStatistic::kTTildeMu})
    EXPECT_EQ(parse_test_statistic(to_string(s)), s);
  EXPECT_FALSE(parse_test_statistic("qtidle"));
}

TEST(TestStatistic, OneSidedRulesZeroTheStatisticOnTheWrongSide) {
  EXPECT_DOUBLE_EQ(test_statistic_value(TestStatistic::kQTildeMu, 1.0, 0.5, 12.0, 10.0), 4.0);
  EXPECT_EQ(test_statistic_value(TestStatistic::kQTildeMu, 1.0, 1.5, 12.0, 10.0), 0.0);
  EXPECT_EQ(test_statistic_value(TestStatistic::kQ0, 0.0, -0.5, 12.0, 10.0), 0.0);
  EXPECT_DOUBLE_EQ(test_statistic_value(TestStatistic::kTMu, 1.0, 1.5, 12.0, 10.0), 4.0);
  EXPECT_EQ(test_statistic_value(TestStatistic::kTMu, 1.0, 1.5, 10.0, 10.0 + 1e-12), 0.0);  // clipped at 0
}

TEST(NormalDistribution, TailsAndQuantilesAreAccurate) {
  EXPECT_DOUBLE_EQ(normal_cdf(0.0), 0.5);
  EXPECT_NEAR(normal_cdf(-1.0), 0.15865525393145707, 1e-16);
  EXPECT_NEAR(normal_cdf(-10.0) / 7.619853024160527e-24, 1.0, 1e-12);  // no cancellation in the tail
  EXPECT_NEAR(normal_quantile(0.95), 1.6448536269514722, 1e-14);
  EXPECT_NEAR(normal_quantile(normal_cdf(-7.5)), -7.5, 1e-12);
}

TEST(Asymptotics, QTildeSwitchesFormAtTheAsimovValue) {
  // sqrt(q) <= sqrt(qA): ts = sqrt(q) - sqrt(qA); above: (q - qA) / (2 sqrt(qA)).
  EXPECT_DOUBLE_EQ(asymptotic_ts(TestStatistic::kQTildeMu, 1.0, 4.0), -1.0);
  EXPECT_DOUBLE_EQ(asymptotic_ts(TestStatistic::kQTildeMu, 9.0, 4.0), 1.25);
  EXPECT_DOUBLE_EQ(asymptotic_ts(TestStatistic::kQMu, 9.0, 4.0), 1.0);
  EXPECT_DOUBLE_EQ(asymptotic_ts(TestStatistic::kQTildeMu, 9.0, 0.0), 3.0);  // qA = 0: the first form
}

TEST(Asymptotics, PValuesFollowPyhfsDistributions) {
  // pyhf's docstring: distributions at mu = 1 of its example give (0.00219262, 0.15865525) at ts = 1.
  const double sqa = std::sqrt(3.93824492) ;
  const PValues p = asymptotic_pvalues(1.0, 2.0);
  EXPECT_NEAR(p.clsb, 0.5 * std::erfc(3.0 / std::sqrt(2.0)), 1e-16);
  EXPECT_NEAR(p.clb, 0.15865525393145707, 1e-16);
  EXPECT_DOUBLE_EQ(p.cls, p.clsb / p.clb);
  const auto band = asymptotic_expected_band(sqa);
  for (std::size_t k = 1; k < 5; ++k) EXPECT_GT(band[k].cls, band[k - 1].cls);  // ascending
  EXPECT_NEAR(band[2].cls, 2.0 * normal_cdf(-sqa), 1e-15);                     // ts = 0: CLb = 1/2
}

TEST(Asymptotics, TwoSidedPValues) {
  EXPECT_NEAR(two_sided_pvalue(TestStatistic::kTMu, 1.0, 7.0), 0.31731050786291415, 1e-15);
  // t~: below L the same as t; above, Phi(-sqrt t) + Phi(-(t + L) / (2 sqrt L)).
  EXPECT_NEAR(two_sided_pvalue(TestStatistic::kTTildeMu, 1.0, 4.0), 0.31731050786291415, 1e-15);
  EXPECT_NEAR(two_sided_pvalue(TestStatistic::kTTildeMu, 9.0, 4.0), normal_cdf(-3.0) + normal_cdf(-13.0 / 4.0), 1e-16);
}

}  // namespace
}  // namespace hessfit::infer
