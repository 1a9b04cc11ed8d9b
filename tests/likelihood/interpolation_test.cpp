// Interpolation codes against hand-computed values, at the joins alpha = +-1 and outside them.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>

#include "hessfit/autodiff.hpp"
#include "hessfit/likelihood/interpolation.hpp"

namespace hessfit::likelihood {
namespace {

using D1 = ad::Dual<double, 1>;
using D2 = ad::Dual<D1, 1>;

struct Derivatives {
  double value, first, second;
};

/// f(a), f'(a), f''(a) by forward-over-forward.
template <class F>
Derivatives derivatives(F&& f, double a) {
  D2 x{D1(a)};
  x.value().seed(0);
  x.seed(0);
  const D2 y = f(x);
  return {y.value().value(), y.value().tangent(0), y.tangent(0).tangent(0)};
}

TEST(Code4p, MatchesHandComputedValuesInsideAndOutside) {
  // nominal 10, lo 9, hi 12: D+ = 2, D- = 1, S = 1.5, A = 1/16.
  EXPECT_DOUBLE_EQ(interpolate_code4p(0.5, 9.0, 10.0, 12.0), 0.9482421875);  // 0.75 + 0.25/16 (15 - 2.5 + 0.1875)
  EXPECT_DOUBLE_EQ(interpolate_code4p(-0.5, 9.0, 10.0, 12.0), -0.5517578125);
  EXPECT_DOUBLE_EQ(interpolate_code4p(0.0, 9.0, 10.0, 12.0), 0.0);
  EXPECT_DOUBLE_EQ(interpolate_code4p(1.0, 9.0, 10.0, 12.0), 2.0);    // hi - nominal
  EXPECT_DOUBLE_EQ(interpolate_code4p(-1.0, 9.0, 10.0, 12.0), -1.0);  // lo - nominal
  EXPECT_DOUBLE_EQ(interpolate_code4p(2.0, 9.0, 10.0, 12.0), 4.0);    // linear outside: alpha D+
  EXPECT_DOUBLE_EQ(interpolate_code4p(-2.0, 9.0, 10.0, 12.0), -2.0);  // alpha D-
}

TEST(Code4p, IsTwiceContinuouslyDifferentiableAtTheJoins) {
  const auto f = [](const auto& a) { return interpolate_code4p(a, 9.0, 10.0, 12.0); };
  for (const double join : {1.0, -1.0}) {
    const Derivatives inner = derivatives(f, join * (1.0 - 1e-9)), outer = derivatives(f, join * (1.0 + 1e-9));
    EXPECT_NEAR(inner.value, outer.value, 1e-8);
    EXPECT_NEAR(inner.first, outer.first, 1e-7);
    EXPECT_NEAR(inner.first, join > 0 ? 2.0 : 1.0, 1e-7);  // D+ resp. D-
    EXPECT_NEAR(inner.second, 0.0, 1e-6);
    EXPECT_EQ(outer.second, 0.0);
  }
}

TEST(Code4, MatchesHandComputedValuesInsideAndOutside) {
  // lo 0.9, hi 1.2; inner values from the 6x6 system solved in exact fractions (tools/nll_at_inits.py).
  EXPECT_NEAR(interpolate_code4(0.5, 0.9, 1.2), 1.0916182969316974, 1e-15);
  EXPECT_NEAR(interpolate_code4(-0.3, 0.9, 1.2), 0.9632272359323965, 1e-15);
  EXPECT_DOUBLE_EQ(interpolate_code4(0.0, 0.9, 1.2), 1.0);
  EXPECT_DOUBLE_EQ(interpolate_code4(1.0, 0.9, 1.2), 1.2);
  EXPECT_DOUBLE_EQ(interpolate_code4(-1.0, 0.9, 1.2), 0.9);
  EXPECT_DOUBLE_EQ(interpolate_code4(2.0, 0.9, 1.2), 1.44);   // hi^alpha
  EXPECT_DOUBLE_EQ(interpolate_code4(-2.0, 0.9, 1.2), 0.81);  // lo^-alpha
}

TEST(Code4, ValueSlopeAndCurvatureAreContinuousAtTheJoins) {
  const double lo = 0.9, hi = 1.2;
  const auto f = [&](const auto& a) { return interpolate_code4(a, lo, hi); };
  const Derivatives up_in = derivatives(f, 1.0 - 1e-9), up_out = derivatives(f, 1.0);
  EXPECT_NEAR(up_in.value, hi, 1e-9);
  EXPECT_NEAR(up_in.first, hi * std::log(hi), 1e-8);
  EXPECT_NEAR(up_in.second, hi * std::log(hi) * std::log(hi), 1e-7);
  EXPECT_NEAR(up_out.first, hi * std::log(hi), 1e-15);
  const Derivatives down_in = derivatives(f, -1.0 + 1e-9), down_out = derivatives(f, -1.0);
  EXPECT_NEAR(down_in.value, lo, 1e-9);
  EXPECT_NEAR(down_in.first, -lo * std::log(lo), 1e-8);
  EXPECT_NEAR(down_in.second, lo * std::log(lo) * std::log(lo), 1e-7);
  EXPECT_NEAR(down_out.first, -lo * std::log(lo), 1e-15);
}

TEST(Code4, CoefficientsSolveTheContinuityConditions) {
  // Rows: p(1), p(-1), p'(1), p'(-1), p''(1), p''(-1) of p(a) = sum_{i=1..6} c_i a^i.
  Eigen::Matrix<double, 6, 6> A;
  for (int i = 1; i <= 6; ++i) {
    for (int r = 0; r < 2; ++r) {
      const double a = r == 0 ? 1.0 : -1.0;
      A(r, i - 1) = std::pow(a, i);
      A(2 + r, i - 1) = i * std::pow(a, i - 1);
      A(4 + r, i - 1) = i >= 2 ? i * (i - 1) * std::pow(a, i - 2) : 0.0;
    }
  }
  for (const auto& [lo, hi] : {std::pair{0.9, 1.2}, std::pair{0.5, 3.0}, std::pair{1.3, 0.7}}) {
    const double lu = std::log(hi), ld = std::log(lo);
    Eigen::Matrix<double, 6, 1> r;
    r << hi - 1, lo - 1, hi * lu, -lo * ld, hi * lu * lu, lo * ld * ld;
    const Eigen::Matrix<double, 6, 1> expected = A.fullPivLu().solve(r);
    const auto c = code4_coefficients(lo, hi);
    for (int i = 0; i < 6; ++i) EXPECT_NEAR(c[static_cast<std::size_t>(i)], expected[i], 1e-13) << lo << " " << hi;
  }
}

TEST(Code2, ReproducesPyhfsValuesIncludingItsDiscontinuityAtTheJoins) {
  // pyhf tests/test_interpolate.py: lo 0.5, nominal 1, hi 2 gives 2.25 at alpha = 2 and 0.75 at alpha = -2.
  EXPECT_DOUBLE_EQ(1.0 + interpolate_code2(2.0, 0.5, 1.0, 2.0), 2.25);
  EXPECT_DOUBLE_EQ(1.0 + interpolate_code2(-2.0, 0.5, 1.0, 2.0), 0.75);
  // a = 0.25, b = 0.75: inside a alpha^2 + b alpha.
  EXPECT_DOUBLE_EQ(interpolate_code2(0.5, 0.5, 1.0, 2.0), 0.4375);
  EXPECT_DOUBLE_EQ(interpolate_code2(1.0, 0.5, 1.0, 2.0), 1.0);    // hi - nominal at the join ...
  EXPECT_NEAR(interpolate_code2(1.0 + 1e-12, 0.5, 1.0, 2.0), 0.0, 1e-11);  // ... and 0 just outside (as pyhf)
  EXPECT_DOUBLE_EQ(interpolate_code2(-1.0, 0.5, 1.0, 2.0), -0.5);  // lo - nominal
}

TEST(Code0, IsPiecewiseLinearWithTheKinkAtZero) {
  EXPECT_DOUBLE_EQ(interpolate_code0(0.5, 9.0, 10.0, 12.0), 1.0);
  EXPECT_DOUBLE_EQ(interpolate_code0(-0.5, 9.0, 10.0, 12.0), -0.5);
  EXPECT_DOUBLE_EQ(interpolate_code0(3.0, 9.0, 10.0, 12.0), 6.0);
  EXPECT_DOUBLE_EQ(interpolate_code0(-3.0, 9.0, 10.0, 12.0), -3.0);
  EXPECT_DOUBLE_EQ(interpolate_code0(0.0, 9.0, 10.0, 12.0), 0.0);
}

TEST(Code1, IsPiecewiseExponential) {
  EXPECT_NEAR(interpolate_code1(0.5, 0.9, 1.2), std::sqrt(1.2), 1e-15);
  EXPECT_NEAR(interpolate_code1(-0.5, 0.9, 1.2), std::sqrt(0.9), 1e-15);
  EXPECT_NEAR(interpolate_code1(2.0, 0.9, 1.2), 1.44, 1e-15);
  EXPECT_NEAR(interpolate_code1(-2.0, 0.9, 1.2), 0.81, 1e-15);
  EXPECT_DOUBLE_EQ(interpolate_code1(0.0, 0.9, 1.2), 1.0);
}

TEST(Interpolation, NamesRoundTrip) {
  for (const auto code : {Interpolation::kCode0, Interpolation::kCode1, Interpolation::kCode2, Interpolation::kCode4,
                          Interpolation::kCode4p})
    EXPECT_EQ(parse_interpolation(to_string(code)), code);
  EXPECT_EQ(parse_interpolation("code3"), std::nullopt);
}

}  // namespace
}  // namespace hessfit::likelihood
