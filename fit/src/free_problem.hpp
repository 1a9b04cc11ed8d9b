// Internal: an Objective seen over its free parameters only (the space every minimiser works in),
// with evaluation counters, and the exact trust-region model shared by the Newton minimiser and
// the stationarity analysis (EDM, active bounds) of every result.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <chrono>
#include <limits>
#include <optional>
#include <vector>

#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/objective.hpp"
#include "sparse_algebra.hpp"

namespace hessfit::fit::detail {

struct Counters {
  int evaluations = 0;
  int gradient_evaluations = 0;
  int hessian_evaluations = 0;
};

/// f restricted to the free parameters of an objective; fixed parameters at the objective's values.
class FreeProblem {
 public:
  FreeProblem(const Objective& objective, const Eigen::VectorXd& start_full);

  int size() const { return static_cast<int>(free_.size()); }
  const std::vector<int>& free() const { return free_; }
  const Eigen::VectorXd& lower() const { return lower_; }
  const Eigen::VectorXd& upper() const { return upper_; }
  const Objective& objective() const { return objective_; }
  /// The starting point over the free parameters, clamped into the bounds.
  const Eigen::VectorXd& start() const { return start_; }

  Eigen::VectorXd full(const Eigen::VectorXd& x) const;
  double value(const Eigen::VectorXd& x);
  double value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& g);
  /// Also returns the full-space gradient and Hessian (kept for the result).
  double value_gradient_hessian(const Eigen::VectorXd& x, Eigen::VectorXd& g, Eigen::MatrixXd& h,
                                Eigen::VectorXd& g_full, Eigen::MatrixXd& h_full);
  double value_gradient_sparse_hessian(const Eigen::VectorXd& x, Eigen::VectorXd& g, SparseMatrix& h,
                                       Eigen::VectorXd& g_full, SparseMatrix& h_full);
  /// The objective's fits use sparse Hessians (Objective::uses_sparse_hessian()).
  bool sparse() const { return sparse_; }

  Counters counters;

 private:
  const Objective& objective_;
  std::vector<int> free_;
  Eigen::VectorXd base_;
  Eigen::VectorXd lower_, upper_, start_;
  bool sparse_ = false;
};

/// The quadratic model g^T p + 1/2 p^T H p over a subset of parameters, in scaled coordinates
/// y = D p (D = diag(scale)): S = D^-1 H D^-1 (unit diagonal where H_ii != 0), gs = D^-1 g.
/// A Cholesky factorisation gives the Newton step and the EDM cheaply when S is positive
/// definite; the eigendecomposition S = V diag(lambda) V^T (gamma = V^T gs) is computed only when
/// needed: the EDM and S^-1 of an indefinite or nearly singular S, and the hard case of a
/// trust-region step. Other trust-region steps solve (S + sigma I) y = -gs by Cholesky
/// factorisations (More-Sorensen), and the curvature test of a convergence check is a Cholesky
/// factorisation of S + tol I.
///
/// Sparse models (from a sparse H) keep S sparse and a sparse Cholesky factor; they never form
/// an eigendecomposition: min_eigenvalue() comes from Lanczos on S^-1 (or (S - sigma I)^-1), the
/// EDM of an indefinite S from (S + sigma I)^-1 with sigma = |lambda_min| + floor, and trust-region
/// steps from factorisations of S + sigma I (sparse_trust_region).
class QuadraticModel {
 public:
  QuadraticModel() = default;
  QuadraticModel(const Eigen::MatrixXd& h, const Eigen::VectorXd& g, const Eigen::VectorXd& scale);
  QuadraticModel(const SparseMatrix& h, const Eigen::VectorXd& g, const Eigen::VectorXd& scale);
  bool sparse() const { return sparse_; }
  const SparseMatrix& sparse_s() const { return sparse_s_; }
  const SparseLlt* sparse_factor() const { return cholesky_ok_ ? &sparse_llt_ : nullptr; }
  const Eigen::VectorXd& scaled_gradient() const { return gs_; }

  Eigen::Index size() const { return gs_.size(); }
  const Eigen::VectorXd& scale() const { return scale_; }
  /// S positive definite with a sane Newton step (Cholesky succeeded, step below 1e4).
  bool cholesky_ok() const { return cholesky_ok_; }
  /// Scaled Newton step -S^-1 gs (valid when cholesky_ok()).
  const Eigen::VectorXd& newton_step() const { return newton_; }
  /// 1/2 g^T H^-1 g (eigenvalues floored at kEigenvalueFloor relative to the largest, when the
  /// eigendecomposition is used).
  double edm() const;
  /// Smallest eigenvalue of S (0 for an empty model).
  double min_eigenvalue() const;
  /// min_eigenvalue() >= -tolerance; for a dense S, false without an eigendecomposition when
  /// S + tolerance I has no Cholesky factorisation.
  bool curvature_at_least(double tolerance) const;
  /// The dense scaled Hessian S (empty for a sparse model).
  const Eigen::MatrixXd& dense_s() const { return s_; }
  /// The Cholesky factor of the dense S (valid when cholesky_ok()).
  const Eigen::LLT<Eigen::MatrixXd>& dense_factor() const { return *llt_; }
  /// S^-1 rhs (floored pseudo-inverse when S is not positive definite).
  Eigen::VectorXd solve(const Eigen::VectorXd& rhs) const;

  // Eigendecomposition, computed on first use.
  const Eigen::VectorXd& eigenvalues() const;  // ascending
  const Eigen::MatrixXd& eigenvectors() const;
  const Eigen::VectorXd& gamma() const;

 private:
  void decompose() const;

  Eigen::VectorXd scale_;
  bool sparse_ = false;
  SparseMatrix sparse_s_;
  SparseLlt sparse_llt_;
  Eigen::MatrixXd s_;
  Eigen::VectorXd gs_;
  bool cholesky_ok_ = false;
  // Dense: the factor of S, engaged only when cholesky_ok_. An optional, not an LLT reset to its
  // default: Eigen's default LLT leaves its `info` uninitialised, and moving one reads it (UBSan).
  std::optional<Eigen::LLT<Eigen::MatrixXd>> llt_;
  Eigen::VectorXd newton_;
  double cholesky_edm_ = 0.0;
  mutable bool decomposed_ = false;
  mutable Eigen::VectorXd eigenvalues_;
  mutable Eigen::MatrixXd eigenvectors_;
  mutable Eigen::VectorXd gamma_;
  mutable double min_eigenvalue_ = std::numeric_limits<double>::quiet_NaN();

 public:
  // The last More-Sorensen solution (radius, shift) of a dense model: the shift of a smaller
  // radius is larger, that of a larger radius smaller (bounds for the next solve of this model).
  mutable double last_radius = 0.0;
  mutable double last_shift = -1.0;
};

inline constexpr double kEigenvalueFloor = 1e-13;

/// D_i = sqrt|H_ii|, floored so that a zero diagonal does not make D singular.
Eigen::VectorXd hessian_scale(const Eigen::MatrixXd& h);
Eigen::VectorXd hessian_scale_of_diagonal(const Eigen::VectorXd& diagonal);
Eigen::VectorXd hessian_scale(const SparseMatrix& h);

struct TrustRegionStep {
  Eigen::VectorXd p;          // unscaled step
  double scaled_norm = 0.0;   // ||D p||
  double shift = 0.0;         // sigma in (H + sigma D^2) p = -g
};
/// Exact solution of min g^T p + 1/2 p^T H p subject to ||D p|| <= radius (More-Sorensen,
/// with the hard case).
TrustRegionStep solve_trust_region(const QuadraticModel& model, double radius);

/// Stationarity of a point over the free parameters: which are held by a bound, the EDM over the
/// others, and the smallest scaled eigenvalue there.
struct Stationarity {
  std::vector<bool> held;        // per free parameter: on a bound with the gradient pointing out
  std::vector<int> inner;        // free parameters not held (positions in the free vector)
  QuadraticModel model;          // over `inner`
};

double seconds_since(std::chrono::steady_clock::time_point start);

/// Exact derivatives at a point, free and full coordinates; the Hessian dense (h, h_full) or,
/// when `sparse`, sparse (hs, hs_full).
struct Evaluation {
  double f = std::numeric_limits<double>::quiet_NaN();
  Eigen::VectorXd g, g_full;
  Eigen::MatrixXd h, h_full;
  bool sparse = false;
  SparseMatrix hs_full;
  SparseMatrix hs_free;  // empty when every parameter is free (then hs() is hs_full)
  const SparseMatrix& hs() const { return hs_free.rows() > 0 || g.size() != hs_full.rows() ? hs_free : hs_full; }
  bool finite() const;
  Eigen::VectorXd scale() const { return sparse ? hessian_scale(hs()) : hessian_scale(h); }
  /// The model over the free parameters at positions `inner`.
  QuadraticModel model(const std::vector<int>& inner, const Eigen::VectorXd& scale) const;
  /// -(g^T s + 1/2 s^T H s).
  double model_decrease(const Eigen::VectorXd& s) const;
};
Evaluation evaluate(FreeProblem& problem, const Eigen::VectorXd& x);

Stationarity analyse_stationarity(const Evaluation& at, const Eigen::VectorXd& x, const Eigen::VectorXd& lower,
                                  const Eigen::VectorXd& upper);

/// Per-parameter state for the result: a held parameter is reported at its bound only when
/// releasing it would change the EDM by more than a tenth of the target (a bound that the
/// unconstrained minimum merely touches, with zero multiplier, does not count).
std::vector<ParameterState> parameter_states(const FreeProblem& problem, const Eigen::VectorXd& x,
                                             const Evaluation& at, const Stationarity& stationarity,
                                             double edm_target);

/// Final bookkeeping shared by all minimisers: fills x, fval, gradient, hessian, EDM, parameter
/// states and counters of `result` from the evaluation at x (free coordinates). Does not set the
/// termination.
void fill_result(FreeProblem& problem, const Eigen::VectorXd& x, const Evaluation& at_x,
                 double edm_target, MinimizeResult& result, const Stationarity* known = nullptr);

/// Smallest eigenvalue of D^-1 H D^-1 over the parameters `result` reports as free (eigenvalues
/// only; NaN if there are none or H is not finite).
double min_scaled_eigenvalue(const Objective& objective, const MinimizeResult& result);

MinimizeResult newton_minimize(const Objective& objective, const Eigen::VectorXd& start_full,
                               const MinimizeOptions& options);
MinimizeResult quasi_newton_minimize(const Objective& objective, const Eigen::VectorXd& start_full,
                                     const MinimizeOptions& options, Method method);

/// EDM target in the objective's units.
inline double edm_target(const Objective& objective, const MinimizeOptions& options) {
  return options.edm_tolerance * objective.errordef() / kErrorDefNll;
}

}  // namespace hessfit::fit::detail
