// The seed lesson, part 1: reverse mode by hand, and the same with hessfit.
//
// The lesson's function
//   a = x1 / x2,  b = exp(x2),  c = sin(a),  d = a - b,  e = c + d,  g = d * e
// is differentiated twice: once by `fn_prime`, written the way reverse mode works (a forward pass
// that keeps every intermediate, then a backward pass that starts from g_bar = dg/dg = 1 and pushes
// adjoints v_bar = dg/dv from each node to its arguments), and once by hessfit::ad::gradient, which
// records the same forward pass on a tape and runs the same backward pass over it. One forward and
// one backward pass give the derivative with respect to every input at once; forward mode would
// need one pass per input.
//
// Run: reverse_mode_adjoints            (prints both gradients at a few points and their difference)
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "hessfit/autodiff.hpp"

namespace {

/// The lesson's function, written once for double and for every hessfit AD scalar.
auto fn = [](const auto& x) {
  using std::exp;
  using std::sin;
  const auto a = x[0] / x[1];
  const auto b = exp(x[1]);
  const auto c = sin(a);
  const auto d = a - b;
  const auto e = c + d;
  return d * e;
};

struct Gradient2 {
  double x1_bar, x2_bar;
};

/// dg/dx1 and dg/dx2 by hand-written adjoints.
Gradient2 fn_prime(double x1, double x2) {
  // Forward pass: evaluate and keep every intermediate (the "tape").
  const double a = x1 / x2;
  const double b = std::exp(x2);
  const double c = std::sin(a);
  const double d = a - b;
  const double e = c + d;
  // const double g = d * e;  (the value is not needed for the derivative)

  // Backward pass: v_bar = sum over the nodes u that use v of u_bar * du/dv, from g_bar = 1 down.
  const double g_bar = 1.0;
  double d_bar = e * g_bar;  // g = d * e
  const double e_bar = d * g_bar;
  const double c_bar = e_bar;  // e = c + d
  d_bar += e_bar;
  double a_bar = d_bar;          // d = a - b
  const double b_bar = -d_bar;
  a_bar += std::cos(a) * c_bar;  // c = sin(a)
  double x2_bar = b * b_bar;     // b = exp(x2): db/dx2 = b
  const double x1_bar = a_bar / x2;  // a = x1 / x2
  x2_bar += -a_bar * x1 / (x2 * x2);
  return {x1_bar, x2_bar};
}

}  // namespace

int main() {
  constexpr double kTolerance = 1e-14;  // relative, per component
  const std::array<std::array<double, 2>, 5> points{{{1.0, 1.0}, {0.5, 2.0}, {-1.3, 0.7}, {3.0, -0.4}, {2.5, 1.5}}};

  std::printf("Reverse mode by hand (fn_prime) and by hessfit::ad::gradient\n");
  std::printf("  g(x1, x2) = d * e,  a = x1/x2, b = exp(x2), c = sin(a), d = a - b, e = c + d\n\n");
  double worst = 0.0;
  for (const auto& p : points) {
    Eigen::VectorXd x(2);
    x << p[0], p[1];
    const Gradient2 mine = fn_prime(p[0], p[1]);
    const Eigen::VectorXd theirs = hessfit::ad::gradient(fn, x);
    const double scale = std::max({1.0, std::abs(theirs[0]), std::abs(theirs[1])});
    const double diff = std::max(std::abs(mine.x1_bar - theirs[0]), std::abs(mine.x2_bar - theirs[1])) / scale;
    worst = std::max(worst, diff);
    std::printf("at (x1, x2) = (%g, %g):  g = %.17g\n", p[0], p[1], fn(x));
    std::printf("  Your output:    [%.17g, %.17g]\n", mine.x1_bar, mine.x2_bar);
    std::printf("  hessfit output: [%.17g, %.17g]\n", theirs[0], theirs[1]);
    std::printf("  relative difference: %.3g\n\n", diff);
  }
  const bool agree = worst <= kTolerance;
  std::printf("largest relative difference: %.3g (%s %.0e)\n", worst, agree ? "within" : "NOT within", kTolerance);
  std::printf("%s\n", agree ? "The hand-written adjoints and hessfit agree."
                            : "The hand-written adjoints and hessfit DISAGREE.");
  return agree ? EXIT_SUCCESS : EXIT_FAILURE;
}
