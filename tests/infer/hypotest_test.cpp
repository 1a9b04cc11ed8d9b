// Asymptotic hypothesis tests against pyhf's published numbers, a precise reference and closed
// forms; bad arguments.
#include <gtest/gtest.h>

#include <cmath>

#include "models.hpp"

namespace hessfit::infer {
namespace {

using testing::counting;
using testing::model_of;
using testing::uncorrelated_background;

Model pyhf_example() { return model_of(uncorrelated_background({12, 11}, {50, 52}, {3, 7}, {51, 48})); }

TEST(Hypotest, PyhfsExampleGivesItsPublishedCls) {
  const HypotestResult r = hypotest(1.0, pyhf_example());
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_NEAR(r.q_obs, 3.93824492, 1e-7);
  EXPECT_EQ(r.mu_hat, 0.0);  // the free fit is held at the POI's lower bound
  // pyhf's fits are looser than ours: its numbers agree to about 6e-5 relative.
  EXPECT_NEAR(r.cls_obs / 0.05251497, 1.0, 1e-4);
  EXPECT_NEAR(r.clsb_obs / 0.02332502, 1.0, 1e-4);
  EXPECT_NEAR(r.clb_obs / 0.4441594, 1.0, 1e-4);
  const std::array<double, 5> pyhf{0.00260626, 0.01382005, 0.06445321, 0.23525644, 0.57303621};
  for (std::size_t k = 0; k < 5; ++k) EXPECT_NEAR(r.cls_exp[k] / pyhf[k], 1.0, 1e-4) << k;
  EXPECT_NEAR(r.ts / 0.14043184, 1.0, 2e-4);  // ts = (q - qA) / (2 sqrt qA) amplifies pyhf's looser fits
}

TEST(Hypotest, PyhfTwoBinExampleMatchesTheReadmeTo1e7) {
  // pyhf's README: hypotest(1.0, data, model) = CLs_obs 0.35998409, CLs_exp (median) 0.35998409,
  // reproduced by the shared reference implementation to 9e-8 relative.
  const Model m = testing::shared_model("pyhf-2bin-1channel");
  const HypotestResult r = hypotest(1.0, m);
  ASSERT_TRUE(r.ok) << r.message;
  EXPECT_NEAR(r.cls_obs / 0.35998409, 1.0, 2e-7);
  EXPECT_NEAR(r.cls_exp[2] / 0.35998409, 1.0, 2e-7);
}

/// The one-bin counting model nu = mu s + b in closed form.
struct Counting {
  double s, b, n;
  double nll(double mu, double data) const {
    const double nu = mu * s + b;
    return nu - (data > 0 ? data * std::log(nu) : 0.0);
  }
  double mu_hat(double data) const { return std::max((data - b) / s, 0.0); }
  double q(double mu) const { return mu_hat(n) > mu ? 0.0 : 2.0 * (nll(mu, n) - nll(mu_hat(n), n)); }
  double q_asimov(double mu) const { return 2.0 * (nll(mu, b) - nll(0.0, b)); }
  double cls(double mu) const {
    const double q_ = q(mu), qa = q_asimov(mu), sq = std::sqrt(q_), sqa = std::sqrt(qa);
    const double ts = sq <= sqa ? sq - sqa : (q_ - qa) / (2 * sqa);
    const auto phi = [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); };
    return phi(-(ts + sqa)) / phi(-ts);
  }
};

TEST(Hypotest, CountingModelMatchesItsClosedForm) {
  const Counting c{10.0, 5.0, 9.0};
  const Model m = model_of(counting(c.s, c.b, c.n));
  for (const double mu : {0.2, 0.6, 1.0, 1.7}) {
    SCOPED_TRACE(mu);
    const HypotestResult r = hypotest(mu, m);
    ASSERT_TRUE(r.ok) << r.message;
    EXPECT_NEAR(r.mu_hat, c.mu_hat(c.n), 1e-7);  // a minimum at EDM ~ 1e-15
    EXPECT_NEAR(r.q_obs, c.q(mu), 1e-9);
    EXPECT_NEAR(r.q_asimov, c.q_asimov(mu), 1e-9);
    EXPECT_NEAR(r.cls_obs, c.cls(mu), 1e-9);
  }
}

TEST(Hypotest, StatisticsDifferWhereTheirDefinitionsDo) {
  const Counting c{10.0, 5.0, 9.0};  // mu_hat = 0.4
  const Model m = model_of(counting(c.s, c.b, c.n));
  // Below mu_hat the one-sided statistics vanish, the two-sided ones do not.
  EXPECT_EQ(hypotest(0.2, m, TestStatistic::kQTildeMu).q_obs, 0.0);
  const HypotestResult t = hypotest(0.2, m, TestStatistic::kTMu);
  EXPECT_NEAR(t.q_obs, 2.0 * (c.nll(0.2, c.n) - c.nll(0.4, c.n)), 1e-9);
  EXPECT_NEAR(t.p_value, std::erfc(std::sqrt(t.q_obs / 2.0)), 1e-9);
  EXPECT_TRUE(std::isnan(t.cls_obs));
  // q0 at 0: 2 (nll(0) - nll(mu_hat)); p0 = Phi(-sqrt q0).
  const HypotestResult q0 = hypotest(0.0, m, TestStatistic::kQ0);
  EXPECT_NEAR(q0.q_obs, 2.0 * (c.nll(0.0, c.n) - c.nll(0.4, c.n)), 1e-9);
  EXPECT_NEAR(q0.p_value, 0.5 * std::erfc(std::sqrt(q0.q_obs / 2.0)), 1e-12);
}

TEST(Hypotest, PrefitAsimovDataUseThePrefitNuisanceValues) {
  // With the data far from the background expectation, the a-posteriori Asimov data (nuisance
  // parameters fitted at mu = 0) differ from the a-priori ones.
  const Model m = model_of(uncorrelated_background({12, 11}, {50, 52}, {3, 7}, {70, 30}));
  InferenceOptions prefit;
  prefit.asimov = AsimovType::kPrefit;
  const AsymptoticCalculator post(m, m.observed_data()), pre(m, m.observed_data(), TestStatistic::kQTildeMu, prefit);
  EXPECT_EQ(pre.asimov().data.head(2), (Eigen::Vector2d() << 50, 52).finished());  // mu = 0, gammas 1
  EXPECT_GT((post.asimov().data.head(2) - pre.asimov().data.head(2)).cwiseAbs().maxCoeff(), 1.0);
  // The a-posteriori aux data are the fitted gammas times tau.
  const auto& g = post.asimov().parameters;
  EXPECT_NEAR(post.asimov().data[2], g[1] * (50.0 / 3) * (50.0 / 3), 1e-9);
}

TEST(Hypotest, BadArgumentsAreRefusedWithTheReason) {
  const Model m = pyhf_example();
  const auto message = [](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message([&] { (void)hypotest(11.0, m); }), "the tested value mu = 11 is outside the POI's bounds [0, 10]");
  EXPECT_EQ(message([&] { (void)hypotest(-1.0, m); }), "the tested value mu = -1 is outside the POI's bounds [0, 10]");
  Model fixed = m;
  fixed.objective().fix("mu");
  EXPECT_EQ(message([&] { (void)hypotest(1.0, fixed); }), "the POI 'mu' is fixed: hypothesis tests need it free");
  likelihood::ModelOptions no_poi;
  no_poi.no_poi = true;
  const Model without = model_of(uncorrelated_background({12, 11}, {50, 52}, {3, 7}, {51, 48}), no_poi);
  EXPECT_NE(message([&] { (void)hypotest(1.0, without); }).find("has no POI"), std::string::npos);
  const fit::Objective decay = fit::Objective::from_callable(
      [](const auto& x) { using std::log; return x[0] - 3.0 * log(x[0]); }, {"tau"}, Eigen::VectorXd::Ones(1));
  const Model no_data = Model::from_functions(decay, "model 'decay'", "tau");
  EXPECT_EQ(message([&] { (void)hypotest(1.0, no_data); }),
            "model 'decay' has no expected data: Asimov data and CLs are unavailable");
}

TEST(Hypotest, OtherDataSetsAreTestedLikeTheObservedOne) {
  const Model m = pyhf_example();
  // The observed data passed explicitly give the same bits as the shorthand.
  const HypotestResult a = hypotest(1.0, m), b = hypotest(1.0, m.observed_data(), m);
  EXPECT_EQ(a.cls_obs, b.cls_obs);
  // On its own background-only Asimov data, the observed CLs is the median expected one.
  const AsymptoticCalculator calc(m, m.observed_data());
  const HypotestResult on_asimov = hypotest(1.0, calc.asimov().data, m);
  EXPECT_NEAR(on_asimov.cls_obs, a.cls_exp[2], 1e-7);
}

}  // namespace
}  // namespace hessfit::infer
