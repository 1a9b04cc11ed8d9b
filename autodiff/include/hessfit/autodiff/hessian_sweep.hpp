// Forward-over-reverse on a recorded tape: exact Hessian columns, K directions per sweep.
//
// The function is taped once on Tape<double> with curvature on: every node z = phi(a, b) keeps its
// first partials phi_a, phi_b and, if nonlinear, phi_aa, phi_ab, phi_bb. A reverse sweep gives the
// adjoints zbar. Differentiating both sweeps along K tangent directions V (n x K) gives
//   forward   zdot = phi_a adot + phi_b bdot                                  (K-wide)
//   reverse   abar_dot += phi_a zbar_dot + zbar (phi_aa adot + phi_ab bdot)   (K-wide)
//             bbar_dot += phi_b zbar_dot + zbar (phi_ab adot + phi_bb bdot)
// and the input adjoint-tangents are H V. This is jacfwd(jacrev(f)) without re-running the user's
// code: the K-wide inner loops are contiguous, fixed-size and vectorise.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "hessfit/autodiff/tape.hpp"

namespace hessfit::ad::detail {

/// Scratch of the sweeps, reused between blocks and calls.
struct SweepScratch {
  std::vector<double> tdot, adot;
  std::vector<unsigned char> tnz, anz;  // tangent / adjoint-tangent of a node is nonzero
  std::vector<std::int32_t> curvature_of;  // per node: index into tape.curvature(), or -1 if linear
  std::vector<unsigned char> needs_tangent;
  std::vector<std::int32_t> input_of_node;
  std::vector<double> adjoint;
  // Dense Hessians only: the node of each input (-1 if outside the range), and per node the
  // lowest and highest input number it depends on (lo > hi: none). A block of inputs [c0, c1)
  // sweeps forward only through the nodes whose interval meets it.
  std::vector<std::int32_t> node_of_input, dep_lo, dep_hi;
  // Dense Hessians only: per block of K inputs, the nodes whose interval meets it, ascending
  // (block_nodes[block_begin[b] ...]; block_begin is empty when not listed); a fill cursor.
  std::vector<std::size_t> block_begin, fill;
  std::vector<std::int32_t> block_nodes;
  // Sparse Hessians only: H S for the compressed seeds (n x colours).
  Eigen::MatrixXd compressed;
};

/// One scratch per thread, kept between calls so that repeated Hessians do not allocate.
inline SweepScratch& thread_sweep_scratch() {
  static thread_local SweepScratch scratch;
  return scratch;
}

/// Node range [first, output] of `tape`, the input number of each node (-1 if not an input) and
/// the adjoints zbar (indexed by node - first). Computes H V for the K columns of V starting at
/// column `col` (fewer at the end) into the same columns of HV; V = nullptr means the identity.
/// Nodes whose tangent and adjoint-tangent are zero in this block are skipped, so a block costs
/// only the part of the tape its K inputs reach (a separable function sweeps O(n) per block):
/// for the identity, the forward sweep visits only the nodes whose dependence interval meets the
/// block (from a list, or passing over the others with one test); the reverse sweep stops below
/// the lowest node that received an adjoint-tangent.
/// `colour` (with V = nullptr) seeds compressed directions instead: column c of V is the sum of
/// e_i over the inputs i with colour[i] == c (see sparse_hessian.hpp).
template <int K>
void hessian_sweep_block(const Tape<double>& tape, std::int32_t first, std::int32_t output, const Eigen::MatrixXd* V,
                         Eigen::Index col, Eigen::Index cols, Eigen::MatrixXd& HV, SweepScratch& w,
                         const std::int32_t* colour = nullptr) {
  const std::vector<std::int32_t>& input_of_node = w.input_of_node;
  const std::vector<unsigned char>& needs_tangent = w.needs_tangent;
  const std::vector<double>& adjoint = w.adjoint;
  const std::int32_t* curvature_of = w.curvature_of.data();
  const std::size_t nodes = static_cast<std::size_t>(output + 1 - first);
  const Eigen::Index width = std::min<Eigen::Index>(K, cols - col);
  w.tdot.resize(nodes * K);
  w.adot.resize(nodes * K);
  w.tnz.assign(nodes, 0);
  w.anz.assign(nodes, 0);
  double* tdot = w.tdot.data();
  double* adot = w.adot.data();
  unsigned char* tnz = w.tnz.data();
  unsigned char* anz = w.anz.data();
  const double* partial = tape.partials_data();
  const std::int32_t* index = tape.indices_data();
  const std::uint32_t* begin = tape.begin_data();

  // Identity seeds: the block's inputs are col .. col + width - 1.
  const bool identity = V == nullptr && colour == nullptr;
  const std::int32_t c0 = static_cast<std::int32_t>(col), c1 = static_cast<std::int32_t>(col + width);
  const std::int32_t* dep_lo = w.dep_lo.data();
  const std::int32_t* dep_hi = w.dep_hi.data();

  // forward tangents; `last` = the last nonlinear node whose curvature sees a nonzero tangent:
  // above it every adjoint-tangent is zero (the output's is), so the reverse sweep starts there;
  // `lowest` = the first such node, below which none starts an adjoint-tangent.
  std::size_t last = 0, lowest = nodes;
  auto forward = [&](std::size_t l) __attribute__((always_inline)) {
    double* t = &tdot[l * K];
    const std::int32_t i = first + static_cast<std::int32_t>(l);
    const std::uint32_t b = begin[i], e = begin[i + 1];
    if (b == e) {
      const std::int32_t in = input_of_node[l];
      if (in < 0) return;
      if (identity || colour) {
        const std::int32_t c = identity ? in : colour[in];
        if (c < col || c >= col + width) return;
        for (int k = 0; k < K; ++k) t[k] = 0.0;
        t[c - col] = 1.0;
      } else {
        for (int k = 0; k < K; ++k) t[k] = k < width ? (*V)(in, col + k) : 0.0;
      }
      tnz[l] = 1;
      return;
    }
    if (curvature_of[l] >= 0) {
      const std::size_t ia = static_cast<std::size_t>(index[b] - first);
      const std::size_t ib = e - b == 2 ? static_cast<std::size_t>(index[b + 1] - first) : ia;
      if (tnz[ia] || tnz[ib]) {
        last = l;
        lowest = std::min(lowest, l);
      }
    }
    if (!needs_tangent[l]) return;
    bool any = false;
    for (std::uint32_t a = b; a < e; ++a) {
      const std::size_t j = static_cast<std::size_t>(index[a] - first);
      if (!tnz[j]) continue;
      const double d = partial[a];
      const double* src = &tdot[j * K];
      if (!any) {
        for (int k = 0; k < K; ++k) t[k] = d * src[k];
        any = true;
      } else {
        for (int k = 0; k < K; ++k) t[k] += d * src[k];
      }
    }
    tnz[l] = any;
  };
  const bool listed = identity && !w.block_begin.empty();
  const std::int32_t* list = listed ? w.block_nodes.data() + w.block_begin[static_cast<std::size_t>(col / K)] : nullptr;
  const std::int32_t* list_end = listed ? w.block_nodes.data() + w.block_begin[static_cast<std::size_t>(col / K) + 1] : nullptr;
  if (listed) {
    for (const std::int32_t* it = list; it != list_end; ++it) forward(static_cast<std::size_t>(*it));
  } else if (identity) {
    // nothing before the first node of the block's inputs has a tangent
    std::size_t start = nodes;
    for (std::int32_t c = c0; c < c1; ++c)
      if (const std::int32_t node = w.node_of_input[static_cast<std::size_t>(c)]; node >= 0)
        start = std::min(start, static_cast<std::size_t>(node));
    for (std::size_t l = start; l < nodes; ++l)
      if (dep_hi[l] >= c0 && dep_lo[l] < c1) forward(l);  // else it depends on no input of the block
  } else if (colour) {
    // nothing before the first node of an input of the block's colours has a tangent
    std::size_t start = nodes;
    for (std::size_t l = 0; l < nodes && start == nodes; ++l)
      if (const std::int32_t in = input_of_node[l]; in >= 0 && colour[in] >= c0 && colour[in] < c1) start = l;
    for (std::size_t l = start; l < nodes; ++l) forward(l);
  } else {
    for (std::size_t l = 0; l < nodes; ++l) forward(l);
  }

  // reverse adjoint-tangents, from `last` down to the lowest node that can still be reached
  std::size_t stop = lowest;
  auto accumulate = [&](std::size_t j, const double* g) __attribute__((always_inline)) {
    double* dst = &adot[j * K];
    if (anz[j]) {
      for (int k = 0; k < K; ++k) dst[k] += g[k];
    } else {
      for (int k = 0; k < K; ++k) dst[k] = g[k];
      anz[j] = 1;
      stop = std::min(stop, j);
    }
  };
  const TapeCurvature* curvature = tape.curvature().data();
  auto reverse = [&](std::size_t l) __attribute__((always_inline)) {
    const std::int32_t i = first + static_cast<std::int32_t>(l);
    const bool has_ad = anz[l];
    const std::int32_t ci = curvature_of[l];
    // Without an adjoint-tangent only a nonlinear node whose arguments have tangents contributes,
    // and those depend on the block.
    if (!has_ad && (ci < 0 || (identity && (dep_hi[l] < c0 || dep_lo[l] >= c1)))) return;
    const std::uint32_t b = begin[i], e = begin[i + 1];
    const double* ad = &adot[l * K];
    if (ci >= 0) {
      const TapeCurvature& cv = curvature[ci];
      const double zbar = adjoint[l];
      const std::size_t ia = static_cast<std::size_t>(index[b] - first);
      const std::size_t ib = e - b == 2 ? static_cast<std::size_t>(index[b + 1] - first) : ia;
      const bool curv = zbar != 0.0 && (tnz[ia] || tnz[ib]);
      if (!has_ad && !curv) return;
      double ta[K], tb[K], ga[K];
      for (int k = 0; k < K; ++k) ta[k] = tnz[ia] ? tdot[ia * K + k] : 0.0;
      for (int k = 0; k < K; ++k) tb[k] = tnz[ib] ? tdot[ib * K + k] : 0.0;
      const double da = partial[b];
      for (int k = 0; k < K; ++k) ga[k] = (has_ad ? da * ad[k] : 0.0);
      if (e - b == 1) {
        const double wa = zbar * cv.aa;
        for (int k = 0; k < K; ++k) ga[k] += wa * ta[k];
        accumulate(ia, ga);
      } else {
        const double db = partial[b + 1];
        double gb[K];
        for (int k = 0; k < K; ++k) {
          ga[k] += zbar * (cv.aa * ta[k] + cv.ab * tb[k]);
          gb[k] = (has_ad ? db * ad[k] : 0.0) + zbar * (cv.ab * ta[k] + cv.bb * tb[k]);
        }
        accumulate(ia, ga);
        accumulate(ib, gb);
      }
      return;
    }
    if (!has_ad) return;
    for (std::uint32_t a = b; a < e; ++a) {
      const double d = partial[a];
      double g[K];
      for (int k = 0; k < K; ++k) g[k] = d * ad[k];
      accumulate(static_cast<std::size_t>(index[a] - first), g);
    }
  };
  // (Nodes outside the block's list can still receive adjoint-tangents, e.g. y in x * y for x in
  // the block, so the reverse sweep walks down the tape rather than the list.)
  if (lowest < nodes)
    for (std::size_t l = last + 1; l-- > stop;) reverse(l);  // `stop` falls as nodes receive

  // Every input's entries of this block are written (zeros where its adjoint-tangent is zero), so
  // HV needs no clearing beforehand.
  auto write = [&](std::int32_t in, std::size_t l) {
    const double* src = &adot[l * K];
    const bool nonzero = anz[l];
    if (identity) {
      // Dense Hessian: write the block transposed (H is symmetric), down column `in`, contiguously.
      double* dst = &HV(col, in);
      if (width == K) {  // fixed-size copies, no library calls
        if (nonzero) {
          for (int k = 0; k < K; ++k) dst[k] = src[k];
        } else {
          for (int k = 0; k < K; ++k) dst[k] = 0.0;
        }
      } else {
        for (Eigen::Index k = 0; k < width; ++k) dst[k] = nonzero ? src[k] : 0.0;
      }
    } else {
      for (Eigen::Index k = 0; k < width; ++k) HV(in, col + k) = nonzero ? src[k] : 0.0;
    }
  };
  if (identity) {
    for (std::size_t c = 0; c < w.node_of_input.size(); ++c)
      if (const std::int32_t node = w.node_of_input[c]; node >= 0) write(static_cast<std::int32_t>(c), static_cast<std::size_t>(node));
  } else {
    for (std::size_t l = 0; l < nodes; ++l)
      if (const std::int32_t in = input_of_node[l]; in >= 0) write(in, l);
  }
}

/// For the identity blocks of a dense Hessian: the node of each input, each node's dependence
/// interval, and, where most nodes meet few blocks, the list of nodes of each block of K inputs
/// (see SweepScratch). `w.input_of_node` must be filled.
template <int K>
void index_dependence(const Tape<double>& tape, std::int32_t first, std::int32_t output, Eigen::Index n, SweepScratch& w) {
  const std::size_t nodes = static_cast<std::size_t>(output + 1 - first);
  const std::int32_t* index = tape.indices_data();
  const std::uint32_t* begin = tape.begin_data();
  w.node_of_input.assign(static_cast<std::size_t>(n), -1);
  w.dep_lo.resize(nodes);
  w.dep_hi.resize(nodes);
  for (std::size_t l = 0; l < nodes; ++l) {
    const std::int32_t i = first + static_cast<std::int32_t>(l);
    std::int32_t lo = std::numeric_limits<std::int32_t>::max(), hi = -1;
    if (begin[i] == begin[i + 1]) {
      if (const std::int32_t in = w.input_of_node[l]; in >= 0) {
        lo = hi = in;
        w.node_of_input[static_cast<std::size_t>(in)] = static_cast<std::int32_t>(l);
      }
    }
    for (std::uint32_t a = begin[i]; a < begin[i + 1]; ++a) {
      const std::size_t j = static_cast<std::size_t>(index[a] - first);
      lo = std::min(lo, w.dep_lo[j]);
      hi = std::max(hi, w.dep_hi[j]);
    }
    w.dep_lo[l] = lo;
    w.dep_hi[l] = hi;
  }
  // The nodes of each block of K inputs: those whose interval meets it. A dense function would list
  // every node in every block; a separable one lists each node about once.
  auto blocks_of = [&](std::size_t l) {
    return std::pair<std::size_t, std::size_t>(static_cast<std::size_t>(w.dep_lo[l] / K), static_cast<std::size_t>(w.dep_hi[l] / K));
  };
  const std::size_t blocks = static_cast<std::size_t>((n + K - 1) / K);
  w.block_begin.assign(blocks + 1, 0);
  for (std::size_t l = 0; l < nodes; ++l) {
    if (w.dep_hi[l] < 0) continue;
    const auto [b0, b1] = blocks_of(l);
    for (std::size_t blk = b0; blk <= b1; ++blk) ++w.block_begin[blk + 1];
  }
  for (std::size_t blk = 0; blk < blocks; ++blk) w.block_begin[blk + 1] += w.block_begin[blk];
  const std::size_t total = w.block_begin[blocks];
  if (2 * total > nodes * blocks || total > (std::size_t{1} << 26)) {
    // Most nodes meet most blocks (a dense function), or the lists would be too large: the sweeps
    // test the intervals node by node.
    w.block_begin.clear();
    return;
  }
  w.block_nodes.resize(total);
  w.fill.assign(w.block_begin.begin(), w.block_begin.end() - 1);  // next free slot per block
  for (std::size_t l = 0; l < nodes; ++l) {
    if (w.dep_hi[l] < 0) continue;
    const auto [b0, b1] = blocks_of(l);
    for (std::size_t blk = b0; blk <= b1; ++blk) w.block_nodes[w.fill[blk]++] = static_cast<std::int32_t>(l);
  }
}

/// H V (V = nullptr: the dense H, up to rounding symmetric) for the taped range [first, output],
/// in blocks of K columns.
/// `w.adjoint` and `w.input_of_node` must be filled by the caller.
/// With `colour` (V = nullptr): H S for the compressed seeds S (n x colours, see
/// hessian_sweep_block), into HV (n x colours).
template <int K>
void hessian_sweep(const Tape<double>& tape, std::int32_t first, std::int32_t output, const Eigen::MatrixXd* V,
                   Eigen::Index n, Eigen::MatrixXd& HV, SweepScratch& w, const std::int32_t* colour = nullptr,
                   Eigen::Index colours = 0) {
  const Eigen::Index cols = V ? V->cols() : (colour ? colours : n);
  HV.resize(n, cols);
  // Inputs recorded after the output (or never reached) have no node in range: their rows are zero.
  if (std::count_if(w.input_of_node.begin(), w.input_of_node.end(), [](std::int32_t i) { return i >= 0; }) != n)
    HV.setZero();
  const std::size_t nodes = static_cast<std::size_t>(output + 1 - first);
  const std::int32_t* index = tape.indices_data();
  const std::uint32_t* begin = tape.begin_data();
  // Which nodes are nonlinear (their curvature record), and which tangents are ever read: only
  // those that reach a nonlinear node's arguments (walking back from the nonlinear nodes).
  w.curvature_of.assign(nodes, -1);
  const auto& curvature = tape.curvature();
  for (std::size_t c = 0; c < curvature.size(); ++c) {
    const std::int32_t node = curvature[c].node;
    if (node >= first && node <= output) w.curvature_of[static_cast<std::size_t>(node - first)] = static_cast<std::int32_t>(c);
  }
  w.needs_tangent.assign(nodes, 0);
  for (std::int32_t i = output; i >= first; --i) {
    const std::size_t l = static_cast<std::size_t>(i - first);
    if (w.curvature_of[l] < 0 && !w.needs_tangent[l]) continue;
    for (std::uint32_t a = begin[i]; a < begin[i + 1]; ++a) w.needs_tangent[static_cast<std::size_t>(index[a] - first)] = 1;
  }
  if (V == nullptr && colour == nullptr)
    index_dependence<K>(tape, first, output, n, w);
  else
    w.block_begin.clear();
  for (Eigen::Index col = 0; col < cols; col += K) hessian_sweep_block<K>(tape, first, output, V, col, cols, HV, w, colour);
}

}  // namespace hessfit::ad::detail
