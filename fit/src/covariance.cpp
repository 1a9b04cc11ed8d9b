#include "hessfit/fit/covariance.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "free_problem.hpp"

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

std::string fmt(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

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
  std::string s = fmt("eigenvalue %.3g along", d.eigenvalue);
  for (std::size_t k = 0; k < d.dominant.size(); ++k) {
    s += (k ? ", '" : " '") + d.dominant[k].name + "'" + fmt(" (%.2f)", d.dominant[k].component);
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
                     fmt(" (smallest eigenvalue of the scaled Hessian %.3g,", lambda[0]) +
                     fmt(" condition number %.3g)", result.condition_number);
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

CovarianceResult covariance(const Objective& objective, const MinimizeResult& minimum,
                            const CovarianceOptions& options) {
  return covariance_from_hessian(objective, minimum.hessian, minimum.parameter_states, options);
}

CovarianceResult covariance_at(const Objective& objective, const Eigen::VectorXd& x,
                               const CovarianceOptions& options) {
  Eigen::VectorXd g;
  Eigen::MatrixXd h;
  objective.value_gradient_hessian(x, g, h);
  return covariance_from_hessian(objective, h, {}, options);
}

}  // namespace hessfit::fit
