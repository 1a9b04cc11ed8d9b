#include "hessfit/fit/covariance.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "test_problems.hpp"

namespace hf = hessfit::fit;

TEST(Covariance, IsTheExactInverseHessianOfAMultivariateGaussian) {
  const auto gaussian = hf::testing::Gaussian::three_dimensional();
  for (const double errordef : {hf::kErrorDefNll, hf::kErrorDefChiSquare}) {
    const hf::Objective objective = gaussian.objective(errordef);
    const auto minimum = hf::minimize(objective);
    ASSERT_TRUE(minimum.converged()) << minimum.message;
    EXPECT_TRUE(minimum.x.isApprox(gaussian.mu, 1e-10));
    const auto cov = hf::covariance(objective, minimum);
    ASSERT_TRUE(cov.accurate()) << cov.message;
    EXPECT_TRUE(cov.covariance.isApprox(gaussian.cov, 1e-12)) << cov.covariance;
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(cov.errors[i], std::sqrt(gaussian.cov(i, i)), 1e-13);
      EXPECT_DOUBLE_EQ(cov.correlation(i, i), 1.0);
    }
    EXPECT_NEAR(cov.correlation(0, 1), 0.6, 1e-13);
    EXPECT_NEAR(cov.correlation(0, 2), -0.3, 1e-13);
    EXPECT_EQ(cov.parameters, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(cov.smallest.size(), 3u);
    EXPECT_TRUE(cov.offending.empty());
  }
}

TEST(Covariance, HasZeroRowsForFixedParameters) {
  const auto gaussian = hf::testing::Gaussian::three_dimensional();
  hf::Objective objective = gaussian.objective();
  objective.fix("p1", gaussian.mu[1]);
  const auto cov = hf::covariance(objective, hf::minimize(objective));
  ASSERT_TRUE(cov.accurate()) << cov.message;
  EXPECT_EQ(cov.errors[1], 0.0);
  EXPECT_TRUE(cov.covariance.row(1).isZero(0.0));
  EXPECT_TRUE(cov.correlation.row(1).isZero(0.0));
  // Conditional covariance of (p0, p2) given p1: the inverse of the precision sub-block.
  const Eigen::Matrix2d sub = gaussian.precision({0, 2}, {0, 2}).inverse();
  EXPECT_NEAR(cov.covariance(0, 0), sub(0, 0), 1e-13);
  EXPECT_NEAR(cov.covariance(0, 2), sub(0, 1), 1e-13);
}

TEST(Covariance, ExcludesAParameterHeldByItsBound) {
  auto f = [](const auto& p) { return (p[0] + 1.0) * (p[0] + 1.0) + (p[1] - 2.0) * (p[1] - 2.0) + 0.5 * p[0] * p[1]; };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(3.0, 0.0),
                                                      {hf::Bounds{0.0, 5.0}, hf::Bounds{}});
  const auto minimum = hf::minimize(objective);
  const auto cov = hf::covariance(objective, minimum);
  ASSERT_TRUE(cov.accurate()) << cov.message;
  EXPECT_EQ(cov.parameters, (std::vector<int>{1}));
  EXPECT_EQ(cov.errors[0], 0.0);
  EXPECT_NEAR(cov.errors[1], std::sqrt(0.5), 1e-13);  // f_yy = 2 -> sigma^2 = 1/2
}

TEST(Covariance, ReportsAFlatDirectionAsSingularWithTheParametersSpanningIt) {
  // f depends on a + b only: the direction (1, -1) / sqrt 2 is flat; c is independent.
  auto f = [](const auto& p) {
    auto s = p[0] + p[1] - 1.0;
    return 0.5 * s * s + 0.5 * (p[2] - 3.0) * (p[2] - 3.0);
  };
  const auto objective = hf::Objective::from_callable(f, {"a", "b", "c"}, Eigen::Vector3d(0.0, 0.0, 0.0));
  const auto minimum = hf::minimize(objective);
  ASSERT_TRUE(minimum.converged()) << minimum.message;
  const auto cov = hf::covariance(objective, minimum);
  EXPECT_EQ(cov.status, hf::CovarianceStatus::kSingular) << cov.message;
  ASSERT_EQ(cov.offending.size(), 1u);
  ASSERT_EQ(cov.offending[0].dominant.size(), 2u);
  EXPECT_EQ(cov.offending[0].dominant[0].name.size(), 1u);
  EXPECT_NEAR(std::abs(cov.offending[0].dominant[0].component), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(std::abs(cov.offending[0].dominant[1].component), std::sqrt(0.5), 1e-12);
  EXPECT_TRUE(std::isnan(cov.errors[0]));
  EXPECT_TRUE(std::isnan(cov.covariance(0, 2)));
  EXPECT_NE(cov.message.find("'a'"), std::string::npos) << cov.message;
  EXPECT_NE(cov.message.find("'b'"), std::string::npos) << cov.message;
}

TEST(Covariance, ReportsASaddleAsNotPositiveDefiniteWithoutRepairingIt) {
  auto f = [](const auto& p) { return p[0] * p[0] - 0.25 * p[1] * p[1] + 0.1 * p[0] * p[1]; };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(0.0, 0.0));
  const auto cov = hf::covariance_at(objective, Eigen::Vector2d(0.0, 0.0));
  EXPECT_EQ(cov.status, hf::CovarianceStatus::kNotPositiveDefinite) << cov.message;
  ASSERT_EQ(cov.offending.size(), 1u);
  EXPECT_EQ(cov.offending[0].dominant[0].name, "y");
  EXPECT_LT(cov.offending[0].eigenvalue, 0.0);
  // The unrepaired inverse: H = [[2, 0.1], [0.1, -0.5]], V = H^-1 (errordef 0.5).
  Eigen::Matrix2d h;
  h << 2.0, 0.1, 0.1, -0.5;
  EXPECT_TRUE(cov.covariance.isApprox(h.inverse(), 1e-12)) << cov.covariance;
  EXPECT_TRUE(std::isnan(cov.errors[1]));
  EXPECT_NEAR(cov.errors[0], std::sqrt(h.inverse()(0, 0)), 1e-12);
}
