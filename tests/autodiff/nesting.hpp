// Value, first and second derivative of a scalar function of one variable through every AD
// scalar type and nesting, so that one test body checks them all.
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "hessfit/autodiff.hpp"

namespace hessfit::ad::testing {

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct Derivatives {
  double value, d1, d2;  // d2 is NaN for first-order types
};

// ---- first order ----
template <int N>
struct ForwardMode {
  static constexpr const char* name = "Dual<double,N>";
  template <class F>
  static Derivatives eval(F f, double x) {
    Dual<double, N> xd(x);
    if constexpr (N == kDynamic) xd.tangents().assign(3, 0.0);
    xd.seed(0);
    const auto y = f(xd);
    return {y.value(), y.width() > 0 ? y.tangent(0) : 0.0, kNoValue};
  }
};
struct ReverseMode {
  template <class F>
  static Derivatives eval(F f, double x) {
    TapeScope<double> scope;
    auto xv = Var<double>::input(x);
    const Var<double> y = f(xv);
    if (!y.on_tape()) return {y.value(), 0.0, kNoValue};
    std::vector<double> adjoint;
    scope.tape().adjoints(y.index(), xv.index(), adjoint);
    return {y.value(), y.coeff() * adjoint[0], kNoValue};
  }
};

// ---- second order ----
struct ForwardOverForward {
  template <class F>
  static Derivatives eval(F f, double x) {
    using D1 = Dual<double, 1>;
    Dual<D1, 1> xd(D1(x).seed(0));
    xd.seed(0);
    const auto y = f(xd);
    return {y.value().value(), y.value().tangent(0), y.tangent(0).tangent(0)};
  }
};
struct ForwardOverReverseType {  // Var<Dual>: reverse sweep carrying a tangent
  template <class F>
  static Derivatives eval(F f, double x) {
    using D1 = Dual<double, 1>;
    TapeScope<D1> scope;
    auto xv = Var<D1>::input(D1(x).seed(0));
    const Var<D1> y = f(xv);
    if (!y.on_tape()) return {y.value().value(), y.value().tangent(0), 0.0};
    std::vector<D1> adjoint;
    scope.tape().adjoints(y.index(), xv.index(), adjoint);
    const D1 g = adjoint[0] * y.coeff();
    return {y.value().value(), g.value(), g.tangent(0)};
  }
};
struct ReverseOverForward {  // Dual<Var>: the directional derivative swept back
  template <class F>
  static Derivatives eval(F f, double x) {
    TapeScope<double> scope;
    auto xv = Var<double>::input(x);
    Dual<Var<double>, 1> xd(xv);
    xd.seed(0);
    const auto y = f(xd);
    const Var<double>& dy = y.tangent(0);
    if (!dy.on_tape()) return {y.value().value(), dy.value(), 0.0};
    std::vector<double> adjoint;
    scope.tape().adjoints(dy.index(), xv.index(), adjoint);
    return {y.value().value(), dy.value(), dy.coeff() * adjoint[0]};
  }
};
struct ReverseOverReverse {  // Var<Var>: the gradient sweep taped and swept again
  template <class F>
  static Derivatives eval(F f, double x) {
    TapeScope<double> inner_scope;
    TapeScope<Var<double>> outer_scope;
    auto xi = Var<double>::input(x);
    auto xv = Var<Var<double>>::input(xi);
    const Var<Var<double>> y = f(xv);
    const double value = y.value().value();
    if (!y.on_tape()) return {value, 0.0, 0.0};
    std::vector<Var<double>> adjoint(static_cast<std::size_t>(y.index() + 1 - xv.index()), Var<double>(0.0));
    adjoint.back() = Var<double>(y.coeff());
    outer_scope.tape().sweep_adjoints(y.index(), xv.index(), adjoint);
    const Var<double>& g = adjoint[0];
    if (!g.on_tape()) return {value, g.value(), 0.0};
    std::vector<double> adj2;
    inner_scope.tape().adjoints(g.index(), xi.index(), adj2);
    return {value, g.value(), g.coeff() * adj2[0]};
  }
};
struct TapeSweepHessian {  // the default Hessian driver on a one-variable function
  template <class F>
  static Derivatives eval(F f, double x) {
    Eigen::VectorXd p(1);
    p << x;
    auto g = [&](const auto& v) { return f(v[0]); };
    Eigen::VectorXd grad;
    Eigen::MatrixXd H;
    const double value = value_gradient_hessian(g, p, grad, H);
    return {value, grad[0], H(0, 0)};
  }
};

}  // namespace hessfit::ad::testing
