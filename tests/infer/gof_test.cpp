#include <gtest/gtest.h>

#include <cmath>

#include "hessfit/infer/gof.hpp"
#include "hessfit/fit/minimize.hpp"
#include "models.hpp"

namespace hessfit::infer {
namespace {

using nlohmann::json;

// 2 n (r - 1 - log r), r = nu / n, written out the textbook way.
double deviance(double nu, double n) { return n > 0 ? 2.0 * (nu - n + n * std::log(n / nu)) : 2.0 * nu; }

// Two channels: SR (2 bins: signal x mu, background x normsys 'bkg_xs') and CR (1 bin, background
// x the same normsys x a free normfactor 'k'), observed [12, 7] and [0].
json two_channel_workspace() {
  const json normsys = {{"name", "bkg_xs"}, {"type", "normsys"}, {"data", {{"hi", 1.1}, {"lo", 0.9}}}};
  return json{
      {"channels",
       json::array({{{"name", "SR"},
                     {"samples", json::array({{{"name", "signal"},
                                               {"data", {4.0, 2.0}},
                                               {"modifiers", json::array({{{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}}})}},
                                              {{"name", "background"}, {"data", {9.0, 6.0}}, {"modifiers", json::array({normsys})}}})}},
                    {{"name", "CR"},
                     {"samples", json::array({{{"name", "background"},
                                               {"data", {3.0}},
                                               {"modifiers", json::array({normsys, {{"name", "k"}, {"type", "normfactor"}, {"data", nullptr}}})}}})}}})},
      {"observations", json::array({{{"name", "SR"}, {"data", {12.0, 7.0}}}, {{"name", "CR"}, {"data", {0.0}}}})},
      {"measurements", json::array({{{"name", "m"}, {"config", {{"poi", "mu"}, {"parameters", json::array()}}}}})},
      {"version", "1.0.0"}};
}

TEST(SaturatedGof, MatchesTheHandComputedStatisticWithGaussianConstraints) {
  Model model = testing::model_of(two_channel_workspace());
  const fit::Objective& o = model.objective();
  Eigen::VectorXd x = o.values();
  x[o.index("mu")] = 0.5;
  x[o.index("bkg_xs")] = 1.0;  // kappa = hi exactly (code4 is exponential for |alpha| >= 1)
  x[o.index("k")] = 0.4;
  // CR (channel 0 in sorted order): nu = 3 * 1.1 * 0.4 = 1.32, n = 0.
  const double cr = deviance(1.32, 0.0);
  const double sr = deviance(0.5 * 4.0 + 9.0 * 1.1, 12.0) + deviance(0.5 * 2.0 + 6.0 * 1.1, 7.0);
  const double constraint = 1.0;  // ((0 - 1) / 1)^2
  const SaturatedGof gof = saturated_gof(model, x);
  ASSERT_EQ(gof.channels.size(), 2u);
  EXPECT_EQ(gof.channels[0].name, "CR");
  EXPECT_NEAR(gof.channels[0].chi2, cr, 1e-12);
  EXPECT_NEAR(gof.channels[1].chi2, sr, 1e-12);
  EXPECT_NEAR(gof.constraint, constraint, 1e-12);
  EXPECT_NEAR(gof.chi2, cr + sr + constraint, 1e-12);
  // 3 main bins, free unconstrained: mu and k -> 1 dof; p = P(chi2_1 >= chi2) = erfc(sqrt(chi2 / 2)).
  EXPECT_EQ(gof.main_bins, 3);
  EXPECT_EQ(gof.free_unconstrained, 2);
  EXPECT_EQ(gof.dof, 1);
  ASSERT_EQ(gof.status, GofStatus::kOk) << gof.message;
  EXPECT_NEAR(gof.p_value, std::erfc(std::sqrt(gof.chi2 / 2.0)), 1e-12);

  // Fixing mu (a background-only fit) frees a degree of freedom: p = exp(-chi2 / 2) for 2 dof.
  model.objective().fix("mu", 0.5);
  const SaturatedGof fixed = saturated_gof(model, x);
  EXPECT_EQ(fixed.dof, 2);
  EXPECT_NEAR(fixed.p_value, std::exp(-fixed.chi2 / 2.0), 1e-12);
}

TEST(SaturatedGof, MatchesTheHandComputedStatisticWithPoissonConstraints) {
  // shapesys: tau = (50/5)^2 = 100 and (60/12)^2 = 25, auxiliary counts 100 and 25.
  Model model = testing::model_of(testing::uncorrelated_background({5.0, 10.0}, {50.0, 60.0}, {5.0, 12.0}, {53.0, 65.0}));
  const Eigen::VectorXd x = (Eigen::VectorXd(3) << 0.5, 1.02, 0.95).finished();
  const double main = deviance(0.5 * 5.0 + 50.0 * 1.02, 53.0) + deviance(0.5 * 10.0 + 60.0 * 0.95, 65.0);
  const double constraint = deviance(1.02 * 100.0, 100.0) + deviance(0.95 * 25.0, 25.0);
  const SaturatedGof gof = saturated_gof(model, x);
  EXPECT_NEAR(gof.main, main, 1e-11);
  EXPECT_NEAR(gof.constraint, constraint, 1e-11);
  EXPECT_EQ(gof.dof, 1);
  EXPECT_NEAR(gof.p_value, std::erfc(std::sqrt(gof.chi2 / 2.0)), 1e-12);

  // Other data (a toy): its auxiliary counts are the saturated constraint centres.
  Eigen::VectorXd toy = model.observed_data();
  toy << 50.0, 70.0, 90.0, 30.0;
  const SaturatedGof t = saturated_gof(model, toy, x);
  EXPECT_NEAR(t.main, deviance(53.5, 50.0) + deviance(62.0, 70.0), 1e-11);
  EXPECT_NEAR(t.constraint, deviance(102.0, 90.0) + deviance(23.75, 30.0), 1e-11);
}

TEST(SaturatedGof, EqualsTwiceTheNllAboveTheSaturatedModel) {
  // chi2 = 2 [NLL(x) - NLL_sat]: NLL_sat from the model's own NLL with nu = n (a one-sample
  // workspace whose nominal is the data) and every constraint at its auxiliary value.
  const Model model = testing::shared_model("pyhf-histfactory-example");
  const likelihood::Model& hf = *model.histfactory();
  const Eigen::VectorXd x = model.objective().values() + Eigen::VectorXd::Constant(hf.size(), 0.03);
  const SaturatedGof gof = saturated_gof(model, x);
  // NLL at x minus the constraint-free, Poisson part at saturation: sum_b [n - n log n + lgamma(n+1)].
  const likelihood::NllTerms terms = hf.nll_terms(x);
  double main_sat = 0.0;
  for (Eigen::Index b = 0; b < static_cast<Eigen::Index>(hf.main_bins()); ++b) {
    const double n = hf.observed_data().values()[b];
    main_sat += n - n * std::log(n) + std::lgamma(n + 1.0);
  }
  const double gauss_sat = hf.nll_constant_terms().gauss;  // every Gaussian at its centre
  EXPECT_NEAR(gof.main, 2.0 * (terms.main - main_sat), 1e-9 * gof.main);
  EXPECT_NEAR(gof.constraint, 2.0 * (terms.gauss - gauss_sat), 1e-9);
  EXPECT_EQ(terms.poisson, 0.0);
}

TEST(SaturatedGof, NoPValueWithoutDegreesOfFreedom) {
  // One bin, one free normfactor: dof 0.
  const Model model = testing::model_of(testing::counting(5.0, 10.0, 12.0));
  const SaturatedGof gof = saturated_gof(model, model.objective().values());
  EXPECT_EQ(gof.status, GofStatus::kNoDegreesOfFreedom);
  EXPECT_EQ(gof.dof, 0);
  EXPECT_TRUE(std::isnan(gof.p_value));
  EXPECT_NE(gof.message.find("0 degrees of freedom"), std::string::npos) << gof.message;
  EXPECT_NEAR(gof.chi2, deviance(15.0, 12.0), 1e-12);
}

TEST(SaturatedGof, NamesAWrongDataSize) {
  const Model model = testing::model_of(testing::counting(5.0, 10.0, 12.0));
  EXPECT_THROW((void)saturated_gof(model, Eigen::VectorXd::Zero(3), model.objective().values()), std::invalid_argument);
}

}  // namespace
}  // namespace hessfit::infer
