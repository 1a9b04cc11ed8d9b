#include "hessfit/fit/minimize.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_problems.hpp"

namespace hf = hessfit::fit;

namespace {

hf::Objective rosenbrock_objective() {
  auto rosenbrock = [](const auto& p) {
    auto a = 1.0 - p[0];
    auto b = p[1] - p[0] * p[0];
    return a * a + 100.0 * b * b;
  };
  return hf::Objective::from_callable(rosenbrock, {"x", "y"}, Eigen::Vector2d(-1.2, 1.0));
}

hf::MinimizeOptions with_method(hf::Method method) {
  hf::MinimizeOptions options;
  options.method = method;
  return options;
}

class EveryMethod : public ::testing::TestWithParam<hf::Method> {};

}  // namespace

TEST_P(EveryMethod, FindsTheRosenbrockMinimumFromTheClassicStart) {
  const auto result = hf::minimize(rosenbrock_objective(), with_method(GetParam()));
  ASSERT_TRUE(result.converged()) << result.message;
  EXPECT_NEAR(result.x[0], 1.0, 1e-6);
  EXPECT_NEAR(result.x[1], 1.0, 1e-6);
  EXPECT_LE(result.edm, 1e-8);
  EXPECT_GT(result.evaluations, 0);
  EXPECT_FALSE(result.stages.empty());
  EXPECT_EQ(result.method, GetParam());
}

TEST_P(EveryMethod, StopsOnTheBoundWhenTheMinimumIsOutside) {
  // Minimum of (x + 1)^2 + (y - 2)^2 + x y / 2 lies at x < 0; x is bounded to [0, 5].
  auto f = [](const auto& p) { return (p[0] + 1.0) * (p[0] + 1.0) + (p[1] - 2.0) * (p[1] - 2.0) + 0.5 * p[0] * p[1]; };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(3.0, 0.0),
                                                      {hf::Bounds{0.0, 5.0}, hf::Bounds{}});
  const auto result = hf::minimize(objective, with_method(GetParam()));
  ASSERT_TRUE(result.converged()) << result.message;
  EXPECT_NEAR(result.x[0], 0.0, GetParam() == hf::Method::kNewton || GetParam() == hf::Method::kAuto ? 0.0 : 1e-6);
  EXPECT_NEAR(result.x[1], 2.0, 1e-6);
  EXPECT_EQ(result.parameter_states[0], hf::ParameterState::kAtLowerBound);
  EXPECT_EQ(result.parameter_states[1], hf::ParameterState::kFree);
}

INSTANTIATE_TEST_SUITE_P(Minimize, EveryMethod,
                         ::testing::Values(hf::Method::kNewton, hf::Method::kLbfgs, hf::Method::kBfgs,
                                           hf::Method::kAuto),
                         [](const auto& info) { return hf::to_string(info.param); });

TEST(Newton, ReachesAnEdmFarBelowMinuitsTarget) {
  const hf::Objective objective = hf::testing::binned_model();
  const auto result = hf::minimize(objective, with_method(hf::Method::kNewton));
  ASSERT_TRUE(result.converged()) << result.message;
  EXPECT_LT(result.edm, 1e-8);
  EXPECT_LT(result.iterations, 15);
  EXPECT_EQ(result.hessian_evaluations, result.iterations + 1);
  EXPECT_LT(result.gradient.cwiseAbs().maxCoeff(), 1e-4);
}

TEST(Newton, TreatsANonFiniteValueAtATrialPointAsAnInvalidStep) {
  // f = x - 10 log x is NaN for x < 0; from x = 30 the full Newton step x - f'/f'' = 30 - 60 lands
  // there (f' = 1 - 10/x, f'' = 10/x^2).
  auto f = [](const auto& p) {
    using std::log;
    return p[0] - 10.0 * log(p[0]) + 0.0 * p[1] + (p[1] - 1.0) * (p[1] - 1.0);
  };
  hf::MinimizeOptions options = with_method(hf::Method::kNewton);
  options.newton.initial_trust_radius = 1e3;  // let the first step go far
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(30.0, 0.0));
  const auto result = hf::minimize(objective, options);
  ASSERT_TRUE(result.converged()) << result.message;
  // EDM <= 1e-8 puts x within sqrt(2e-8) sigma of the minimum (sigma = sqrt(10)).
  EXPECT_NEAR(result.x[0], 10.0, 1.5e-4 * std::sqrt(10.0));
  EXPECT_NEAR(result.fval, 10.0 - 10.0 * std::log(10.0), 1e-8);
}

TEST(Newton, ReportsANonFiniteStart) {
  auto f = [](const auto& p) { using std::log; return log(p[0]); };
  const auto objective = hf::Objective::from_callable(f, {"x"}, Eigen::VectorXd::Constant(1, -1.0));
  const auto result = hf::minimize(objective, with_method(hf::Method::kNewton));
  EXPECT_EQ(result.termination, hf::Termination::kNonFiniteStart);
  EXPECT_FALSE(result.message.empty());
}

TEST(Newton, LeavesASaddlePointAlongTheNegativeCurvature) {
  // f = x^2 - y^2 + y^4: saddle at the origin (gradient exactly zero), minima at y = +-1/sqrt 2.
  auto f = [](const auto& p) { return p[0] * p[0] - p[1] * p[1] + p[1] * p[1] * p[1] * p[1]; };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(0.0, 0.0));
  const auto result = hf::minimize(objective, with_method(hf::Method::kNewton));
  ASSERT_TRUE(result.converged()) << result.message;
  EXPECT_NEAR(std::abs(result.x[1]), std::sqrt(0.5), 1e-8);
  EXPECT_NEAR(result.fval, -0.25, 1e-12);
}

TEST(Newton, ConvergesAlongAFlatDirection) {
  // f does not depend on y at all.
  auto f = [](const auto& p) { return (p[0] - 2.0) * (p[0] - 2.0) + 0.0 * p[1]; };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(0.0, 3.0));
  const auto result = hf::minimize(objective, with_method(hf::Method::kNewton));
  ASSERT_TRUE(result.converged()) << result.message;
  EXPECT_NEAR(result.x[0], 2.0, 1e-10);
  EXPECT_EQ(result.x[1], 3.0);
}

TEST(Minimize, KeepsFixedParametersAtTheirValues) {
  hf::Objective objective = hf::testing::binned_model();
  objective.fix("alpha_2", 0.7);
  const auto result = hf::minimize(objective);
  ASSERT_TRUE(result.converged()) << result.message;
  EXPECT_EQ(result.x[2], 0.7);
  EXPECT_EQ(result.parameter_states[2], hf::ParameterState::kFixed);
  EXPECT_EQ(result.gradient.size(), 4);
  EXPECT_EQ(result.hessian.rows(), 4);
}

TEST(Minimize, AllMethodsAgreeOnTheBinnedModel) {
  const hf::Objective objective = hf::testing::binned_model();
  const auto newton = hf::minimize(objective, with_method(hf::Method::kNewton));
  for (auto method : {hf::Method::kLbfgs, hf::Method::kBfgs, hf::Method::kAuto}) {
    const auto other = hf::minimize(objective, with_method(method));
    ASSERT_TRUE(other.converged()) << hf::to_string(method) << ": " << other.message;
    EXPECT_NEAR(other.fval, newton.fval, 1e-9) << hf::to_string(method);
    EXPECT_TRUE(other.x.isApprox(newton.x, 1e-4)) << hf::to_string(method);
  }
}

TEST(Minimize, AutoProbesPastABarrierAndFindsTheGlobalMinimum) {
  // A double well in x: from x = 1.2 Newton stops in the local minimum near x = +0.96; the
  // global one is near x = -1.03, behind a barrier lower than 0.5 above the local minimum.
  auto f = [](const auto& p) {
    auto w = p[0] * p[0] - 1.0;
    return 0.3 * w * w + 0.1 * p[0] + 0.5 * (p[1] - p[0]) * (p[1] - p[0]);
  };
  const auto objective = hf::Objective::from_callable(f, {"x", "y"}, Eigen::Vector2d(1.2, 1.2));
  const auto local = hf::minimize(objective, with_method(hf::Method::kNewton));
  ASSERT_GT(local.x[0], 0.0);
  const auto global = hf::minimize(objective);
  ASSERT_TRUE(global.converged()) << global.message;
  EXPECT_LT(global.x[0], -1.0);
  EXPECT_LT(global.fval, local.fval - 0.15);
  EXPECT_EQ(global.lower_minima_found, 1);
  EXPECT_GE(global.probe_starts, 1);
  EXPECT_GT(global.probe_evaluations, 0);
  EXPECT_TRUE(global.positive_definite);
  EXPECT_GT(global.min_scaled_eigenvalue, 0.0);  // kAuto always reports it
  EXPECT_NE(global.message.find("probe"), std::string::npos) << global.message;
}
