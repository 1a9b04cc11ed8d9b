#include <gtest/gtest.h>

#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <random>

#include "functions.hpp"
#include "hessfit/autodiff.hpp"
#include "hessfit/testing/finite_difference.hpp"

namespace {

using namespace hessfit::ad;
using namespace hessfit::ad::testing;

TEST(Gradient, OfTheSeedFunctionAtOneOneMatchesTheLesson) {
  Eigen::VectorXd x(2);
  x << 1.0, 1.0;
  const Eigen::VectorXd g = gradient(seed_fn, x);
  EXPECT_NEAR(g[0], -3.5234843061579388, 1e-14);
  EXPECT_NEAR(g[1], 10.577677559922305, 1e-14);
}

TEST(Gradient, MatchesCentralDifferencesOnADenseFunction) {
  Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(11, -1.0, 0.8);
  Eigen::VectorXd g;
  const double v = value_and_gradient(dense_fn, x, g);
  EXPECT_DOUBLE_EQ(v, dense_fn(x));
  EXPECT_TRUE(g.isApprox(hessfit::testing::central_difference_gradient(dense_fn, x), 1e-9));
}

TEST(Gradient, OfAFunctionThatIgnoresAnInputIsZeroThere) {
  auto f = [](const auto& x) { return x[0] * x[2]; };
  Eigen::VectorXd x(3);
  x << 2.0, 5.0, 3.0;
  EXPECT_EQ(gradient(f, x), Eigen::Vector3d(3.0, 0.0, 2.0));
}

auto vector_fn = [](const auto& x) {
  using S = ScalarOf<decltype(x)>;
  using std::exp;
  using std::sin;
  Vector<S> y(3);
  y[0] = x[0] * x[1] + sin(x[2]);
  y[1] = exp(x[1] - x[3]) * 2.0;
  y[2] = x[0] / (1.0 + x[2] * x[2]) - 3.0 * x[3];
  return y;
};

TEST(Jacobian, ForwardAndReverseAgreeWithEachOtherAndWithCentralDifferences) {
  Eigen::VectorXd x(4);
  x << 0.3, -1.2, 0.8, 0.5;
  const Eigen::MatrixXd jf = jacobian_forward(vector_fn, x);
  const Eigen::MatrixXd jr = jacobian_reverse(vector_fn, x);
  ASSERT_EQ(jf.rows(), 3);
  ASSERT_EQ(jf.cols(), 4);
  EXPECT_LE((jf - jr).cwiseAbs().maxCoeff(), 1e-14);
  for (int r = 0; r < 3; ++r) {
    auto component = [r](const auto& v) { return vector_fn(v)[r]; };
    EXPECT_TRUE(jf.row(r).transpose().isApprox(hessfit::testing::central_difference_gradient(component, x), 1e-9));
  }
}

TEST(Jacobian, ForwardHandlesMoreThanEightInputs) {
  auto F = [](const auto& x) {
    Vector<ScalarOf<decltype(x)>> y(2);
    y[0] = x[0] * 0.0;
    y[1] = x[0] * 0.0;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      y[0] += static_cast<double>(i) * x[i];
      y[1] += x[i] * x[i];
    }
    return y;
  };
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(19, 0.0, 1.8);
  const Eigen::MatrixXd J = jacobian_forward(F, x);
  for (Eigen::Index i = 0; i < 19; ++i) {
    EXPECT_DOUBLE_EQ(J(0, i), static_cast<double>(i));
    EXPECT_DOUBLE_EQ(J(1, i), 2.0 * x[i]);
  }
  EXPECT_LE((J - jacobian_reverse(F, x)).cwiseAbs().maxCoeff(), 1e-14);
}

// log det A(x) through an Eigen Cholesky of AD scalars: d/dx log det A = tr(A^-1 dA/dx).
auto log_det = [](const auto& x) {
  using S = ScalarOf<decltype(x)>;
  using std::log;
  Eigen::Matrix<S, 3, 3> A;
  A << 4.0 + x[0] * x[0], x[1], 0.5, x[1], 3.0 + x[2], x[0] * 0.1, 0.5, x[0] * 0.1, 2.0 + x[1] * x[1];
  Eigen::LLT<Eigen::Matrix<S, 3, 3>> llt(A);
  S s(0.0);
  for (int i = 0; i < 3; ++i) s += 2.0 * log(llt.matrixL()(i, i));
  return s;
};

TEST(EigenSupport, DecompositionsOfAdScalarsDifferentiate) {
  Eigen::VectorXd x(3);
  x << 0.4, -0.3, 0.2;
  EXPECT_TRUE(gradient(log_det, x).isApprox(hessfit::testing::central_difference_gradient(log_det, x), 1e-9));
  const Eigen::MatrixXd h = hessian(log_det, x);
  EXPECT_TRUE(h.isApprox(hessfit::testing::central_difference_hessian(log_det, x), 1e-6));
  EXPECT_LE((hessian(log_det, x, HessianMode::kReverseOverForward) - h).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LE((hessian(log_det, x, HessianMode::kForwardOverForward) - h).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(EigenSupport, MatrixOfVarsTimesMatrixOfDoubles) {
  auto f = [](const auto& x) {
    using S = ScalarOf<decltype(x)>;
    Eigen::Matrix2d M;
    M << 1.0, 2.0, 3.0, 4.0;
    const Eigen::Matrix<S, 2, 1> v(x[0], x[1]);
    const Eigen::Matrix<S, 2, 1> w = M.cast<S>() * v;
    return S(w.dot(v));
  };
  const Eigen::VectorXd x = Eigen::Vector2d(0.5, -1.0);
  Eigen::Matrix2d expected;
  expected << 2.0, 5.0, 5.0, 8.0;
  EXPECT_TRUE(hessian(f, x).isApprox(expected, 1e-14));
}

}  // namespace
