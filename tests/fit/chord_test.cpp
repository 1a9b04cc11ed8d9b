// Chord steps of conditional_minimum (profile.hpp): projected line-searched fixed-Hessian steps,
// the wall repair at a bound and the exact-Hessian refresh.
#include <gtest/gtest.h>

#include <cmath>

#include "hessfit/fit/profile.hpp"
#include "test_problems.hpp"

namespace hf = hessfit::fit;

namespace {

// A shapesys-like gamma beside a stiff parameter: f = tau g - a log(tau g) + 50 (t - 3)^2 with
// g in [1e-10, 10]. The minimum is g = a / tau, t = 3. With a = 1, tau = 6.4 and the chord of
// the expected curvature at g = 1 (tau / g = 6.4; t: 100), the chord's full step from
// (0.8, 0) sends g below 0 -- onto its bound, a wall where f ~ -log g -- while t's decrease (450)
// hides the rise in the line search: the situation of toys of the atlas-compressed workspace.
constexpr double kTau = 6.4, kAux = 1.0;

hf::Objective wall_objective() {
  auto nll = [](const auto& x) {
    using std::log;
    const auto d = x[1] - 3.0;
    return kTau * x[0] - kAux * log(kTau * x[0]) + 50.0 * d * d;
  };
  return hf::Objective::from_callable(nll, {"gamma", "theta"}, Eigen::Vector2d(0.8, 0.0),
                                      {{1e-10, 10.0}, {-10.0, 10.0}});
}

hf::Chord expected_chord(const hf::Objective& objective) {
  hf::MinimizeResult at;
  at.x = Eigen::Vector2d(1.0, 3.0);
  at.hessian = Eigen::Matrix2d{{kTau, 0.0}, {0.0, 100.0}};
  at.parameter_states.assign(2, hf::ParameterState::kFree);
  return hf::Chord::at(objective, at);
}

/// A 3-d Gaussian NLL, the chord at its minimum with a Hessian 50x too stiff (each chord step
/// removes 2% of the gradient) and a start away from the minimum.
struct StiffChord {
  hf::testing::Gaussian gaussian = hf::testing::Gaussian::three_dimensional();
  hf::Objective objective = gaussian.objective();
  hf::Chord stiff = make(gaussian, objective);
  Eigen::Vector3d start = gaussian.mu + Eigen::Vector3d(0.5, -1.0, 0.1);

  static hf::Chord make(const hf::testing::Gaussian& g, const hf::Objective& objective) {
    hf::MinimizeResult at;
    at.x = g.mu;
    at.hessian = 50.0 * g.precision;
    at.parameter_states.assign(3, hf::ParameterState::kFree);
    return hf::Chord::at(objective, at);
  }
};

hf::MinimizeOptions newton() {
  hf::MinimizeOptions o;
  o.method = hf::Method::kNewton;
  o.newton.polish_iterations = 0;
  return o;
}

}  // namespace

TEST(ChordSteps, PutAParameterThatHitAWallBackAndConvergeWithOneHessian) {
  const hf::Objective objective = wall_objective();
  const hf::Chord chord = expected_chord(objective);
  ASSERT_TRUE(chord.usable());
  hf::ChordOptions options;
  options.max_steps = 30;
  const auto r = hf::conditional_minimum(objective, {}, {}, objective.values(), newton(), &chord, &options);
  ASSERT_TRUE(r.converged()) << r.message;
  EXPECT_NEAR(r.x[0], kAux / kTau, 1e-5);
  EXPECT_NEAR(r.x[1], 3.0, 1e-6);
  EXPECT_EQ(r.iterations, 0);  // the chord steps got there: Newton's one Hessian confirms it
  EXPECT_EQ(r.hessian_evaluations, 1);
}

TEST(ChordSteps, WithoutTheWallRepairNewtonCrawlsOffTheBoundByDoubling) {
  // The same start with the repair disabled (the parameter stays on its bound at 1e-10): Newton
  // on -log g from there doubles g per iteration, ~30 iterations to reach 0.16.
  const hf::Objective objective = wall_objective();
  const hf::Chord chord = expected_chord(objective);
  hf::ChordOptions options;
  options.max_steps = 1;
  options.wall_fraction = 0.0;
  const auto crawl = hf::conditional_minimum(objective, {}, {}, objective.values(), newton(), &chord, &options);
  options.wall_fraction = 0.1;
  const auto repaired = hf::conditional_minimum(objective, {}, {}, objective.values(), newton(), &chord, &options);
  ASSERT_TRUE(crawl.converged()) << crawl.message;
  ASSERT_TRUE(repaired.converged()) << repaired.message;
  EXPECT_NEAR(crawl.fval, repaired.fval, 1e-9);
  EXPECT_GT(crawl.iterations, 20);
  EXPECT_LT(repaired.iterations, 8);
}

TEST(ChordSteps, ARefreshedChordConvergesWhereAPoorOneStalls) {
  // A Gaussian NLL with a chord 50x too stiff: each step removes 2% of the gradient, so the
  // steps stall (patience) and the exact Hessian where they stopped becomes the chord; on a
  // quadratic its first step is exact, and Newton's Hessian confirms: two Hessians in all.
  const StiffChord c;
  const auto& [gaussian, objective, stiff, start] = c;
  hf::ChordOptions options;
  options.max_steps = 30;
  options.contraction = 0.8;
  options.patience = 3;
  options.max_refreshes = 1;
  const auto r = hf::conditional_minimum(objective, {}, {}, start, newton(), &stiff, &options);
  ASSERT_TRUE(r.converged()) << r.message;
  EXPECT_LT((r.x - gaussian.mu).norm(), 1e-8);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.hessian_evaluations, 2);
  EXPECT_LE(r.gradient_evaluations, 10);
  options.max_refreshes = 0;  // without: Newton from where the stiff chord stalled
  const auto plain = hf::conditional_minimum(objective, {}, {}, start, newton(), &stiff, &options);
  ASSERT_TRUE(plain.converged()) << plain.message;
  EXPECT_GE(plain.iterations, 1);
}

TEST(ChordSteps, BfgsUpdatesLearnTheCurvatureOfAPoorChordWithoutAnExactHessian) {
  // The chord 50x too stiff again, no refreshes: plain chord steps each remove 2% of the
  // gradient and stall; with BFGS updates the steps learn the Gaussian's curvature (on a
  // quadratic the update is exact along each step) and converge with Newton's confirming
  // Hessian only.
  const StiffChord c;
  const auto& [gaussian, objective, stiff, start] = c;
  hf::ChordOptions options;
  options.max_steps = 40;
  options.contraction = 0.9;
  options.patience = 10;
  options.max_refreshes = 0;
  options.bfgs_updates = true;
  const auto r = hf::conditional_minimum(objective, {}, {}, start, newton(), &stiff, &options);
  ASSERT_TRUE(r.converged()) << r.message;
  EXPECT_LT((r.x - gaussian.mu).norm(), 1e-6);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.hessian_evaluations, 1);
  EXPECT_LE(r.gradient_evaluations, 20);
  options.bfgs_updates = false;  // the same steps without: they stall and Newton takes over
  const auto plain = hf::conditional_minimum(objective, {}, {}, start, newton(), &stiff, &options);
  ASSERT_TRUE(plain.converged()) << plain.message;
  EXPECT_GE(plain.iterations, 1);
}
