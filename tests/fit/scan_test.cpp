#include "hessfit/fit/scan.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "test_problems.hpp"

namespace hf = hessfit::fit;

TEST(ProfileScan, IsTheExactParabolaOfAGaussian) {
  const auto gaussian = hf::testing::Gaussian::three_dimensional();
  const hf::Objective objective = gaussian.objective();
  const auto minimum = hf::minimize(objective);
  const double sigma = std::sqrt(gaussian.cov(1, 1));
  const auto values = hf::scan_values(minimum.x[1], 3.0 * sigma, objective.bounds(1), 21);
  ASSERT_EQ(values.size(), 21u);
  const auto scan = hf::profile_scan(objective, minimum, "p1", values);
  ASSERT_TRUE(scan.all_converged());
  for (const auto& p : scan.points) {
    const double z = (p.value - gaussian.mu[1]) / sigma;
    EXPECT_NEAR(p.delta, 0.5 * z * z, 1e-10) << p.value;
    EXPECT_EQ(p.x[1], p.value);
  }
  EXPECT_FALSE(scan.new_minimum_found);
}

TEST(ProfileScan, MatchesTheClosedFormProfileOfAnOnOffExperiment) {
  const hf::testing::OnOff experiment;
  const hf::Objective objective = experiment.objective();
  const auto minimum = hf::minimize(objective);
  const std::vector<double> values{3.0, 9.0, 5.0, 7.5, 12.0, 0.0};  // any order, bound included
  const auto scan = hf::profile_scan(objective, minimum, "mu", values);
  ASSERT_TRUE(scan.all_converged());
  const double f0 = experiment.profile(experiment.mu_hat());
  for (std::size_t k = 0; k < values.size(); ++k) {
    EXPECT_EQ(scan.points[k].value, values[k]);
    EXPECT_NEAR(scan.points[k].delta, experiment.profile(values[k]) - f0, 1e-8) << values[k];
    // EDM <= 1e-8: b within sqrt(2e-8) of its conditional sigma (about 1.5).
    EXPECT_NEAR(scan.points[k].x[1], experiment.profiled_b(values[k]), 3e-4) << values[k];
  }
}

TEST(ScanValues, ClipsTheRangeToTheBounds) {
  const auto v = hf::scan_values(0.2, 3.0, hf::Bounds{0.0, 10.0}, 21);
  EXPECT_EQ(v.front(), 0.0);
  EXPECT_DOUBLE_EQ(v.back(), 3.2);
  EXPECT_DOUBLE_EQ(v[1], 0.16);
}

TEST(ProfileScan, IsBitIdenticalForOneAndTwoThreads) {
  const hf::Objective objective = hf::testing::binned_model();
  const auto minimum = hf::minimize(objective);
  const auto values = hf::scan_values(minimum.x[0], 1.5, objective.bounds(0), 21);
  hf::ScanOptions one, two;
  one.profile.threads = 1;
  two.profile.threads = 2;
  const auto a = hf::profile_scan(objective, minimum, "mu", values, one);
  const auto b = hf::profile_scan(objective, minimum, "mu", values, two);
  ASSERT_TRUE(a.all_converged());
  for (std::size_t k = 0; k < values.size(); ++k) {
    EXPECT_EQ(a.points[k].delta, b.points[k].delta);
    EXPECT_EQ(a.points[k].x, b.points[k].x);
  }
}

TEST(ProfileContour, LiesOnTheErrorEllipseOfAGaussian) {
  const auto gaussian = hf::testing::Gaussian::three_dimensional();
  const hf::Objective objective = gaussian.objective();
  const auto minimum = hf::minimize(objective);
  const auto cov = hf::covariance(objective, minimum);
  hf::ContourOptions options;
  options.points = 16;
  const auto contour = hf::profile_contour(objective, minimum, cov, "p0", "p1", options);
  ASSERT_TRUE(contour.ok());
  ASSERT_EQ(contour.points.size(), 16u);
  // Two degrees of freedom: q = -2 log(1 - cl).
  EXPECT_NEAR(contour.threshold, 0.5 * -2.0 * std::log(1.0 - options.confidence_level), 1e-12);
  // Profile of a Gaussian in (p0, p1): 1/2 d^T C_2x2^-1 d = threshold.
  const Eigen::Matrix2d c2 = gaussian.cov.topLeftCorner(2, 2).inverse();
  for (const auto& p : contour.points) {
    const Eigen::Vector2d d(p.x - gaussian.mu[0], p.y - gaussian.mu[1]);
    EXPECT_NEAR(0.5 * d.dot(c2 * d), contour.threshold, 1e-8) << p.angle;
  }
}

TEST(ProfileContour, IsBitIdenticalForOneAndTwoThreads) {
  const hf::Objective objective = hf::testing::binned_model();
  const auto minimum = hf::minimize(objective);
  const auto cov = hf::covariance(objective, minimum);
  hf::ContourOptions one, two;
  one.profile.threads = 1;
  two.profile.threads = 2;
  one.points = two.points = 8;
  const auto a = hf::profile_contour(objective, minimum, cov, "mu", "alpha_2", one);
  const auto b = hf::profile_contour(objective, minimum, cov, "mu", "alpha_2", two);
  ASSERT_TRUE(a.ok());
  for (std::size_t k = 0; k < a.points.size(); ++k) {
    EXPECT_EQ(a.points[k].x, b.points[k].x);
    EXPECT_EQ(a.points[k].y, b.points[k].y);
  }
}
