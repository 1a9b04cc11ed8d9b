// Internal: sparse linear algebra for the fits of large models (issue 14). Hessians are
// Eigen::SparseMatrix<double>, column-major, both triangles stored (as
// hessfit::ad::value_gradient_sparse_hessian returns them).
//
//   SparseLlt            P (A + shift I) P^T = L L^T with a fill-reducing (AMD) ordering
//                        (Eigen's SimplicialLLT); solves, and the selected inverse: the entries of
//                        A^-1 on the pattern of L + L^T (Takahashi, Fagan & Chen 1973; Erisman &
//                        Tinney 1975), which contains every entry of A's pattern:
//                          Z_ij = -(1/L_jj) sum_{k in struct(j)} L_kj Z_ik          (i in struct(j))
//                          Z_jj = 1/L_jj^2 - (1/L_jj) sum_{k in struct(j)} L_kj Z_kj
//                        computed from the last column to the first, at a cost close to the
//                        factorisation's.
//   lanczos_extremes     the largest eigenvalues (and vectors) of a symmetric operator by Lanczos
//                        with full reorthogonalisation; with the operator (S - sigma I)^-1 these
//                        are the smallest eigenvalues of S (shift-invert).
//   smallest_eigenpairs  the k smallest eigenvalues of a sparse symmetric S (shift below the
//                        spectrum found by trial factorisations).
//   sparse_trust_region  the exact trust-region step (More & Sorensen 1983) from factorisations of
//                        S + sigma I, with the hard case, never an eigendecomposition.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCholesky>
#include <Eigen/SparseCore>

#include <functional>
#include <memory>
#include <vector>

namespace hessfit::fit::detail {

using SparseMatrix = Eigen::SparseMatrix<double>;

/// h(idx, idx) for ascending idx (both triangles kept).
SparseMatrix sparse_submatrix(const SparseMatrix& h, const std::vector<int>& idx);
/// h(idx, j) as a dense vector.
Eigen::VectorXd sparse_column(const SparseMatrix& h, const std::vector<int>& idx, int j);
/// diag(d) h diag(d).
SparseMatrix sparse_scaled(const SparseMatrix& h, const Eigen::VectorXd& d);
Eigen::VectorXd sparse_diagonal(const SparseMatrix& h);
/// h * v for a symmetric h stored with both triangles.
inline Eigen::VectorXd sparse_times(const SparseMatrix& h, const Eigen::VectorXd& v) { return h * v; }
bool sparse_all_finite(const SparseMatrix& h);

/// Sparse Cholesky. The fill-reducing ordering (AMD) of a pattern is computed once and kept in a
/// small process-wide cache keyed by the pattern (Eigen's AMD costs 0.5 s on the 2 million
/// nonzeros of a 10^4-parameter HistFactory Hessian, the numeric factorisation 10 ms), so that the
/// many factorisations of one fit (models, shifts, conditional fits) pay it once.
class SparseLlt {
 public:
  SparseLlt() = default;
  /// Factorises a + shift I (a symmetric, both triangles or the lower one).
  explicit SparseLlt(const SparseMatrix& a, double shift = 0.0);
  /// The same pattern again (a new shift or new values): reuses the ordering.
  void refactor(const SparseMatrix& a, double shift);
  bool ok() const { return ok_; }
  Eigen::Index size() const { return n_; }
  Eigen::VectorXd solve(const Eigen::VectorXd& b) const;
  Eigen::MatrixXd solve(const Eigen::MatrixXd& b) const;
  /// ||L^-1 P b||^2 = b^T (A + shift I)^-1 b.
  double inverse_norm2(const Eigen::VectorXd& b) const;
  /// Smallest squared pivot L_jj^2.
  double min_pivot() const;
  /// The selected inverse: (A + shift I)^-1 on the pattern of L + L^T, in A's numbering, both
  /// triangles.
  SparseMatrix selected_inverse() const;

 private:
  using Llt = Eigen::SimplicialLLT<SparseMatrix, Eigen::Lower, Eigen::NaturalOrdering<int>>;
  using Permutation = Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int>;
  void factor_permuted(const SparseMatrix& a, double shift, bool analyse);
  std::shared_ptr<Llt> llt_;
  std::shared_ptr<const Permutation> p_;  // the factored matrix is P A P^T (lower triangle)
  SparseMatrix ap_;
  Eigen::Index n_ = 0;
  bool ok_ = false;
};

struct EigenPairs {
  Eigen::VectorXd values;   // ascending
  Eigen::MatrixXd vectors;  // unit columns (when asked for)
};

/// The k largest eigenvalues of the symmetric operator `apply` (n x n), by Lanczos with full
/// reorthogonalisation from a fixed start vector (deterministic), descending.
EigenPairs lanczos_largest(const std::function<Eigen::VectorXd(const Eigen::VectorXd&)>& apply, Eigen::Index n, int k,
                           bool vectors);

/// The k smallest eigenvalues of the symmetric s (ascending), by Lanczos on (s - sigma I)^-1 with
/// sigma below the spectrum (0 when `factor` of s itself is given and positive definite).
EigenPairs smallest_eigenpairs(const SparseMatrix& s, int k, bool vectors, const SparseLlt* factor = nullptr);
/// The largest eigenvalue of the symmetric s.
double largest_eigenvalue(const SparseMatrix& s);

struct SparseTrustRegionStep {
  Eigen::VectorXd y;   // scaled step
  double shift = 0.0;  // sigma in (S + sigma I) y = -gs
};
/// min gs^T y + 1/2 y^T S y subject to ||y|| <= radius, with the factor of S when it is positive
/// definite (nullptr or !ok() otherwise).
SparseTrustRegionStep sparse_trust_region(const SparseMatrix& s, const Eigen::VectorXd& gs, double radius,
                                          const SparseLlt* factor);

}  // namespace hessfit::fit::detail
