#include "hessfit/fit/impacts.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "test_problems.hpp"

namespace hf = hessfit::fit;

TEST(Impacts, OfAGaussianAreTheLinearResponseAndAgreeWithTheCovariance) {
  const auto gaussian = hf::testing::Gaussian::three_dimensional();
  const hf::Objective objective = gaussian.objective();
  const auto minimum = hf::minimize(objective);
  const auto cov = hf::covariance(objective, minimum);
  const auto result = hf::impacts(objective, minimum, cov, "p0", {{"p1", 1.5}, {"p2", 0.2}});
  ASSERT_TRUE(result.all_converged());
  ASSERT_EQ(result.impacts.size(), 2u);
  for (const auto& impact : result.impacts) {
    const int i = impact.index;
    const double sigma = std::sqrt(gaussian.cov(i, i));
    const double slope = gaussian.cov(0, i) / gaussian.cov(i, i);  // d mu_hat / d theta
    EXPECT_NEAR(impact.postfit_sigma, sigma, 1e-12);
    EXPECT_NEAR(impact.postfit_up.delta_poi, slope * sigma, 1e-9) << impact.name;
    EXPECT_NEAR(impact.postfit_down.delta_poi, -slope * sigma, 1e-9) << impact.name;
    EXPECT_NEAR(impact.prefit_up.delta_poi, slope * impact.prefit_sigma, 1e-9) << impact.name;
    EXPECT_NEAR(impact.covariance_postfit, impact.postfit_up.delta_poi, 1e-9);
    EXPECT_NEAR(impact.covariance_prefit, impact.prefit_up.delta_poi, 1e-9);
  }
  // |rho_01| sigma_0 = 0.3 > |rho_02| sigma_0 = 0.15: p1 first.
  EXPECT_EQ(result.impacts[0].name, "p1");
  EXPECT_EQ(result.impacts[1].name, "p2");
}

TEST(Impacts, AreBitIdenticalForOneAndTwoThreads) {
  const hf::Objective objective = hf::testing::binned_model();
  const auto minimum = hf::minimize(objective);
  const auto cov = hf::covariance(objective, minimum);
  const std::vector<hf::ConstrainedParameter> nps{{"alpha_1", 1.0}, {"alpha_2", 1.0}, {"gamma", 0.05}};
  hf::ImpactsOptions one, two;
  one.profile.threads = 1;
  two.profile.threads = 2;
  const auto a = hf::impacts(objective, minimum, cov, "mu", nps, one);
  const auto b = hf::impacts(objective, minimum, cov, "mu", nps, two);
  ASSERT_TRUE(a.all_converged());
  ASSERT_EQ(a.impacts.size(), 3u);
  for (std::size_t k = 0; k < a.impacts.size(); ++k) {
    EXPECT_EQ(a.impacts[k].name, b.impacts[k].name);
    EXPECT_EQ(a.impacts[k].postfit_up.delta_poi, b.impacts[k].postfit_up.delta_poi);
    EXPECT_EQ(a.impacts[k].postfit_down.delta_poi, b.impacts[k].postfit_down.delta_poi);
    EXPECT_EQ(a.impacts[k].prefit_up.delta_poi, b.impacts[k].prefit_up.delta_poi);
    EXPECT_EQ(a.impacts[k].prefit_down.delta_poi, b.impacts[k].prefit_down.delta_poi);
  }
  for (std::size_t k = 1; k < a.impacts.size(); ++k) {
    EXPECT_GE(a.impacts[k - 1].rank_key(), a.impacts[k].rank_key());
  }
}
