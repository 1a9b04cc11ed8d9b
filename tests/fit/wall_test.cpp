// A minimum against the wall of a likelihood (f not finite beyond it: a Poisson rate reaching
// zero). agc-ttbar-ml with its POI ttbar_norm fixed at 0 (the background-only fit of
// `hessfit fit`, the Asimov-generating fit of `hessfit limit`): the background must explain
// ~58k events per channel, the nuisance parameters are pulled to their bounds, and the rate of
// bin 0 of Feature1 and Feature2 (every sample 2e-6, 4e-6 observed) is driven to ~1e-16, a
// log-barrier n log nu with n = 4e-6 whose curvature dwarfs the rest of the Hessian. Newton steps
// along that curved wall cross it after ~1e-5 in the parameters; without feasibility restoration
// (newton.cpp) the fit crawled (max_iterations at NLL 133884 after 100 iterations, 107287 after
// 20000) and L-BFGS stopped at 130798.969 (no progress).
#include <gtest/gtest.h>

#include "hessfit/fit/minimize.hpp"
#include "reference_data.hpp"

namespace hf = hessfit::fit;

namespace {

TEST(NewtonWall, AgcFitWithThePoiAtZeroConvergesToAKktPointAgainstTheWall) {
  const hessfit::likelihood::Model model =
      hessfit::likelihood::Workspace::load(hf::testing::histfactory_dir() / "agc-ttbar-ml" / "workspace.json").model();
  hf::Objective objective = hf::testing::histfactory_objective(model);
  const int poi = objective.index("ttbar_norm");
  objective.set_value(poi, 0.0);
  objective.fix(poi);
  hf::MinimizeOptions options;
  options.method = hf::Method::kNewton;
  options.newton.max_iterations = 1000;
  const hf::MinimizeResult r = hf::minimize(objective, options);
  ASSERT_TRUE(r.converged()) << r.message;
  EXPECT_LE(r.edm, 1e-8);
  // Below every end point of the minimisers before the fix (the lowest: L-BFGS at 130798.969).
  EXPECT_LT(r.fval, 130798.969) << r.message;
  // KKT: a parameter on a bound has its gradient pointing out of the box (a positive multiplier),
  // and is reported at that bound; the free ones are stationary (EDM above).
  int on_bounds = 0;
  for (int i = 0; i < objective.size(); ++i) {
    if (objective.is_fixed(i)) continue;
    const hf::Bounds& b = objective.bounds(i);
    const auto state = r.parameter_states[static_cast<std::size_t>(i)];
    if (r.x[i] >= b.upper) {
      ++on_bounds;
      EXPECT_LT(r.gradient[i], 0.0) << objective.name(i);
      EXPECT_EQ(state, hf::ParameterState::kAtUpperBound) << objective.name(i);
    } else if (r.x[i] <= b.lower) {
      ++on_bounds;
      EXPECT_GT(r.gradient[i], 0.0) << objective.name(i);
      EXPECT_EQ(state, hf::ParameterState::kAtLowerBound) << objective.name(i);
    } else {
      EXPECT_EQ(state, hf::ParameterState::kFree) << objective.name(i);
    }
  }
  // Luminosity, W+jets scale variations and b-tag NP 2, 3, 4 at +5.
  EXPECT_EQ(on_bounds, 5);
}

}  // namespace
