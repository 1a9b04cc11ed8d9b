#include "sparse_algebra.hpp"

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <utility>

namespace hessfit::fit::detail {

SparseMatrix sparse_submatrix(const SparseMatrix& h, const std::vector<int>& idx) {
  const Eigen::Index m = static_cast<Eigen::Index>(idx.size());
  std::vector<int> position(static_cast<std::size_t>(h.rows()), -1);
  for (std::size_t a = 0; a < idx.size(); ++a) position[static_cast<std::size_t>(idx[a])] = static_cast<int>(a);
  SparseMatrix out(m, m);
  Eigen::Index nnz = 0;
  for (const int j : idx)
    for (SparseMatrix::InnerIterator it(h, j); it; ++it) nnz += position[static_cast<std::size_t>(it.row())] >= 0;
  out.resizeNonZeros(nnz);
  int* outer = out.outerIndexPtr();
  int* inner = out.innerIndexPtr();
  double* value = out.valuePtr();
  int k = 0;
  outer[0] = 0;
  for (Eigen::Index a = 0; a < m; ++a) {
    for (SparseMatrix::InnerIterator it(h, idx[static_cast<std::size_t>(a)]); it; ++it) {
      const int r = position[static_cast<std::size_t>(it.row())];
      if (r < 0) continue;
      inner[k] = r;
      value[k] = it.value();
      ++k;
    }
    outer[a + 1] = k;
  }
  return out;
}

Eigen::VectorXd sparse_column(const SparseMatrix& h, const std::vector<int>& idx, int j) {
  std::vector<int> position(static_cast<std::size_t>(h.rows()), -1);
  for (std::size_t a = 0; a < idx.size(); ++a) position[static_cast<std::size_t>(idx[a])] = static_cast<int>(a);
  Eigen::VectorXd out = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(idx.size()));
  for (SparseMatrix::InnerIterator it(h, j); it; ++it)
    if (const int r = position[static_cast<std::size_t>(it.row())]; r >= 0) out[r] = it.value();
  return out;
}

SparseMatrix sparse_scaled(const SparseMatrix& h, const Eigen::VectorXd& d) {
  SparseMatrix out = h;
  for (Eigen::Index j = 0; j < out.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(out, j); it; ++it) it.valueRef() *= d[it.row()] * d[j];
  return out;
}

Eigen::VectorXd sparse_diagonal(const SparseMatrix& h) {
  Eigen::VectorXd d = Eigen::VectorXd::Zero(h.rows());
  for (Eigen::Index j = 0; j < h.outerSize(); ++j)
    for (SparseMatrix::InnerIterator it(h, j); it; ++it)
      if (it.row() == j) d[j] = it.value();
  return d;
}

bool sparse_all_finite(const SparseMatrix& h) {
  const double* v = h.valuePtr();
  for (Eigen::Index k = 0; k < h.nonZeros(); ++k)
    if (!std::isfinite(v[k])) return false;
  return true;
}

// ---- SparseLlt ---------------------------------------------------------------------------------

namespace {

// AMD orderings by pattern (rows, nonzeros and a hash of the index arrays), most recent last.
using Permutation = Eigen::PermutationMatrix<Eigen::Dynamic, Eigen::Dynamic, int>;
std::shared_ptr<const Permutation> fill_reducing_ordering(const SparseMatrix& a) {
  static std::mutex mutex;
  static std::vector<std::pair<std::uint64_t, std::shared_ptr<const Permutation>>> cache;
  std::uint64_t h = 0xcbf29ce484222325ull ^ static_cast<std::uint64_t>(a.rows()) ^ (static_cast<std::uint64_t>(a.nonZeros()) << 32);
  auto mix = [&h](std::uint64_t v) { h = (h ^ v) * 0x100000001b3ull; };
  for (Eigen::Index j = 0; j <= a.outerSize(); ++j) mix(static_cast<std::uint64_t>(a.outerIndexPtr()[j]));
  for (Eigen::Index k = 0; k < a.nonZeros(); ++k) mix(static_cast<std::uint64_t>(a.innerIndexPtr()[k]));
  {
    const std::lock_guard<std::mutex> lock(mutex);
    for (const auto& [key, p] : cache)
      if (key == h && p->size() == a.rows()) return p;
  }
  // Eigen's AMD on the symmetric pattern gives P^-1; the factored matrix is P A P^T.
  Permutation pinv;
  const SparseMatrix full = a.selfadjointView<Eigen::Lower>();
  Eigen::AMDOrdering<int>()(full, pinv);
  auto p = std::make_shared<const Permutation>(pinv.inverse());
  const std::lock_guard<std::mutex> lock(mutex);
  if (cache.size() >= 8) cache.erase(cache.begin());
  cache.emplace_back(h, p);
  return p;
}

}  // namespace

void SparseLlt::factor_permuted(const SparseMatrix& a, double shift, bool analyse) {
  ap_.resize(a.rows(), a.cols());
  ap_.selfadjointView<Eigen::Lower>() = a.selfadjointView<Eigen::Lower>().twistedBy(*p_);
  llt_->setShift(shift);
  if (analyse) llt_->analyzePattern(ap_);
  llt_->factorize(ap_);
  ok_ = llt_->info() == Eigen::Success;
}

SparseLlt::SparseLlt(const SparseMatrix& a, double shift)
    : llt_(std::make_shared<Llt>()), p_(fill_reducing_ordering(a)), n_(a.rows()) {
  factor_permuted(a, shift, true);
}

void SparseLlt::refactor(const SparseMatrix& a, double shift) {
  if (!llt_ || llt_.use_count() > 1) {  // never change a factor that copies share
    *this = SparseLlt(a, shift);
    return;
  }
  factor_permuted(a, shift, false);
}

Eigen::VectorXd SparseLlt::solve(const Eigen::VectorXd& b) const {
  return p_->transpose() * Eigen::VectorXd(llt_->solve(Eigen::VectorXd(*p_ * b)));
}
Eigen::MatrixXd SparseLlt::solve(const Eigen::MatrixXd& b) const {
  return p_->transpose() * Eigen::MatrixXd(llt_->solve(Eigen::MatrixXd(*p_ * b)));
}

double SparseLlt::inverse_norm2(const Eigen::VectorXd& b) const {
  Eigen::VectorXd y = *p_ * b;
  llt_->matrixL().solveInPlace(y);
  return y.squaredNorm();
}

double SparseLlt::min_pivot() const {
  const SparseMatrix& l = llt_->matrixL().nestedExpression();
  double m = std::numeric_limits<double>::infinity();
  for (Eigen::Index j = 0; j < l.outerSize(); ++j) {
    const double d = l.valuePtr()[l.outerIndexPtr()[j]];  // the diagonal comes first in a column
    m = std::min(m, d * d);
  }
  return m;
}

SparseMatrix SparseLlt::selected_inverse() const {
  const SparseMatrix& l = llt_->matrixL().nestedExpression();
  const Eigen::Index n = l.cols();
  const int* lp = l.outerIndexPtr();
  const int* li = l.innerIndexPtr();
  const double* lx = l.valuePtr();
  // Z on L's pattern (lower triangle, diagonal first in each column, rows ascending).
  std::vector<double> z(static_cast<std::size_t>(l.nonZeros()), 0.0);
  std::vector<int> position(static_cast<std::size_t>(n), -1);  // row -> slot in column j's struct
  std::vector<double> acc;
  for (Eigen::Index j = n - 1; j >= 0; --j) {
    const int b = lp[j], e = lp[j + 1];
    const double ljj = lx[b];
    const int len = e - b - 1;  // below the diagonal
    acc.assign(static_cast<std::size_t>(len), 0.0);
    for (int p = b + 1; p < e; ++p) position[static_cast<std::size_t>(li[p])] = p - b - 1;
    // acc[i] = sum_{k in struct(j)} L_kj Z_ik for i in struct(j)
    for (int p = b + 1; p < e; ++p) {
      const int k = li[p];
      const double lkj = lx[p];
      // column k of Z: Z_kk first, then Z_ik for i > k
      acc[static_cast<std::size_t>(p - b - 1)] += lkj * z[static_cast<std::size_t>(lp[k])];
      for (int q = lp[k] + 1; q < lp[k + 1]; ++q) {
        const int slot = position[static_cast<std::size_t>(li[q])];
        if (slot < 0) continue;
        const double zik = z[static_cast<std::size_t>(q)];
        acc[static_cast<std::size_t>(slot)] += lkj * zik;                        // term k of Z_ij, i = li[q] > k
        acc[static_cast<std::size_t>(p - b - 1)] += lx[b + 1 + slot] * zik;      // term i of Z_kj (Z_ki = Z_ik)
      }
    }
    double diag = 1.0 / (ljj * ljj);
    for (int p = b + 1; p < e; ++p) {
      const double zij = -acc[static_cast<std::size_t>(p - b - 1)] / ljj;
      z[static_cast<std::size_t>(p)] = zij;
      diag -= lx[p] * zij / ljj;
    }
    z[static_cast<std::size_t>(b)] = diag;
    for (int p = b + 1; p < e; ++p) position[static_cast<std::size_t>(li[p])] = -1;
  }
  // Back to A's numbering: A^-1(i, j) = Z(P i, P j).
  const auto& perm = p_->indices();
  std::vector<int> original(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) original[static_cast<std::size_t>(perm[i])] = static_cast<int>(i);
  std::vector<Eigen::Triplet<double>> triplets;
  triplets.reserve(2 * z.size());
  for (Eigen::Index j = 0; j < n; ++j)
    for (int p = lp[j]; p < lp[j + 1]; ++p) {
      const int r = original[static_cast<std::size_t>(li[p])], c = original[static_cast<std::size_t>(j)];
      triplets.emplace_back(r, c, z[static_cast<std::size_t>(p)]);
      if (r != c) triplets.emplace_back(c, r, z[static_cast<std::size_t>(p)]);
    }
  SparseMatrix out(n, n);
  out.setFromTriplets(triplets.begin(), triplets.end());
  return out;
}

// ---- eigenvalues -------------------------------------------------------------------------------

EigenPairs lanczos_largest(const std::function<Eigen::VectorXd(const Eigen::VectorXd&)>& apply, Eigen::Index n, int k,
                           bool vectors) {
  EigenPairs out;
  k = static_cast<int>(std::min<Eigen::Index>(k, n));
  if (k <= 0) return out;
  const Eigen::Index max_steps = std::min<Eigen::Index>(n, std::max(3 * k + 30, 60));
  Eigen::MatrixXd q(n, max_steps + 1);
  Eigen::VectorXd alpha(max_steps), beta(max_steps);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = 1.0 + 0.5 * std::sin(0.7 * static_cast<double>(i) + 0.3);
  q.col(0) = v.normalized();
  Eigen::Index m = 0;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> tri;
  for (Eigen::Index j = 0; j < max_steps; ++j) {
    Eigen::VectorXd w = apply(q.col(j));
    alpha[j] = q.col(j).dot(w);
    // full reorthogonalisation, twice
    for (int pass = 0; pass < 2; ++pass) w -= q.leftCols(j + 1) * (q.leftCols(j + 1).transpose() * w);
    beta[j] = w.norm();
    m = j + 1;
    const bool exhausted = !(beta[j] > 1e-14 * std::max(1.0, std::abs(alpha[j])));
    if (m >= k && (m % 10 == 0 || exhausted || m == max_steps)) {
      Eigen::MatrixXd t = Eigen::MatrixXd::Zero(m, m);
      for (Eigen::Index a = 0; a < m; ++a) {
        t(a, a) = alpha[a];
        if (a + 1 < m) t(a, a + 1) = t(a + 1, a) = beta[a];
      }
      tri.compute(t);
      // converged when the residual bound |beta_m y_m| of each wanted Ritz value is small
      bool converged = true;
      const double scale = std::max(std::abs(tri.eigenvalues()[m - 1]), std::abs(tri.eigenvalues()[0]));
      for (int r = 0; r < k; ++r)
        if (std::abs(beta[j] * tri.eigenvectors()(m - 1, m - 1 - r)) > 1e-10 * scale) converged = false;
      if (converged || exhausted || m == max_steps) break;
    }
    if (exhausted) break;
    q.col(j + 1) = w / beta[j];
  }
  if (tri.eigenvalues().size() != m) {
    Eigen::MatrixXd t = Eigen::MatrixXd::Zero(m, m);
    for (Eigen::Index a = 0; a < m; ++a) {
      t(a, a) = alpha[a];
      if (a + 1 < m) t(a, a + 1) = t(a + 1, a) = beta[a];
    }
    tri.compute(t);
  }
  k = static_cast<int>(std::min<Eigen::Index>(k, m));
  out.values.resize(k);
  if (vectors) out.vectors.resize(n, k);
  for (int r = 0; r < k; ++r) {
    out.values[r] = tri.eigenvalues()[m - 1 - r];
    if (vectors) out.vectors.col(r) = (q.leftCols(m) * tri.eigenvectors().col(m - 1 - r)).normalized();
  }
  return out;
}

EigenPairs smallest_eigenpairs(const SparseMatrix& s, int k, bool vectors, const SparseLlt* factor) {
  EigenPairs out;
  const Eigen::Index n = s.rows();
  if (n == 0 || k <= 0) return out;
  // A shift sigma below the spectrum: 0 if s is positive definite, else the first of -1e-3, -1e-2,
  // ... for which s - sigma I factorises.
  double sigma = 0.0;
  SparseLlt own;
  const SparseLlt* f = factor && factor->ok() ? factor : nullptr;
  if (!f) {
    own = SparseLlt(s, 0.0);
    for (double shift = 1e-3; !own.ok() && shift < 1e12; shift *= 10.0) {
      own.refactor(s, shift);
      sigma = -shift;
    }
    if (!own.ok()) return out;
    f = &own;
  }
  const EigenPairs inv = lanczos_largest([&](const Eigen::VectorXd& v) { return f->solve(v); }, n, k, vectors);
  out.values.resize(inv.values.size());
  for (Eigen::Index r = 0; r < inv.values.size(); ++r) out.values[r] = sigma + 1.0 / inv.values[r];
  out.vectors = inv.vectors;
  return out;
}

double largest_eigenvalue(const SparseMatrix& s) {
  const EigenPairs e = lanczos_largest([&](const Eigen::VectorXd& v) { return Eigen::VectorXd(s * v); }, s.rows(), 1, false);
  return e.values.size() ? e.values[0] : std::numeric_limits<double>::quiet_NaN();
}

// ---- trust region ------------------------------------------------------------------------------

SparseTrustRegionStep sparse_trust_region(const SparseMatrix& s, const Eigen::VectorXd& gs, double radius,
                                          const SparseLlt* factor) {
  SparseTrustRegionStep step;
  const Eigen::Index n = s.rows();
  step.y = Eigen::VectorXd::Zero(n);
  if (n == 0) return step;
  const double gnorm = gs.norm();
  if (gnorm == 0.0) return step;
  auto model = [&](const Eigen::VectorXd& y) { return gs.dot(y) + 0.5 * y.dot(s * y); };
  // The Cauchy point: the model's minimum along -gs inside the region (the fallback).
  const Eigen::VectorXd sg = s * gs;
  const double curv = gs.dot(sg);
  double tau = radius / gnorm;
  if (curv > 0.0) tau = std::min(tau, gnorm * gnorm / curv);
  const Eigen::VectorXd cauchy = -tau * gs;

  double lo = 0.0;  // sigma >= lo keeps S + sigma I positive definite (lower bound)
  SparseLlt f;
  double sigma = 0.0;
  if (factor && factor->ok()) {
    const Eigen::VectorXd p = -factor->solve(gs);
    if (p.norm() <= radius) {
      step.y = p;
      return step;
    }
    f = *factor;
  } else {
    // lowest eigenvalue of S sets the lower bound of sigma; also the direction of the hard case
    const EigenPairs low = smallest_eigenpairs(s, 1, true);
    if (low.values.size() == 0) {
      step.y = cauchy;
      return step;
    }
    const double l1 = low.values[0];
    lo = std::max(0.0, -l1);
    sigma = lo + std::max(1e-10, 1e-6 * std::abs(l1));
    f = SparseLlt(s, sigma);
    while (!f.ok() && sigma < 1e12) {
      sigma = 2.0 * sigma + 1e-8;
      f.refactor(s, sigma);
    }
    if (!f.ok()) {
      step.y = cauchy;
      return step;
    }
    Eigen::VectorXd p = -f.solve(gs);
    if (p.norm() <= radius) {
      // Hard case (or an interior step of an indefinite S is not allowed): move to the boundary
      // along the lowest eigenvector, in the descending direction.
      Eigen::VectorXd z = low.vectors.col(0);
      if (l1 < 0.0) {
        const double pz = p.dot(z), pp = p.squaredNorm();
        const double t = -pz + std::sqrt(pz * pz + radius * radius - pp);  // ||p + t z|| = radius
        const double t2 = -pz - std::sqrt(pz * pz + radius * radius - pp);
        const Eigen::VectorXd a = p + t * z, b = p + t2 * z;
        p = model(a) <= model(b) ? a : b;
      }
      step.y = model(p) <= model(cauchy) ? p : cauchy;
      step.shift = sigma;
      return step;
    }
  }
  // Newton's method on 1/||p(sigma)|| = 1/radius (More & Sorensen): sigma += (||p||/||q||)^2 (||p|| - radius)/radius
  double hi = gnorm / radius + std::max(0.0, lo) + 1.0;
  Eigen::VectorXd best = cauchy;
  for (int it = 0; it < 30; ++it) {
    const Eigen::VectorXd p = -f.solve(gs);
    const double pn = p.norm();
    if (pn <= radius * (1.0 + 1e-3)) {
      const Eigen::VectorXd y = pn > radius ? Eigen::VectorXd(p * (radius / pn)) : p;
      if (model(y) < model(best)) best = y;
      step.shift = sigma;
    }
    if (std::abs(pn - radius) <= 1e-3 * radius) break;
    if (pn > radius)
      lo = std::max(lo, sigma);
    else
      hi = std::min(hi, sigma);
    const double q2 = f.inverse_norm2(p);
    double next = sigma + (pn * pn / q2) * (pn - radius) / radius;
    if (!(next > lo && next < hi) || !std::isfinite(next)) next = 0.5 * (lo + hi);
    if (hi - lo <= 1e-12 * std::max(1.0, hi)) break;
    sigma = next;
    f.refactor(s, sigma);
    for (int grow = 0; !f.ok() && grow < 60; ++grow) {
      lo = sigma;
      sigma = 0.5 * (sigma + hi);
      f.refactor(s, sigma);
    }
    if (!f.ok()) break;
  }
  step.y = best;
  return step;
}

}  // namespace hessfit::fit::detail
