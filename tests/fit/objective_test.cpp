#include "hessfit/fit/objective.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "hessfit/testing/finite_difference.hpp"
#include "test_problems.hpp"

namespace hf = hessfit::fit;

namespace {

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace

TEST(Objective, EvaluatesValueGradientAndExactHessianOfAGenericCallable) {
  const hf::Objective objective = hf::testing::binned_model();
  const Eigen::Vector4d x(1.3, 0.2, -0.4, 1.02);
  Eigen::VectorXd g;
  Eigen::MatrixXd h;
  const double f = objective.value_gradient_hessian(x, g, h);
  EXPECT_DOUBLE_EQ(f, objective.value(x));
  Eigen::VectorXd g2;
  EXPECT_DOUBLE_EQ(objective.value_and_gradient(x, g2), f);
  EXPECT_TRUE(g.isApprox(g2, 1e-14));
  auto value = [&](const Eigen::VectorXd& y) { return objective.value(y); };
  EXPECT_TRUE(g.isApprox(hessfit::testing::central_difference_gradient(value, x), 1e-7)) << g;
  EXPECT_TRUE(h.isApprox(hessfit::testing::central_difference_hessian(value, x), 1e-5)) << h;
}

TEST(Objective, FixesReleasesAndSetsParametersByName) {
  hf::Objective objective = hf::testing::binned_model();
  EXPECT_EQ(objective.size(), 4);
  EXPECT_EQ(objective.n_free(), 4);
  EXPECT_EQ(objective.index("alpha_2"), 2);
  EXPECT_FALSE(objective.find("nope").has_value());
  objective.fix("alpha_1", 0.5);
  objective.fix("gamma");
  EXPECT_TRUE(objective.is_fixed("alpha_1"));
  EXPECT_DOUBLE_EQ(objective.value_of("alpha_1"), 0.5);
  EXPECT_EQ(objective.free_indices(), (std::vector<int>{0, 2}));
  hf::Objective copy = objective;  // copies own their state
  copy.release("alpha_1");
  EXPECT_TRUE(objective.is_fixed("alpha_1"));
  EXPECT_FALSE(copy.is_fixed("alpha_1"));
  objective.set_value("mu", 2.5);
  EXPECT_DOUBLE_EQ(objective.values()[0], 2.5);
  objective.set_bounds("mu", {0.0, 2.0});
  EXPECT_DOUBLE_EQ(objective.values()[0], 2.0);  // clamped into the new bounds
}

TEST(Objective, NamesTheParameterInEveryBadInputMessage) {
  hf::Objective objective = hf::testing::binned_model();
  EXPECT_EQ(message_of([&] { (void)objective.index("mu_sig"); }),
            "hessfit::fit::Objective: no parameter named 'mu_sig'");
  EXPECT_EQ(message_of([&] { objective.set_value("mu", -1.0); }),
            "hessfit::fit::Objective: parameter 'mu': value -1 is outside its bounds [0, 10]");
  EXPECT_EQ(message_of([&] { objective.set_errordef(0.0); }),
            "hessfit::fit::Objective: error definition 0 is not > 0");
  auto f = [](const auto& x) { return x[0] * x[0]; };
  EXPECT_EQ(message_of([&] {
              (void)hf::Objective::from_callable(f, {"a", "a"}, Eigen::Vector2d(0.0, 7.0),
                                                 {hf::Bounds{}, hf::Bounds{0.0, 5.0}});
            }),
            "hessfit::fit::Objective: parameter name 'a' is used twice; parameter 'a': initial "
            "value 7 is outside its bounds [0, 5]");
  EXPECT_EQ(message_of([&] { (void)hf::Objective::from_callable(f, {"a"}, Eigen::Vector2d(0.0, 7.0)); }),
            "hessfit::fit::Objective: 1 parameter names but 2 initial values");
}
