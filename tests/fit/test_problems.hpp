// Analytic test problems for the fit tests: objectives with known minima, covariances and
// profile intervals.
#pragma once

#include <Eigen/Core>
#include <Eigen/Dense>

#include <cmath>
#include <string>
#include <vector>

#include "hessfit/fit/objective.hpp"

namespace hessfit::fit::testing {

/// f = 1/2 (x - mu)^T A (x - mu) with A = C^-1: a multivariate Gaussian NLL whose covariance is C.
struct Gaussian {
  Eigen::VectorXd mu;
  Eigen::MatrixXd cov;
  Eigen::MatrixXd precision;

  static Gaussian three_dimensional() {
    Gaussian g;
    g.mu = Eigen::Vector3d(1.0, -2.0, 0.5);
    const Eigen::Vector3d sigma(0.5, 2.0, 0.1);
    Eigen::Matrix3d rho;
    rho << 1.0, 0.6, -0.3,  //
        0.6, 1.0, 0.2,      //
        -0.3, 0.2, 1.0;
    g.cov = sigma.asDiagonal() * rho * sigma.asDiagonal();
    g.precision = g.cov.inverse();
    return g;
  }

  Objective objective(double errordef = kErrorDefNll) const {
    const Eigen::VectorXd m = mu;
    const Eigen::MatrixXd a = precision;
    // f = up * (x - mu)^T A (x - mu): for up = 0.5 an NLL, for up = 1 a chi-square.
    auto f = [m, a, errordef](const auto& x) {
      using T = std::remove_cvref_t<decltype(x[0])>;
      T sum(0.0);
      for (Eigen::Index i = 0; i < m.size(); ++i) {
        for (Eigen::Index j = 0; j < m.size(); ++j) sum += a(i, j) * (x[i] - m[i]) * (x[j] - m[j]);
      }
      return errordef * sum;
    };
    std::vector<std::string> names;
    for (Eigen::Index i = 0; i < mu.size(); ++i) {
      std::string name = "p";  // (not "p" + ...: GCC 12 -Wrestrict false positive at -O3)
      name += std::to_string(i);
      names.push_back(name);
    }
    return Objective::from_callable(f, names, Eigen::VectorXd::Zero(mu.size()), {}, errordef);
  }
};

/// On/off counting experiment: n_on ~ Pois(mu s + b), n_off ~ Pois(tau b).
/// NLL(mu, b) = (mu s + b) - n_on log(mu s + b) + tau b - n_off log(tau b) (constants dropped).
struct OnOff {
  double n_on = 25.0;
  double n_off = 40.0;
  double tau = 4.0;
  double s = 2.0;

  template <class T>
  T nll(const T& mu, const T& b) const {
    using std::log;
    const T nu = mu * s + b;
    return nu - n_on * log(nu) + tau * b - n_off * log(tau * b);
  }
  Objective objective() const {
    const OnOff self = *this;
    auto f = [self](const auto& x) { return self.nll(x[0], x[1]); };
    return Objective::from_callable(f, {"mu", "b"}, Eigen::Vector2d(1.0, 5.0),
                                    {Bounds{0.0, 50.0}, Bounds{1e-6, 100.0}});
  }
  /// Conditional b at fixed mu: the positive root of (1 + tau) b^2 + (s mu (1 + tau) - n_on - n_off) b
  /// - n_off s mu = 0 (from dNLL/db = 0).
  double profiled_b(double mu) const {
    const double a = 1.0 + tau;
    const double bq = s * mu * (1.0 + tau) - n_on - n_off;
    const double c = -n_off * s * mu;
    return (-bq + std::sqrt(bq * bq - 4.0 * a * c)) / (2.0 * a);
  }
  double profile(double mu) const { return nll(mu, profiled_b(mu)); }
  double mu_hat() const { return (n_on - n_off / tau) / s; }
  /// The profile crossing profile(mu) = profile(mu_hat) + delta on one side, by bisection.
  double crossing(double delta, bool upper) const {
    const double f0 = profile(mu_hat());
    double inside = mu_hat();
    double outside = upper ? mu_hat() + 50.0 : 1e-12;
    if (!upper && profile(outside) - f0 < delta) return std::nan("");
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (inside + outside);
      (profile(mid) - f0 < delta ? inside : outside) = mid;
    }
    return 0.5 * (inside + outside);
  }
};

/// A small binned "HistFactory-like" model: signal strength mu, two Gaussian-constrained
/// nuisance parameters acting as normalisation systematics and one per-bin gamma, Poisson
/// data. Not quadratic: a real test of profile fits, deterministic and quick.
inline Objective binned_model() {
  const std::vector<double> signal{2.0, 5.0, 9.0, 4.0};
  const std::vector<double> background{30.0, 22.0, 15.0, 10.0};
  const std::vector<double> data{33.0, 30.0, 22.0, 17.0};
  auto f = [=](const auto& x) {
    using T = std::remove_cvref_t<decltype(x[0])>;
    using std::exp;
    using std::log;
    const T& mu = x[0];
    const T& a1 = x[1];
    const T& a2 = x[2];
    const T& gamma = x[3];
    T sum = 0.5 * a1 * a1 + 0.5 * a2 * a2 + 0.5 * (gamma - 1.0) * (gamma - 1.0) / (0.05 * 0.05);
    for (std::size_t i = 0; i < data.size(); ++i) {
      const double slope = 0.02 * static_cast<double>(i);
      T nu = mu * signal[i] * exp(0.1 * a1) + background[i] * (1.0 + (0.08 + slope) * a2);
      if (i == 2) nu = nu * gamma;
      sum += nu - data[i] * log(nu);
    }
    return sum;
  };
  return Objective::from_callable(f, {"mu", "alpha_1", "alpha_2", "gamma"},
                                  Eigen::Vector4d(1.0, 0.0, 0.0, 1.0),
                                  {Bounds{0.0, 10.0}, Bounds{-5.0, 5.0}, Bounds{-5.0, 5.0},
                                   Bounds{1e-10, 10.0}});
}

}  // namespace hessfit::fit::testing
