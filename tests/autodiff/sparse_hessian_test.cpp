#include <gtest/gtest.h>

#include <random>
#include <set>

#include "functions.hpp"
#include "hessfit/autodiff.hpp"

namespace {

using namespace hessfit::ad;
using namespace hessfit::ad::testing;

Eigen::VectorXd random_point(Eigen::Index n, unsigned seed, double lo, double hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  Eigen::VectorXd x(n);
  for (auto& v : x) v = u(rng);
  return x;
}

/// An "arrowhead" likelihood like a binned fit with shared nuisance parameters and per-bin
/// gammas: x[0..g) shared (every bin sees x[0] and a few others), then two gammas per bin.
struct Arrowhead {
  int globals, bins;
  std::vector<std::vector<int>> uses;  // shared parameters of each bin
  Arrowhead(int g, int b, unsigned seed) : globals(g), bins(b), uses(static_cast<std::size_t>(b)) {
    std::mt19937_64 rng(seed);
    for (int k = 0; k < b; ++k) {
      std::set<int> s{0};
      for (int r = 0; r < 3; ++r) s.insert(1 + static_cast<int>(rng() % static_cast<unsigned>(g - 1)));
      uses[static_cast<std::size_t>(k)].assign(s.begin(), s.end());
    }
  }
  Eigen::Index size() const { return globals + 2 * bins; }
  template <class V>
  auto operator()(const V& x) const {
    using std::exp;
    using std::log;
    ScalarOf<V> nll(0.0);
    for (int k = 0; k < bins; ++k) {
      ScalarOf<V> eta(0.0);
      for (const int j : uses[static_cast<std::size_t>(k)]) eta += (0.05 + 0.01 * j) * x[j];
      const auto g1 = x[globals + 2 * k], g2 = x[globals + 2 * k + 1];
      const auto nu = 10.0 * g1 * exp(eta) + 5.0 * g2 * x[0];
      nll += nu - 12.0 * log(nu);
      nll += 0.5 * (g1 - 1.0) * (g1 - 1.0) * 20.0 + 0.5 * (g2 - 1.0) * (g2 - 1.0) * 30.0;
    }
    for (int j = 1; j < globals; ++j) nll += 0.5 * x[j] * x[j];
    return nll;
  }
};

Eigen::MatrixXd dense_of(const Eigen::SparseMatrix<double>& h) { return Eigen::MatrixXd(h); }

// Sparse and dense agree to 1e-12 relative, entry by entry, and the sparse one is symmetric to the bit.
template <class F>
void expect_sparse_matches_dense(F f, const Eigen::VectorXd& x) {
  const Eigen::MatrixXd dense = hessian(f, x);
  const Eigen::SparseMatrix<double> sparse = sparse_hessian(f, x);
  const Eigen::MatrixXd s = dense_of(sparse);
  const double scale = dense.cwiseAbs().maxCoeff();
  EXPECT_LE((s - dense).cwiseAbs().maxCoeff(), 1e-12 * scale);
  EXPECT_TRUE(s == s.transpose());
}

TEST(SparseHessian, MatchesTheDenseHessianOnTestFunctions) {
  expect_sparse_matches_dense(rosenbrock, random_point(30, 1, -2.0, 2.0));
  expect_sparse_matches_dense(cubic_sum, random_point(40, 2, -3.0, 3.0));
  expect_sparse_matches_dense(dense_fn, random_point(23, 3, -1.0, 1.0));
  Eigen::VectorXd x(2);
  x << 1.3, 0.7;
  expect_sparse_matches_dense(seed_fn, x);
}

TEST(SparseHessian, MatchesTheDenseHessianOnAnArrowhead) {
  const Arrowhead f(12, 150, 7);
  Eigen::VectorXd x = Eigen::VectorXd::Constant(f.size(), 1.0);
  x.head(f.globals) = random_point(f.globals, 8, -0.5, 0.5);
  expect_sparse_matches_dense(f, x);
}

TEST(SparseHessian, PatternIsTheStructureNotTheValues) {
  // x0 * x1 at x1 = 0: d2/dx0dx1 = 1 but d2/dx0^2 = 0 structurally; x2 enters linearly.
  auto f = [](const auto& x) { return x[0] * x[1] + 3.0 * x[2] + x[1] * x[1] * x[1]; };
  Eigen::VectorXd x(3);
  x << 2.0, 0.0, 1.0;
  const SparsityPattern p = hessian_sparsity(f, x);
  EXPECT_TRUE(p.contains(0, 1) && p.contains(1, 0));
  EXPECT_TRUE(p.contains(1, 1));  // x1^3 has a zero second derivative at 0, but not structurally
  EXPECT_FALSE(p.contains(0, 2) || p.contains(1, 2));
  EXPECT_EQ(p.nonzeros(), 5u);  // the diagonal (always) and the pair (0, 1)
}

TEST(SparseHessian, PatternOfAnArrowheadIsExactlyItsCouplings) {
  const Arrowhead f(12, 40, 9);
  Eigen::VectorXd x = Eigen::VectorXd::Constant(f.size(), 1.0);
  const SparsityPattern p = hessian_sparsity(f, x);
  const Eigen::MatrixXd dense = hessian(f, x);
  // Every nonzero of the dense Hessian is in the pattern, and two gammas of different bins never are.
  for (Eigen::Index j = 0; j < f.size(); ++j)
    for (Eigen::Index i = 0; i < f.size(); ++i) {
      if (dense(i, j) != 0.0) {
        EXPECT_TRUE(p.contains(i, j)) << i << "," << j;
      }
    }
  EXPECT_FALSE(p.contains(f.globals, f.globals + 2));
  EXPECT_TRUE(p.contains(f.globals, f.globals + 1));
  EXPECT_TRUE(p.contains(f.globals, 0));
}

TEST(StarColouring, IsAValidStarColouringWithOneColourPerHubAndFewForTheRest) {
  const Arrowhead f(12, 200, 11);
  const Eigen::VectorXd x = Eigen::VectorXd::Constant(f.size(), 1.0);
  const SparsityPattern p = hessian_sparsity(f, x);
  const StarColouring c = star_colouring(p);
  EXPECT_TRUE(is_star_colouring(p, c.colour));
  // at most the 12 shared parameters, plus the two gammas of a bin
  EXPECT_LE(c.colours, f.globals + 2);
  EXPECT_GE(c.colours, 3);
}

TEST(StarColouring, CheckerRejectsADistanceOneColouringWithATwoColouredPath) {
  // The path 0 - 1 - 2 - 3 coloured a b a b is proper but not a star colouring.
  SparsityPattern p;
  p.n = 4;
  p.col_begin = {0, 2, 5, 8, 10};
  p.rows = {0, 1, 0, 1, 2, 1, 2, 3, 2, 3};
  EXPECT_FALSE(is_star_colouring(p, {0, 1, 0, 1}));
  EXPECT_FALSE(is_star_colouring(p, {0, 0, 1, 2}));  // not proper
  EXPECT_TRUE(is_star_colouring(p, {0, 1, 2, 0}));
  EXPECT_TRUE(is_star_colouring(p, star_colouring(p).colour));
}

TEST(StarColouring, ColoursBandedAndDenseGraphs) {
  auto banded = [](const auto& x) {
    ScalarOf<decltype(x)> s(0.0);
    for (Eigen::Index i = 0; i + 2 < x.size(); ++i) s += x[i] * x[i + 1] * x[i + 2];
    return s;
  };
  const SparsityPattern p = hessian_sparsity(banded, random_point(300, 5, 0.5, 1.5));
  const StarColouring c = star_colouring(p);
  EXPECT_TRUE(is_star_colouring(p, c.colour));
  EXPECT_LE(c.colours, 12);
  const SparsityPattern dense = hessian_sparsity(dense_fn, random_point(30, 6, -1.0, 1.0));
  EXPECT_EQ(dense.nonzeros(), 900u);
  const StarColouring cd = star_colouring(dense);
  EXPECT_EQ(cd.colours, 30);
  EXPECT_TRUE(is_star_colouring(dense, cd.colour));
}

TEST(HessianCompression, RecoversEveryEntryFromTheCompressedProduct) {
  // Recovery tested directly: H S for a known symmetric H on the pattern, then every entry back.
  const Arrowhead f(10, 60, 13);
  const SparsityPattern p = hessian_sparsity(f, Eigen::VectorXd::Constant(f.size(), 1.0));
  const HessianCompression c = HessianCompression::of(p, star_colouring(p));
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(p.n, p.n);
  for (Eigen::Index j = 0; j < p.n; ++j)
    for (std::int32_t k = p.col_begin[static_cast<std::size_t>(j)]; k < p.col_begin[static_cast<std::size_t>(j) + 1]; ++k) {
      const Eigen::Index i = p.rows[static_cast<std::size_t>(k)];
      if (i <= j) h(i, j) = h(j, i) = u(rng);
    }
  Eigen::MatrixXd s = Eigen::MatrixXd::Zero(p.n, c.colouring.colours);
  for (Eigen::Index i = 0; i < p.n; ++i) s(i, c.colouring.colour[static_cast<std::size_t>(i)]) = 1.0;
  const Eigen::MatrixXd hs = h * s;
  Eigen::SparseMatrix<double> back;
  c.recover(hs, back);
  EXPECT_EQ(dense_of(back), h);
}

TEST(SparseHessian, ANewBranchGetsItsOwnPatternAndTheCacheKeepsBoth) {
  // Below 0 x0 couples with x1, above with x2: the structure changes with the branch.
  auto f = [](const auto& x) {
    using hessfit::ad::value_of;
    if (value_of(x[0]) < 0.0) return x[0] * x[1] + x[2] * x[2];
    return x[0] * x[2] + x[1] * x[1];
  };
  SparseHessianCache cache;
  Eigen::VectorXd g;
  Eigen::SparseMatrix<double> h;
  Eigen::VectorXd x(3);
  x << -1.0, 2.0, 3.0;
  value_gradient_sparse_hessian(f, x, g, h, cache);
  EXPECT_EQ(dense_of(h), hessian(f, x));
  x[0] = 1.0;
  value_gradient_sparse_hessian(f, x, g, h, cache);
  EXPECT_EQ(dense_of(h), hessian(f, x));
  EXPECT_EQ(cache.builds(), 2u);
  x[0] = -2.0;
  value_gradient_sparse_hessian(f, x, g, h, cache);
  EXPECT_EQ(dense_of(h), hessian(f, x));
  EXPECT_EQ(cache.builds(), 2u);  // the first structure again: nothing rebuilt
  EXPECT_TRUE(g.isApprox(gradient(f, x)));
}

}  // namespace
