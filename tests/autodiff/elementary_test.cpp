// Every elementary function, through every AD scalar type and nesting, against analytic first and
// second derivatives at several points (including near the edges of their domains).
#include <gtest/gtest.h>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/polygamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>
#include <math.h>  // signgam

#include <cmath>
#include <numbers>
#include <string>
#include <tuple>
#include <vector>

#include "nesting.hpp"

namespace {

using namespace hessfit::ad;
using namespace hessfit::ad::testing;
using boost::math::digamma;
using boost::math::trigamma;

template <class F>
struct Case {
  std::string name;
  F f;
  double (*d1)(double);
  double (*d2)(double);
  std::vector<double> points;
};
template <class F>
Case<F> make_case(std::string name, F f, double (*d1)(double), double (*d2)(double), std::vector<double> points) {
  return {std::move(name), f, d1, d2, std::move(points)};
}

#define HF_FN(EXPR) [](const auto& x) { using namespace std; return EXPR; }
#define HF_D(EXPR) [](double x) -> double { (void)x; return EXPR; }

auto cases() {  // NOLINT(readability-function-size)

  return std::make_tuple(
      make_case("exp", HF_FN(exp(x)), HF_D(std::exp(x)), HF_D(std::exp(x)), {-3.0, 0.0, 0.7, 5.0}),
      make_case("log", HF_FN(log(x)), HF_D(1 / x), HF_D(-1 / (x * x)), {1e-8, 0.3, 1.0, 1e6}),
      make_case("log1p", HF_FN(log1p(x)), HF_D(1 / (1 + x)), HF_D(-1 / ((1 + x) * (1 + x))), {-0.999, -0.5, 1e-12, 3.0}),
      make_case("expm1", HF_FN(expm1(x)), HF_D(std::exp(x)), HF_D(std::exp(x)), {-2.0, 1e-10, 0.5}),
      make_case("sqrt", HF_FN(sqrt(x)), HF_D(0.5 / std::sqrt(x)), HF_D(-0.25 / (x * std::sqrt(x))), {1e-10, 0.25, 9.0}),
      make_case("cbrt", HF_FN(cbrt(x)), HF_D(1.0 / (3 * std::cbrt(x * x))), HF_D(-2.0 / (9 * x * std::cbrt(x * x))),
                {-8.0, 1e-9, 0.5, 27.0}),
      make_case("sin", HF_FN(sin(x)), HF_D(std::cos(x)), HF_D(-std::sin(x)), {-2.0, 0.0, 1.0, 10.0}),
      make_case("cos", HF_FN(cos(x)), HF_D(-std::sin(x)), HF_D(-std::cos(x)), {-2.0, 0.0, 1.0, 10.0}),
      make_case("tan", HF_FN(tan(x)), HF_D(1 / (std::cos(x) * std::cos(x))),
                HF_D(2 * std::tan(x) / (std::cos(x) * std::cos(x))), {-1.5, 0.0, 0.4, 1.5}),
      make_case("asin", HF_FN(asin(x)), HF_D(1 / std::sqrt(1 - x * x)), HF_D(x / std::pow(1 - x * x, 1.5)),
                {-0.999, 0.0, 0.3, 0.999}),
      make_case("acos", HF_FN(acos(x)), HF_D(-1 / std::sqrt(1 - x * x)), HF_D(-x / std::pow(1 - x * x, 1.5)),
                {-0.999, 0.0, 0.3, 0.999}),
      make_case("atan", HF_FN(atan(x)), HF_D(1 / (1 + x * x)), HF_D(-2 * x / ((1 + x * x) * (1 + x * x))),
                {-30.0, 0.0, 0.5, 4.0}),
      make_case("sinh", HF_FN(sinh(x)), HF_D(std::cosh(x)), HF_D(std::sinh(x)), {-3.0, 0.0, 0.5}),
      make_case("cosh", HF_FN(cosh(x)), HF_D(std::sinh(x)), HF_D(std::cosh(x)), {-3.0, 0.0, 0.5}),
      make_case("tanh", HF_FN(tanh(x)), HF_D(1 / (std::cosh(x) * std::cosh(x))),
                HF_D(-2 * std::tanh(x) / (std::cosh(x) * std::cosh(x))), {-3.0, 0.0, 0.5, 8.0}),
      make_case("abs", HF_FN(abs(x)), HF_D(x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0)), HF_D(0.0), {-2.0, 0.0, 3.0}),
      make_case("erf", HF_FN(erf(x)), HF_D(2 / std::sqrt(std::numbers::pi) * std::exp(-x * x)),
                HF_D(-4 * x / std::sqrt(std::numbers::pi) * std::exp(-x * x)), {-2.0, 0.0, 0.3, 4.0}),
      make_case("erfc", HF_FN(erfc(x)), HF_D(-2 / std::sqrt(std::numbers::pi) * std::exp(-x * x)),
                HF_D(4 * x / std::sqrt(std::numbers::pi) * std::exp(-x * x)), {-2.0, 0.0, 0.3, 4.0}),
      make_case("lgamma", HF_FN(lgamma(x)), HF_D(digamma(x)), HF_D(trigamma(x)), {1e-3, 0.5, 1.0, 30.0, 1e4}),
      make_case("tgamma", HF_FN(tgamma(x)), HF_D(std::tgamma(x) * digamma(x)),
                HF_D(std::tgamma(x) * (digamma(x) * digamma(x) + trigamma(x))), {0.1, 1.0, 2.5, 10.0}),
      make_case("digamma", HF_FN(hessfit::ad::digamma(x)), HF_D(trigamma(x)),
                HF_D(boost::math::polygamma(2, x)), {0.2, 1.0, 7.5}),
      make_case("pow(x, 2.5)", HF_FN(pow(x, 2.5)), HF_D(2.5 * std::pow(x, 1.5)), HF_D(3.75 * std::sqrt(x)),
                {1e-6, 0.5, 3.0}),
      make_case("pow(x, 3)", HF_FN(pow(x, 3)), HF_D(3 * x * x), HF_D(6 * x), {-2.0, 0.0, 1.5}),
      make_case("pow(2.5, x)", HF_FN(pow(2.5, x)), HF_D(std::log(2.5) * std::pow(2.5, x)),
                HF_D(std::log(2.5) * std::log(2.5) * std::pow(2.5, x)), {-1.0, 0.0, 3.0}),
      make_case("pow(x, x)", HF_FN(pow(x, x)), HF_D(std::pow(x, x) * (std::log(x) + 1)),
                HF_D(std::pow(x, x) * ((std::log(x) + 1) * (std::log(x) + 1) + 1 / x)), {0.2, 1.0, 2.5}),
      make_case("atan2(x, 2)", HF_FN(atan2(x, 2.0)), HF_D(2 / (4 + x * x)), HF_D(-4 * x / ((4 + x * x) * (4 + x * x))),
                {-3.0, 0.0, 1.0}),
      make_case("atan2(1.5, x)", HF_FN(atan2(1.5, x)), HF_D(-1.5 / (2.25 + x * x)),
                HF_D(3 * x / ((2.25 + x * x) * (2.25 + x * x))), {-3.0, 0.0, 1.0}),
      make_case("x / (1 + x^2)", HF_FN(x / (1.0 + x * x)), HF_D((1 - x * x) / ((1 + x * x) * (1 + x * x))),
                HF_D(2 * x * (x * x - 3) / std::pow(1 + x * x, 3)), {-2.0, 0.0, 0.5}),
      make_case("3 / x - x", HF_FN(3.0 / x - x), HF_D(-3 / (x * x) - 1), HF_D(6 / (x * x * x)), {-2.0, 0.1, 4.0}),
      make_case("fmax(x, 1)", HF_FN(fmax(x, 1.0)), HF_D(x > 1 ? 1.0 : 0.0), HF_D(0.0), {-1.0, 2.0}),
      make_case("fmin(x*x, 4)", HF_FN(fmin(x * x, 4.0)), HF_D(x * x < 4 ? 2 * x : 0.0), HF_D(x * x < 4 ? 2.0 : 0.0),
                {-1.0, 3.0}),
      make_case("2 - x + 0.5 x", HF_FN(2.0 - x + 0.5 * x), HF_D(-0.5), HF_D(0.0), {-1.0, 3.0}));
}

template <class Mode>
class ElementaryFunctions : public ::testing::Test {};
using Modes = ::testing::Types<ForwardMode<1>, ForwardMode<kDynamic>, ReverseMode, ForwardOverForward,
                               ForwardOverReverseType, ReverseOverForward, ReverseOverReverse, TapeSweepHessian>;
TYPED_TEST_SUITE(ElementaryFunctions, Modes);

void expect_close(double actual, double expected, const std::string& what) {
  const double tol = 1e-12 * std::max(1.0, std::abs(expected));
  EXPECT_NEAR(actual, expected, tol) << what;
}

TYPED_TEST(ElementaryFunctions, MatchAnalyticFirstAndSecondDerivatives) {
  std::apply(
      [](const auto&... c) {
        (
            [&] {
              for (double x : c.points) {
                const Derivatives d = TypeParam::eval(c.f, x);
                const double v = c.f(x);
                const std::string at = c.name + " at x = " + std::to_string(x);
                expect_close(d.value, v, at + ": value");
                expect_close(d.d1, c.d1(x), at + ": first derivative");
                if (!std::isnan(d.d2)) expect_close(d.d2, c.d2(x), at + ": second derivative");
              }
            }(),
            ...);
      },
      cases());
}

TEST(Comparisons, CompareValuesAcrossTypesAndDoubles) {
  TapeScope<double> scope;
  const auto x = Var<double>::input(2.0), y = Var<double>::input(3.0);
  EXPECT_TRUE(x < y && y > x && x <= 2.0 && 3.0 >= y && x != y && x == 2.0 && 1.0 < x);
  const Dual<Var<double>, 1> dx(x);
  EXPECT_TRUE(dx < 2.5 && dx == 2.0 && !(dx > 2.0));
}

TEST(Lgamma, LeavesTheGlobalSigngamAlone) {
  // std::lgamma writes the global `signgam`: a data race when NLLs with lgamma run on several
  // threads (ThreadSanitizer found the same in the likelihood's constants). The AD lgamma uses
  // lgamma_r; Gamma(-0.5) < 0 would set signgam to -1.
  signgam = 7;
  TapeScope<double> scope;
  const auto x = Var<double>::input(-0.5);
  const Var<double> v = lgamma(x);
  const Dual<double, 1> d = lgamma(Dual<double, 1>(-0.5));
  EXPECT_EQ(signgam, 7);
  EXPECT_DOUBLE_EQ(v.value(), std::log(2.0 * std::sqrt(std::numbers::pi)));  // |Gamma(-1/2)| = 2 sqrt(pi)
  EXPECT_EQ(d.value(), v.value());
}

}  // namespace
