// Central-difference derivatives for tests: the independent check of every AD result.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

namespace hessfit::testing {

/// Gradient by 4th-order central differences with step h * max(1, |x_i|).
template <class F>
Eigen::VectorXd central_difference_gradient(F&& f, const Eigen::VectorXd& x, double h = 1e-4) {
  Eigen::VectorXd g(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double s = h * std::max(1.0, std::abs(x[i]));
    auto at = [&](double t) {
      Eigen::VectorXd y = x;
      y[i] += t;
      return static_cast<double>(f(y));
    };
    g[i] = (8.0 * (at(s) - at(-s)) - (at(2 * s) - at(-2 * s))) / (12.0 * s);
  }
  return g;
}

/// Hessian by central differences of function values (second order), symmetrised.
template <class F>
Eigen::MatrixXd central_difference_hessian(F&& f, const Eigen::VectorXd& x, double h = 1e-3) {
  const Eigen::Index n = x.size();
  Eigen::MatrixXd H(n, n);
  auto at = [&](Eigen::Index i, double si, Eigen::Index j, double sj) {
    Eigen::VectorXd y = x;
    y[i] += si;
    y[j] += sj;
    return static_cast<double>(f(y));
  };
  for (Eigen::Index i = 0; i < n; ++i) {
    const double si = h * std::max(1.0, std::abs(x[i]));
    for (Eigen::Index j = i; j < n; ++j) {
      const double sj = h * std::max(1.0, std::abs(x[j]));
      if (i == j) {
        const double f0 = static_cast<double>(f(x));
        H(i, i) = (-at(i, 2 * si, i, 0) + 16 * at(i, si, i, 0) - 30 * f0 + 16 * at(i, -si, i, 0) -
                   at(i, -2 * si, i, 0)) / (12 * si * si);
      } else {
        H(i, j) = H(j, i) = (at(i, si, j, sj) - at(i, si, j, -sj) - at(i, -si, j, sj) + at(i, -si, j, -sj)) /
                            (4 * si * sj);
      }
    }
  }
  return H;
}

}  // namespace hessfit::testing
