// Sparse exact Hessians: the sparsity pattern from the tape, a star colouring of it, compressed
// forward-over-reverse sweeps (one tangent direction per colour, not per input) and direct
// recovery of every entry.
//
// Pattern. The tape is read structurally (indices only, never values). Every node gets its index
// domain D(z), the inputs it depends on (only where needed: for the arguments of nonlinear nodes
// and what they are made of). A nonlinear node z = phi(a, b) that reaches the output couples
//   D(a) x D(a) if phi_aa can be nonzero,  D(a) x D(b) if phi_ab can,  D(b) x D(b) if phi_bb can
// (TapeCurvature::structure: x * y couples only D(x) x D(y)); the pattern is the union of these
// couplings plus the whole diagonal (Walther 2008, "Computing sparse Hessians with automatic
// differentiation"). A pattern belongs to a tape *structure* (node count, argument indices,
// inputs, nonlinear nodes); branches of the function (|alpha| > 1 in an interpolation) give
// another structure and another pattern. The drivers key the pattern by a hash of the structure,
// so a Hessian is exact whatever branch a point takes.
//
// Colouring. H S with S the n x p seed matrix S_ic = [colour(i) = c] gives, in row i and column
// c, the sum of H_ij over the j of colour c. A *star* colouring (a proper colouring in which every
// path on four vertices uses at least three colours; Coleman & More 1984) lets every entry be read
// off directly: for each edge (i, j) the colour of j is unique among the neighbours of i, or the
// colour of i among those of j. A distance-2 colouring would need a colour per input as soon as
// one parameter (a luminosity, a shared normsys) touches every bin; a star colouring gives such a
// hub a colour of its own and lets everything else share. star_colouring() does exactly that:
// the k vertices of highest degree (k chosen among degree thresholds d_max / 2^j) get unique
// colours, which no two-coloured path can pass through, and the rest is star coloured greedily
// (Gebremedhin, Manne & Pothen 2005, Algorithm 4.1), within a work budget. For a HistFactory model
// (a dense block of shared nuisance parameters, per-bin gammas that touch one bin) that is
// (number of shared parameters) + (gammas per bin) colours.
//
// Cost: one taping, one reverse sweep, and ceil(p / K) compressed sweeps of K directions, against
// ceil(n / K) for a dense Hessian; the pattern and colouring are computed once per tape structure.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

#include "hessfit/autodiff/drivers.hpp"
#include "hessfit/autodiff/hessian_sweep.hpp"
#include "hessfit/autodiff/tape.hpp"

namespace hessfit::ad {

/// A symmetric sparsity pattern stored by columns, both triangles and the whole diagonal; rows
/// ascending within a column.
struct SparsityPattern {
  Eigen::Index n = 0;
  std::vector<std::int32_t> col_begin{0};  // n + 1
  std::vector<std::int32_t> rows;

  std::size_t nonzeros() const { return rows.size(); }
  std::int32_t degree(Eigen::Index j) const { return col_begin[static_cast<std::size_t>(j) + 1] - col_begin[static_cast<std::size_t>(j)] - 1; }
  bool contains(Eigen::Index i, Eigen::Index j) const {
    const auto b = rows.begin() + col_begin[static_cast<std::size_t>(j)], e = rows.begin() + col_begin[static_cast<std::size_t>(j) + 1];
    return std::binary_search(b, e, static_cast<std::int32_t>(i));
  }
  bool operator==(const SparsityPattern&) const = default;
};

/// A colouring of the columns (colour[i] in [0, colours)).
struct StarColouring {
  std::vector<std::int32_t> colour;
  std::int32_t colours = 0;
  /// How many vertices got a colour of their own (the hubs; see the top of this file).
  std::int32_t unique = 0;
};

namespace detail {

/// Per node of [first, output]: reaches the output; needs an index domain.
inline SparsityPattern hessian_pattern(const Tape<double>& tape, std::int32_t first, std::int32_t output,
                                       const std::vector<std::int32_t>& input_of_node, Eigen::Index n) {
  SparsityPattern p;
  p.n = n;
  const std::size_t nodes = output >= first ? static_cast<std::size_t>(output + 1 - first) : 0;
  const std::int32_t* index = tape.indices_data();
  const std::uint32_t* begin = tape.begin_data();
  std::vector<unsigned char> live(nodes, 0), need(nodes, 0);
  std::vector<std::int32_t> curvature_of(nodes, -1);
  const auto& curvature = tape.curvature();
  for (std::size_t c = 0; c < curvature.size(); ++c) {
    const std::int32_t node = curvature[c].node;
    if (node >= first && node <= output) curvature_of[static_cast<std::size_t>(node - first)] = static_cast<std::int32_t>(c);
  }
  if (nodes > 0) live[nodes - 1] = 1;
  for (std::size_t l = nodes; l-- > 0;) {
    const std::int32_t i = first + static_cast<std::int32_t>(l);
    if (live[l]) {
      for (std::uint32_t a = begin[i]; a < begin[i + 1]; ++a) live[static_cast<std::size_t>(index[a] - first)] = 1;
      if (curvature_of[l] >= 0)
        for (std::uint32_t a = begin[i]; a < begin[i + 1]; ++a) need[static_cast<std::size_t>(index[a] - first)] = 1;
    }
    if (need[l])
      for (std::uint32_t a = begin[i]; a < begin[i + 1]; ++a) need[static_cast<std::size_t>(index[a] - first)] = 1;
  }
  // Index domains, ascending, in one pool; a node with one argument shares its argument's range.
  std::vector<std::size_t> dom_begin(nodes, 0), dom_end(nodes, 0);
  std::vector<std::int32_t> pool;
  std::vector<std::int32_t> stamp(static_cast<std::size_t>(n), -1);
  std::vector<std::int32_t> gather;
  for (std::size_t l = 0; l < nodes; ++l) {
    if (!need[l]) continue;
    const std::int32_t i = first + static_cast<std::int32_t>(l);
    const std::uint32_t b = begin[i], e = begin[i + 1];
    if (b == e) {
      dom_begin[l] = pool.size();
      if (input_of_node[l] >= 0) pool.push_back(input_of_node[l]);
      dom_end[l] = pool.size();
      continue;
    }
    if (e - b == 1) {
      const std::size_t j = static_cast<std::size_t>(index[b] - first);
      dom_begin[l] = dom_begin[j];
      dom_end[l] = dom_end[j];
      continue;
    }
    gather.clear();
    for (std::uint32_t a = b; a < e; ++a) {
      const std::size_t j = static_cast<std::size_t>(index[a] - first);
      for (std::size_t k = dom_begin[j]; k < dom_end[j]; ++k) {
        const std::int32_t in = pool[k];
        if (stamp[static_cast<std::size_t>(in)] != static_cast<std::int32_t>(l)) {
          stamp[static_cast<std::size_t>(in)] = static_cast<std::int32_t>(l);
          gather.push_back(in);
        }
      }
    }
    std::sort(gather.begin(), gather.end());
    dom_begin[l] = pool.size();
    pool.insert(pool.end(), gather.begin(), gather.end());
    dom_end[l] = pool.size();
  }
  // Couplings (A, B): every vertex of A is coupled with every vertex of B and vice versa. Each
  // vertex lists the couplings it is in (and on which side).
  struct Coupling {
    std::size_t a, b;  // nodes whose domains are coupled
  };
  std::vector<Coupling> couplings;
  for (std::size_t l = 0; l < nodes; ++l) {
    if (!live[l] || curvature_of[l] < 0) continue;
    const std::int32_t i = first + static_cast<std::int32_t>(l);
    const std::uint32_t b = begin[i], e = begin[i + 1];
    const std::uint8_t s = curvature[static_cast<std::size_t>(curvature_of[l])].structure;
    const std::size_t na = static_cast<std::size_t>(index[b] - first);
    if (e - b == 1) {
      if (s & kCurvatureAA) couplings.push_back({na, na});
      continue;
    }
    const std::size_t nb = static_cast<std::size_t>(index[b + 1] - first);
    if (s & kCurvatureAA) couplings.push_back({na, na});
    if (s & kCurvatureAB) couplings.push_back({na, nb});
    if (s & kCurvatureBB) couplings.push_back({nb, nb});
  }
  std::vector<std::size_t> count(static_cast<std::size_t>(n) + 1, 0);
  auto for_each_member = [&](auto&& visit) {
    for (std::size_t c = 0; c < couplings.size(); ++c) {
      const Coupling& cp = couplings[c];
      for (std::size_t k = dom_begin[cp.a]; k < dom_end[cp.a]; ++k) visit(pool[k], 2 * c);  // side a: gets b
      if (cp.b != cp.a)
        for (std::size_t k = dom_begin[cp.b]; k < dom_end[cp.b]; ++k) visit(pool[k], 2 * c + 1);  // side b: gets a
    }
  };
  for_each_member([&](std::int32_t v, std::size_t) { ++count[static_cast<std::size_t>(v) + 1]; });
  for (std::size_t v = 0; v < static_cast<std::size_t>(n); ++v) count[v + 1] += count[v];
  std::vector<std::size_t> member(count.back());
  {
    std::vector<std::size_t> fill(count.begin(), count.end() - 1);
    for_each_member([&](std::int32_t v, std::size_t tag) { member[fill[static_cast<std::size_t>(v)]++] = tag; });
  }
  std::fill(stamp.begin(), stamp.end(), -1);
  p.col_begin.assign(static_cast<std::size_t>(n) + 1, 0);
  p.rows.clear();
  for (std::size_t v = 0; v < static_cast<std::size_t>(n); ++v) {
    gather.clear();
    stamp[v] = static_cast<std::int32_t>(v);
    gather.push_back(static_cast<std::int32_t>(v));
    for (std::size_t m = count[v]; m < count[v + 1]; ++m) {
      const Coupling& cp = couplings[member[m] / 2];
      const std::size_t other = member[m] % 2 == 0 ? cp.b : cp.a;
      for (std::size_t k = dom_begin[other]; k < dom_end[other]; ++k) {
        const std::int32_t u = pool[k];
        if (stamp[static_cast<std::size_t>(u)] != static_cast<std::int32_t>(v)) {
          stamp[static_cast<std::size_t>(u)] = static_cast<std::int32_t>(v);
          gather.push_back(u);
        }
      }
    }
    std::sort(gather.begin(), gather.end());
    p.rows.insert(p.rows.end(), gather.begin(), gather.end());
    p.col_begin[v + 1] = static_cast<std::int32_t>(p.rows.size());
  }
  return p;
}

/// A hash of what the pattern depends on: per node its arguments (relative to `first`) and input
/// number, and the nonlinear nodes with their structure. Values are not read.
inline std::uint64_t tape_structure_hash(const Tape<double>& tape, std::int32_t first, std::int32_t output,
                                         const std::vector<std::int32_t>& input_of_node) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto mix = [&h](std::uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0x100000001b3ull;
  };
  const std::int32_t* index = tape.indices_data();
  const std::uint32_t* begin = tape.begin_data();
  mix(static_cast<std::uint64_t>(output - first));
  for (std::int32_t i = first; i <= output; ++i) {
    const std::uint32_t b = begin[i], e = begin[i + 1];
    mix((static_cast<std::uint64_t>(e - b) << 32) ^ static_cast<std::uint32_t>(input_of_node[static_cast<std::size_t>(i - first)]));
    for (std::uint32_t a = b; a < e; ++a) mix(static_cast<std::uint32_t>(i - index[a]));
  }
  for (const TapeCurvature& c : tape.curvature())
    if (c.node >= first && c.node <= output) mix((static_cast<std::uint64_t>(c.node - first) << 8) ^ c.structure);
  return h;
}

// Greedy star colouring (Gebremedhin, Manne & Pothen 2005, Algorithm 4.1) of the graph without the
// vertices marked `skip`, in `order`. Returns the number of colours, or -1 when the work exceeds
// `budget` (inner steps).
inline std::int32_t greedy_star_colouring(const SparsityPattern& p, const std::vector<std::int32_t>& order,
                                          const std::vector<unsigned char>& skip, std::int64_t budget,
                                          std::vector<std::int32_t>& colour) {
  const std::int32_t* cb = p.col_begin.data();
  const std::int32_t* rows = p.rows.data();
  colour.assign(static_cast<std::size_t>(p.n), -1);
  std::vector<std::int32_t> forbidden(static_cast<std::size_t>(p.n) + 1, -1);
  std::int32_t colours = 0;
  std::int64_t work = 0;
  for (const std::int32_t v : order) {
    if (skip[static_cast<std::size_t>(v)]) continue;
    for (std::int32_t a = cb[v]; a < cb[v + 1]; ++a) {
      const std::int32_t w = rows[a];
      if (w == v || skip[static_cast<std::size_t>(w)]) continue;
      const std::int32_t cw = colour[static_cast<std::size_t>(w)];
      if (cw >= 0) forbidden[static_cast<std::size_t>(cw)] = v;
      for (std::int32_t b = cb[w]; b < cb[w + 1]; ++b) {
        const std::int32_t x = rows[b];
        ++work;
        if (x == w || x == v || skip[static_cast<std::size_t>(x)]) continue;
        const std::int32_t cx = colour[static_cast<std::size_t>(x)];
        if (cx < 0) continue;
        if (cw < 0) {
          forbidden[static_cast<std::size_t>(cx)] = v;
          continue;
        }
        if (forbidden[static_cast<std::size_t>(cx)] == v) continue;
        for (std::int32_t c = cb[x]; c < cb[x + 1]; ++c) {
          const std::int32_t y = rows[c];
          ++work;
          if (y == x || y == w || skip[static_cast<std::size_t>(y)]) continue;
          if (colour[static_cast<std::size_t>(y)] == cw) {
            forbidden[static_cast<std::size_t>(cx)] = v;
            break;
          }
        }
      }
      if (work > budget) return -1;
    }
    std::int32_t c = 0;
    while (forbidden[static_cast<std::size_t>(c)] == v) ++c;
    colour[static_cast<std::size_t>(v)] = c;
    colours = std::max(colours, c + 1);
  }
  return colours;
}

}  // namespace detail

/// A star colouring of `pattern` (see the top of this file). Deterministic: a function of the
/// pattern alone.
inline StarColouring star_colouring(const SparsityPattern& pattern) {
  const std::int32_t n = static_cast<std::int32_t>(pattern.n);
  StarColouring best;
  best.colour.resize(static_cast<std::size_t>(n));
  std::iota(best.colour.begin(), best.colour.end(), 0);  // every vertex its own colour: always a star colouring
  best.colours = best.unique = n;
  if (n == 0) return best;
  std::vector<std::int32_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) { return pattern.degree(a) > pattern.degree(b); });
  const std::int32_t dmax = pattern.degree(order[0]);
  std::vector<std::int32_t> hubs;  // candidate k: the k vertices of highest degree get unique colours
  hubs.push_back(0);
  for (std::int32_t d = dmax / 2;; d /= 2) {
    const std::int32_t k = static_cast<std::int32_t>(
        std::count_if(order.begin(), order.end(), [&](std::int32_t v) { return pattern.degree(v) > d; }));
    if (k != hubs.back()) hubs.push_back(k);
    if (d == 0) break;
  }
  const std::int64_t budget = 32 * static_cast<std::int64_t>(pattern.nonzeros()) + (std::int64_t{1} << 20);
  std::vector<unsigned char> skip(static_cast<std::size_t>(n), 0);
  std::vector<std::int32_t> colour;
  for (const std::int32_t k : hubs) {
    if (k >= best.colours) break;
    std::fill(skip.begin(), skip.end(), 0);
    for (std::int32_t h = 0; h < k; ++h) skip[static_cast<std::size_t>(order[static_cast<std::size_t>(h)])] = 1;
    const std::int32_t c = detail::greedy_star_colouring(pattern, order, skip, budget, colour);
    if (c < 0 || c + k >= best.colours) continue;
    for (std::int32_t h = 0; h < k; ++h) colour[static_cast<std::size_t>(order[static_cast<std::size_t>(h)])] = c + h;
    best.colour = colour;
    best.colours = c + k;
    best.unique = k;
  }
  return best;
}

/// True when `colour` is a star colouring of `pattern`: proper, and for every edge (i, j) the
/// colour of j is unique among the neighbours of i or the colour of i among those of j (which is
/// the same as: no path on four vertices has only two colours).
inline bool is_star_colouring(const SparsityPattern& pattern, const std::vector<std::int32_t>& colour) {
  const Eigen::Index n = pattern.n;
  if (static_cast<Eigen::Index>(colour.size()) != n) return false;
  std::int32_t colours = 0;
  for (const std::int32_t c : colour) {
    if (c < 0) return false;
    colours = std::max(colours, c + 1);
  }
  // unique[k]: the colour of the row at position k is unique among the neighbours of its column
  std::vector<unsigned char> unique(pattern.nonzeros(), 0);
  std::vector<std::int32_t> seen(static_cast<std::size_t>(colours), 0), stamp(static_cast<std::size_t>(colours), -1);
  for (Eigen::Index j = 0; j < n; ++j) {
    const std::int32_t b = pattern.col_begin[static_cast<std::size_t>(j)], e = pattern.col_begin[static_cast<std::size_t>(j) + 1];
    for (std::int32_t k = b; k < e; ++k) {
      const std::int32_t i = pattern.rows[static_cast<std::size_t>(k)];
      if (i == j) continue;
      const std::size_t c = static_cast<std::size_t>(colour[static_cast<std::size_t>(i)]);
      if (stamp[c] != j) stamp[c] = static_cast<std::int32_t>(j), seen[c] = 0;
      ++seen[c];
    }
    for (std::int32_t k = b; k < e; ++k) {
      const std::int32_t i = pattern.rows[static_cast<std::size_t>(k)];
      if (i == j) continue;
      if (colour[static_cast<std::size_t>(i)] == colour[static_cast<std::size_t>(j)]) return false;  // not proper
      unique[static_cast<std::size_t>(k)] = seen[static_cast<std::size_t>(colour[static_cast<std::size_t>(i)])] == 1;
    }
  }
  for (Eigen::Index j = 0; j < n; ++j)
    for (std::int32_t k = pattern.col_begin[static_cast<std::size_t>(j)]; k < pattern.col_begin[static_cast<std::size_t>(j) + 1]; ++k) {
      const std::int32_t i = pattern.rows[static_cast<std::size_t>(k)];
      if (i == j || unique[static_cast<std::size_t>(k)]) continue;
      // colour(i) is not unique around j: colour(j) must be unique around i
      const auto b = pattern.rows.begin() + pattern.col_begin[static_cast<std::size_t>(i)];
      const auto e = pattern.rows.begin() + pattern.col_begin[static_cast<std::size_t>(i) + 1];
      const auto it = std::lower_bound(b, e, static_cast<std::int32_t>(j));
      if (it == e || *it != j || !unique[static_cast<std::size_t>(it - pattern.rows.begin())]) return false;
    }
  return true;
}

/// Everything a compressed Hessian needs for one tape structure: the pattern, its star colouring
/// and, for every stored entry, where in H S (n x colours, column-major) its value is read.
struct HessianCompression {
  SparsityPattern pattern;
  StarColouring colouring;
  std::vector<std::int64_t> source;  // per entry of pattern.rows: i + n * c

  static HessianCompression of(SparsityPattern pattern, StarColouring colouring) {
    HessianCompression h;
    h.pattern = std::move(pattern);
    h.colouring = std::move(colouring);
    const SparsityPattern& p = h.pattern;
    const std::vector<std::int32_t>& colour = h.colouring.colour;
    const std::int64_t n = p.n;
    // Per position (row i in column j): the colour of i is unique among the neighbours of j, so
    // (H S)(j, colour(i)) = H_ij.
    std::vector<unsigned char> unique(p.nonzeros(), 0);
    std::vector<std::int32_t> seen(static_cast<std::size_t>(h.colouring.colours), 0),
        stamp(static_cast<std::size_t>(h.colouring.colours), -1);
    for (std::int64_t j = 0; j < n; ++j) {
      const std::int32_t b = p.col_begin[static_cast<std::size_t>(j)], e = p.col_begin[static_cast<std::size_t>(j) + 1];
      for (std::int32_t k = b; k < e; ++k) {
        const std::size_t c = static_cast<std::size_t>(colour[static_cast<std::size_t>(p.rows[static_cast<std::size_t>(k)])]);
        if (stamp[c] != j) stamp[c] = static_cast<std::int32_t>(j), seen[c] = 0;
        ++seen[c];
      }
      for (std::int32_t k = b; k < e; ++k)
        unique[static_cast<std::size_t>(k)] = seen[static_cast<std::size_t>(colour[static_cast<std::size_t>(p.rows[static_cast<std::size_t>(k)])])] == 1;
    }
    h.source.resize(p.nonzeros());
    for (std::int64_t j = 0; j < n; ++j)
      for (std::int32_t k = p.col_begin[static_cast<std::size_t>(j)]; k < p.col_begin[static_cast<std::size_t>(j) + 1]; ++k) {
        const std::int64_t i = p.rows[static_cast<std::size_t>(k)];
        // The same source for (i, j) and (j, i), so that H is symmetric to the bit: from the
        // column of the larger index when that works, else from the other.
        const std::int64_t hi = std::max(i, j), lo = std::min(i, j);
        std::int64_t row = -1;
        for (const std::int64_t r : {hi, lo}) {
          const std::int64_t other = r == hi ? lo : hi;
          // position of `other` in column r
          const auto b = p.rows.begin() + p.col_begin[static_cast<std::size_t>(r)];
          const auto e = p.rows.begin() + p.col_begin[static_cast<std::size_t>(r) + 1];
          const auto it = std::lower_bound(b, e, static_cast<std::int32_t>(other));
          if (it != e && *it == other && unique[static_cast<std::size_t>(it - p.rows.begin())]) {
            row = r;
            break;
          }
        }
        if (row < 0) throw std::logic_error("hessfit::ad::HessianCompression: the colouring is not a star colouring");
        const std::int64_t other = row == hi ? lo : hi;
        h.source[static_cast<std::size_t>(k)] = row + n * colour[static_cast<std::size_t>(other)];
      }
    return h;
  }

  /// Fills `hessian` (n x n, both triangles) from H S.
  void recover(const Eigen::MatrixXd& hs, Eigen::SparseMatrix<double>& hessian) const {
    const std::size_t nnz = pattern.nonzeros();
    if (hessian.rows() != pattern.n || hessian.cols() != pattern.n || static_cast<std::size_t>(hessian.nonZeros()) != nnz ||
        !hessian.isCompressed() || !std::equal(pattern.rows.begin(), pattern.rows.end(), hessian.innerIndexPtr()) ||
        !std::equal(pattern.col_begin.begin(), pattern.col_begin.end(), hessian.outerIndexPtr())) {
      hessian.resize(pattern.n, pattern.n);
      hessian.resizeNonZeros(static_cast<Eigen::Index>(nnz));
      std::copy(pattern.col_begin.begin(), pattern.col_begin.end(), hessian.outerIndexPtr());
      std::copy(pattern.rows.begin(), pattern.rows.end(), hessian.innerIndexPtr());
    }
    const double* src = hs.data();
    double* dst = hessian.valuePtr();
    for (std::size_t k = 0; k < nnz; ++k) dst[k] = src[source[k]];
  }
};

/// Compressions by tape structure, shared by the copies of an objective and safe to use from
/// several threads. Keeps the `capacity` most recently built ones.
class SparseHessianCache {
 public:
  explicit SparseHessianCache(std::size_t capacity = 8) : capacity_(capacity) {}
  std::shared_ptr<const HessianCompression> find(std::uint64_t key) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [k, c] : entries_)
      if (k == key) return c;
    return nullptr;
  }
  void insert(std::uint64_t key, std::shared_ptr<const HessianCompression> compression) {
    const std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [k, c] : entries_)
      if (k == key) return;
    if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
    entries_.emplace_back(key, std::move(compression));
    ++builds_;
  }
  /// How many compressions were built (patterns found and coloured).
  std::size_t builds() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return builds_;
  }
  /// The most recently built compression (for reports and tests), or nullptr.
  std::shared_ptr<const HessianCompression> latest() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return entries_.empty() ? nullptr : entries_.back().second;
  }

 private:
  mutable std::mutex mutex_;
  std::size_t capacity_;
  std::vector<std::pair<std::uint64_t, std::shared_ptr<const HessianCompression>>> entries_;
  std::size_t builds_ = 0;
};

namespace detail {

// Tapes f at x with curvature, sweeps the adjoints, fills the gradient and input_of_node.
template <class F>
Taped tape_for_hessian(F& f, const Eigen::VectorXd& x, Eigen::VectorXd* g, SweepScratch& w) {
  const Taped t = tape_function(f, x);
  if (t.output < 0) {
    if (g) g->setZero(x.size());
    return t;
  }
  Tape<double>::active().adjoints(t.output, t.first, w.adjoint);
  if (g) gather_gradient(t, w.adjoint, *g);
  w.input_of_node.assign(static_cast<std::size_t>(t.output + 1 - t.first), -1);
  for (std::size_t i = 0; i < t.input_nodes.size(); ++i)
    if (t.input_nodes[i] <= t.output)
      w.input_of_node[static_cast<std::size_t>(t.input_nodes[i] - t.first)] = static_cast<std::int32_t>(i);
  return t;
}

}  // namespace detail

/// The Hessian's sparsity pattern at x (for the branches f takes there).
template <class F>
SparsityPattern hessian_sparsity(F&& f, const Eigen::VectorXd& x) {
  auto& tape = Tape<double>::active();
  TapeScope<double> scope(tape);
  tape.set_curvature_enabled(true);
  detail::SweepScratch& w = detail::thread_sweep_scratch();
  const detail::Taped t = detail::tape_for_hessian(f, x, nullptr, w);
  if (t.output < 0) return detail::hessian_pattern(tape, 0, -1, {}, x.size());
  return detail::hessian_pattern(tape, t.first, t.output, w.input_of_node, x.size());
}

/// f(x), its gradient and its exact Hessian as a sparse matrix (both triangles, symmetric to the
/// bit), from one taping and ceil(colours / K) compressed sweeps. `cache` keeps the pattern and
/// colouring of each tape structure met (pass the same cache for repeated calls on one f).
template <class F>
double value_gradient_sparse_hessian(F&& f, const Eigen::VectorXd& x, Eigen::VectorXd& gradient,
                                     Eigen::SparseMatrix<double>& hessian, SparseHessianCache& cache) {
  auto& tape = Tape<double>::active();
  TapeScope<double> scope(tape);
  tape.set_curvature_enabled(true);
  detail::SweepScratch& w = detail::thread_sweep_scratch();
  const detail::Taped t = detail::tape_for_hessian(f, x, &gradient, w);
  const Eigen::Index n = x.size();
  if (t.output < 0) {
    hessian.resize(n, n);
    hessian.setZero();
    return t.value;
  }
  const std::uint64_t key = detail::tape_structure_hash(tape, t.first, t.output, w.input_of_node) ^ static_cast<std::uint64_t>(n);
  std::shared_ptr<const HessianCompression> c = cache.find(key);
  if (!c) {
    SparsityPattern p = detail::hessian_pattern(tape, t.first, t.output, w.input_of_node, n);
    StarColouring colouring = star_colouring(p);
    c = std::make_shared<const HessianCompression>(HessianCompression::of(std::move(p), std::move(colouring)));
    cache.insert(key, c);
  }
  const Eigen::Index colours = c->colouring.colours;
  const std::int32_t* colour = c->colouring.colour.data();
  Eigen::MatrixXd& hs = w.compressed;
  if (colours <= 2)
    detail::hessian_sweep<1>(tape, t.first, t.output, nullptr, n, hs, w, colour, colours);
  else if (colours <= 4)
    detail::hessian_sweep<4>(tape, t.first, t.output, nullptr, n, hs, w, colour, colours);
  else if (colours <= 64)
    detail::hessian_sweep<8>(tape, t.first, t.output, nullptr, n, hs, w, colour, colours);
  else
    detail::hessian_sweep<16>(tape, t.first, t.output, nullptr, n, hs, w, colour, colours);
  c->recover(hs, hessian);
  return t.value;
}

/// The sparse Hessian at x (pattern and colouring found for this call).
template <class F>
Eigen::SparseMatrix<double> sparse_hessian(F&& f, const Eigen::VectorXd& x) {
  SparseHessianCache cache(1);
  Eigen::VectorXd g;
  Eigen::SparseMatrix<double> h;
  value_gradient_sparse_hessian(f, x, g, h, cache);
  return h;
}

}  // namespace hessfit::ad
