#include "hessfit/fit/fit.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_problems.hpp"

namespace hf = hessfit::fit;

TEST(Fit, RunsMinimumCovarianceMinosScanContourAndImpactsInOneCall) {
  const hf::Objective objective = hf::testing::binned_model();
  hf::FitOptions options;
  options.minos = {"mu", "alpha_1"};
  hf::ScanRequest scan;
  scan.parameter = "mu";
  options.scans.push_back(scan);
  hf::ContourRequest contour;
  contour.x = "mu";
  contour.y = "alpha_2";
  contour.confidence_levels = {0.68, 0.95};
  contour.points = 8;
  options.contours.push_back(contour);
  options.impacts = hf::ImpactsRequest{"mu", {{"alpha_1", 1.0}, {"alpha_2", 1.0}, {"gamma", 0.05}}};
  const auto result = hf::fit(objective, options);
  EXPECT_TRUE(result.ok()) << result.problems();
  EXPECT_EQ(result.parameters.size(), 4u);
  EXPECT_TRUE(result.parameters[0].minos.has_value());
  EXPECT_FALSE(result.parameters[2].minos.has_value());
  EXPECT_EQ(result.scans.size(), 1u);
  EXPECT_EQ(result.scans[0].points.size(), 21u);
  EXPECT_EQ(result.contours.size(), 2u);
  ASSERT_TRUE(result.impacts.has_value());
  EXPECT_EQ(result.impacts->impacts.size(), 3u);
  EXPECT_EQ(result.restarts, 0);
  EXPECT_NE(result.report().find("alpha_1"), std::string::npos);
  EXPECT_GT(result.timing.total, 0.0);
}

TEST(Fit, RedoesTheMinimisationWhenAProfileFitFindsALowerPoint) {
  auto f = [](const auto& p) {
    auto w = p[0] * p[0] - 1.0;
    return 0.3 * w * w + 0.1 * p[0] + 0.5 * (p[1] - p[0]) * (p[1] - p[0]);
  };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(1.2, 1.2));
  hf::FitOptions options;
  options.minimize.method = hf::Method::kNewton;  // lands in the local minimum
  options.minos = {"x"};
  const auto result = hf::fit(objective, options);
  EXPECT_EQ(result.restarts, 1);
  ASSERT_EQ(result.minimum_history.size(), 2u);
  EXPECT_LT(result.minimum_history[1], result.minimum_history[0]);
  EXPECT_LT(result.minimum.x[0], 0.0);
  EXPECT_TRUE(result.ok()) << result.problems();
}

TEST(Fit, NamesEachStepToTheProgressCallbackAndMarksRestarts) {
  auto f = [](const auto& p) {
    auto w = p[0] * p[0] - 1.0;
    return 0.3 * w * w + 0.1 * p[0] + 0.5 * (p[1] - p[0]) * (p[1] - p[0]);
  };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(1.2, 1.2));
  hf::FitOptions options;
  options.minimize.method = hf::Method::kNewton;  // lands in the local minimum; MINOS finds the lower one
  options.minos = {"x"};
  hf::ScanRequest scan;
  scan.parameter = "y";
  scan.points = 5;
  options.scans.push_back(scan);
  std::vector<std::string> steps;
  options.progress = [&](const std::string& step) { steps.push_back(step); };
  const auto result = hf::fit(objective, options);
  ASSERT_EQ(result.restarts, 1);
  const std::vector<std::string> expected{
      "minimising 2 free parameters", "covariance from the exact Hessian", "MINOS on 1 parameter",
      "minimising 2 free parameters (restart 1)", "covariance from the exact Hessian (restart 1)",
      "MINOS on 1 parameter (restart 1)", "profile scan 1/1 of 'y' (restart 1)"};
  EXPECT_EQ(steps, expected);
}
