// Models built from small workspaces, every modifier type and interpolation code, against the
// formulas written out by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <thread>

#include "hessfit/autodiff.hpp"
#include "hessfit/common/log_gamma.hpp"
#include "hessfit/likelihood.hpp"
#include "shared_data.hpp"

namespace hessfit::likelihood {
namespace {

using nlohmann::json;

json example() {
  return read_json_file(std::filesystem::path(HESSFIT_SOURCE_DIR) / "likelihood" / "examples" / "counting_two_bins.json");
}

Model model_of(const json& doc, const ModelOptions& options = {}) {
  return Workspace::from_json(doc, "test.json").model(options);
}

double poisson_nll(double nu, double n) { return nu - (n > 0 ? n * std::log(nu) : 0.0) + std::lgamma(n + 1.0); }
double gauss_nll(double x, double aux, double sigma) {
  return 0.5 * (x - aux) * (x - aux) / (sigma * sigma) + std::log(sigma) + 0.5 * std::log(2 * std::numbers::pi);
}

// The example: nu_b = mu lumi sig_b + kappa_jes(alpha_jes) gamma_b (bkg_b + Delta_shape,b(alpha_shape)).
struct ExampleByHand {
  Interpolation normsys = Interpolation::kCode4, histosys = Interpolation::kCode4p;
  double kappa(double a) const {
    return normsys == Interpolation::kCode4 ? interpolate_code4(a, 0.95, 1.07) : interpolate_code1(a, 0.95, 1.07);
  }
  double delta(double a, double lo, double nom, double hi) const {
    switch (histosys) {
      case Interpolation::kCode0: return interpolate_code0(a, lo, nom, hi);
      case Interpolation::kCode2: return interpolate_code2(a, lo, nom, hi);
      default: return interpolate_code4p(a, lo, nom, hi);
    }
  }
  // x = [shape, lumi, mu, jes, mcstat[0], mcstat[1]]
  std::array<double, 2> rates(const Eigen::VectorXd& x) const {
    const double sig[2] = {5, 10}, bkg[2] = {50, 52}, lo[2] = {48, 50}, hi[2] = {53, 55};
    std::array<double, 2> nu{};
    for (int b = 0; b < 2; ++b)
      nu[static_cast<std::size_t>(b)] =
          x[2] * x[1] * sig[b] + kappa(x[3]) * x[4 + b] * (bkg[b] + delta(x[0], lo[b], bkg[b], hi[b]));
    return nu;
  }
  double nll(const Eigen::VectorXd& x) const {
    const auto nu = rates(x);
    return poisson_nll(nu[0], 53) + poisson_nll(nu[1], 61) + gauss_nll(x[0], 0, 1) + gauss_nll(x[1], 1, 0.02) +
           gauss_nll(x[3], 0, 1) + gauss_nll(x[4], 1, 2.0 / 50) + gauss_nll(x[5], 1, 3.0 / 52);
  }
};

Eigen::VectorXd point(double shape, double lumi, double mu, double jes, double g0, double g1) {
  Eigen::VectorXd x(6);
  x << shape, lumi, mu, jes, g0, g1;
  return x;
}

TEST(LogGamma, IsLgammaWithoutItsGlobalSign) {
  // std::lgamma writes the global signgam, a data race when toys and fits run on several threads
  // (ThreadSanitizer, infer_tests); log_gamma (lgamma_r) gives the same values and leaves it alone.
  EXPECT_EQ(hessfit::log_gamma(1.0), 0.0);
  EXPECT_EQ(hessfit::log_gamma(2.0), 0.0);
  EXPECT_NEAR(hessfit::log_gamma(5.0), std::log(24.0), 1e-15);
  EXPECT_NEAR(hessfit::log_gamma(0.5), 0.5 * std::log(std::numbers::pi), 1e-15);
  EXPECT_NEAR(hessfit::log_gamma(-0.5), std::log(2.0 * std::sqrt(std::numbers::pi)), 1e-15);  // |Gamma(-1/2)|
  for (const double x : {1e-3, 0.7, 3.5, 54.0, 1e4}) EXPECT_EQ(hessfit::log_gamma(x), std::lgamma(x)) << x;
  signgam = 7;
  (void)hessfit::log_gamma(-0.5);  // Gamma(-1/2) < 0: std::lgamma would set signgam to -1
  EXPECT_EQ(signgam, 7);
}

TEST(ExampleModel, ParametersFollowPyhfsTypeOrderWithTheirDefaults) {
  const Model m = model_of(example());
  EXPECT_EQ(m.parameter_names(),
            (std::vector<std::string>{"shape", "lumi", "mu", "jes", "mcstat[0]", "mcstat[1]"}));
  EXPECT_EQ(m.poi().name, "mu");
  EXPECT_EQ(m.poi().index, 2u);
  EXPECT_EQ(m.init(), point(0, 1, 1, 0, 1, 1));
  EXPECT_EQ(m.lower_bounds(), point(-5, 0.9, 0, -5, 1e-10, 1e-10));
  EXPECT_EQ(m.upper_bounds(), point(5, 1.1, 10, 5, 10, 10));
  EXPECT_EQ(m.fixed(), std::vector<bool>(6, false));
  Eigen::VectorXd aux(5);
  aux << 0, 1, 0, 1, 1;
  EXPECT_EQ(m.auxdata(), aux);
  const auto& p = m.parameters();
  EXPECT_EQ(p[0].constraint, Constraint::kGaussian);
  EXPECT_EQ(p[2].constraint, Constraint::kNone);
  EXPECT_DOUBLE_EQ(p[1].sigma, 0.02);
  EXPECT_DOUBLE_EQ(p[4].sigma, 2.0 / 50);  // sqrt(sum delta^2) / sum nominal over samples carrying mcstat
  EXPECT_DOUBLE_EQ(p[5].sigma, 3.0 / 52);
  EXPECT_EQ(p[4].set_name, "mcstat");
  EXPECT_EQ(p[4].type, ModifierType::kStatError);
  EXPECT_EQ(m.parameter_sets().size(), 5u);
  EXPECT_EQ(m.channels()[0].samples, (std::vector<std::string>{"background", "signal"}));
}

TEST(ExampleModel, NllMatchesTheFormulaByHandInsideOutsideAndAtTheJoins) {
  const Model m = model_of(example());
  const ExampleByHand hand;
  for (const Eigen::VectorXd& x : {point(0, 1, 1, 0, 1, 1), point(0.4, 1.01, 1.3, -0.7, 1.02, 0.97),
                                   point(1.7, 0.98, 0.5, -1.3, 0.9, 1.1), point(-2.2, 1.0, 2.0, 2.5, 1.0, 1.0),
                                   point(1.0, 1.0, 1.0, -1.0, 1.0, 1.0), point(-1.0, 1.0, 1.0, 1.0, 1.0, 1.0)}) {
    SCOPED_TRACE(x.transpose());
    EXPECT_NEAR(m.nll(x), hand.nll(x), 1e-12 * hand.nll(x));
    const auto rates = m.expected_rates(x);
    const auto expected = hand.rates(x);
    EXPECT_NEAR(rates[0][0], expected[0], 1e-12 * expected[0]);
    EXPECT_NEAR(rates[0][1], expected[1], 1e-12 * expected[1]);
  }
}

TEST(ExampleModel, NonDefaultInterpolationCodesFollowModelOptions) {
  for (const auto& [normsys, histosys] : {std::pair{Interpolation::kCode1, Interpolation::kCode0},
                                         std::pair{Interpolation::kCode4, Interpolation::kCode2},
                                         std::pair{Interpolation::kCode1, Interpolation::kCode4p}}) {
    ModelOptions options;
    options.normsys = normsys;
    options.histosys = histosys;
    const Model m = model_of(example(), options);
    const ExampleByHand hand{normsys, histosys};
    for (const Eigen::VectorXd& x : {point(0.4, 1.01, 1.3, -0.7, 1.02, 0.97), point(1.7, 0.98, 0.5, -1.3, 0.9, 1.1),
                                     point(-1.5, 1.0, 1.0, 0.6, 1.0, 1.0), point(1.0, 1.0, 1.0, -1.0, 1.0, 1.0)}) {
      SCOPED_TRACE(std::string(to_string(normsys)) + "/" + std::string(to_string(histosys)));
      EXPECT_NEAR(m.nll(x), hand.nll(x), 1e-12 * hand.nll(x)) << x.transpose();
    }
  }
}

TEST(ExampleModel, RejectsInterpolationCodesPyhfDoesNotOfferForAType) {
  ModelOptions options;
  options.normsys = Interpolation::kCode4p;
  options.histosys = Interpolation::kCode1;
  try {
    (void)model_of(example(), options);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "test.json: normsys interpolation must be code4 or code1, not code4p\n"
                           "test.json: histosys interpolation must be code4p, code0 or code2, not code1");
  }
}

TEST(ExampleModel, NllTermsSplitIntoMainGaussAndPoisson) {
  const Model m = model_of(example());
  const Eigen::VectorXd x = point(0.4, 1.01, 1.3, -0.7, 1.02, 0.97);
  const NllTerms terms = m.nll_terms(x);
  const auto nu = ExampleByHand{}.rates(x);
  EXPECT_NEAR(terms.main, poisson_nll(nu[0], 53) + poisson_nll(nu[1], 61), 1e-12);
  EXPECT_NEAR(terms.gauss, ExampleByHand{}.nll(x) - terms.main, 1e-12);
  EXPECT_EQ(terms.poisson, 0.0);
  EXPECT_NEAR(terms.total(), m.nll(x), 1e-12);
  EXPECT_NEAR(m.nll_constant(), std::lgamma(54.0) + std::lgamma(62.0) + std::log(0.02) + std::log(2.0 / 50) +
                                    std::log(3.0 / 52) + 2.5 * std::log(2 * std::numbers::pi),
              1e-12);
}

TEST(ExampleModel, NonFiniteParametersGiveANonFiniteNll) {
  const Model m = model_of(example());
  for (const std::size_t i : {0u, 2u, 3u, 4u}) {
    Eigen::VectorXd x = m.init();
    x[static_cast<Eigen::Index>(i)] = std::numeric_limits<double>::quiet_NaN();
    EXPECT_TRUE(std::isnan(m.nll(x))) << m.parameter_names()[i];
  }
}

TEST(ExampleModel, FixedParametersKeepTheirConstraintTerms) {
  const Model free = model_of(example());
  json doc = example();
  doc["measurements"][0]["config"]["parameters"][0]["fixed"] = true;
  const Model fixed = model_of(doc);
  EXPECT_TRUE(fixed.fixed()[1]);
  EXPECT_EQ(fixed.free_parameters(), 5u);
  const Eigen::VectorXd x = point(0.4, 1.05, 1.3, -0.7, 1.02, 0.97);
  EXPECT_EQ(fixed.nll(x), free.nll(x));
}

TEST(ExampleModel, NllOnOtherDataReplacesObservationsAndAuxiliaryData) {
  const Model m = model_of(example());
  const Eigen::VectorXd asimov_main = m.expected_main_data(m.init());
  Eigen::VectorXd values(m.data_size());
  values << asimov_main, m.auxdata();
  const Data asimov = m.data(values);
  EXPECT_EQ(asimov.main(), asimov_main);
  EXPECT_EQ(asimov.aux(), m.auxdata());
  const Eigen::VectorXd x = point(0.4, 1.01, 1.3, -0.7, 1.02, 0.97);
  const auto nu = ExampleByHand{}.rates(x);
  const double gauss = ExampleByHand{}.nll(x) - poisson_nll(nu[0], 53) - poisson_nll(nu[1], 61);
  EXPECT_NEAR(m.nll(x, asimov), poisson_nll(nu[0], asimov_main[0]) + poisson_nll(nu[1], asimov_main[1]) + gauss, 1e-11);
  // The observed data set gives nll(x) bit for bit; a data set of the observed values too.
  EXPECT_EQ(m.nll(x, m.observed_data()), m.nll(x));
  EXPECT_EQ(m.nll(x, m.data(m.observed_data().values())), m.nll(x));
  // Auxiliary data enter the constraints: moving the first Gaussian's centre by 0.5 adds its term's change.
  Eigen::VectorXd shifted = m.observed_data().values();
  const std::size_t k = m.main_bins();
  const Parameter& constrained = m.parameters()[m.aux_parameters()[0]];
  ASSERT_EQ(constrained.constraint, Constraint::kGaussian);
  shifted[static_cast<Eigen::Index>(k)] += 0.5;
  const double theta = x[static_cast<Eigen::Index>(m.aux_parameters()[0])];
  const double a = constrained.auxdata, s = constrained.sigma;
  EXPECT_NEAR(m.nll(x, m.data(shifted)) - m.nll(x),
              (std::pow(theta - a - 0.5, 2) - std::pow(theta - a, 2)) / (2 * s * s), 1e-12);
}

TEST(ExampleModel, DataSetsAreCheckedWithTheirPlace) {
  const Model m = model_of(example());
  const auto message = [&](Eigen::VectorXd v) {
    try {
      (void)m.data(std::move(v));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message(Eigen::VectorXd::Ones(3)),
            "a data set for this model has " + std::to_string(m.data_size()) + " values (2 main bins and " +
                std::to_string(m.auxdata().size()) + " auxiliary data), got 3");
  Eigen::VectorXd v = m.observed_data().values();
  v[1] = -1.0;
  EXPECT_EQ(message(v), "data[1] (channel 'SR', bin 1) must be a finite count >= 0, got -1");
  v = m.observed_data().values();
  v[2] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(message(v).find("data[2] (auxiliary datum of '"), std::string::npos) << message(v);
}

TEST(ExampleModel, ExpectedDataIsRatesThenAuxiliaryExpectations) {
  const Model m = model_of(example());
  const Eigen::VectorXd x = point(0.4, 1.01, 1.3, -0.7, 1.02, 0.97);
  const Eigen::VectorXd e = m.expected_data(x);
  ASSERT_EQ(static_cast<std::size_t>(e.size()), m.data_size());
  EXPECT_EQ(e.head(2), m.expected_main_data(x));
  for (std::size_t k = 0; k < m.aux_parameters().size(); ++k) {
    const Parameter& p = m.parameters()[m.aux_parameters()[k]];
    const double theta = x[static_cast<Eigen::Index>(m.aux_parameters()[k])];
    EXPECT_EQ(e[static_cast<Eigen::Index>(2 + k)], p.constraint == Constraint::kPoisson ? theta * p.factor : theta) << p.name;
  }
  // The Asimov data set of x is the one on which x is the best fit of the unconstrained terms.
  const Data asimov = m.data(e);
  const Eigen::VectorXd g = hessfit::ad::gradient([&](const auto& y) { return m.nll(y, asimov); }, x);
  EXPECT_LT(g.cwiseAbs().maxCoeff(), 1e-10) << g.transpose();
}

TEST(ExampleModel, SampleRatesAddUpToTheBinRates) {
  const Model m = model_of(example());
  const Eigen::VectorXd x = point(0.4, 1.01, 1.3, -0.7, 1.02, 0.97);
  const auto samples = m.expected_sample_rates(x);
  const auto rates = m.expected_rates(x);
  ASSERT_EQ(samples[0].rows(), 2);
  EXPECT_TRUE(samples[0].colwise().sum().transpose().isApprox(rates[0], 1e-14));
  EXPECT_NEAR(samples[0](1, 0), 1.3 * 1.01 * 5, 1e-12);  // signal row
}

TEST(ExampleModel, ParameterLookupByNameSuggestsCloseNames) {
  const Model m = model_of(example());
  EXPECT_EQ(m.parameter_index("mcstat[1]"), 5u);
  EXPECT_EQ(m.find_parameter("nope"), std::nullopt);
  try {
    (void)m.parameter_index("jess");
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "no parameter is called 'jess' (closest: 'jes', 'lumi', 'mu')");
  }
}

TEST(ExampleModel, EvaluatesConcurrentlyFromSeveralThreads) {
  const Model m = model_of(example());
  const Eigen::VectorXd x = point(0.4, 1.01, 1.3, -0.7, 1.02, 0.97);
  const double expected = m.nll(x);
  std::vector<double> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t)
    threads.emplace_back([&, t] {
      double v = 0;
      for (int i = 0; i < 1000; ++i) v = m.nll(x);
      results[t] = v;
    });
  for (auto& th : threads) th.join();
  for (const double r : results) EXPECT_EQ(r, expected);
}

TEST(ShapeSys, HasPoissonConstraintsWithTauFromTheRelativeUncertainty) {
  const json doc = json::parse(R"({
    "channels": [{"name": "SR", "samples": [
      {"name": "bkg", "data": [50.0, 60.0, 0.0], "modifiers": [{"name": "bb", "type": "shapesys", "data": [5.0, 0.0, 2.0]}]},
      {"name": "sig", "data": [1.0, 2.0, 3.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}]}],
    "observations": [{"name": "SR", "data": [52, 65, 4]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
    "version": "1.0.0"})");
  const Model m = model_of(doc);
  EXPECT_EQ(m.parameter_names(), (std::vector<std::string>{"mu", "bb[0]", "bb[1]", "bb[2]"}));
  const auto& p = m.parameters();
  EXPECT_EQ(p[1].constraint, Constraint::kPoisson);
  EXPECT_DOUBLE_EQ(p[1].factor, 100.0);  // (50 / 5)^2
  EXPECT_DOUBLE_EQ(p[1].auxdata, 100.0);
  EXPECT_DOUBLE_EQ(p[1].sigma, 0.1);
  // Zero uncertainty or zero nominal: tau = 1 and the parameter is fixed.
  EXPECT_EQ(p[2].factor, 1.0);
  EXPECT_EQ(p[3].factor, 1.0);
  EXPECT_EQ(m.fixed(), (std::vector<bool>{false, false, true, true}));
  Eigen::VectorXd x(4);
  x << 1.2, 1.05, 0.9, 1.3;
  const auto pois = [](double gamma, double tau) { return gamma * tau - tau * std::log(gamma * tau) + std::lgamma(tau + 1); };
  const double expected = poisson_nll(1.2 * 1 + 1.05 * 50, 52) + poisson_nll(1.2 * 2 + 0.9 * 60, 65) +
                          poisson_nll(1.2 * 3 + 1.3 * 0, 4) + pois(1.05, 100) + pois(0.9, 1) + pois(1.3, 1);
  EXPECT_NEAR(m.nll(x), expected, 1e-12 * expected);
  EXPECT_EQ(m.nll_terms(x).gauss, 0.0);
}

TEST(StatError, CombinesSamplesAndSpansEveryChannelItCovers) {
  const json doc = json::parse(R"({
    "channels": [
      {"name": "SR", "samples": [
        {"name": "a", "data": [10.0, 0.0], "modifiers": [{"name": "stat", "type": "staterror", "data": [1.0, 0.0]}]},
        {"name": "b", "data": [30.0, 0.0], "modifiers": [{"name": "stat", "type": "staterror", "data": [2.0, 0.0]}]}]},
      {"name": "CR", "samples": [
        {"name": "a", "data": [100.0], "modifiers": [{"name": "stat", "type": "staterror", "data": [5.0]}]},
        {"name": "b", "data": [20.0], "modifiers": [{"name": "stat", "type": "staterror", "data": [4.0]}]}]}],
    "observations": [{"name": "SR", "data": [41, 0]}, {"name": "CR", "data": [118]}],
    "measurements": [{"name": "m", "config": {"poi": "stat", "parameters": []}}],
    "version": "1.0.0"})");
  ModelOptions options;
  options.poi = "stat";
  try {
    (void)model_of(doc);
    FAIL() << "a staterror POI must be rejected";
  } catch (const InputError&) {
  }
  json with_mu = doc;
  with_mu["channels"][0]["samples"][0]["modifiers"].push_back({{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}});
  with_mu["measurements"][0]["config"]["poi"] = "mu";
  const Model m = model_of(with_mu);
  // Channels sorted: CR (1 bin) then SR (2 bins).
  EXPECT_EQ(m.parameter_names(), (std::vector<std::string>{"mu", "stat[0]", "stat[1]", "stat[2]"}));
  const auto& p = m.parameters();
  EXPECT_DOUBLE_EQ(p[1].sigma, std::sqrt(25.0 + 16.0) / 120.0);  // CR
  EXPECT_DOUBLE_EQ(p[2].sigma, std::sqrt(1.0 + 4.0) / 40.0);     // SR bin 0
  EXPECT_EQ(p[3].sigma, 1.0);                                     // SR bin 1: zero uncertainty, fixed, sigma 1
  EXPECT_EQ(m.fixed(), (std::vector<bool>{false, false, false, true}));
  Eigen::VectorXd x(4);
  x << 1.1, 0.95, 1.04, 1.0;
  const double expected = poisson_nll(0.95 * 120, 118) + poisson_nll(1.1 * 1.04 * 10 + 1.04 * 30, 41) +
                          poisson_nll(0.0, 0) + gauss_nll(0.95, 1, p[1].sigma) + gauss_nll(1.04, 1, p[2].sigma) +
                          gauss_nll(1.0, 1, 1.0);
  EXPECT_NEAR(m.nll(x), expected, 1e-12 * expected);
}

TEST(ShapeFactor, SharesFreeBinFactorsAcrossChannels) {
  const json doc = json::parse(R"({
    "channels": [
      {"name": "A", "samples": [{"name": "s", "data": [10.0, 20.0, 30.0], "modifiers": [{"name": "sf", "type": "shapefactor", "data": null}]}]},
      {"name": "B", "samples": [{"name": "s", "data": [5.0, 6.0], "modifiers": [{"name": "sf", "type": "shapefactor", "data": null},
                                                                             {"name": "mu", "type": "normfactor", "data": null}]}]}],
    "observations": [{"name": "A", "data": [11, 19, 33]}, {"name": "B", "data": [4, 8]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [{"name": "sf", "bounds": [[0, 5], [0, 5], [0, 5]]}]}}],
    "version": "1.0.0"})");
  const Model m = model_of(doc);
  EXPECT_EQ(m.parameter_names(), (std::vector<std::string>{"mu", "sf[0]", "sf[1]", "sf[2]"}));
  EXPECT_EQ(m.parameters()[1].constraint, Constraint::kNone);
  EXPECT_EQ(m.upper_bounds()[3], 5.0);
  Eigen::VectorXd x(4);
  x << 0.8, 1.1, 0.9, 1.2;
  const double expected = poisson_nll(11, 11) + poisson_nll(18, 19) + poisson_nll(36, 33) +
                          poisson_nll(0.8 * 1.1 * 5, 4) + poisson_nll(0.8 * 0.9 * 6, 8);
  EXPECT_NEAR(m.nll(x), expected, 1e-12 * expected);
  // Met first in a channel with fewer bins, the set is too short for the longer channel.
  json swapped = doc;
  swapped["channels"][0]["name"] = "C";
  swapped["observations"][0]["name"] = "C";
  try {
    (void)model_of(swapped);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "test.json: channels[0].samples[0].modifiers[0] (channel 'C', sample 's', shapefactor "
                           "'sf'): shapefactor 'sf' has 2 parameters (from channel 'B'), this channel has 3 bins\n"
                           "test.json: measurements[0].config.parameters[0].bounds (parameter 'sf'): has 3 values, the "
                           "shapefactor has 2 parameters");
  }
}

TEST(NormSysAndHistoSys, WithTheSameNameShareOneParameterPlacedWithHistoSys) {
  const json doc = json::parse(R"({
    "channels": [{"name": "SR", "samples": [
      {"name": "bkg", "data": [100.0], "modifiers": [
        {"name": "jes", "type": "normsys", "data": {"lo": 0.9, "hi": 1.2}},
        {"name": "jes", "type": "histosys", "data": {"lo_data": [97.0], "hi_data": [104.0]}},
        {"name": "mu", "type": "normfactor", "data": null}]}]}],
    "observations": [{"name": "SR", "data": [110]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
    "version": "1.0.0"})");
  const Model m = model_of(doc);
  EXPECT_EQ(m.parameter_names(), (std::vector<std::string>{"jes", "mu"}));
  EXPECT_EQ(m.parameter_sets()[0].types, (std::vector<ModifierType>{ModifierType::kHistoSys, ModifierType::kNormSys}));
  for (const double a : {0.3, -0.6, 1.4, -2.0}) {
    Eigen::VectorXd x(2);
    x << a, 1.1;
    const double nu = 1.1 * interpolate_code4(a, 0.9, 1.2) * (100.0 + interpolate_code4p(a, 97.0, 100.0, 104.0));
    const double expected = poisson_nll(nu, 110) + gauss_nll(a, 0, 1);
    EXPECT_NEAR(m.nll(x), expected, 1e-12 * expected) << a;
  }
}

TEST(GlobalSamples, SamplesMissingFromAChannelContributeNothingThere) {
  const json doc = json::parse(R"({
    "channels": [
      {"name": "SR", "samples": [{"name": "sig", "data": [3.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
                                 {"name": "bkg", "data": [10.0], "modifiers": []}]},
      {"name": "CR", "samples": [{"name": "bkg", "data": [40.0], "modifiers": [{"name": "k", "type": "normfactor", "data": null}]}]}],
    "observations": [{"name": "SR", "data": [15]}, {"name": "CR", "data": [38]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [{"name": "k", "inits": [0.9]}]}}],
    "version": "1.0.0"})");
  const Model m = model_of(doc);
  EXPECT_EQ(m.parameter_names(), (std::vector<std::string>{"k", "mu"}));  // CR before SR
  EXPECT_EQ(m.init()[0], 0.9);
  Eigen::VectorXd x(2);
  x << 0.95, 1.5;
  const auto rates = m.expected_rates(x);
  EXPECT_EQ(m.channels()[0].name, "CR");
  EXPECT_DOUBLE_EQ(rates[0][0], 0.95 * 40.0);
  EXPECT_DOUBLE_EQ(rates[1][0], 1.5 * 3.0 + 10.0);
  EXPECT_EQ(m.observed_data().main(), Eigen::Vector2d(38, 15));
}

}  // namespace
}  // namespace hessfit::likelihood
