// The benchmark problems of issue 3, defined exactly so that numbers compare across libraries and
// runs, each written once as templated scalar code the way a user writes it, and their analytic
// derivatives (the floor every AD result is checked against and timed beside).
//
// B1: f(x) = sum_i (x_i^2 - x_i^3 - x_i) at x = ones(n).
//     grad_i = 2 x_i - 3 x_i^2 - 1,  H = diag(2 - 6 x_i).
//
// B3: a dense binned Poisson NLL with p parameters, m = 2p bins and S = 3 samples.
//     nu_b(theta) = sum_s n_sb exp(eta_sb),  eta_sb = sum_j k_sbj theta_j
//     NLL = sum_b (nu_b - d_b log nu_b) + 0.5 sum_j theta_j^2, at theta_j = 0.1.
//     With mu_sb = n_sb exp(eta_sb), r_b = 1 - d_b / nu_b and g_b = sum_s mu_sb k_sb (a p-vector):
//       grad = sum_sb r_b mu_sb k_sb + theta
//       H    = sum_sb r_b mu_sb k_sb k_sb^T + sum_b (d_b / nu_b^2) g_b g_b^T + I
//            = A^T diag(w) A + I,  A = [K; G] (rows k_sb, then g_b),  w = [r_b mu_sb; d_b / nu_b^2],
//     one symmetric matrix product of an (8p x p) matrix: about 8 p^3 / 2 multiply-adds.
//     Data: std::mt19937_64 seeded 42, u = (r() >> 11) * 2^-53, drawn in this order:
//       n[s][b] = 10 + 90 u (s, then b);  k[s][b][j] = -0.05 + 0.1 u (s, then b, then j);
//       d[b] = round(sum_s n[s][b]).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <random>
#include <type_traits>
#include <vector>

namespace hessfit::bench {

template <class V>
using ScalarOf = std::decay_t<decltype(std::declval<const V&>()[0])>;

// ---- B1 ------------------------------------------------------------------------------------------

/// B1 for any scalar S and any vector V of S with operator[] (Eigen vector, std::vector<adouble>).
template <class S, class V>
S b1(const V& x, Eigen::Index n) {
  S s(0.0);
  for (Eigen::Index i = 0; i < n; ++i) s += x[i] * x[i] - x[i] * x[i] * x[i] - x[i];
  return s;
}

inline Eigen::VectorXd b1_point(Eigen::Index n) { return Eigen::VectorXd::Ones(n); }

inline double b1_floor_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& g) {
  g = (2.0 * x.array() - 3.0 * x.array().square() - 1.0).matrix();
  return (x.array().square() - x.array().cube() - x.array()).sum();
}

/// The dense Hessian diag(2 - 6 x), written into a preallocated n x n matrix.
inline void b1_floor_hessian(const Eigen::VectorXd& x, Eigen::MatrixXd& h) {
  h.setZero(x.size(), x.size());
  h.diagonal() = (2.0 - 6.0 * x.array()).matrix();
}

// ---- B3 ------------------------------------------------------------------------------------------

inline constexpr int kB3Samples = 3;

struct B3Data {
  int p = 0, m = 0;
  std::vector<double> nominal;   // n[s][b] at s * m + b
  std::vector<double> coeff;     // k[s][b][j] at (s * m + b) * p + j
  std::vector<double> observed;  // d[b]

  double n(int s, int b) const { return nominal[static_cast<std::size_t>(s * m + b)]; }
  double k(int s, int b, int j) const { return coeff[(static_cast<std::size_t>(s * m + b)) * static_cast<std::size_t>(p) + static_cast<std::size_t>(j)]; }
  double d(int b) const { return observed[static_cast<std::size_t>(b)]; }
};

inline B3Data make_b3(int p) {
  B3Data data;
  data.p = p;
  data.m = 2 * p;
  std::mt19937_64 r(42);
  auto u = [&r] { return static_cast<double>(r() >> 11) * 0x1.0p-53; };
  const std::size_t sm = static_cast<std::size_t>(kB3Samples * data.m);
  data.nominal.resize(sm);
  for (auto& v : data.nominal) v = 10.0 + 90.0 * u();  // s, then b
  data.coeff.resize(sm * static_cast<std::size_t>(p));
  for (auto& v : data.coeff) v = -0.05 + 0.1 * u();  // s, then b, then j
  data.observed.resize(static_cast<std::size_t>(data.m));
  for (int b = 0; b < data.m; ++b) {
    double total = 0.0;
    for (int s = 0; s < kB3Samples; ++s) total += data.n(s, b);
    data.observed[static_cast<std::size_t>(b)] = std::round(total);
  }
  return data;
}

inline Eigen::VectorXd b3_point(int p) { return Eigen::VectorXd::Constant(p, 0.1); }

/// B3 for any scalar S, as a user writes it: loops over bins, samples and parameters, `+=`.
template <class S, class V>
S b3(const V& theta, const B3Data& data) {
  using std::exp;
  using std::log;
  S nll(0.0);
  for (int b = 0; b < data.m; ++b) {
    S nu(0.0);
    for (int s = 0; s < kB3Samples; ++s) {
      S eta(0.0);
      for (int j = 0; j < data.p; ++j) eta += data.k(s, b, j) * theta[j];
      nu += data.n(s, b) * exp(eta);
    }
    nll += nu - data.d(b) * log(nu);
  }
  for (int j = 0; j < data.p; ++j) nll += 0.5 * theta[j] * theta[j];
  return nll;
}

/// The analytic floor: value, gradient and Hessian of B3 with Eigen matrix products. Buffers are
/// members so that a timed evaluation allocates nothing.
class B3Floor {
 public:
  explicit B3Floor(const B3Data& data)
      : data_(data),
        rows_(kB3Samples * data.m),
        K_(Eigen::Map<const RowMatrix>(data.coeff.data(), rows_, data.p)),
        nominal_(Eigen::Map<const Eigen::VectorXd>(data.nominal.data(), rows_)),
        observed_(Eigen::Map<const Eigen::VectorXd>(data.observed.data(), data.m)),
        A_(rows_ + data.m, data.p),
        w_(rows_ + data.m) {
    A_.topRows(rows_) = K_;
  }

  double gradient(const Eigen::VectorXd& theta, Eigen::VectorXd& g) {
    const double v = forward(theta);
    g.noalias() = K_.transpose() * w_.head(rows_);
    g += theta;
    return v;
  }

  double hessian(const Eigen::VectorXd& theta, Eigen::MatrixXd& h) {
    const double v = forward(theta);
    const int m = data_.m;
    // G = sum_s diag(mu_s) K_s: row b is g_b = d nu_b / d theta.
    auto G = A_.bottomRows(m);
    G.noalias() = mu_.head(m).asDiagonal() * K_.topRows(m);
    for (int s = 1; s < kB3Samples; ++s) G.noalias() += mu_.segment(s * m, m).asDiagonal() * K_.middleRows(s * m, m);
    w_.tail(m) = (observed_.array() / nu_.array().square()).matrix();
    WA_.noalias() = w_.asDiagonal() * A_;
    h.resize(data_.p, data_.p);
    h.triangularView<Eigen::Lower>() = A_.transpose() * WA_;
    h.triangularView<Eigen::StrictlyUpper>() = h.transpose();
    h.diagonal().array() += 1.0;
    return v;
  }

 private:
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  // eta, mu, nu, the NLL; w_ head = r_b mu_sb.
  double forward(const Eigen::VectorXd& theta) {
    const int m = data_.m;
    mu_.noalias() = K_ * theta;
    mu_ = (nominal_.array() * mu_.array().exp()).matrix();
    nu_ = mu_.head(m);
    for (int s = 1; s < kB3Samples; ++s) nu_ += mu_.segment(s * m, m);
    r_ = (1.0 - observed_.array() / nu_.array()).matrix();
    for (int s = 0; s < kB3Samples; ++s) w_.segment(s * m, m) = (r_.array() * mu_.segment(s * m, m).array()).matrix();
    return (nu_.array() - observed_.array() * nu_.array().log()).sum() + 0.5 * theta.squaredNorm();
  }

  const B3Data& data_;
  Eigen::Index rows_;
  RowMatrix K_;
  Eigen::VectorXd nominal_, observed_;
  Eigen::MatrixXd A_, WA_;
  Eigen::VectorXd w_, mu_, nu_, r_;
};

}  // namespace hessfit::bench
