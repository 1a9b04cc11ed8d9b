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
#include <vector>

#include "hessfit/autodiff/tape.hpp"

namespace hessfit::ad::detail {

/// Node range [first, output] of `tape`, its inputs (node indices, in order) and the adjoints zbar
/// (indexed by node - first). Computes H V for the K columns of V starting at column `col` (fewer
/// at the end), writing into HV's same columns. Scratch vectors are reused between calls.
template <int K>
void hessian_sweep_block(const Tape<double>& tape, std::int32_t first, std::int32_t output,
                         const std::vector<std::int32_t>& input_of_node, const std::vector<double>& adjoint,
                         const Eigen::MatrixXd& V, Eigen::Index col, Eigen::MatrixXd& HV,
                         std::vector<double>& tdot, std::vector<double>& adot) {
  const std::size_t nodes = static_cast<std::size_t>(output + 1 - first);
  const Eigen::Index width = std::min<Eigen::Index>(K, V.cols() - col);
  tdot.resize(nodes * K);
  adot.assign(nodes * K, 0.0);
  const TapeArg<double>* args = tape.args_data();
  const std::uint32_t* begin = tape.begin_data();

  // forward tangents
  for (std::size_t l = 0; l < nodes; ++l) {
    double* t = &tdot[l * K];
    const std::int32_t i = first + static_cast<std::int32_t>(l);
    const std::uint32_t b = begin[i], e = begin[i + 1];
    if (b == e) {
      const std::int32_t in = input_of_node[l];
      for (int k = 0; k < K; ++k) t[k] = (in >= 0 && k < width) ? V(in, col + k) : 0.0;
      continue;
    }
    {
      const double d = args[b].partial;
      const double* s = &tdot[static_cast<std::size_t>(args[b].index - first) * K];
      for (int k = 0; k < K; ++k) t[k] = d * s[k];
    }
    for (std::uint32_t a = b + 1; a < e; ++a) {
      const double d = args[a].partial;
      const double* s = &tdot[static_cast<std::size_t>(args[a].index - first) * K];
      for (int k = 0; k < K; ++k) t[k] += d * s[k];
    }
  }

  // reverse adjoint-tangents
  const auto& curvature = tape.curvature();
  auto c = std::upper_bound(curvature.begin(), curvature.end(), output,
                            [](std::int32_t node, const TapeCurvature& cv) { return node < cv.node; });
  for (std::int32_t i = output; i >= first; --i) {
    const std::size_t l = static_cast<std::size_t>(i - first);
    const double* ad = &adot[l * K];
    const std::uint32_t b = begin[i], e = begin[i + 1];
    while (c != curvature.begin() && std::prev(c)->node > i) --c;
    const bool nonlinear = c != curvature.begin() && std::prev(c)->node == i;
    if (nonlinear) {
      const TapeCurvature& cv = *std::prev(c);
      const double zbar = adjoint[l];
      const std::size_t ia = static_cast<std::size_t>(args[b].index - first);
      const double da = args[b].partial;
      if (e - b == 1) {
        double* aa = &adot[ia * K];
        const double* ta = &tdot[ia * K];
        const double w = zbar * cv.aa;
        for (int k = 0; k < K; ++k) aa[k] += da * ad[k] + w * ta[k];
      } else {
        const std::size_t ib = static_cast<std::size_t>(args[b + 1].index - first);
        const double db = args[b + 1].partial;
        const double* ta = &tdot[ia * K];
        const double* tb = &tdot[ib * K];
        double ga[K], gb[K];
        for (int k = 0; k < K; ++k) {
          ga[k] = da * ad[k] + zbar * (cv.aa * ta[k] + cv.ab * tb[k]);
          gb[k] = db * ad[k] + zbar * (cv.ab * ta[k] + cv.bb * tb[k]);
        }
        double* aa = &adot[ia * K];
        for (int k = 0; k < K; ++k) aa[k] += ga[k];
        double* ab = &adot[ib * K];
        for (int k = 0; k < K; ++k) ab[k] += gb[k];
      }
      continue;
    }
    for (std::uint32_t a = b; a < e; ++a) {
      const double d = args[a].partial;
      double* s = &adot[static_cast<std::size_t>(args[a].index - first) * K];
      for (int k = 0; k < K; ++k) s[k] += d * ad[k];
    }
  }

  for (std::size_t l = 0; l < nodes; ++l) {
    const std::int32_t in = input_of_node[l];
    if (in < 0) continue;
    for (Eigen::Index k = 0; k < width; ++k) HV(in, col + k) = adot[l * K + k];
  }
}

/// H V for all columns of V, in blocks of K.
template <int K>
void hessian_sweep(const Tape<double>& tape, std::int32_t first, std::int32_t output,
                   const std::vector<std::int32_t>& input_of_node, const std::vector<double>& adjoint,
                   const Eigen::MatrixXd& V, Eigen::MatrixXd& HV) {
  HV.setZero(V.rows(), V.cols());
  std::vector<double> tdot, adot;
  for (Eigen::Index col = 0; col < V.cols(); col += K)
    hessian_sweep_block<K>(tape, first, output, input_of_node, adjoint, V, col, HV, tdot, adot);
}

}  // namespace hessfit::ad::detail
