#include "free_problem.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hessfit::fit::detail {

FreeProblem::FreeProblem(const Objective& objective, const Eigen::VectorXd& start_full)
    : objective_(objective), free_(objective.free_indices()), base_(objective.values()) {
  const int m = size();
  lower_.resize(m);
  upper_.resize(m);
  start_.resize(m);
  for (int k = 0; k < m; ++k) {
    const int i = free_[static_cast<std::size_t>(k)];
    const Bounds& b = objective.bounds(i);
    lower_[k] = b.lower;
    upper_[k] = b.upper;
    const double v = start_full.size() == base_.size() && std::isfinite(start_full[i])
                         ? start_full[i]
                         : base_[i];
    start_[k] = b.clamp(v);
  }
}

Eigen::VectorXd FreeProblem::full(const Eigen::VectorXd& x) const {
  Eigen::VectorXd out = base_;
  for (int k = 0; k < size(); ++k) out[free_[static_cast<std::size_t>(k)]] = x[k];
  return out;
}

double FreeProblem::value(const Eigen::VectorXd& x) {
  ++counters.evaluations;
  return objective_.value(full(x));
}

double FreeProblem::value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& g) {
  ++counters.evaluations;
  ++counters.gradient_evaluations;
  Eigen::VectorXd g_full;
  const double f = objective_.value_and_gradient(full(x), g_full);
  g.resize(size());
  for (int k = 0; k < size(); ++k) g[k] = g_full[free_[static_cast<std::size_t>(k)]];
  return f;
}

double FreeProblem::value_gradient_hessian(const Eigen::VectorXd& x, Eigen::VectorXd& g,
                                           Eigen::MatrixXd& h, Eigen::VectorXd& g_full,
                                           Eigen::MatrixXd& h_full) {
  ++counters.evaluations;
  ++counters.gradient_evaluations;
  ++counters.hessian_evaluations;
  const double f = objective_.value_gradient_hessian(full(x), g_full, h_full);
  const int m = size();
  g.resize(m);
  h.resize(m, m);
  for (int a = 0; a < m; ++a) {
    const int i = free_[static_cast<std::size_t>(a)];
    g[a] = g_full[i];
    for (int b = 0; b < m; ++b) h(a, b) = h_full(i, free_[static_cast<std::size_t>(b)]);
  }
  return f;
}

Eigen::VectorXd hessian_scale(const Eigen::MatrixXd& h) {
  const Eigen::Index m = h.rows();
  Eigen::VectorXd d(m);
  double largest = 0.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    d[i] = std::sqrt(std::abs(h(i, i)));
    if (std::isfinite(d[i])) largest = std::max(largest, d[i]);
  }
  const double floor = largest > 0.0 ? 1e-10 * largest : 1.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    if (!(d[i] >= floor)) d[i] = floor;
  }
  return d;
}

QuadraticModel make_quadratic_model(const Eigen::MatrixXd& h, const Eigen::VectorXd& g,
                                    const Eigen::VectorXd& scale) {
  QuadraticModel model;
  model.scale = scale;
  const Eigen::Index m = h.rows();
  if (m == 0) {
    model.eigenvalues.resize(0);
    model.eigenvectors.resize(0, 0);
    model.gamma.resize(0);
    return model;
  }
  const Eigen::VectorXd inv = scale.cwiseInverse();
  Eigen::MatrixXd scaled = inv.asDiagonal() * h * inv.asDiagonal();
  scaled = 0.5 * (scaled + scaled.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(scaled);
  model.eigenvalues = eig.eigenvalues();
  model.eigenvectors = eig.eigenvectors();
  model.gamma = model.eigenvectors.transpose() * g.cwiseProduct(inv);
  model.min_eigenvalue = model.eigenvalues[0];
  const double largest = std::max(1.0, model.eigenvalues.cwiseAbs().maxCoeff());
  const double floor = kEigenvalueFloor * largest;
  double edm = 0.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    edm += model.gamma[i] * model.gamma[i] / std::max(std::abs(model.eigenvalues[i]), floor);
  }
  model.edm = 0.5 * edm;
  return model;
}

namespace {

// ||y(sigma)||^2 = sum gamma_i^2 / (lambda_i + sigma)^2 and its sigma-derivative factor
// sum gamma_i^2 / (lambda_i + sigma)^3, skipping the exactly vanishing terms.
void secular_terms(const QuadraticModel& m, double sigma, double& norm2, double& cube) {
  norm2 = 0.0;
  cube = 0.0;
  for (Eigen::Index i = 0; i < m.gamma.size(); ++i) {
    if (m.gamma[i] == 0.0) continue;
    const double d = m.eigenvalues[i] + sigma;
    const double t = m.gamma[i] * m.gamma[i] / (d * d);
    norm2 += t;
    cube += t / d;
  }
}

Eigen::VectorXd shifted_step(const QuadraticModel& m, double sigma, double skip_below) {
  Eigen::VectorXd y = Eigen::VectorXd::Zero(m.gamma.size());
  for (Eigen::Index i = 0; i < m.gamma.size(); ++i) {
    const double d = m.eigenvalues[i] + sigma;
    if (m.gamma[i] == 0.0 || d <= skip_below) continue;
    y -= (m.gamma[i] / d) * m.eigenvectors.col(i);
  }
  return y;
}

}  // namespace

TrustRegionStep solve_trust_region(const QuadraticModel& m, double radius) {
  TrustRegionStep step;
  const Eigen::Index k = m.gamma.size();
  step.p = Eigen::VectorXd::Zero(k);
  if (k == 0) return step;
  const double lambda_max = std::max(1.0, m.eigenvalues.cwiseAbs().maxCoeff());
  const double tiny = kEigenvalueFloor * lambda_max;
  const double l1 = m.eigenvalues[0];
  const double gnorm = m.gamma.norm();

  Eigen::VectorXd y;
  if (l1 > tiny) {
    y = shifted_step(m, 0.0, 0.0);
    if (y.norm() <= radius) {
      step.p = y.cwiseQuotient(m.scale);
      step.scaled_norm = y.norm();
      return step;
    }
  }
  const double sigma_lo = std::max(0.0, -l1) + (l1 > tiny ? 0.0 : tiny);
  // Hard case: the gradient has (almost) no component along the lowest eigenvectors, and even the
  // smallest admissible shift leaves the step inside the region: move along the lowest eigenvector.
  {
    double norm2 = 0.0;
    double g_low2 = 0.0;
    for (Eigen::Index i = 0; i < k; ++i) {
      const double d = m.eigenvalues[i] + sigma_lo;
      if (d <= 2.0 * tiny) {
        g_low2 += m.gamma[i] * m.gamma[i];
      } else {
        norm2 += m.gamma[i] * m.gamma[i] / (d * d);
      }
    }
    const bool low_component_negligible = g_low2 <= 1e-20 * std::max(gnorm * gnorm, 1e-300);
    if (low_component_negligible && std::sqrt(norm2) <= radius && l1 <= tiny) {
      y = shifted_step(m, sigma_lo, 2.0 * tiny);
      const double tau = std::sqrt(std::max(0.0, radius * radius - y.squaredNorm()));
      // Direction along the lowest eigenvector chosen to descend (or +v if g is orthogonal).
      Eigen::VectorXd v = m.eigenvectors.col(0);
      if (m.gamma[0] > 0.0) v = -v;
      if (l1 < -tiny) y += tau * v;  // only a true negative curvature is worth following
      step.p = y.cwiseQuotient(m.scale);
      step.scaled_norm = y.norm();
      step.shift = sigma_lo;
      return step;
    }
  }
  // Secular equation 1/||y(sigma)|| = 1/radius, Newton's method safeguarded by bisection.
  double lo = sigma_lo;
  double hi = std::max(lo, gnorm / radius - l1) + tiny;
  double sigma = lo > 0.0 ? lo + 1e-3 * (hi - lo) : std::min(hi, 1e-3 * (hi - lo));
  for (int it = 0; it < 200; ++it) {
    double norm2 = 0.0;
    double cube = 0.0;
    secular_terms(m, sigma, norm2, cube);
    const double norm = std::sqrt(norm2);
    if (std::abs(norm - radius) <= 1e-10 * radius) break;
    if (norm > radius) {
      lo = sigma;
    } else {
      hi = sigma;
    }
    // phi(sigma) = 1/norm - 1/radius, phi' = cube / norm^3
    double next = sigma - (1.0 / norm - 1.0 / radius) * norm2 * norm / cube;
    if (!(next > lo && next < hi) || !std::isfinite(next)) next = 0.5 * (lo + hi);
    if (hi - lo <= 1e-15 * std::max(1.0, std::abs(hi))) {
      sigma = hi;
      break;
    }
    sigma = next;
  }
  y = shifted_step(m, sigma, 0.0);
  if (y.norm() > radius) y *= radius / y.norm();
  step.p = y.cwiseQuotient(m.scale);
  step.scaled_norm = y.norm();
  step.shift = sigma;
  return step;
}

Stationarity analyse_stationarity(const Eigen::MatrixXd& h, const Eigen::VectorXd& g,
                                  const Eigen::VectorXd& x, const Eigen::VectorXd& lower,
                                  const Eigen::VectorXd& upper) {
  Stationarity st;
  const Eigen::Index m = x.size();
  st.held.assign(static_cast<std::size_t>(m), false);
  for (Eigen::Index k = 0; k < m; ++k) {
    const bool out = (x[k] <= lower[k] && g[k] > 0.0) || (x[k] >= upper[k] && g[k] < 0.0);
    st.held[static_cast<std::size_t>(k)] = out;
    if (!out) st.inner.push_back(static_cast<int>(k));
  }
  const Eigen::VectorXd scale = hessian_scale(h);
  st.model = make_quadratic_model(h(st.inner, st.inner), g(st.inner), scale(st.inner));
  return st;
}

std::vector<ParameterState> parameter_states(const FreeProblem& problem, const Eigen::VectorXd& x,
                                             const Eigen::MatrixXd& h, const Eigen::VectorXd& g,
                                             const Stationarity& st, double edm_target) {
  const Objective& objective = problem.objective();
  std::vector<ParameterState> states(static_cast<std::size_t>(objective.size()),
                                     ParameterState::kFixed);
  const auto& inner = st.inner;
  const QuadraticModel& model = st.model;
  const double largest =
      model.eigenvalues.size() ? std::max(1.0, model.eigenvalues.cwiseAbs().maxCoeff()) : 1.0;
  for (int k = 0; k < problem.size(); ++k) {
    const int i = problem.free()[static_cast<std::size_t>(k)];
    states[static_cast<std::size_t>(i)] = ParameterState::kFree;
    if (!st.held[static_cast<std::size_t>(k)]) continue;
    // Releasing k adds 1/2 r^2 / s to the EDM, with s the Schur complement of H_II in
    // [[H_II, H_Ik], [H_kI, H_kk]] and r = g_k - H_kI H_II^-1 g_I.
    double s = h(k, k);
    double r = g[k];
    if (!inner.empty()) {
      const Eigen::VectorXd hk = h(inner, k).cwiseQuotient(model.scale);
      const Eigen::VectorXd w = model.eigenvectors.transpose() * hk;
      for (Eigen::Index j = 0; j < w.size(); ++j) {
        const double lam = std::max(std::abs(model.eigenvalues[j]), kEigenvalueFloor * largest);
        s -= w[j] * w[j] / lam;
        r -= w[j] * model.gamma[j] / lam;
      }
    }
    const bool active = !(s > 0.0) || 0.5 * r * r / s > 0.1 * edm_target;
    if (active) {
      states[static_cast<std::size_t>(i)] =
          x[k] <= problem.lower()[k] ? ParameterState::kAtLowerBound : ParameterState::kAtUpperBound;
    }
  }
  return states;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace hessfit::fit::detail
