// Test functions shared by the Hessian and driver tests, written once for every scalar type.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <type_traits>

namespace hessfit::ad::testing {

template <class V>
using ScalarOf = std::decay_t<decltype(std::declval<const V&>()[0])>;

/// The seed lesson's function: a = x1/x2; b = exp(x2); c = sin(a); d = a - b; e = c + d; d*e.
inline auto seed_fn = [](const auto& x) {
  using std::exp;
  using std::sin;
  const auto a = x[0] / x[1];
  const auto b = exp(x[1]);
  const auto c = sin(a);
  const auto d = a - b;
  const auto e = c + d;
  return d * e;
};

/// f(x) = sum_i (x_i^2 - x_i^3 - x_i).
inline auto cubic_sum = [](const auto& x) {
  ScalarOf<decltype(x)> s(0.0);
  for (Eigen::Index i = 0; i < x.size(); ++i) s += x[i] * x[i] - x[i] * x[i] * x[i] - x[i];
  return s;
};

/// Rosenbrock in n dimensions.
inline auto rosenbrock = [](const auto& x) {
  ScalarOf<decltype(x)> s(0.0);
  for (Eigen::Index i = 0; i + 1 < x.size(); ++i) {
    const auto a = 1.0 - x[i];
    const auto b = x[i + 1] - x[i] * x[i];
    s += a * a + 100.0 * b * b;
  }
  return s;
};

/// A dense function: every pair of variables interacts through exp, log, products and quotients.
inline auto dense_fn = [](const auto& x) {
  using std::exp;
  using std::log;
  using std::sqrt;
  ScalarOf<decltype(x)> s(0.0);
  const Eigen::Index n = x.size();
  for (Eigen::Index i = 0; i < n; ++i) {
    ScalarOf<decltype(x)> t(0.0);
    for (Eigen::Index j = 0; j < n; ++j) t += (0.1 + 0.01 * static_cast<double>((i * 7 + j * 3) % 11)) * x[j];
    s += exp(0.3 * t) + log(1.0 + x[i] * x[i]) * t / (2.0 + sqrt(1.0 + t * t));
  }
  return s;
};

}  // namespace hessfit::ad::testing
