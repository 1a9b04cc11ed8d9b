#include "free_problem.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace hessfit::fit::detail {

FreeProblem::FreeProblem(const Objective& objective, const Eigen::VectorXd& start_full)
    : objective_(objective), free_(objective.free_indices()), base_(objective.values()),
      sparse_(objective.uses_sparse_hessian()) {
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

double FreeProblem::value_gradient_sparse_hessian(const Eigen::VectorXd& x, Eigen::VectorXd& g, SparseMatrix& h,
                                                  Eigen::VectorXd& g_full, SparseMatrix& h_full) {
  ++counters.evaluations;
  ++counters.gradient_evaluations;
  ++counters.hessian_evaluations;
  const double f = objective_.value_gradient_sparse_hessian(full(x), g_full, h_full);
  g = g_full(free_);
  if (free_.size() == static_cast<std::size_t>(h_full.rows()))
    h.resize(0, 0);  // the full one is the free one (Evaluation::hs())
  else
    h = sparse_submatrix(h_full, free_);
  return f;
}

Eigen::VectorXd hessian_scale(const Eigen::MatrixXd& h) { return hessian_scale_of_diagonal(h.diagonal()); }
Eigen::VectorXd hessian_scale(const SparseMatrix& h) { return hessian_scale_of_diagonal(sparse_diagonal(h)); }

Eigen::VectorXd hessian_scale_of_diagonal(const Eigen::VectorXd& diagonal) {
  const Eigen::Index m = diagonal.size();
  Eigen::VectorXd d(m);
  double largest = 0.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    d[i] = std::sqrt(std::abs(diagonal[i]));
    if (std::isfinite(d[i])) largest = std::max(largest, d[i]);
  }
  const double floor = largest > 0.0 ? 1e-10 * largest : 1.0;
  for (Eigen::Index i = 0; i < m; ++i) {
    if (!(d[i] >= floor)) d[i] = floor;
  }
  return d;
}

QuadraticModel::QuadraticModel(const Eigen::MatrixXd& h, const Eigen::VectorXd& g,
                               const Eigen::VectorXd& scale)
    : scale_(scale) {
  const Eigen::Index m = h.rows();
  const Eigen::VectorXd inv = scale.cwiseInverse();
  s_ = inv.asDiagonal() * h * inv.asDiagonal();
  s_ = 0.5 * (s_ + s_.transpose()).eval();
  gs_ = g.cwiseProduct(inv);
  if (m == 0) {
    cholesky_ok_ = true;
    newton_.resize(0);
    llt_.emplace(s_);
    return;
  }
  Eigen::LLT<Eigen::MatrixXd> llt(s_);
  if (llt.info() == Eigen::Success) {
    newton_ = -llt.solve(gs_);
    // A tiny pivot means a (nearly) flat direction: leave that to the eigendecomposition.
    const double min_pivot = llt.matrixLLT().diagonal().cwiseAbs2().minCoeff();
    cholesky_ok_ = newton_.allFinite() && min_pivot > 1e-12 && newton_.norm() < 1e4;
    cholesky_edm_ = -0.5 * gs_.dot(newton_);
  }
  if (cholesky_ok_) llt_.emplace(std::move(llt));
}

QuadraticModel::QuadraticModel(const SparseMatrix& h, const Eigen::VectorXd& g, const Eigen::VectorXd& scale)
    : scale_(scale), sparse_(true) {
  const Eigen::Index m = h.rows();
  const Eigen::VectorXd inv = scale.cwiseInverse();
  sparse_s_ = sparse_scaled(h, inv);
  gs_ = g.cwiseProduct(inv);
  if (m == 0) {
    cholesky_ok_ = true;
    newton_.resize(0);
    return;
  }
  sparse_llt_ = SparseLlt(sparse_s_);
  if (sparse_llt_.ok()) {
    newton_ = -sparse_llt_.solve(gs_);
    cholesky_ok_ = newton_.allFinite() && sparse_llt_.min_pivot() > 1e-12 && newton_.norm() < 1e4;
    cholesky_edm_ = -0.5 * gs_.dot(newton_);
  }
}

void QuadraticModel::decompose() const {
  assert(!sparse_);
  if (decomposed_) return;
  decomposed_ = true;
  if (size() == 0) {
    eigenvalues_.resize(0);
    eigenvectors_.resize(0, 0);
    gamma_.resize(0);
    return;
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(s_);
  eigenvalues_ = eig.eigenvalues();
  eigenvectors_ = eig.eigenvectors();
  gamma_ = eigenvectors_.transpose() * gs_;
}

const Eigen::VectorXd& QuadraticModel::eigenvalues() const {
  decompose();
  return eigenvalues_;
}
const Eigen::MatrixXd& QuadraticModel::eigenvectors() const {
  decompose();
  return eigenvectors_;
}
const Eigen::VectorXd& QuadraticModel::gamma() const {
  decompose();
  return gamma_;
}

double QuadraticModel::edm() const {
  if (size() == 0) return 0.0;
  if (cholesky_ok_) return cholesky_edm_;
  if (sparse_) {
    // 1/2 gs^T (S + sigma I)^-1 gs with S + sigma I just positive definite (|S|^-1 for the lowest
    // eigenvalue, an underestimate for the others)
    const double l1 = min_eigenvalue();
    if (!std::isfinite(l1)) return std::numeric_limits<double>::quiet_NaN();
    const double floor = kEigenvalueFloor * std::max(1.0, largest_eigenvalue(sparse_s_));
    const double sigma = std::max(0.0, -2.0 * l1) + floor;
    const SparseLlt shifted(sparse_s_, sigma);
    if (!shifted.ok()) return std::numeric_limits<double>::quiet_NaN();
    return 0.5 * gs_.dot(shifted.solve(gs_));
  }
  const Eigen::VectorXd& lambda = eigenvalues();
  const double floor = kEigenvalueFloor * std::max(1.0, lambda.cwiseAbs().maxCoeff());
  double edm = 0.0;
  for (Eigen::Index i = 0; i < size(); ++i) {
    edm += gamma_[i] * gamma_[i] / std::max(std::abs(lambda[i]), floor);
  }
  return 0.5 * edm;
}

double QuadraticModel::min_eigenvalue() const {
  if (size() == 0) return 0.0;
  if (decomposed_) return eigenvalues_[0];
  if (sparse_) {
    if (std::isnan(min_eigenvalue_)) {
      const EigenPairs e = smallest_eigenpairs(sparse_s_, 1, false, sparse_llt_.ok() ? &sparse_llt_ : nullptr);
      min_eigenvalue_ = e.values.size() ? e.values[0] : -std::numeric_limits<double>::infinity();
    }
    return min_eigenvalue_;
  }
  if (std::isnan(min_eigenvalue_)) {
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(s_, Eigen::EigenvaluesOnly);
    min_eigenvalue_ = eig.eigenvalues()[0];
  }
  return min_eigenvalue_;
}

bool QuadraticModel::curvature_at_least(double tolerance) const {
  if (size() == 0 || cholesky_ok_) return true;
  if (!sparse_ && !decomposed_ && std::isnan(min_eigenvalue_)) {
    // Cheap refusal: no Cholesky factorisation of S + tolerance I means an eigenvalue below
    // -tolerance (far from a minimum, where toy fits' Hessians are indefinite).
    Eigen::MatrixXd shifted = s_;
    shifted.diagonal().array() += tolerance;
    if (Eigen::LLT<Eigen::MatrixXd>(shifted).info() != Eigen::Success) return false;
  }
  return min_eigenvalue() >= -tolerance;
}

Eigen::VectorXd QuadraticModel::solve(const Eigen::VectorXd& rhs) const {
  if (size() == 0) return rhs;
  if (sparse_) {
    if (sparse_llt_.ok()) return sparse_llt_.solve(rhs);
    const double l1 = min_eigenvalue();
    const SparseLlt shifted(sparse_s_, (std::isfinite(l1) ? std::max(0.0, -2.0 * l1) : 0.0) + kEigenvalueFloor);
    return shifted.ok() ? shifted.solve(rhs) : Eigen::VectorXd::Constant(rhs.size(), std::numeric_limits<double>::quiet_NaN());
  }
  if (cholesky_ok_) return llt_->solve(rhs);
  const Eigen::VectorXd& lambda = eigenvalues();
  const double floor = kEigenvalueFloor * std::max(1.0, lambda.cwiseAbs().maxCoeff());
  Eigen::VectorXd c = eigenvectors_.transpose() * rhs;
  for (Eigen::Index i = 0; i < size(); ++i) c[i] /= std::max(std::abs(lambda[i]), floor);
  return eigenvectors_ * c;
}

namespace {

// ||y(sigma)||^2 = sum gamma_i^2 / (lambda_i + sigma)^2 and its sigma-derivative factor
// sum gamma_i^2 / (lambda_i + sigma)^3, skipping the exactly vanishing terms.
void secular_terms(const QuadraticModel& m, double sigma, double& norm2, double& cube) {
  norm2 = 0.0;
  cube = 0.0;
  const Eigen::VectorXd& gamma = m.gamma();
  const Eigen::VectorXd& lambda = m.eigenvalues();
  for (Eigen::Index i = 0; i < gamma.size(); ++i) {
    if (gamma[i] == 0.0) continue;
    const double d = lambda[i] + sigma;
    const double t = gamma[i] * gamma[i] / (d * d);
    norm2 += t;
    cube += t / d;
  }
}

Eigen::VectorXd shifted_step(const QuadraticModel& m, double sigma, double skip_below) {
  const Eigen::VectorXd& gamma = m.gamma();
  const Eigen::VectorXd& lambda = m.eigenvalues();
  Eigen::VectorXd y = Eigen::VectorXd::Zero(gamma.size());
  for (Eigen::Index i = 0; i < gamma.size(); ++i) {
    const double d = lambda[i] + sigma;
    if (gamma[i] == 0.0 || d <= skip_below) continue;
    y -= (gamma[i] / d) * m.eigenvectors().col(i);
  }
  return y;
}

// More-Sorensen for a dense S without its eigendecomposition: the shift sigma >= 0 with
// S + sigma I positive definite and ||y(sigma)|| = radius, y(sigma) = -(S + sigma I)^-1 gs, by
// Newton's method on 1/||y(sigma)|| = 1/radius, each iterate a Cholesky factorisation
// (L w = y gives the derivative), safeguarded by the bracket [lo, hi] of sigma (Gershgorin
// bounds; a failed factorisation raises lo). Returns false, leaving the step to the
// eigendecomposition, in the hard case (the bracket collapses onto -lambda_min with the step
// still inside the region), for a zero gradient, or when it does not settle in 40 factorisations.
// Called only when the Newton step (if any) lies outside the region.
bool more_sorensen(const QuadraticModel& m, double radius, TrustRegionStep& step) {
  constexpr double kRelativeTolerance = 1e-3;  // |  ||y|| - radius | <= this * radius
  const Eigen::MatrixXd& s = m.dense_s();
  const Eigen::VectorXd& gs = m.scaled_gradient();
  const Eigen::Index n = gs.size();
  const double gnorm = gs.norm();
  if (!(gnorm > 0.0) || !(radius > 0.0)) return false;
  double min_diag = std::numeric_limits<double>::infinity();
  double gershgorin_lo = std::numeric_limits<double>::infinity();
  double gershgorin_hi = -std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double off = s.col(i).cwiseAbs().sum() - std::abs(s(i, i));
    min_diag = std::min(min_diag, s(i, i));
    gershgorin_lo = std::min(gershgorin_lo, s(i, i) - off);
    gershgorin_hi = std::max(gershgorin_hi, s(i, i) + off);
  }
  // sigma < lo: S + sigma I indefinite or ||y|| > radius; sigma >= hi: ||y|| <= radius.
  double lo = std::max({0.0, -min_diag, gnorm / radius - gershgorin_hi});
  double hi = std::max(0.0, gnorm / radius - gershgorin_lo);
  if (m.last_shift >= 0.0) {
    if (radius < m.last_radius) lo = std::max(lo, m.last_shift);
    if (radius > m.last_radius) hi = std::min(hi, m.last_shift);
  }
  if (!(hi > lo)) hi = lo + std::max(1e-12, 1e-8 * std::max(1.0, lo));
  const auto inside = [&](double sigma) { return sigma > lo && sigma < hi; };
  const auto safeguarded = [&]() { return std::max(std::sqrt(lo * hi), lo + 1e-3 * (hi - lo)); };
  Eigen::LLT<Eigen::MatrixXd> llt;
  Eigen::MatrixXd shifted;
  double sigma = m.last_shift >= 0.0 && inside(m.last_shift) ? m.last_shift : safeguarded();
  if (m.cholesky_ok() && m.last_shift < 0.0) {
    // The first Newton iterate from sigma = 0, with the factor of S the model already has.
    const Eigen::VectorXd& y = m.newton_step();
    const double norm = y.norm();
    const double next = (norm * norm / m.dense_factor().matrixL().solve(y).squaredNorm()) * (norm - radius) / radius;
    if (std::isfinite(next) && inside(next)) sigma = next;
  }
  if (!inside(sigma)) sigma = 0.5 * (lo + hi);
  for (int it = 0; it < 40; ++it) {
    shifted = s;
    shifted.diagonal().array() += sigma;
    llt.compute(shifted);
    if (llt.info() != Eigen::Success) {
      lo = sigma;
    } else {
      Eigen::VectorXd y = -llt.solve(gs);
      const double norm = y.norm();
      if (!std::isfinite(norm)) return false;
      if (std::abs(norm - radius) <= kRelativeTolerance * radius) {
        if (norm > radius) y *= radius / norm;
        step.p = y.cwiseQuotient(m.scale());
        step.scaled_norm = y.norm();
        step.shift = sigma;
        m.last_radius = radius;
        m.last_shift = sigma;
        return true;
      }
      if (norm > radius) {
        lo = sigma;
      } else {
        hi = sigma;
      }
      // phi(sigma) = 1/||y|| - 1/radius, Newton: sigma += (||y|| / ||w||)^2 (||y|| - radius) / radius
      const Eigen::VectorXd w = llt.matrixL().solve(y);
      const double next = sigma + (norm * norm / w.squaredNorm()) * (norm - radius) / radius;
      if (std::isfinite(next) && inside(next)) {
        sigma = next;
        continue;
      }
    }
    // The hard case: the bracket closes on -lambda_min while the step stays inside.
    if (hi - lo <= 1e-10 * std::max(1.0, hi)) return false;
    sigma = safeguarded();
  }
  return false;
}

}  // namespace

TrustRegionStep solve_trust_region(const QuadraticModel& m, double radius) {
  TrustRegionStep step;
  const Eigen::Index k = m.size();
  step.p = Eigen::VectorXd::Zero(k);
  if (k == 0) return step;
  if (m.sparse()) {
    if (m.cholesky_ok() && m.newton_step().norm() <= radius) {
      step.p = m.newton_step().cwiseQuotient(m.scale());
      step.scaled_norm = m.newton_step().norm();
      return step;
    }
    const SparseTrustRegionStep s = sparse_trust_region(m.sparse_s(), m.scaled_gradient(), radius, m.sparse_factor());
    step.p = s.y.cwiseQuotient(m.scale());
    step.scaled_norm = s.y.norm();
    step.shift = s.shift;
    return step;
  }
  if (m.cholesky_ok() && m.newton_step().norm() <= radius) {
    step.p = m.newton_step().cwiseQuotient(m.scale());
    step.scaled_norm = m.newton_step().norm();
    return step;
  }
  if (more_sorensen(m, radius, step)) return step;
  const Eigen::VectorXd& eigenvalues = m.eigenvalues();
  const Eigen::MatrixXd& eigenvectors = m.eigenvectors();
  const Eigen::VectorXd& gamma = m.gamma();
  const double lambda_max = std::max(1.0, eigenvalues.cwiseAbs().maxCoeff());
  const double tiny = kEigenvalueFloor * lambda_max;
  const double l1 = eigenvalues[0];
  const double gnorm = gamma.norm();

  Eigen::VectorXd y;
  if (l1 > tiny) {
    y = shifted_step(m, 0.0, 0.0);
    if (y.norm() <= radius) {
      step.p = y.cwiseQuotient(m.scale());
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
      const double d = eigenvalues[i] + sigma_lo;
      if (d <= 2.0 * tiny) {
        g_low2 += gamma[i] * gamma[i];
      } else {
        norm2 += gamma[i] * gamma[i] / (d * d);
      }
    }
    const bool low_component_negligible = g_low2 <= 1e-20 * std::max(gnorm * gnorm, 1e-300);
    if (low_component_negligible && std::sqrt(norm2) <= radius && l1 <= tiny) {
      y = shifted_step(m, sigma_lo, 2.0 * tiny);
      const double tau = std::sqrt(std::max(0.0, radius * radius - y.squaredNorm()));
      // Direction along the lowest eigenvector chosen to descend (or +v if g is orthogonal).
      Eigen::VectorXd v = eigenvectors.col(0);
      if (gamma[0] > 0.0) v = -v;
      if (l1 < -tiny) y += tau * v;  // only a true negative curvature is worth following
      step.p = y.cwiseQuotient(m.scale());
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
  step.p = y.cwiseQuotient(m.scale());
  step.scaled_norm = y.norm();
  step.shift = sigma;
  return step;
}

QuadraticModel Evaluation::model(const std::vector<int>& inner, const Eigen::VectorXd& scale) const {
  if (sparse) {
    const bool all = inner.size() == static_cast<std::size_t>(hs().rows());
    return QuadraticModel(all ? hs() : sparse_submatrix(hs(), inner), g(inner), scale(inner));
  }
  return QuadraticModel(h(inner, inner), g(inner), scale(inner));
}

double Evaluation::model_decrease(const Eigen::VectorXd& s) const {
  return -(g.dot(s) + 0.5 * s.dot(sparse ? Eigen::VectorXd(hs() * s) : Eigen::VectorXd(h * s)));
}

Stationarity analyse_stationarity(const Evaluation& at, const Eigen::VectorXd& x, const Eigen::VectorXd& lower,
                                  const Eigen::VectorXd& upper) {
  const Eigen::VectorXd& g = at.g;
  Stationarity st;
  const Eigen::Index m = x.size();
  st.held.assign(static_cast<std::size_t>(m), false);
  for (Eigen::Index k = 0; k < m; ++k) {
    const bool out = (x[k] <= lower[k] && g[k] > 0.0) || (x[k] >= upper[k] && g[k] < 0.0);
    st.held[static_cast<std::size_t>(k)] = out;
    if (!out) st.inner.push_back(static_cast<int>(k));
  }
  st.model = at.model(st.inner, at.scale());
  return st;
}

std::vector<ParameterState> parameter_states(const FreeProblem& problem, const Eigen::VectorXd& x,
                                             const Evaluation& at, const Stationarity& st, double edm_target) {
  const Eigen::VectorXd& g = at.g;
  const Objective& objective = problem.objective();
  std::vector<ParameterState> states(static_cast<std::size_t>(objective.size()),
                                     ParameterState::kFixed);
  const auto& inner = st.inner;
  const QuadraticModel& model = st.model;
  const Eigen::VectorXd gs = inner.empty() ? Eigen::VectorXd() : g(inner).cwiseQuotient(model.scale());
  for (int k = 0; k < problem.size(); ++k) {
    const int i = problem.free()[static_cast<std::size_t>(k)];
    states[static_cast<std::size_t>(i)] = ParameterState::kFree;
    if (!st.held[static_cast<std::size_t>(k)]) continue;
    // Releasing k adds 1/2 r^2 / s to the EDM, with s the Schur complement of H_II in
    // [[H_II, H_Ik], [H_kI, H_kk]] and r = g_k - H_kI H_II^-1 g_I.
    double s = at.sparse ? at.hs().coeff(k, k) : at.h(k, k);
    double r = g[k];
    if (!inner.empty()) {
      const Eigen::VectorXd hk =
          (at.sparse ? sparse_column(at.hs(), inner, k) : Eigen::VectorXd(at.h(inner, k))).cwiseQuotient(model.scale());
      const Eigen::VectorXd w = model.solve(hk);
      s -= hk.dot(w);
      r -= w.dot(gs);
    }
    const bool active = !(s > 0.0) || 0.5 * r * r / s > 0.1 * edm_target;
    if (active) {
      states[static_cast<std::size_t>(i)] =
          x[k] <= problem.lower()[k] ? ParameterState::kAtLowerBound : ParameterState::kAtUpperBound;
    }
  }
  return states;
}

double min_scaled_eigenvalue(const Objective& objective, const MinimizeResult& result) {
  std::vector<int> inner;
  for (int i = 0; i < objective.size(); ++i) {
    if (static_cast<std::size_t>(i) < result.parameter_states.size() &&
        result.parameter_states[static_cast<std::size_t>(i)] == ParameterState::kFree) {
      inner.push_back(i);
    }
  }
  if (inner.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (result.has_sparse_hessian()) {
    const SparseMatrix h = sparse_submatrix(result.sparse_hessian, inner);
    if (!sparse_all_finite(h)) return std::numeric_limits<double>::quiet_NaN();
    const SparseMatrix s = sparse_scaled(h, hessian_scale(h).cwiseInverse());
    const EigenPairs e = smallest_eigenpairs(s, 1, false);
    return e.values.size() ? e.values[0] : std::numeric_limits<double>::quiet_NaN();
  }
  if (result.hessian.rows() != objective.size()) return std::numeric_limits<double>::quiet_NaN();
  const Eigen::MatrixXd h = result.hessian(inner, inner);
  if (!h.allFinite()) return std::numeric_limits<double>::quiet_NaN();
  const Eigen::VectorXd inv = hessian_scale(h).cwiseInverse();
  const Eigen::MatrixXd s = inv.asDiagonal() * h * inv.asDiagonal();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(0.5 * (s + s.transpose()), Eigen::EigenvaluesOnly);
  return eig.eigenvalues()[0];
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace hessfit::fit::detail
