#include "hessfit/fit/covariance.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "free_problem.hpp"
#include "sparse_algebra.hpp"

namespace hessfit::fit {

std::string to_string(CovarianceStatus status) {
  switch (status) {
    case CovarianceStatus::kAccurate: return "accurate";
    case CovarianceStatus::kNotPositiveDefinite: return "not_positive_definite";
    case CovarianceStatus::kSingular: return "singular";
    case CovarianceStatus::kNotFinite: return "not_finite";
  }
  return "unknown";
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

EigenDirection direction(const Objective& objective, const std::vector<int>& parameters,
                         double eigenvalue, const Eigen::VectorXd& v,
                         const CovarianceOptions& options) {
  EigenDirection d;
  d.eigenvalue = eigenvalue;
  std::vector<int> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return std::abs(v[a]) > std::abs(v[b]); });
  for (const int j : order) {
    if (!d.dominant.empty() && (std::abs(v[j]) < options.dominant_component ||
                                static_cast<int>(d.dominant.size()) >= options.max_dominant)) {
      break;
    }
    const int i = parameters[static_cast<std::size_t>(j)];
    d.dominant.push_back({i, objective.name(i), v[j]});
  }
  return d;
}

std::string describe(const EigenDirection& d) {
  std::string s = fmt::format("eigenvalue {:.3g} along", d.eigenvalue);
  for (std::size_t k = 0; k < d.dominant.size(); ++k) {
    s += (k ? ", '" : " '") + d.dominant[k].name + "'" + fmt::format(" ({:.2f})", d.dominant[k].component);
  }
  return s;
}

}  // namespace

CovarianceResult covariance_from_hessian(const Objective& objective, const Eigen::MatrixXd& hessian,
                                         const std::vector<ParameterState>& states,
                                         const CovarianceOptions& options) {
  const int n = objective.size();
  CovarianceResult result;
  result.hessian = hessian;
  result.error_definition = objective.errordef();
  for (int i = 0; i < n; ++i) {
    const bool in = states.empty() ? !objective.is_fixed(i)
                                   : states[static_cast<std::size_t>(i)] == ParameterState::kFree;
    if (in) result.parameters.push_back(i);
  }
  const auto& p = result.parameters;
  const Eigen::Index k = static_cast<Eigen::Index>(p.size());
  result.covariance = Eigen::MatrixXd::Zero(n, n);
  result.correlation = Eigen::MatrixXd::Zero(n, n);
  result.errors = Eigen::VectorXd::Zero(n);
  if (k == 0) {
    result.status = CovarianceStatus::kAccurate;
    result.message = "no free parameters";
    return result;
  }
  const Eigen::MatrixXd h = hessian(p, p);
  if (!h.allFinite()) {
    result.status = CovarianceStatus::kNotFinite;
    for (Eigen::Index a = 0; a < k; ++a) {
      if (!h.row(a).allFinite()) {
        result.message = "the Hessian is not finite in the row of '" +
                         objective.name(p[static_cast<std::size_t>(a)]) + "'";
        break;
      }
    }
    for (const int i : p) {
      result.errors[i] = kNaN;
      for (const int j : p) result.covariance(i, j) = result.correlation(i, j) = kNaN;
    }
    return result;
  }

  const Eigen::VectorXd d = detail::hessian_scale(h);
  const Eigen::VectorXd inv_d = d.cwiseInverse();
  Eigen::MatrixXd s = inv_d.asDiagonal() * h * inv_d.asDiagonal();
  s = 0.5 * (s + s.transpose()).eval();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(s);
  const Eigen::VectorXd lambda = eig.eigenvalues();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> raw(h, Eigen::EigenvaluesOnly);
  result.min_eigenvalue = raw.eigenvalues()[0];
  result.max_eigenvalue = raw.eigenvalues()[k - 1];
  result.condition_number = result.min_eigenvalue > 0.0
                                ? result.max_eigenvalue / result.min_eigenvalue
                                : std::numeric_limits<double>::infinity();
  for (Eigen::Index a = 0; a < std::min<Eigen::Index>(k, options.reported_eigenvalues); ++a) {
    result.smallest.push_back(direction(objective, p, lambda[a], eig.eigenvectors().col(a), options));
  }
  const double tol = options.singular_tolerance;
  bool any_zero = false;
  for (Eigen::Index a = 0; a < k; ++a) {
    if (lambda[a] < -tol || std::abs(lambda[a]) <= tol) {
      result.offending.push_back(direction(objective, p, lambda[a], eig.eigenvectors().col(a), options));
      any_zero = any_zero || std::abs(lambda[a]) <= tol;
    }
  }

  const double scale = 2.0 * objective.errordef();
  Eigen::MatrixXd v(k, k);
  if (lambda[0] > tol) {
    const Eigen::LLT<Eigen::MatrixXd> llt(s);
    v = inv_d.asDiagonal() * llt.solve(Eigen::MatrixXd::Identity(k, k)) * inv_d.asDiagonal();
    v = scale * 0.5 * (v + v.transpose()).eval();
    result.status = CovarianceStatus::kAccurate;
    result.message = "exact Hessian positive definite" +
                     fmt::format(" (smallest eigenvalue of the scaled Hessian {:.3g},", lambda[0]) +
                     fmt::format(" condition number {:.3g})", result.condition_number);
  } else {
    if (any_zero) {
      v.setConstant(kNaN);
    } else {
      const Eigen::MatrixXd& q = eig.eigenvectors();
      v = inv_d.asDiagonal() * q * lambda.cwiseInverse().asDiagonal() * q.transpose() *
          inv_d.asDiagonal();
      v = scale * 0.5 * (v + v.transpose()).eval();
    }
    result.status = lambda[0] < -tol ? CovarianceStatus::kNotPositiveDefinite
                                     : CovarianceStatus::kSingular;
    result.message = result.status == CovarianceStatus::kSingular
                         ? "Hessian singular (a flat direction), covariance not defined: "
                         : "Hessian not positive definite (not a minimum over the free "
                           "parameters), covariance given unrepaired: ";
    for (std::size_t a = 0; a < result.offending.size(); ++a) {
      result.message += (a ? "; " : "") + describe(result.offending[a]);
    }
  }
  for (Eigen::Index a = 0; a < k; ++a) {
    const int i = p[static_cast<std::size_t>(a)];
    result.errors[i] = v(a, a) >= 0.0 ? std::sqrt(v(a, a)) : kNaN;
  }
  for (Eigen::Index a = 0; a < k; ++a) {
    const int i = p[static_cast<std::size_t>(a)];
    for (Eigen::Index b = 0; b < k; ++b) {
      const int j = p[static_cast<std::size_t>(b)];
      result.covariance(i, j) = v(a, b);
      result.correlation(i, j) = a == b && std::isfinite(result.errors[i])
                                     ? 1.0
                                     : v(a, b) / (result.errors[i] * result.errors[j]);
    }
  }
  return result;
}

namespace {

std::vector<int> covariance_parameters(const Objective& objective, const std::vector<ParameterState>& states) {
  std::vector<int> p;
  for (int i = 0; i < objective.size(); ++i) {
    const bool in = states.empty() ? !objective.is_fixed(i) : states[static_cast<std::size_t>(i)] == ParameterState::kFree;
    if (in) p.push_back(i);
  }
  return p;
}

// Entries (a, b, value) over positions in `p` to an n x n sparse matrix in the objective's numbering.
Eigen::SparseMatrix<double> to_full(int n, const std::vector<int>& p, const std::vector<Eigen::Triplet<double>>& local) {
  std::vector<Eigen::Triplet<double>> t;
  t.reserve(local.size());
  for (const auto& e : local) t.emplace_back(p[static_cast<std::size_t>(e.row())], p[static_cast<std::size_t>(e.col())], e.value());
  Eigen::SparseMatrix<double> m(n, n);
  m.setFromTriplets(t.begin(), t.end(), [](double a, double) { return a; });
  return m;
}

}  // namespace

CovarianceResult covariance_from_sparse_hessian(const Objective& objective, const Eigen::SparseMatrix<double>& hessian,
                                                const std::vector<ParameterState>& states,
                                                const CovarianceOptions& options) {
  using detail::SparseMatrix;
  const int n = objective.size();
  const std::vector<int> p = covariance_parameters(objective, states);
  const Eigen::Index k = static_cast<Eigen::Index>(p.size());
  const SparseMatrix h = detail::sparse_submatrix(hessian, p);
  const bool finite = detail::sparse_all_finite(h);
  // Not positive definite and small enough: the dense analysis (eigenvectors of all offending directions).
  const SparseMatrix s = finite ? detail::sparse_scaled(h, detail::hessian_scale(h).cwiseInverse()) : SparseMatrix();
  const detail::SparseLlt llt = finite && k > 0 ? detail::SparseLlt(s) : detail::SparseLlt();
  if (!finite || (k > 0 && !llt.ok() && k <= options.dense_fallback_parameters)) {
    CovarianceResult dense = covariance_from_hessian(objective, Eigen::MatrixXd(hessian), states, options);
    dense.hessian.resize(0, 0);
    dense.sparse_hessian = hessian;
    return dense;
  }
  CovarianceResult result;
  result.sparse_hessian = hessian;
  result.error_definition = objective.errordef();
  result.parameters = p;
  result.errors = Eigen::VectorXd::Zero(n);
  result.sparse_covariance.resize(n, n);
  result.sparse_correlation.resize(n, n);
  if (k == 0) {
    result.status = CovarianceStatus::kAccurate;
    result.message = "no free parameters";
    return result;
  }
  const Eigen::VectorXd inv_d = detail::hessian_scale(h).cwiseInverse();
  const int wanted = std::max(options.reported_eigenvalues, 1);
  const detail::EigenPairs low = detail::smallest_eigenpairs(s, wanted, true, llt.ok() ? &llt : nullptr);
  const Eigen::Index found = low.values.size();
  for (Eigen::Index a = 0; a < std::min<Eigen::Index>(found, options.reported_eigenvalues); ++a)
    result.smallest.push_back(direction(objective, p, low.values[a], low.vectors.col(a), options));
  const double tol = options.singular_tolerance;
  bool any_zero = false;
  for (Eigen::Index a = 0; a < found; ++a) {
    if (low.values[a] < -tol || std::abs(low.values[a]) <= tol) {
      result.offending.push_back(direction(objective, p, low.values[a], low.vectors.col(a), options));
      any_zero = any_zero || std::abs(low.values[a]) <= tol;
    }
  }
  // Extremes of H itself (units of f): Lanczos on H and, when it factorises, on H^-1 = D^-1 S^-1 D^-1.
  result.max_eigenvalue = detail::largest_eigenvalue(h);
  if (llt.ok()) {
    const detail::EigenPairs inv = detail::lanczos_largest(
        [&](const Eigen::VectorXd& v) { return Eigen::VectorXd(inv_d.cwiseProduct(llt.solve(Eigen::VectorXd(inv_d.cwiseProduct(v))))); }, k, 1,
        false);
    result.min_eigenvalue = inv.values.size() ? 1.0 / inv.values[0] : kNaN;
  } else {
    const detail::EigenPairs raw = detail::smallest_eigenpairs(h, 1, false);
    result.min_eigenvalue = raw.values.size() ? raw.values[0] : kNaN;
  }
  result.condition_number = result.min_eigenvalue > 0.0 ? result.max_eigenvalue / result.min_eigenvalue
                                                        : std::numeric_limits<double>::infinity();
  const double lambda0 = found ? low.values[0] : kNaN;
  const double scale = 2.0 * objective.errordef();
  if (llt.ok() && lambda0 > tol) {
    // V = 2 up D^-1 S^-1 D^-1 on the factor's pattern, plus the requested rows.
    const SparseMatrix z = llt.selected_inverse();
    std::vector<Eigen::Triplet<double>> local;
    local.reserve(static_cast<std::size_t>(z.nonZeros()));
    for (Eigen::Index j = 0; j < z.outerSize(); ++j)
      for (SparseMatrix::InnerIterator it(z, j); it; ++it)
        local.emplace_back(static_cast<int>(it.row()), static_cast<int>(j), scale * inv_d[it.row()] * it.value() * inv_d[j]);
    std::vector<int> position(static_cast<std::size_t>(n), -1);
    for (Eigen::Index a = 0; a < k; ++a) position[static_cast<std::size_t>(p[static_cast<std::size_t>(a)])] = static_cast<int>(a);
    for (const int i : options.full_rows) {
      if (i < 0 || i >= n || position[static_cast<std::size_t>(i)] < 0) continue;
      const Eigen::Index a = position[static_cast<std::size_t>(i)];
      Eigen::VectorXd e = Eigen::VectorXd::Zero(k);
      e[a] = inv_d[a];
      const Eigen::VectorXd col = scale * inv_d.cwiseProduct(llt.solve(e));
      for (Eigen::Index b = 0; b < k; ++b) {
        local.emplace_back(static_cast<int>(b), static_cast<int>(a), col[b]);
        local.emplace_back(static_cast<int>(a), static_cast<int>(b), col[b]);
      }
    }
    // (the selected inverse's entry comes first and is kept: the same number up to rounding)
    const SparseMatrix v = to_full(n, p, local);
    for (Eigen::Index a = 0; a < k; ++a) {
      const int i = p[static_cast<std::size_t>(a)];
      const double vii = v.coeff(i, i);
      result.errors[i] = vii >= 0.0 ? std::sqrt(vii) : kNaN;
    }
    result.status = CovarianceStatus::kAccurate;
    result.message = "exact Hessian positive definite" + fmt::format(" (smallest eigenvalue of the scaled Hessian {:.3g},", lambda0) +
                     fmt::format(" condition number {:.3g}; sparse Cholesky)", result.condition_number);
    if (options.full_matrix) {
      const Eigen::MatrixXd sinv = llt.solve(Eigen::MatrixXd(Eigen::MatrixXd::Identity(k, k)));
      Eigen::MatrixXd dense = scale * inv_d.asDiagonal() * sinv * inv_d.asDiagonal();
      dense = 0.5 * (dense + dense.transpose()).eval();
      result.covariance = Eigen::MatrixXd::Zero(n, n);
      result.correlation = Eigen::MatrixXd::Zero(n, n);
      for (Eigen::Index a = 0; a < k; ++a)
        for (Eigen::Index b = 0; b < k; ++b) {
          const int i = p[static_cast<std::size_t>(a)], j = p[static_cast<std::size_t>(b)];
          result.covariance(i, j) = dense(a, b);
          result.correlation(i, j) = a == b ? 1.0 : dense(a, b) / (result.errors[i] * result.errors[j]);
        }
      return result;
    }
    result.sparse_covariance = v;
    result.sparse_correlation = v;
    for (Eigen::Index j = 0; j < result.sparse_correlation.outerSize(); ++j)
      for (SparseMatrix::InnerIterator it(result.sparse_correlation, j); it; ++it)
        it.valueRef() = it.row() == j ? 1.0 : it.value() / (result.errors[it.row()] * result.errors[j]);
    return result;
  }
  result.status = llt.ok() || any_zero || !(lambda0 < -tol) ? CovarianceStatus::kSingular : CovarianceStatus::kNotPositiveDefinite;
  result.message = result.status == CovarianceStatus::kSingular
                       ? "Hessian singular (a flat direction), covariance not defined: "
                       : "Hessian not positive definite (not a minimum over the free parameters; above " +
                             std::to_string(options.dense_fallback_parameters) + " parameters the covariance is not computed): ";
  for (std::size_t a = 0; a < result.offending.size(); ++a) result.message += (a ? "; " : "") + describe(result.offending[a]);
  for (const int i : p) result.errors[i] = kNaN;
  return result;
}

CovarianceResult covariance(const Objective& objective, const MinimizeResult& minimum,
                            const CovarianceOptions& options) {
  if (minimum.has_sparse_hessian())
    return covariance_from_sparse_hessian(objective, minimum.sparse_hessian, minimum.parameter_states, options);
  return covariance_from_hessian(objective, minimum.hessian, minimum.parameter_states, options);
}

CovarianceResult covariance_at(const Objective& objective, const Eigen::VectorXd& x,
                               const CovarianceOptions& options) {
  Eigen::VectorXd g;
  if (objective.uses_sparse_hessian()) {
    Eigen::SparseMatrix<double> h;
    objective.value_gradient_sparse_hessian(x, g, h);
    return covariance_from_sparse_hessian(objective, h, {}, options);
  }
  Eigen::MatrixXd h;
  objective.value_gradient_hessian(x, g, h);
  return covariance_from_hessian(objective, h, {}, options);
}

double CovarianceResult::covariance_of(int i, int j) const {
  if (has_full_matrix()) return covariance(i, j);
  if (!std::binary_search(parameters.begin(), parameters.end(), i) || !std::binary_search(parameters.begin(), parameters.end(), j))
    return 0.0;
  if (sparse_covariance.rows() == 0) return kNaN;
  for (Eigen::SparseMatrix<double>::InnerIterator it(sparse_covariance, j); it; ++it)
    if (it.row() == i) return it.value();
  return kNaN;
}

double CovarianceResult::correlation_of(int i, int j) const {
  if (has_full_matrix()) return correlation(i, j);
  if (!std::binary_search(parameters.begin(), parameters.end(), i) || !std::binary_search(parameters.begin(), parameters.end(), j))
    return 0.0;
  if (sparse_correlation.rows() == 0) return kNaN;
  for (Eigen::SparseMatrix<double>::InnerIterator it(sparse_correlation, j); it; ++it)
    if (it.row() == i) return it.value();
  return kNaN;
}

void CovarianceResult::for_each_correlation(const std::function<void(int i, int j, double rho)>& visit) const {
  if (has_full_matrix()) {
    for (std::size_t b = 0; b < parameters.size(); ++b)
      for (std::size_t a = 0; a < b; ++a) visit(parameters[a], parameters[b], correlation(parameters[a], parameters[b]));
    return;
  }
  for (Eigen::Index j = 0; j < sparse_correlation.outerSize(); ++j)
    for (Eigen::SparseMatrix<double>::InnerIterator it(sparse_correlation, j); it; ++it)
      if (it.row() < j) visit(static_cast<int>(it.row()), static_cast<int>(j), it.value());
}

}  // namespace hessfit::fit
