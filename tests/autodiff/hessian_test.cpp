#include <gtest/gtest.h>

#include <random>

#include "hessfit/testing/finite_difference.hpp"
#include "functions.hpp"
#include "hessfit/autodiff.hpp"

namespace {

using namespace hessfit::ad;
using namespace hessfit::ad::testing;

constexpr HessianMode kModes[] = {HessianMode::kForwardOverReverse, HessianMode::kReverseOverReverse,
                                  HessianMode::kForwardOverForward, HessianMode::kReverseOverForward};

Eigen::VectorXd random_point(Eigen::Index n, unsigned seed, double lo, double hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  Eigen::VectorXd x(n);
  for (auto& v : x) v = u(rng);
  return x;
}

template <class F>
void expect_modes_agree(F f, const Eigen::VectorXd& x) {
  const Eigen::MatrixXd reference = hessian(f, x, HessianMode::kForwardOverReverse);
  ASSERT_TRUE(reference.allFinite());
  const double scale = reference.cwiseAbs().maxCoeff();
  for (HessianMode mode : kModes) {
    const Eigen::MatrixXd h = hessian(f, x, mode);
    EXPECT_LE((h - reference).cwiseAbs().maxCoeff(), 1e-12 * scale) << to_string(mode) << "\n" << h - reference;
  }
}

TEST(Hessian, FourModesAgreeOnRosenbrock) {
  expect_modes_agree(rosenbrock, random_point(12, 1, -2.0, 2.0));
  Eigen::VectorXd start(2);
  start << -1.2, 1.0;
  expect_modes_agree(rosenbrock, start);
}

TEST(Hessian, FourModesAgreeOnCubicSum) { expect_modes_agree(cubic_sum, random_point(40, 2, -3.0, 3.0)); }

TEST(Hessian, FourModesAgreeOnADenseFunction) { expect_modes_agree(dense_fn, random_point(23, 3, -1.0, 1.0)); }

TEST(Hessian, FourModesAgreeOnTheSeedFunction) {
  Eigen::VectorXd x(2);
  x << 1.3, 0.7;
  expect_modes_agree(seed_fn, x);
}

TEST(Hessian, ForwardOverReverseMatchesCentralDifferences) {
  for (auto [x, tol] : {std::pair{random_point(9, 4, -1.0, 1.0), 1e-6}}) {
    const Eigen::MatrixXd h = hessian(dense_fn, x);
    const Eigen::MatrixXd fd = hessfit::testing::central_difference_hessian(dense_fn, x);
    EXPECT_TRUE(h.isApprox(fd, tol)) << h << "\n\n" << fd;
    const Eigen::MatrixXd hr = hessian(rosenbrock, x);
    EXPECT_TRUE(hr.isApprox(hessfit::testing::central_difference_hessian(rosenbrock, x), tol));
  }
}

TEST(Hessian, OfTheCubicSumAtOneZeroIsExactlyMinusFourAndTwo) {
  Eigen::VectorXd x(2);
  x << 1.0, 0.0;
  Eigen::MatrixXd expected(2, 2);
  expected << -4.0, 0.0, 0.0, 2.0;
  for (HessianMode mode : kModes) EXPECT_EQ(hessian(cubic_sum, x, mode), expected) << to_string(mode);
}

TEST(Hessian, IsExactlySymmetric) {
  const Eigen::MatrixXd h = hessian(dense_fn, random_point(17, 5, -1.0, 1.0));
  EXPECT_EQ(h, h.transpose());
}

TEST(HessianVectorProduct, EqualsTheHessianTimesTheVector) {
  const Eigen::VectorXd x = random_point(15, 6, -1.0, 1.0);
  const Eigen::VectorXd v = random_point(15, 7, -1.0, 1.0);
  const Eigen::VectorXd hv = hessian_vector_product(dense_fn, x, v);
  const Eigen::VectorXd expected = hessian(dense_fn, x) * v;
  EXPECT_LE((hv - expected).cwiseAbs().maxCoeff(), 1e-12 * expected.cwiseAbs().maxCoeff());
}

TEST(HessianVectorProduct, RejectsAVectorOfTheWrongSize) {
  EXPECT_THROW(hessian_vector_product(dense_fn, Eigen::VectorXd::Ones(3), Eigen::VectorXd::Ones(2)),
               std::invalid_argument);
}

// Dense Hessians sweep each block of inputs only through the nodes that depend on it: separable,
// banded and scrambled dependence patterns, inputs left out, more inputs than one block.
TEST(Hessian, BlocksSkipOnlyNodesThatDoNotDependOnThem) {
  const Eigen::Index n = 70;
  auto separable = [](const auto& x) {
    ScalarOf<decltype(x)> s(0.0);
    for (Eigen::Index i = 0; i < x.size(); ++i) s += x[i] * x[i] * x[i] - 2.0 * x[i] * x[i];
    return s;
  };
  auto scrambled = [](const auto& x) {
    using std::exp;
    ScalarOf<decltype(x)> s(0.0);
    const Eigen::Index m = x.size();
    for (Eigen::Index k = 0; k < m; ++k) {
      const Eigen::Index i = (k * 37) % m, j = (k * 11 + 5) % m;
      if (i == 20) continue;  // x[20] only enters linearly below
      s += x[i] * x[j] + 0.1 * exp(0.2 * x[(i + j) % m]);
    }
    return s + 3.0 * x[20] + x[m - 1] * x[0];
  };
  const Eigen::VectorXd x = random_point(n, 7, -1.0, 1.0);
  expect_modes_agree(separable, x);
  expect_modes_agree(scrambled, x);
  expect_modes_agree(rosenbrock, x);
  const Eigen::MatrixXd h = hessian(separable, x);
  EXPECT_EQ(h, Eigen::MatrixXd(((6.0 * x.array() - 4.0).matrix()).asDiagonal()));
}

TEST(Hessian, OfAFunctionThatReturnsAnInputIsZero) {
  auto first = [](const auto& x) { return x[0]; };
  auto scaled_last = [](const auto& x) { return 2.0 * x[x.size() - 1] + 1.0; };
  for (HessianMode mode : kModes) {
    EXPECT_TRUE(hessian(first, Eigen::VectorXd::Ones(20), mode).isZero()) << to_string(mode);
    EXPECT_TRUE(hessian(scaled_last, Eigen::VectorXd::Ones(20), mode).isZero()) << to_string(mode);
  }
}

TEST(Hessian, OfAConstantFunctionIsZero) {
  auto constant = [](const auto& x) { return ScalarOf<decltype(x)>(3.0) + 0.0 * x[0]; };
  for (HessianMode mode : kModes) EXPECT_TRUE(hessian(constant, Eigen::VectorXd::Ones(3), mode).isZero()) << to_string(mode);
}

}  // namespace
