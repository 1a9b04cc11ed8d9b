// Derivative drivers. `f` is any generic callable taking `const Eigen::Matrix<S, Dynamic, 1>&` for
// the scalar type S it is instantiated with (a lambda with an `auto` argument that reads x[i] and
// x.size()) and returning S; vector-valued F returns Eigen::Matrix<S, Dynamic, 1>.
//
//   gradient          one taping + one reverse sweep                     cost ~ a few f
//   jacobian_forward  ceil(n/8) passes of Dual<double, 8>                cost ~ n/8 f
//   jacobian_reverse  one taping + m reverse sweeps                      cost ~ m sweeps
//   hessian           kForwardOverReverse (default): one taping with curvature, then H e_j swept
//                     8 directions at a time over the tape (jacfwd(jacrev(f)));
//                     kReverseOverReverse: Var<Var<double>>, the gradient sweep is itself taped,
//                     then n reverse sweeps (jacrev(jacrev(f)));
//                     kForwardOverForward: Dual<Dual<double, 8>, 1>, n * ceil(n/8) passes;
//                     kReverseOverForward: Dual<Var<double>, 1>, n tapings of a directional
//                     derivative, each swept back (jacrev(jacfwd(f))).
// All drivers run on the calling thread's tapes and leave them as they found them.
#pragma once

#include <Eigen/Core>
#include <stdexcept>
#include <string>
#include <vector>

#include "hessfit/autodiff/eigen.hpp"
#include "hessfit/autodiff/hessian_sweep.hpp"

namespace hessfit::ad {

enum class HessianMode { kForwardOverReverse, kReverseOverReverse, kForwardOverForward, kReverseOverForward };

inline const char* to_string(HessianMode mode) {
  switch (mode) {
    case HessianMode::kForwardOverReverse: return "forward-over-reverse";
    case HessianMode::kReverseOverReverse: return "reverse-over-reverse";
    case HessianMode::kForwardOverForward: return "forward-over-forward";
    case HessianMode::kReverseOverForward: return "reverse-over-forward";
  }
  return "?";
}

template <class S>
using Vector = Eigen::Matrix<S, Eigen::Dynamic, 1>;

namespace detail {

template <class F, class S>
S call_scalar(F& f, const Vector<S>& x) {
  return static_cast<S>(f(x));
}

/// Tapes f at x on the active Tape<double>: inputs, output node (or -1 if f is constant), value.
struct Taped {
  std::int32_t first;
  std::int32_t output;
  std::vector<std::int32_t> input_nodes;
  double value;
};

template <class F>
Taped tape_function(F& f, const Eigen::VectorXd& x) {
  auto& tape = Tape<double>::active();
  Vector<Var<double>> xv(x.size());
  Taped t{tape.size(), -1, {}, 0.0};
  t.input_nodes.resize(static_cast<std::size_t>(x.size()));
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    xv[i] = Var<double>::input(x[i]);
    t.input_nodes[static_cast<std::size_t>(i)] = xv[i].index();
  }
  const Var<double> y = call_scalar(f, xv);
  t.value = y.value();
  if (y.on_tape()) {
    // y = coeff * node + shift: the output node's adjoint is coeff.
    t.output = y.index();
  }
  if (y.on_tape() && y.coeff() != 1.0) {
    t.output = tape.push_linear(y.index(), y.coeff());
  }
  return t;
}

inline void gather_gradient(const Taped& t, const std::vector<double>& adjoint, Eigen::VectorXd& g) {
  g.setZero(static_cast<Eigen::Index>(t.input_nodes.size()));
  if (t.output < 0) return;
  for (std::size_t i = 0; i < t.input_nodes.size(); ++i) {
    const std::int32_t node = t.input_nodes[i];
    if (node <= t.output) g[static_cast<Eigen::Index>(i)] += adjoint[static_cast<std::size_t>(node - t.first)];
  }
}

inline void check_sizes(const Eigen::VectorXd& x, const Eigen::VectorXd& v, const char* what) {
  if (x.size() != v.size())
    throw std::invalid_argument(std::string("hessfit::ad::") + what + ": x has " + std::to_string(x.size()) +
                                " entries, v has " + std::to_string(v.size()));
}

/// H V by forward-over-reverse on one taping; also the value and gradient.
/// H V by forward-over-reverse on one taping (V = nullptr: the dense H); also value and gradient.
template <class F>
double hessian_times(F& f, const Eigen::VectorXd& x, const Eigen::MatrixXd* V, Eigen::VectorXd* g,
                     Eigen::MatrixXd& HV) {
  auto& tape = Tape<double>::active();
  TapeScope<double> scope(tape);
  tape.set_curvature_enabled(true);
  const Taped t = tape_function(f, x);
  const Eigen::Index cols = V ? V->cols() : x.size();
  if (t.output < 0) {
    if (g) g->setZero(x.size());
    HV.setZero(x.size(), cols);
    return t.value;
  }
  SweepScratch& w = thread_sweep_scratch();
  tape.adjoints(t.output, t.first, w.adjoint);
  if (g) gather_gradient(t, w.adjoint, *g);
  w.input_of_node.assign(static_cast<std::size_t>(t.output + 1 - t.first), -1);
  for (std::size_t i = 0; i < t.input_nodes.size(); ++i)
    if (t.input_nodes[i] <= t.output)
      w.input_of_node[static_cast<std::size_t>(t.input_nodes[i] - t.first)] = static_cast<std::int32_t>(i);
  if (cols <= 2)
    hessian_sweep<1>(tape, t.first, t.output, V, x.size(), HV, w);
  else if (cols <= 4)
    hessian_sweep<4>(tape, t.first, t.output, V, x.size(), HV, w);
  else if (cols <= 64)
    hessian_sweep<8>(tape, t.first, t.output, V, x.size(), HV, w);
  else
    hessian_sweep<16>(tape, t.first, t.output, V, x.size(), HV, w);
  return t.value;
}

/// Makes H exactly symmetric: the mean of the two triangles, in cache-sized tiles.
inline void symmetrize(Eigen::MatrixXd& H) {
  constexpr Eigen::Index kTile = 32;
  const Eigen::Index n = H.rows();
  for (Eigen::Index jb = 0; jb < n; jb += kTile)
    for (Eigen::Index ib = jb; ib < n; ib += kTile)
      for (Eigen::Index j = jb; j < std::min(jb + kTile, n); ++j)
        for (Eigen::Index i = std::max(ib, j + 1); i < std::min(ib + kTile, n); ++i)
          H(i, j) = H(j, i) = 0.5 * (H(i, j) + H(j, i));
}

}  // namespace detail

/// f(x) and its gradient by one taping and one reverse sweep.
template <class F>
double value_and_gradient(F&& f, const Eigen::VectorXd& x, Eigen::VectorXd& gradient) {
  TapeScope<double> scope;
  const detail::Taped t = detail::tape_function(f, x);
  // The thread's sweep scratch holds the adjoints (f has returned, so no nested use is live).
  std::vector<double>& adjoint = detail::thread_sweep_scratch().adjoint;
  adjoint.clear();
  if (t.output >= 0) scope.tape().adjoints(t.output, t.first, adjoint);
  detail::gather_gradient(t, adjoint, gradient);
  return t.value;
}

template <class F>
Eigen::VectorXd gradient(F&& f, const Eigen::VectorXd& x) {
  Eigen::VectorXd g;
  value_and_gradient(f, x, g);
  return g;
}

/// f(x), gradient and exact Hessian (forward-over-reverse) from a single taping.
template <class F>
double value_gradient_hessian(F&& f, const Eigen::VectorXd& x, Eigen::VectorXd& gradient, Eigen::MatrixXd& hessian) {
  const double v = detail::hessian_times(f, x, nullptr, &gradient, hessian);
  detail::symmetrize(hessian);  // each column is exact up to rounding; make H symmetric to the bit
  return v;
}

/// H(x) v by one forward-over-reverse sweep (never forms H).
template <class F>
Eigen::VectorXd hessian_vector_product(F&& f, const Eigen::VectorXd& x, const Eigen::VectorXd& v) {
  detail::check_sizes(x, v, "hessian_vector_product");
  Eigen::MatrixXd hv;
  const Eigen::MatrixXd V = v;
  detail::hessian_times(f, x, &V, nullptr, hv);
  return hv.col(0);
}

/// Jacobian (m x n) of a vector function by forward mode, 8 directions per pass.
template <class F>
Eigen::MatrixXd jacobian_forward(F&& F_, const Eigen::VectorXd& x) {
  using D = Dual<double, 8>;
  const Eigen::Index n = x.size();
  Eigen::MatrixXd J;
  for (Eigen::Index col = 0; col < std::max<Eigen::Index>(n, 1); col += 8) {
    Vector<D> xd(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      xd[i] = D(x[i]);
      if (i >= col && i < col + 8) xd[i].seed(static_cast<std::size_t>(i - col));
    }
    const Vector<D> y = F_(xd);
    if (col == 0) J.setZero(y.size(), n);
    for (Eigen::Index r = 0; r < y.size(); ++r)
      for (Eigen::Index k = 0; k < 8 && col + k < n; ++k) J(r, col + k) = y[r].tangent(static_cast<std::size_t>(k));
    if (n == 0) break;
  }
  return J;
}

/// Jacobian (m x n) of a vector function by one taping and m reverse sweeps.
template <class F>
Eigen::MatrixXd jacobian_reverse(F&& F_, const Eigen::VectorXd& x) {
  TapeScope<double> scope;
  auto& tape = scope.tape();
  const std::int32_t first = tape.size();
  Vector<Var<double>> xv(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) xv[i] = Var<double>::input(x[i]);
  const Vector<Var<double>> y = F_(xv);
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(y.size(), x.size());
  std::vector<double> adjoint;
  for (Eigen::Index r = 0; r < y.size(); ++r) {
    if (!y[r].on_tape()) continue;
    const std::int32_t out = y[r].index();
    adjoint.assign(static_cast<std::size_t>(out + 1 - first), 0.0);
    adjoint[static_cast<std::size_t>(out - first)] = y[r].coeff();
    tape.sweep_adjoints(out, first, adjoint);
    for (Eigen::Index i = 0; i < x.size(); ++i)
      if (xv[i].index() <= out) J(r, i) = adjoint[static_cast<std::size_t>(xv[i].index() - first)];
  }
  return J;
}

/// Exact Hessian of a scalar function by the chosen composition of modes.
template <class F>
Eigen::MatrixXd hessian(F&& f, const Eigen::VectorXd& x, HessianMode mode = HessianMode::kForwardOverReverse) {
  const Eigen::Index n = x.size();
  Eigen::MatrixXd H;
  if (mode == HessianMode::kForwardOverReverse) {
    Eigen::VectorXd g;
    value_gradient_hessian(f, x, g, H);
    return H;
  }
  H.setZero(n, n);
  switch (mode) {
    case HessianMode::kForwardOverReverse:
      break;
    case HessianMode::kReverseOverReverse: {
      using V2 = Var<Var<double>>;
      TapeScope<double> inner_scope;
      TapeScope<Var<double>> outer_scope;
      auto& inner = inner_scope.tape();
      auto& outer = outer_scope.tape();
      const std::int32_t inner_first = inner.size();
      const std::int32_t outer_first = outer.size();
      Vector<V2> xv(n);
      std::vector<std::int32_t> inner_inputs(static_cast<std::size_t>(n));
      for (Eigen::Index i = 0; i < n; ++i) {
        Var<double> xi = Var<double>::input(x[i]);
        inner_inputs[static_cast<std::size_t>(i)] = xi.index();
        xv[i] = V2::input(xi);
      }
      const V2 y = detail::call_scalar(f, xv);
      if (!y.on_tape()) return H;
      // Outer reverse sweep in Var<double> arithmetic: records the gradient on the inner tape.
      std::vector<Var<double>> adjoint(static_cast<std::size_t>(y.index() + 1 - outer_first), Var<double>(0.0));
      adjoint[static_cast<std::size_t>(y.index() - outer_first)] = Var<double>(y.coeff());
      outer.sweep_adjoints(y.index(), outer_first, adjoint);
      std::vector<double> adj2;
      for (Eigen::Index i = 0; i < n; ++i) {
        if (xv[i].index() > y.index()) continue;  // an input recorded after y cannot affect it
        const Var<double>& gi = adjoint[static_cast<std::size_t>(xv[i].index() - outer_first)];
        if (!gi.on_tape()) continue;
        adj2.assign(static_cast<std::size_t>(gi.index() + 1 - inner_first), 0.0);
        adj2[static_cast<std::size_t>(gi.index() - inner_first)] = gi.coeff();
        inner.sweep_adjoints(gi.index(), inner_first, adj2);
        for (Eigen::Index j = 0; j < n; ++j) {
          const std::int32_t node = inner_inputs[static_cast<std::size_t>(j)];
          if (node <= gi.index()) H(i, j) = adj2[static_cast<std::size_t>(node - inner_first)];
        }
      }
      return H;
    }
    case HessianMode::kForwardOverForward: {
      using D2 = Dual<Dual<double, 8>, 1>;
      for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index col = 0; col < n; col += 8) {
          Vector<D2> xd(n);
          for (Eigen::Index j = 0; j < n; ++j) {
            Dual<double, 8> inner(x[j]);
            if (j >= col && j < col + 8) inner.seed(static_cast<std::size_t>(j - col));
            xd[j] = D2(inner);
            if (j == i) xd[j].seed(0);
          }
          const D2 y = detail::call_scalar(f, xd);
          for (Eigen::Index k = 0; k < 8 && col + k < n; ++k)
            H(i, col + k) = y.tangent(0).tangent(static_cast<std::size_t>(k));
        }
      }
      return H;
    }
    case HessianMode::kReverseOverForward: {
      using D = Dual<Var<double>, 1>;
      TapeScope<double> scope;
      auto& tape = scope.tape();
      std::vector<double> adjoint;
      for (Eigen::Index i = 0; i < n; ++i) {
        const TapeMark mark = tape.mark();
        const std::int32_t first = tape.size();
        Vector<D> xd(n);
        std::vector<std::int32_t> inputs(static_cast<std::size_t>(n));
        for (Eigen::Index j = 0; j < n; ++j) {
          xd[j] = D(Var<double>::input(x[j]));
          inputs[static_cast<std::size_t>(j)] = xd[j].value().index();
          if (j == i) xd[j].seed(0);
        }
        const D y = detail::call_scalar(f, xd);
        const Var<double>& dy = y.tangent(0);  // directional derivative grad f . e_i
        if (dy.on_tape()) {
          adjoint.assign(static_cast<std::size_t>(dy.index() + 1 - first), 0.0);
          adjoint[static_cast<std::size_t>(dy.index() - first)] = dy.coeff();
          tape.sweep_adjoints(dy.index(), first, adjoint);
          for (Eigen::Index j = 0; j < n; ++j) {
            const std::int32_t node = inputs[static_cast<std::size_t>(j)];
            if (node <= dy.index()) H(i, j) = adjoint[static_cast<std::size_t>(node - first)];
          }
        }
        tape.rewind(mark);
      }
      return H;
    }
  }
  return H;
}

}  // namespace hessfit::ad
