#include "hessfit/fit/minos.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "test_problems.hpp"

namespace hf = hessfit::fit;

TEST(Minos, GivesPlusMinusSigmaForAGaussianAtAnyConfidenceLevel) {
  const auto gaussian = hf::testing::Gaussian::three_dimensional();
  for (const double errordef : {hf::kErrorDefNll, hf::kErrorDefChiSquare}) {
    const hf::Objective objective = gaussian.objective(errordef);
    const auto minimum = hf::minimize(objective);
    const auto cov = hf::covariance(objective, minimum);
    for (const double n_sigma : {1.0, 2.0}) {
      hf::MinosOptions options;
      options.confidence_level = hf::gaussian_confidence_level(n_sigma);
      const auto result = hf::minos(objective, minimum, cov, {"p0", "p1", "p2"}, options);
      ASSERT_TRUE(result.ok());
      EXPECT_NEAR(result.threshold, errordef * n_sigma * n_sigma, 1e-12);
      for (int i = 0; i < 3; ++i) {
        const auto& interval = result.intervals[static_cast<std::size_t>(i)];
        const double sigma = std::sqrt(gaussian.cov(i, i));
        EXPECT_NEAR(interval.lower.offset, -n_sigma * sigma, 1e-9 * sigma) << interval.name;
        EXPECT_NEAR(interval.upper.offset, n_sigma * sigma, 1e-9 * sigma) << interval.name;
        EXPECT_LE(interval.upper.fits, 3);  // the quadratic guess is the answer
      }
    }
  }
}

TEST(Minos, FindsTheKnownProfileIntervalOfAnOnOffCountingExperiment) {
  const hf::testing::OnOff experiment;
  const hf::Objective objective = experiment.objective();
  const auto minimum = hf::minimize(objective);
  ASSERT_TRUE(minimum.converged()) << minimum.message;
  EXPECT_NEAR(minimum.x[0], experiment.mu_hat(), 1e-6);
  const auto cov = hf::covariance(objective, minimum);
  const auto result = hf::minos(objective, minimum, cov, {"mu"});
  ASSERT_TRUE(result.ok());
  const auto& mu = result.intervals[0];
  const double lower = experiment.crossing(0.5, false) - experiment.mu_hat();
  const double upper = experiment.crossing(0.5, true) - experiment.mu_hat();
  EXPECT_NEAR(mu.lower.offset, lower, 1e-6 * std::abs(lower));
  EXPECT_NEAR(mu.upper.offset, upper, 1e-6 * upper);
  EXPECT_GT(upper, -lower);  // Poisson: asymmetric
  EXPECT_EQ(mu.lower.status, hf::CrossingStatus::kOk);
  // The profile at the crossing: f rises by up * q = 0.5.
  EXPECT_NEAR(mu.upper.fval - minimum.fval, 0.5, 1e-6);
}

TEST(Minos, StopsAtTheBoundAndSaysSo) {
  hf::testing::OnOff experiment;
  experiment.n_on = 9.0;  // fewer than the expected background: mu_hat = 0 on its bound
  const hf::Objective objective = experiment.objective();
  const auto minimum = hf::minimize(objective);
  ASSERT_TRUE(minimum.converged()) << minimum.message;
  EXPECT_EQ(minimum.x[0], 0.0);
  EXPECT_EQ(minimum.parameter_states[0], hf::ParameterState::kAtLowerBound);
  const auto cov = hf::covariance(objective, minimum);
  const auto result = hf::minos(objective, minimum, cov, {"mu"});
  const auto& mu = result.intervals[0];
  EXPECT_EQ(mu.lower.status, hf::CrossingStatus::kAtLimit);
  EXPECT_EQ(mu.lower.offset, 0.0);
  EXPECT_EQ(mu.upper.status, hf::CrossingStatus::kOk) << mu.upper.message;
  EXPECT_NEAR(mu.upper.fval - minimum.fval, 0.5, 1e-6);
}

TEST(Minos, ReportsTheBoundAsTheLimitWhenTheProfileStaysBelowTheThreshold) {
  const auto gaussian = hf::testing::Gaussian::three_dimensional();
  hf::Objective objective = gaussian.objective();
  objective.set_bounds("p0", {0.0, 1.2});  // sigma 0.5 around 1: the upper crossing 1.5 is outside
  const auto minimum = hf::minimize(objective);
  const auto result = hf::minos(objective, minimum, hf::covariance(objective, minimum), {"p0"});
  const auto& p0 = result.intervals[0];
  EXPECT_EQ(p0.upper.status, hf::CrossingStatus::kAtLimit);
  EXPECT_NEAR(p0.upper.offset, 0.2, 1e-12);
  EXPECT_EQ(p0.lower.status, hf::CrossingStatus::kOk);
  EXPECT_NEAR(p0.lower.offset, -0.5, 1e-9);
}

TEST(Minos, NoticesALowerMinimumOnTheWay) {
  // A double well in x: the minimum near x = +0.96 is local, the global one is near x = -1.03,
  // and the barrier between them is lower than up * q above the local minimum.
  auto f = [](const auto& p) {
    auto w = p[0] * p[0] - 1.0;
    return 0.3 * w * w + 0.1 * p[0] + 0.5 * (p[1] - p[0]) * (p[1] - p[0]);
  };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(1.2, 1.2));
  hf::MinimizeOptions newton;
  newton.method = hf::Method::kNewton;
  const auto local = hf::minimize(objective, newton);
  ASSERT_TRUE(local.converged());
  ASSERT_GT(local.x[0], 0.0);
  const auto result = hf::minos(objective, local, hf::covariance(objective, local), {"x"});
  EXPECT_EQ(result.intervals[0].lower.status, hf::CrossingStatus::kNewMinimum);
  EXPECT_TRUE(result.new_minimum_found());
  EXPECT_LT(result.lowest_new_minimum()[0], 0.0);
}

TEST(Minos, IsBitIdenticalForOneAndTwoThreads) {
  const hf::Objective objective = hf::testing::binned_model();
  const auto minimum = hf::minimize(objective);
  const auto cov = hf::covariance(objective, minimum);
  hf::MinosOptions one, two;
  one.profile.threads = 1;
  two.profile.threads = 2;
  const std::vector<std::string> names{"mu", "alpha_1", "alpha_2", "gamma"};
  const auto a = hf::minos(objective, minimum, cov, names, one);
  const auto b = hf::minos(objective, minimum, cov, names, two);
  ASSERT_TRUE(a.ok());
  for (std::size_t k = 0; k < names.size(); ++k) {
    EXPECT_EQ(a.intervals[k].lower.offset, b.intervals[k].lower.offset);
    EXPECT_EQ(a.intervals[k].upper.offset, b.intervals[k].upper.offset);
    EXPECT_EQ(a.intervals[k].upper.x, b.intervals[k].upper.x);
  }
}
