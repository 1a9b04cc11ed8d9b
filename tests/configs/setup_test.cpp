// From config to fit: model building, overrides, name resolution (golden messages), the NLL
// registry and the built-in NLLs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <string>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/nll_registry.hpp"
#include "hessfit/configs/run.hpp"
#include "hessfit/configs/setup.hpp"

namespace {

using hessfit::configs::Config;
using hessfit::configs::ConfigError;
using hessfit::configs::FitSetup;
using hessfit::configs::parse_config;
using hessfit::configs::prepare_fit;

const std::filesystem::path kExamples = std::filesystem::path(HESSFIT_SOURCE_DIR) / "configs" / "examples";

FitSetup setup_of(const std::string& yaml) { return prepare_fit(parse_config(yaml, "s.yaml", kExamples)); }

std::string problems_of(const std::string& yaml) {
  try {
    (void)setup_of(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

TEST(FitSetup, BuildsTheHistFactoryModelWithOverridesApplied) {
  const FitSetup s = setup_of(R"(model: {workspace: tiny/workspace.json}
parameters:
  mu: {init: 0.5, bounds: [-1, 5]}
  "staterror_CR*": {fixed: true}
  "staterror_CR[1]": {fixed: false, init: 1.1}
uncertainties: {minos: all, impacts: true}
)");
  const auto& o = s.objective();
  ASSERT_EQ(o.size(), 11);
  EXPECT_EQ(s.poi(), "mu");
  EXPECT_DOUBLE_EQ(o.value_of("mu"), 0.5);
  EXPECT_DOUBLE_EQ(o.bounds(o.index("mu")).lower, -1.0);
  EXPECT_TRUE(o.is_fixed("staterror_CR[0]"));
  EXPECT_FALSE(o.is_fixed("staterror_CR[1]"));  // exact names apply after globs
  EXPECT_DOUBLE_EQ(o.value_of("staterror_CR[1]"), 1.1);
  EXPECT_EQ(s.options.minos.size(), 10u);  // every free parameter
  ASSERT_TRUE(s.options.impacts);
  EXPECT_EQ(s.options.impacts->poi, "mu");
  EXPECT_EQ(s.options.impacts->constrained.size(), 8u);  // jes lumi other_xsec sig_theory, 4 free gammas
  ASSERT_EQ(s.options.scans.size(), 1u);                 // the default POI scan
  EXPECT_EQ(s.options.scans[0].parameter, "mu");
  const auto& lumi = s.parameters[static_cast<std::size_t>(o.index("lumi"))];
  EXPECT_EQ(lumi.kind, "lumi");
  EXPECT_EQ(lumi.constraint.type, hessfit::configs::Constraint::kGaussian);
  EXPECT_DOUBLE_EQ(lumi.constraint.sigma, 0.02);
  EXPECT_NE(s.description.find("2 channels, 5 bins, 11 parameters"), std::string::npos) << s.description;
}

TEST(FitSetup, UnknownAndUnusableParameterNamesAreReportedAtTheirPlace) {
  EXPECT_EQ(problems_of(R"(model: {workspace: tiny/workspace.json}
parameters:
  mu_tt: {fixed: true}
  "alpha_*": {fixed: true}
  lumi: {fixed: true}
  mu: {init: 20}
uncertainties:
  minos: [mu, lumi, jess]
  scans: [{parameter: mu, range: [-5, 1]}]
  contours: [{parameters: [mu, "jes*"]}]
)"),
            "s.yaml:3:3: 'parameters': no parameter 'mu_tt'; did you mean 'mu_ttbar'?\n"
            "s.yaml:4:3: 'parameters': the pattern 'alpha_*' matches no parameter\n"
            "s.yaml:6:14: 'parameters.mu.init' = 20 is outside the bounds [0, 10] of 'mu'\n"
            "s.yaml:8:15: 'uncertainties.minos': 'lumi' is fixed; release it in 'parameters' to compute this\n"
            "s.yaml:8:21: 'uncertainties.minos': no parameter 'jess'; did you mean 'jes'?\n"
            "s.yaml:9:34: 'uncertainties.scans[0].range' [-5, 1] leaves the bounds [0, 10] of 'mu'\n"
            "s.yaml:10:32: 'uncertainties.contours[0].parameters' must name one parameter, not a pattern ('jes*')");
}

TEST(FitSetup, WorkspaceProblemsAreReportedAtTheConfigValue) {
  const auto dir = std::filesystem::temp_directory_path() / "hessfit_configs_setup_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "broken.json") << "{\"channels\": [}\n";
  try {
    (void)prepare_fit(parse_config("model: {workspace: broken.json}\n", "s.yaml", dir));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    ASSERT_EQ(e.problems().size(), 1u);
    EXPECT_EQ(e.problems()[0].where.text(), "s.yaml:1:20");
    EXPECT_NE(e.problems()[0].message.find("bad workspace: "), std::string::npos) << e.what();
    EXPECT_NE(e.problems()[0].message.find("broken.json:1:15"), std::string::npos) << e.what();
  }
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json, measurement: tin}\n"),
            "s.yaml:1:54: the workspace has no measurement 'tin'; did you mean 'tiny'?");
  std::filesystem::remove_all(dir);
}

TEST(FitSetup, ImpactsNeedConstrainedParametersAndAPoi) {
  EXPECT_EQ(problems_of("model: {nll: gaussian, data: {mean: [1, 2], sigma: [1, 1]}}\nuncertainties: {impacts: true}\n"),
            "s.yaml:2:26: 'uncertainties.impacts': the model has no free constrained nuisance parameters to rank");
}

TEST(FitSetup, ExplicitPoiRequestsNeedAPoi) {
  // The default MINOS and scan of the POI are dropped silently when the POI is fixed; asked for, they are errors.
  const FitSetup quiet = setup_of("model: {workspace: tiny/workspace.json}\nparameters: {mu: {fixed: true}}\n");
  EXPECT_TRUE(quiet.options.minos.empty());
  EXPECT_TRUE(quiet.options.scans.empty());
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json}\nparameters: {mu: {fixed: true}}\nuncertainties: {minos: poi, scans: [poi]}\n"),
            "s.yaml:3:24: 'uncertainties.minos' is 'poi', but the POI 'mu' is fixed\n"
            "s.yaml:3:37: 'uncertainties.scans[0].parameter': the POI 'mu' is fixed; release it in 'parameters' to compute this");
}

TEST(NllRegistry, KnowsTheBuiltInsAndRefusesDuplicates) {
  const auto names = hessfit::configs::registered_nlls();
  EXPECT_NE(std::find(names.begin(), names.end(), "counting"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "gaussian"), names.end());
  hessfit::configs::NllDefinition d;
  d.build = [](const hessfit::configs::NllArguments&) {
    return hessfit::configs::make_nll_model([](const auto& x) { return x[0] * x[0]; }, {{.name = "a", .init = 1.0}});
  };
  EXPECT_THROW(hessfit::configs::register_nll("counting", d), std::invalid_argument);
  hessfit::configs::register_nll("setup_test_square", d);
  const FitSetup s = setup_of("model: {nll: setup_test_square, parameters: [z]}\n");
  EXPECT_EQ(s.objective().names(), std::vector<std::string>{"z"});
  EXPECT_DOUBLE_EQ(s.objective().value(Eigen::VectorXd::Constant(1, 3.0)), 9.0);
}

TEST(NllRegistry, BadArgumentsAreReportedAtTheArgument) {
  EXPECT_EQ(problems_of("model:\n  nll: counting\n  data: {n: [1, 2], s: [1], b0: [1, 1], sigma_b: [1, 1]}\n"),
            "s.yaml:3:24: NLL 'counting': 's' has 1 entries, 'n' has 2");
  EXPECT_EQ(problems_of("model:\n  nll: counting\n  parameters: [mu]\n  data: {n: 1, s: 1, b0: 1, sigma_b: 1}\n"),
            "s.yaml:3:15: 'model.parameters' names 1 parameters, NLL 'counting' has 2 (mu, b)");
}

TEST(BuiltinNlls, CountingIsThePoissonTimesGaussianLikelihoodWithConstants) {
  const FitSetup s = setup_of("model: {nll: counting, data: {n: [7, 3], s: [2, 1], b0: [4, 2.5], sigma_b: [1, 0.5]}}\n");
  ASSERT_EQ(s.objective().names(), (std::vector<std::string>{"mu", "b[0]", "b[1]"}));
  const Eigen::Vector3d x(1.5, 3.0, 2.0);
  double expected = 0.0;
  const double n[] = {7, 3}, sig[] = {2, 1}, b0[] = {4, 2.5}, sb[] = {1, 0.5};
  for (int i = 0; i < 2; ++i) {
    const double nu = x[0] * sig[i] + x[i + 1];
    expected += nu - n[i] * std::log(nu) + std::lgamma(n[i] + 1);
    expected += 0.5 * std::pow((x[i + 1] - b0[i]) / sb[i], 2) + std::log(sb[i]) + 0.5 * std::log(2 * std::numbers::pi);
  }
  EXPECT_NEAR(s.objective().value(x), expected, 1e-12);
  EXPECT_EQ(s.poi(), "mu");
}

TEST(BuiltinNlls, GaussianFitReturnsTheInputCovarianceExactly) {
  const FitSetup s = setup_of(R"(model:
  nll: gaussian
  parameters: [a, b, c]
  data: {mean: [1, -2, 3], sigma: [0.5, 2, 1], correlation: [[1, 0.4, 0], [0.4, 1, -0.3], [0, -0.3, 1]]}
uncertainties: {minos: all}
)");
  const auto result = hessfit::configs::run_fit(s);
  ASSERT_TRUE(result.minimum.converged()) << result.minimum.message;
  ASSERT_TRUE(result.covariance.accurate());
  const double sigma[] = {0.5, 2, 1};
  const double rho[3][3] = {{1, 0.4, 0}, {0.4, 1, -0.3}, {0, -0.3, 1}};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(result.minimum.x[i], (std::vector<double>{1, -2, 3})[static_cast<std::size_t>(i)], 1e-9);
    for (int j = 0; j < 3; ++j) EXPECT_NEAR(result.covariance.covariance(i, j), sigma[i] * sigma[j] * rho[i][j], 1e-10);
    // A Gaussian profile: MINOS equals the Hessian error on both sides.
    EXPECT_NEAR(result.parameters[static_cast<std::size_t>(i)].minos->upper.offset, sigma[i], 1e-6);
    EXPECT_NEAR(result.parameters[static_cast<std::size_t>(i)].minos->lower.offset, -sigma[i], 1e-6);
  }
  // NLL at the minimum: 1/2 log det(2 pi C).
  const double det = 0.25 * 4 * 1 * (1 - 0.09 - 0.16);
  EXPECT_NEAR(result.minimum.fval, 0.5 * std::log(std::pow(2 * std::numbers::pi, 3) * det), 1e-10);
}

}  // namespace
