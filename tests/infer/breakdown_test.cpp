#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include <fmt/format.h>

#include "hessfit/infer/breakdown.hpp"
#include "models.hpp"

namespace hessfit::infer {
namespace {

TEST(UncertaintyBreakdown, StatOnlyEqualsAFitWithEveryConstrainedParameterFixed) {
  const Model model = testing::shared_model("agc-ttbar-cabinetry");
  const fit::Objective& o = model.objective();
  const fit::MinimizeResult m = fit::minimize(o);
  ASSERT_TRUE(m.converged()) << m.brief_report();
  const fit::CovarianceResult cov = fit::covariance(o, m);
  ASSERT_TRUE(cov.accurate());
  const int poi = *model.poi();

  std::vector<bool> constrained;
  std::map<std::string, BreakdownGroup> by_type;  // covers every constrained parameter, disjoint
  for (int i = 0; i < o.size(); ++i) {
    constrained.push_back(model.constraints()[static_cast<std::size_t>(i)].type != Constraint::kNone);
    if (!constrained.back() || o.is_fixed(i)) continue;
    const std::string type(likelihood::to_string(model.histfactory()->parameters()[static_cast<std::size_t>(i)].type));
    by_type[type].name = type;
    by_type[type].parameters.push_back(i);
  }
  std::vector<BreakdownGroup> groups;
  for (auto& [_, g] : by_type) groups.push_back(g);
  ASSERT_GE(groups.size(), 3u);
  const BreakdownResult b = uncertainty_breakdown(o, m, cov, poi, constrained, groups);
  ASSERT_TRUE(b.ok) << b.message;

  // The independent fit: every nuisance parameter with a constraint fixed at its best fit, from
  // the model's initial values.
  fit::Objective stat_only = o;
  for (int i = 0; i < o.size(); ++i)
    if (constrained[static_cast<std::size_t>(i)] && !o.is_fixed(i)) stat_only.fix(i, m.x[i]);
  const fit::MinimizeResult ms = fit::minimize(stat_only);
  const fit::CovarianceResult cs = fit::covariance(stat_only, ms);
  EXPECT_NEAR(b.stat.error, cs.errors[poi], 1e-6 * cs.errors[poi]);
  EXPECT_NEAR(b.stat.impact, b.stat.error, 0.0);
  EXPECT_LT(b.stat.error, b.total);

  // Refits and the covariance estimate agree (the group fixed at its best fit: the same minimum).
  EXPECT_NEAR(b.stat.covariance_error, b.stat.error, 1e-6 * b.stat.error);
  for (const auto& g : b.groups) {
    EXPECT_NEAR(g.covariance_impact, g.impact, 1e-5 * b.total) << g.name;
    EXPECT_GT(g.parameters, 0) << g.name;
  }
  // Disjoint groups covering every constrained parameter: stat (+) groups is the total up to the
  // correlations between groups, which the result states (+24.7% here).
  double sum2 = b.stat.impact * b.stat.impact;
  for (const auto& g : b.groups) sum2 += g.impact * g.impact;
  EXPECT_NEAR(b.quadrature_sum, std::sqrt(sum2), 1e-14);
  EXPECT_GT(b.quadrature_sum, b.stat.impact);
  EXPECT_NE(b.message.find(fmt::format("({:+.1f}% from correlations between groups)", 100.0 * (b.quadrature_sum / b.total - 1.0))),
            std::string::npos)
      << b.message;
}

TEST(UncertaintyBreakdown, OneGroupOfEverythingLeavesTheStatError) {
  // Fixing every constrained parameter as one group: total^2 = stat^2 + impact^2 exactly.
  const Model model = testing::shared_model("agc-ttbar-cabinetry");
  const fit::Objective& o = model.objective();
  const fit::MinimizeResult m = fit::minimize(o);
  const fit::CovarianceResult cov = fit::covariance(o, m);
  std::vector<bool> constrained;
  BreakdownGroup all{"all", {}};
  for (int i = 0; i < o.size(); ++i) {
    constrained.push_back(model.constraints()[static_cast<std::size_t>(i)].type != Constraint::kNone);
    if (constrained.back()) all.parameters.push_back(i);
  }
  const BreakdownResult b = uncertainty_breakdown(o, m, cov, *model.poi(), constrained, {all});
  ASSERT_TRUE(b.ok) << b.message;
  EXPECT_NEAR(b.quadrature_sum, b.total, 1e-6 * b.total);
  EXPECT_THROW((void)uncertainty_breakdown(o, m, cov, o.size(), constrained, {all}), std::invalid_argument);
}

}  // namespace
}  // namespace hessfit::infer
