// Parameter uncertainties from the exact Hessian at a minimum.
//
//   V = 2 up H_FF^-1,   sigma_i = sqrt(V_ii),   rho_ij = V_ij / (sigma_i sigma_j)
//
// over the free parameters F that no bound holds (fixed parameters and parameters held by an
// active bound get zero rows and columns, and a zero correlation row including the diagonal: the
// pyhf convention). The Hessian is judged on its scaled form S = D^-1 H_FF D^-1 with D = diag
// sqrt(H_ii), which has a unit diagonal, so the verdict does not depend on units:
//
//   accurate               lambda_min(S) > singular_tolerance: V = 2 up D^-1 S^-1 D^-1 (Cholesky)
//   singular               |lambda_min(S)| <= singular_tolerance: V is not defined (NaN)
//   not_positive_definite  lambda_min(S) < -singular_tolerance: not a minimum; V = 2 up H^-1 is
//                          given as it is (some variances negative, their errors NaN)
//
// Nothing is ever repaired (no diagonal shift, no forcing to positive definite): for the two
// failures the smallest eigenvalues are listed with the parameters dominating each eigenvector.
//
// Sparse path (a minimum with a sparse Hessian, Objective::uses_sparse_hessian()): S is factorised
// by a sparse Cholesky with a fill-reducing ordering, never inverted densely. The errors and the
// covariance on the pattern of the factor L + L^T (which holds every entry of H's pattern: each
// pair of parameters that meet in a term of f) come from the selected inverse; the whole row of
// each parameter in `CovarianceOptions::full_rows` from one solve. The smallest eigenvalues of S
// come from Lanczos on S^-1, the extremes of H from Lanczos on H and H^-1. A Hessian that is not
// positive definite there is analysed densely when it has at most dense_fallback_parameters free
// parameters; above, its smallest eigen-directions are reported and the covariance is NaN.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <functional>

#include <limits>
#include <string>
#include <vector>

#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/objective.hpp"

namespace hessfit::fit {

enum class CovarianceStatus {
  kAccurate,             // exact Hessian, positive definite, well inside double precision
  kNotPositiveDefinite,  // a negative eigenvalue: not a minimum over the free parameters
  kSingular,             // an eigenvalue indistinguishable from zero: a flat direction
  kNotFinite,            // the Hessian has non-finite entries
};
std::string to_string(CovarianceStatus status);

struct CovarianceOptions {
  /// Singular when |lambda_min(S)| <= singular_tolerance, S = D^-1 H D^-1 (unit diagonal);
  /// with the exact Hessian rounding puts lambda_min(S) of a flat direction near 1e-16, and
  /// the relative error of V is about 1e-16 / lambda_min(S).
  double singular_tolerance = 1e-12;
  /// How many of the smallest eigenvalues of S to list (always; also when accurate).
  int reported_eigenvalues = 3;
  /// Parameters listed for an eigenvector: components with |v_i| >= dominant_component,
  /// largest first, at most max_dominant (at least one).
  double dominant_component = 0.1;
  int max_dominant = 6;
  /// Sparse path: also the dense n x n `covariance` and `correlation` (n solves; 16 n^2 bytes).
  bool full_matrix = false;
  /// Sparse path: parameters (indices) whose whole covariance row is computed (one solve each).
  std::vector<int> full_rows;
  /// Sparse path: a Hessian that is not positive definite is analysed densely up to this many
  /// free parameters.
  int dense_fallback_parameters = 3000;
};

/// A parameter's share in an eigenvector of S.
struct DominantParameter {
  int index = -1;
  std::string name;
  double component = 0.0;  // v_i of the unit eigenvector
};

/// An eigenvalue of S and the parameters that dominate its eigenvector.
struct EigenDirection {
  double eigenvalue = 0.0;
  std::vector<DominantParameter> dominant;
};

struct [[nodiscard]] CovarianceResult {
  CovarianceStatus status = CovarianceStatus::kNotFinite;
  std::string message;  // always set, for people

  /// Indices of the parameters the covariance is over (free, not held by a bound), ascending.
  std::vector<int> parameters;
  /// n x n over all parameters (zero rows/columns for the others); NaN over `parameters` when
  /// singular.
  Eigen::MatrixXd covariance;
  /// n x n correlation; zero rows/columns (diagonal included) outside `parameters`.
  Eigen::MatrixXd correlation;
  /// sqrt of the diagonal; 0 outside `parameters`, NaN where not defined.
  Eigen::VectorXd errors;
  /// The exact Hessian used (n x n, all parameters); on the sparse path in `sparse_hessian`.
  Eigen::MatrixXd hessian;
  /// Sparse path without full_matrix: `covariance` and `correlation` are empty (0 x 0) and the
  /// entries computed are here (both triangles, n x n): the pattern of the Cholesky factor and the
  /// `full_rows`. Empty otherwise.
  Eigen::SparseMatrix<double> sparse_covariance;
  Eigen::SparseMatrix<double> sparse_correlation;
  Eigen::SparseMatrix<double> sparse_hessian;

  /// Eigenvalues of H over `parameters`: extremes and condition number (units of f).
  double min_eigenvalue = std::numeric_limits<double>::quiet_NaN();
  double max_eigenvalue = std::numeric_limits<double>::quiet_NaN();
  double condition_number = std::numeric_limits<double>::quiet_NaN();
  /// The smallest eigenvalues of S (ascending) with their dominant parameters.
  std::vector<EigenDirection> smallest;
  /// The eigen-directions that make the status singular / not positive definite.
  std::vector<EigenDirection> offending;
  double error_definition = kErrorDefNll;

  bool accurate() const { return status == CovarianceStatus::kAccurate; }
  /// Error of parameter i, 0 if it is not in the covariance.
  double error(int i) const { return errors[i]; }
  /// The dense covariance and correlation matrices are there.
  bool has_full_matrix() const { return covariance.rows() > 0; }
  /// V_ij and rho_ij however they are held: 0 outside `parameters`, NaN where not computed.
  double covariance_of(int i, int j) const;
  double correlation_of(int i, int j) const;
  /// Calls visit(i, j, rho_ij) for every computed correlation of two different parameters, i < j.
  void for_each_correlation(const std::function<void(int i, int j, double rho)>& visit) const;
};

/// Covariance at a minimum found by minimize(): uses its exact Hessian and excludes the
/// parameters it reports as fixed or held by a bound.
CovarianceResult covariance(const Objective& objective, const MinimizeResult& minimum,
                            const CovarianceOptions& options = {});

/// Covariance from an n x n Hessian over all parameters and the parameters to exclude
/// (`states` as in MinimizeResult::parameter_states; empty: exclude the objective's fixed ones).
CovarianceResult covariance_from_hessian(const Objective& objective, const Eigen::MatrixXd& hessian,
                                         const std::vector<ParameterState>& states,
                                         const CovarianceOptions& options = {});

/// The same from a sparse Hessian (both triangles), by the sparse path.
CovarianceResult covariance_from_sparse_hessian(const Objective& objective, const Eigen::SparseMatrix<double>& hessian,
                                                const std::vector<ParameterState>& states,
                                                const CovarianceOptions& options = {});

/// Covariance at an arbitrary point x (n values): evaluates the exact Hessian there; excludes
/// the fixed parameters only.
CovarianceResult covariance_at(const Objective& objective, const Eigen::VectorXd& x,
                               const CovarianceOptions& options = {});

}  // namespace hessfit::fit
