// Derivatives of the NLL from the autodiff core: every scalar type gives the double value, gradients
// and Hessians match central differences, all Hessian modes agree, and at the reference best fits the
// gradient vanishes and the exact Hessian reproduces the reference uncertainties.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "hessfit/autodiff.hpp"
#include "hessfit/likelihood.hpp"
#include "hessfit/testing/finite_difference.hpp"
#include "shared_data.hpp"

namespace hessfit::likelihood {
namespace {

Model example_model() {
  return Workspace::load(std::filesystem::path(HESSFIT_SOURCE_DIR) / "likelihood" / "examples" / "counting_two_bins.json")
      .model();
}

/// A point away from the inits: constrained parameters moved by `scale` pre-fit sigmas (so that
/// alpha = +-scale; gammas by at most 0.3 scale), free ones by up to 10 percent; fixed parameters stay.
Eigen::VectorXd shifted(const Model& m, double scale) {
  Eigen::VectorXd x = m.init();
  for (std::size_t i = 0; i < m.size(); ++i) {
    const Parameter& p = m.parameters()[i];
    const double s = std::sin(1.7 * static_cast<double>(i) + 0.3);
    const auto e = static_cast<Eigen::Index>(i);
    if (p.fixed) continue;
    if (p.constraint == Constraint::kGaussian)
      x[e] = p.auxdata + scale * p.sigma * s;
    else if (p.constraint == Constraint::kPoisson)
      x[e] = 1.0 + scale * std::min(p.sigma, 0.3) * s;
    else
      x[e] = p.init * (1.0 + 0.1 * s) + (p.init == 0.0 ? 0.1 : 0.0);
    x[e] = std::clamp(x[e], p.bounds.lower, p.bounds.upper);
  }
  return x;
}

template <class T>
class EveryScalar : public ::testing::Test {};
using Scalars = ::testing::Types<double, ad::Dual<double, 1>, ad::Dual<double, ad::kDynamic>, ad::Var<double>,
                                 ad::Dual<ad::Var<double>, 1>, ad::Var<ad::Dual<double, 2>>, ad::Var<ad::Var<double>>,
                                 ad::Dual<ad::Dual<double, 8>, 1>>;
TYPED_TEST_SUITE(EveryScalar, Scalars);

TYPED_TEST(EveryScalar, GivesTheSameNllAndRatesAsDouble) {
  using T = TypeParam;
  for (const Model& m : {example_model(), testing::reference_model("atlas-susy-2018-06-3l-erjr"),
                         testing::reference_model("pyhf-histfactory-example")}) {
    for (const double scale : {0.6, 1.8}) {
      const Eigen::VectorXd x = shifted(m, scale);
      const Eigen::Matrix<T, Eigen::Dynamic, 1> xt = x.cast<T>();
      EXPECT_EQ(ad::value_of(m.nll(xt)), m.nll(x));
      const auto rates = m.expected_rates(xt);
      const auto expected = m.expected_rates(x);
      for (std::size_t c = 0; c < rates.size(); ++c)
        for (Eigen::Index b = 0; b < rates[c].size(); ++b) EXPECT_EQ(ad::value_of(rates[c][b]), expected[c][b]);
    }
  }
}

class SmallWorkspace : public ::testing::TestWithParam<std::string> {
 protected:
  Model model() const {
    return GetParam() == "example" ? example_model() : testing::reference_model(GetParam());
  }
};

TEST_P(SmallWorkspace, GradientMatchesCentralDifferencesInsideAndOutsideTheJoins) {
  const Model m = model();
  const auto f = [&](const auto& x) { return m.nll(x); };
  for (const double scale : {0.6, 1.8}) {
    const Eigen::VectorXd x = shifted(m, scale);
    Eigen::VectorXd g;
    const double value = ad::value_and_gradient(f, x, g);
    EXPECT_EQ(value, m.nll(x));
    const Eigen::VectorXd fd = hessfit::testing::central_difference_gradient(f, x);
    for (Eigen::Index i = 0; i < x.size(); ++i)
      EXPECT_NEAR(g[i], fd[i], 1e-6 * (1.0 + std::abs(fd[i]))) << m.parameter_names()[static_cast<std::size_t>(i)];
  }
}

TEST_P(SmallWorkspace, HessianMatchesCentralDifferences) {
  const Model m = model();
  const auto f = [&](const auto& x) { return m.nll(x); };
  const Eigen::VectorXd x = shifted(m, 0.6);
  const Eigen::MatrixXd H = ad::hessian(f, x);
  const Eigen::MatrixXd fd = hessfit::testing::central_difference_hessian(f, x);
  for (Eigen::Index i = 0; i < x.size(); ++i)
    for (Eigen::Index j = 0; j < x.size(); ++j)
      EXPECT_NEAR(H(i, j), fd(i, j), 1e-4 * (1.0 + std::abs(fd(i, j)))) << i << "," << j;
}

TEST_P(SmallWorkspace, EveryHessianModeGivesTheSameMatrix) {
  const Model m = model();
  const auto f = [&](const auto& x) { return m.nll(x); };
  const Eigen::VectorXd x = shifted(m, 1.8);
  const Eigen::MatrixXd reference = ad::hessian(f, x);
  for (const auto mode : {ad::HessianMode::kReverseOverReverse, ad::HessianMode::kForwardOverForward,
                          ad::HessianMode::kReverseOverForward}) {
    const Eigen::MatrixXd H = ad::hessian(f, x, mode);
    EXPECT_TRUE(H.isApprox(reference, 1e-12)) << ad::to_string(mode);
  }
}

INSTANTIATE_TEST_SUITE_P(Likelihood, SmallWorkspace,
                         ::testing::Values("example", "pyhf-2bin-1channel", "pyhf-histfactory-example",
                                           "pyhf-tutorial-1lbb-cr", "atlas-susy-2018-06-3l-erjr"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

class ReferenceBestFit : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceBestFit, GradientVanishesAtTheReferenceMinimum) {
  const Model& m = testing::reference_model(GetParam());
  const auto& best = testing::reference(GetParam()).json.at("bestfit");
  const Eigen::VectorXd x = testing::to_vector(best.at("values"));
  const auto at_bound = best.at("params_at_bound").get<std::vector<std::string>>();
  const Eigen::VectorXd g = ad::gradient([&](const auto& y) { return m.nll(y); }, x);
  const double tolerance = std::max(1e-6, 2.0 * best.at("max_abs_grad_free_interior").get<double>());
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m.fixed()[i] || std::find(at_bound.begin(), at_bound.end(), m.parameter_names()[i]) != at_bound.end()) continue;
    // Rounding x_i to double moves the gradient by ~ eps |x_i| / sigma_i^2 (~2e-5 for tau ~ 2e11).
    const Parameter& p = m.parameters()[i];
    const double rounding = p.sigma > 0.0 ? 8.0 * 2.2e-16 * std::abs(x[static_cast<Eigen::Index>(i)]) / (p.sigma * p.sigma) : 0.0;
    EXPECT_NEAR(g[static_cast<Eigen::Index>(i)], 0.0, tolerance + rounding) << m.parameter_names()[i];
  }
}

TEST_P(ReferenceBestFit, ExactHessianReproducesTheReferenceErrors) {
  const auto& ref = testing::reference(GetParam()).json;
  const auto& hesse = ref.at("hesse");
  if (!hesse.at("warning").is_null()) GTEST_SKIP() << hesse.at("warning").get<std::string>();
  const Model& m = testing::reference_model(GetParam());
  const Eigen::VectorXd x = testing::to_vector(ref.at("bestfit").at("values"));
  const Eigen::MatrixXd H = ad::hessian([&](const auto& y) { return m.nll(y); }, x);
  const auto errors = hesse.at("errors").get<std::vector<double>>();
  std::vector<Eigen::Index> free;
  for (std::size_t i = 0; i < m.size(); ++i)
    if (errors[i] > 0.0) free.push_back(static_cast<Eigen::Index>(i));
  Eigen::MatrixXd Hf(free.size(), free.size());
  for (std::size_t a = 0; a < free.size(); ++a)
    for (std::size_t b = 0; b < free.size(); ++b)
      Hf(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = H(free[a], free[b]);
  const Eigen::MatrixXd cov = Hf.ldlt().solve(Eigen::MatrixXd::Identity(Hf.rows(), Hf.cols()));
  for (std::size_t a = 0; a < free.size(); ++a) {
    const double expected = errors[static_cast<std::size_t>(free[a])];
    EXPECT_NEAR(std::sqrt(cov(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(a))), expected, 1e-6 * expected)
        << m.parameter_names()[static_cast<std::size_t>(free[a])];
  }
}

// The reverse-mode gradient and forward-over-reverse Hessian evaluate the interpolations in double
// with their derivatives and record one node per block factor / per interpolation
// (detail::prepare_preaccumulated); forward mode (Dual) and reverse-over-reverse (Var<Var>) still differentiate
// the interpolation code operation by operation. The two agree to rounding on every shared
// workspace, at the reference best fit and inside and outside |alpha| <= 1 (shifted by 0.6 and 1.8
// sigma where the rates stay positive), and the values are the same bits.
TEST_P(ReferenceBestFit, PreaccumulatedDerivativesMatchTheOperationByOperationOnes) {
  const Model& m = testing::reference_model(GetParam());
  const auto f = [&](const auto& x) { return m.nll(x); };
  const Eigen::VectorXd best = testing::to_vector(testing::reference(GetParam()).json.at("bestfit").at("values"));
  int points = 0;
  for (const Eigen::VectorXd& x : {best, shifted(m, 0.6), shifted(m, 1.8)}) {
    if (!std::isfinite(m.nll(x))) continue;  // a shifted point with a negative rate
    ++points;
    Eigen::VectorXd g;
    EXPECT_EQ(ad::value_and_gradient(f, x, g), m.nll(x));
    const Eigen::MatrixXd J = ad::jacobian_forward(
        [&](const auto& y) {
          using S = std::remove_cvref_t<decltype(y[0])>;
          return Eigen::Matrix<S, Eigen::Dynamic, 1>::Constant(1, m.nll(y));
        },
        x);
    // (A gradient entry is a cancellation of larger terms, all of it at a minimum; the two modes
    // round them differently: hence 1e-10 of the largest entry, 1e-12 of the NLL for a gradient
    // that vanishes, and for a tight constraint the rounding of its term ~ eps |x_i| / sigma_i^2,
    // as in GradientVanishesAtTheReferenceMinimum.)
    const double g_scale = J.cwiseAbs().maxCoeff() + 1e-2 * std::abs(m.nll(x));
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      const Parameter& p = m.parameters()[static_cast<std::size_t>(i)];
      const double rounding = p.sigma > 0.0 ? 8.0 * 2.2e-16 * std::abs(x[i]) / (p.sigma * p.sigma) : 0.0;
      EXPECT_NEAR(g[i], J(0, i), 1e-10 * (std::abs(J(0, i)) + g_scale) + rounding) << m.parameter_names()[static_cast<std::size_t>(i)];
    }
    Eigen::VectorXd gh;
    Eigen::MatrixXd H;
    EXPECT_EQ(ad::value_gradient_hessian(f, x, gh, H), m.nll(x));
    for (Eigen::Index i = 0; i < x.size(); ++i) EXPECT_NEAR(gh[i], g[i], 1e-12 * (std::abs(g[i]) + g_scale)) << i;
    const Eigen::MatrixXd reference = ad::hessian(f, x, ad::HessianMode::kReverseOverReverse);
    EXPECT_TRUE(H.isApprox(reference, 1e-12)) << (H - reference).cwiseAbs().maxCoeff();
  }
  EXPECT_GE(points, 1);
}

INSTANTIATE_TEST_SUITE_P(SharedData, ReferenceBestFit, ::testing::ValuesIn(testing::reference_workspaces()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace hessfit::likelihood
