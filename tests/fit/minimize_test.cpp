#include "hessfit/fit/minimize.hpp"

#include <gtest/gtest.h>

#include <cmath>

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

}  // namespace

TEST(Newton, FindsTheRosenbrockMinimumFromTheClassicStart) {
  hf::MinimizeOptions options;
  options.method = hf::Method::kNewton;
  const auto result = hf::minimize(rosenbrock_objective(), options);
  ASSERT_TRUE(result.converged()) << result.message;
  EXPECT_NEAR(result.x[0], 1.0, 1e-7);
  EXPECT_NEAR(result.x[1], 1.0, 1e-7);
  EXPECT_LT(result.edm, 1e-8);
  EXPECT_LT(result.iterations, 60);
  std::cout << result.brief_report() << "\n";
}

TEST(Lbfgs, FindsTheRosenbrockMinimumFromTheClassicStart) {
  for (auto method : {hf::Method::kLbfgs, hf::Method::kBfgs, hf::Method::kHybrid}) {
    hf::MinimizeOptions options;
    options.method = method;
    const auto result = hf::minimize(rosenbrock_objective(), options);
    std::cout << result.brief_report() << "\n" << result.message << "\n";
    EXPECT_NEAR(result.x[0], 1.0, 1e-5);
    EXPECT_NEAR(result.x[1], 1.0, 1e-5);
  }
}
