// Elementary functions of AD scalars, found by argument-dependent lookup: generic code writes
// `using std::exp; exp(x)` and gets std::exp for double, hessfit::ad::exp for Dual and Var.
//
// Each unary function is a rule with its value, its first derivative computed in the scalar's own
// arithmetic (so that nesting differentiates it again), and its second derivative in double (what
// a Hessian tape records for a nonlinear node). Special-function derivatives use Boost.Math
// (digamma, trigamma, polygamma).
#pragma once

#include <math.h>  // lgamma_r

#include <cmath>
#include <numbers>
#include <type_traits>

#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/polygamma.hpp>
#include <boost/math/special_functions/trigamma.hpp>

#include "hessfit/autodiff/dual.hpp"
#include "hessfit/autodiff/var.hpp"

namespace hessfit::ad {

// polygamma of plain doubles (the AD versions are below); order 0 is digamma, 1 trigamma.
inline double polygamma(int n, double x) {
  if (n == 0) return boost::math::digamma(x);
  if (n == 1) return boost::math::trigamma(x);
  return boost::math::polygamma(n, x);
}
inline double digamma(double x) { return boost::math::digamma(x); }
inline double trigamma(double x) { return boost::math::trigamma(x); }

namespace detail {

template <class Rule, class T, int N>
Dual<T, N> apply_unary(const Dual<T, N>& x) {
  T fx = Rule::value(x.value());
  T d = Rule::d1(x.value(), fx);
  return dual_chain(x, std::move(fx), d);
}

template <class Rule, class T>
Var<T> apply_unary(Var<T> x) {
  T fx = Rule::value(x.value());
  if (!x.on_tape()) return Var<T>(std::move(fx));
  T d = Rule::d1(x.value(), fx);
  const double c = x.coeff();
  double d2 = 0.0;
  auto& tape = Tape<T>::active();
  if constexpr (std::same_as<T, double>)
    if (tape.curvature_enabled()) d2 = Rule::d2(x.value(), fx, d) * c * c;
  return Var<T>(std::move(fx), 1.0, tape.push_nonlinear(x.index(), T(d * c), d2));
}

// value, d1 in the scalar's arithmetic (fx = value), d2 in double (d = d1).
struct Exp {
  template <class T> static T value(const T& x) { using std::exp; return exp(x); }
  template <class T> static T d1(const T&, const T& fx) { return fx; }
  static double d2(double, double fx, double) { return fx; }
};
struct Log {
  template <class T> static T value(const T& x) { using std::log; return log(x); }
  template <class T> static T d1(const T& x, const T&) { return 1.0 / x; }
  static double d2(double, double, double d) { return -d * d; }
};
struct Log1p {
  template <class T> static T value(const T& x) { using std::log1p; return log1p(x); }
  template <class T> static T d1(const T& x, const T&) { return 1.0 / (1.0 + x); }
  static double d2(double, double, double d) { return -d * d; }
};
struct Expm1 {
  template <class T> static T value(const T& x) { using std::expm1; return expm1(x); }
  template <class T> static T d1(const T& x, const T&) { using std::exp; return exp(x); }
  static double d2(double, double, double d) { return d; }
};
struct Sqrt {
  template <class T> static T value(const T& x) { using std::sqrt; return sqrt(x); }
  template <class T> static T d1(const T&, const T& fx) { return 0.5 / fx; }
  static double d2(double x, double, double d) { return -0.5 * d / x; }
};
struct Cbrt {
  template <class T> static T value(const T& x) { using std::cbrt; return cbrt(x); }
  template <class T> static T d1(const T&, const T& fx) { return 1.0 / (3.0 * fx * fx); }
  static double d2(double x, double, double d) { return -2.0 / 3.0 * d / x; }
};
struct Sin {
  template <class T> static T value(const T& x) { using std::sin; return sin(x); }
  template <class T> static T d1(const T& x, const T&) { using std::cos; return cos(x); }
  static double d2(double, double fx, double) { return -fx; }
};
struct Cos {
  template <class T> static T value(const T& x) { using std::cos; return cos(x); }
  template <class T> static T d1(const T& x, const T&) { using std::sin; return -sin(x); }
  static double d2(double, double fx, double) { return -fx; }
};
struct Tan {
  template <class T> static T value(const T& x) { using std::tan; return tan(x); }
  template <class T> static T d1(const T&, const T& fx) { return 1.0 + fx * fx; }
  static double d2(double, double fx, double d) { return 2.0 * fx * d; }
};
struct Asin {
  template <class T> static T value(const T& x) { using std::asin; return asin(x); }
  template <class T> static T d1(const T& x, const T&) { using std::sqrt; return 1.0 / sqrt(1.0 - x * x); }
  static double d2(double x, double, double d) { return x * d * d * d; }
};
struct Acos {
  template <class T> static T value(const T& x) { using std::acos; return acos(x); }
  template <class T> static T d1(const T& x, const T&) { using std::sqrt; return -1.0 / sqrt(1.0 - x * x); }
  static double d2(double x, double, double d) { return x * d * d * d; }
};
struct Atan {
  template <class T> static T value(const T& x) { using std::atan; return atan(x); }
  template <class T> static T d1(const T& x, const T&) { return 1.0 / (1.0 + x * x); }
  static double d2(double x, double, double d) { return -2.0 * x * d * d; }
};
struct Sinh {
  template <class T> static T value(const T& x) { using std::sinh; return sinh(x); }
  template <class T> static T d1(const T& x, const T&) { using std::cosh; return cosh(x); }
  static double d2(double, double fx, double) { return fx; }
};
struct Cosh {
  template <class T> static T value(const T& x) { using std::cosh; return cosh(x); }
  template <class T> static T d1(const T& x, const T&) { using std::sinh; return sinh(x); }
  static double d2(double, double fx, double) { return fx; }
};
struct Tanh {
  template <class T> static T value(const T& x) { using std::tanh; return tanh(x); }
  template <class T> static T d1(const T&, const T& fx) { return 1.0 - fx * fx; }
  static double d2(double, double fx, double d) { return -2.0 * fx * d; }
};
struct Erf {
  template <class T> static T value(const T& x) { using std::erf; return erf(x); }
  template <class T> static T d1(const T& x, const T&) {
    using std::exp;
    return std::numbers::inv_sqrtpi * 2.0 * exp(-(x * x));
  }
  static double d2(double x, double, double d) { return -2.0 * x * d; }
};
struct Erfc {
  template <class T> static T value(const T& x) { using std::erfc; return erfc(x); }
  template <class T> static T d1(const T& x, const T&) {
    using std::exp;
    return std::numbers::inv_sqrtpi * -2.0 * exp(-(x * x));
  }
  static double d2(double x, double, double d) { return -2.0 * x * d; }
};
struct Lgamma {
  // On double, lgamma_r: std::lgamma also writes the global `signgam` (glibc: "MT-Unsafe
  // race:signgam"), a data race when a user NLL with lgamma is evaluated on several threads
  // (scans, impacts, toys); lgamma_r returns the sign through its argument, same value.
  template <class T> static T value(const T& x) {
    if constexpr (std::is_same_v<T, double>) {
      int sign = 0;
      return ::lgamma_r(x, &sign);
    } else {
      using std::lgamma;
      return lgamma(x);
    }
  }
  template <class T> static T d1(const T& x, const T&) { return digamma(x); }
  static double d2(double x, double, double) { return trigamma(x); }
};
struct Tgamma {
  template <class T> static T value(const T& x) { using std::tgamma; return tgamma(x); }
  template <class T> static T d1(const T& x, const T& fx) { return fx * digamma(x); }
  static double d2(double x, double fx, double) {
    const double psi = digamma(x);
    return fx * (psi * psi + trigamma(x));
  }
};
template <int Order>
struct Polygamma {
  template <class T> static T value(const T& x) { return polygamma(Order, x); }
  template <class T> static T d1(const T& x, const T&) { return polygamma(Order + 1, x); }
  static double d2(double x, double, double) { return polygamma(Order + 2, x); }
};
struct PolygammaN {  // run-time order, used through polygamma(n, x)
  int n;
};

}  // namespace detail

#define HESSFIT_AD_UNARY(NAME, RULE)                     \
  template <AdScalar S>                                  \
  HESSFIT_AD_INLINE S NAME(const S& x) {                 \
    return detail::apply_unary<detail::RULE>(x);         \
  }
HESSFIT_AD_UNARY(exp, Exp)
HESSFIT_AD_UNARY(log, Log)
HESSFIT_AD_UNARY(log1p, Log1p)
HESSFIT_AD_UNARY(expm1, Expm1)
HESSFIT_AD_UNARY(sqrt, Sqrt)
HESSFIT_AD_UNARY(cbrt, Cbrt)
HESSFIT_AD_UNARY(sin, Sin)
HESSFIT_AD_UNARY(cos, Cos)
HESSFIT_AD_UNARY(tan, Tan)
HESSFIT_AD_UNARY(asin, Asin)
HESSFIT_AD_UNARY(acos, Acos)
HESSFIT_AD_UNARY(atan, Atan)
HESSFIT_AD_UNARY(sinh, Sinh)
HESSFIT_AD_UNARY(cosh, Cosh)
HESSFIT_AD_UNARY(tanh, Tanh)
HESSFIT_AD_UNARY(erf, Erf)
HESSFIT_AD_UNARY(erfc, Erfc)
HESSFIT_AD_UNARY(lgamma, Lgamma)
HESSFIT_AD_UNARY(tgamma, Tgamma)
HESSFIT_AD_UNARY(digamma, Polygamma<0>)
HESSFIT_AD_UNARY(trigamma, Polygamma<1>)
#undef HESSFIT_AD_UNARY

/// log10 and log2 as scaled logs.
template <AdScalar S>
HESSFIT_AD_INLINE S log10(const S& x) {
  return log(x) * (1.0 / std::numbers::ln10);
}
template <AdScalar S>
HESSFIT_AD_INLINE S log2(const S& x) {
  return log(x) * (1.0 / std::numbers::ln2);
}

/// polygamma(n, x) = d^n/dx^n digamma(x).
template <AdScalar S>
HESSFIT_AD_INLINE S polygamma(int n, const S& x);

namespace detail {
template <class T>
T polygamma_dispatch(int n, const T& x) {
  return polygamma(n, x);
}
template <class T, int N>
Dual<T, N> polygamma_ad(int n, const Dual<T, N>& x) {
  T fx = polygamma_dispatch(n, x.value());
  T d = polygamma_dispatch(n + 1, x.value());
  return dual_chain(x, std::move(fx), d);
}
template <class T>
Var<T> polygamma_ad(int n, Var<T> x) {
  T fx = polygamma_dispatch(n, x.value());
  if (!x.on_tape()) return Var<T>(std::move(fx));
  T d = polygamma_dispatch(n + 1, x.value());
  const double c = x.coeff();
  auto& tape = Tape<T>::active();
  double d2 = 0.0;
  if constexpr (std::same_as<T, double>)
    if (tape.curvature_enabled()) d2 = polygamma(n + 2, x.value()) * c * c;
  return Var<T>(std::move(fx), 1.0, tape.push_nonlinear(x.index(), T(d * c), d2));
}
}  // namespace detail

template <AdScalar S>
HESSFIT_AD_INLINE S polygamma(int n, const S& x) {
  return detail::polygamma_ad(n, x);
}

// ---- non-smooth functions: the derivative of the branch taken (0 for abs at 0) ----------------

template <AdScalar S>
HESSFIT_AD_INLINE S abs(const S& x) {
  const double v = value_of(x);
  if (v > 0.0) return x;
  if (v < 0.0) return -x;
  return x * 0.0;
}
template <AdScalar S>
HESSFIT_AD_INLINE S fabs(const S& x) {
  return abs(x);
}
template <AdScalar S>
HESSFIT_AD_INLINE S fmax(const S& x, const S& y) {
  return value_of(y) > value_of(x) ? y : x;
}
template <AdScalar S>
HESSFIT_AD_INLINE S fmin(const S& x, const S& y) {
  return value_of(y) < value_of(x) ? y : x;
}
template <AdScalar S>
HESSFIT_AD_INLINE S fmax(const S& x, double y) {
  return y > value_of(x) ? S(y) : x;
}
template <AdScalar S>
HESSFIT_AD_INLINE S fmax(double x, const S& y) {
  return fmax(y, x);
}
template <AdScalar S>
HESSFIT_AD_INLINE S fmin(const S& x, double y) {
  return y < value_of(x) ? S(y) : x;
}
template <AdScalar S>
HESSFIT_AD_INLINE S fmin(double x, const S& y) {
  return fmin(y, x);
}

// ---- binary functions ---------------------------------------------------------------------------

/// x^c for a constant exponent.
template <class T, int N>
Dual<T, N> pow(const Dual<T, N>& x, double c) {
  using std::pow;
  if (c == 0.0) return Dual<T, N>(1.0);
  T fx = pow(x.value(), c);
  T d = c * pow(x.value(), c - 1.0);
  return detail::dual_chain(x, std::move(fx), d);
}
namespace detail {
template <class T>
Var<T> var_pow_c(Var<T> x, double c) {
  using std::pow;
  if (c == 0.0) return Var<T>(1.0);
  if (c == 1.0) return x;
  T fx = pow(x.value(), c);
  if (!x.on_tape()) return Var<T>(std::move(fx));
  T d = c * pow(x.value(), c - 1.0);
  const double k = x.coeff();
  auto& tape = Tape<T>::active();
  double d2 = 0.0;
  if constexpr (std::same_as<T, double>)
    if (tape.curvature_enabled()) d2 = c * (c - 1.0) * std::pow(x.value(), c - 2.0) * k * k;
  return Var<T>(std::move(fx), 1.0, tape.push_nonlinear(x.index(), T(d * k), d2));
}
}  // namespace detail
template <class T>
HESSFIT_AD_INLINE Var<T> pow(const Var<T>& x, double c) {
  return detail::var_pow_c(x, c);
}

/// c^y for a constant base (d/dy = log(c) c^y; 0 for c = 0).
template <class T, int N>
Dual<T, N> pow(double c, const Dual<T, N>& y) {
  using std::pow;
  T fy = pow(c, y.value());
  T d = c == 0.0 ? T(0.0) : T(fy * std::log(c));
  return detail::dual_chain(y, std::move(fy), d);
}
namespace detail {
template <class T>
Var<T> var_c_pow(double c, Var<T> y) {
  using std::pow;
  T fy = pow(c, y.value());
  if (!y.on_tape()) return Var<T>(std::move(fy));
  const double lc = c == 0.0 ? 0.0 : std::log(c);
  T d = fy * lc;
  const double k = y.coeff();
  double d2 = 0.0;
  auto& tape = Tape<T>::active();
  if constexpr (std::same_as<T, double>)
    if (tape.curvature_enabled()) d2 = fy * lc * lc * k * k;
  return Var<T>(std::move(fy), 1.0, tape.push_nonlinear(y.index(), T(d * k), d2));
}
}  // namespace detail
template <class T>
HESSFIT_AD_INLINE Var<T> pow(double c, const Var<T>& y) {
  return detail::var_c_pow(c, y);
}

namespace detail {
// Partials of z = x^y: zx = y x^(y-1), zy = log(x) x^y (0 where x = 0).
template <class T>
struct PowPartials {
  T z, zx, zy;
};
template <class T>
PowPartials<T> pow_partials(const T& x, const T& y) {
  using std::log;
  using std::pow;
  T z = pow(x, y);
  T zx = y * pow(x, y - 1.0);
  T zy = value_of(x) == 0.0 ? T(0.0) : T(z * log(x));
  return {std::move(z), std::move(zx), std::move(zy)};
}
}  // namespace detail

template <class T, int N>
Dual<T, N> pow(const Dual<T, N>& x, const Dual<T, N>& y) {
  auto p = detail::pow_partials(x.value(), y.value());
  return detail::dual_chain(x, y, std::move(p.z), p.zx, p.zy);
}
namespace detail {
template <class T>
Var<T> var_pow(Var<T> x, Var<T> y) {
  if (!y.on_tape()) {
    if constexpr (std::same_as<T, double>) return pow(x, y.value());
  }
  if (!x.on_tape()) {
    if constexpr (std::same_as<T, double>) return pow(x.value(), y);
  }
  auto p = detail::pow_partials(x.value(), y.value());
  if (!x.on_tape() && !y.on_tape()) return Var<T>(std::move(p.z));
  auto& tape = Tape<T>::active();
  if (!y.on_tape()) return Var<T>(std::move(p.z), 1.0, tape.push_linear(x.index(), T(p.zx * x.coeff())));
  if (!x.on_tape()) return Var<T>(std::move(p.z), 1.0, tape.push_linear(y.index(), T(p.zy * y.coeff())));
  double xx = 0.0, xy = 0.0, yy = 0.0;
  if constexpr (std::same_as<T, double>) {
    if (tape.curvature_enabled()) {
      const double vx = x.value(), vy = y.value(), lx = vx == 0.0 ? 0.0 : std::log(vx);
      xx = vy * (vy - 1.0) * std::pow(vx, vy - 2.0) * x.coeff() * x.coeff();
      xy = std::pow(vx, vy - 1.0) * (1.0 + vy * lx) * x.coeff() * y.coeff();
      yy = p.z * lx * lx * y.coeff() * y.coeff();
    }
  }
  return Var<T>(std::move(p.z), 1.0,
                tape.push_nonlinear(x.index(), T(p.zx * x.coeff()), y.index(), T(p.zy * y.coeff()), xx, xy, yy));
}
}  // namespace detail
template <class T>
HESSFIT_AD_INLINE Var<T> pow(const Var<T>& x, const Var<T>& y) {
  return detail::var_pow(x, y);
}
template <AdScalar S>
HESSFIT_AD_INLINE S pow(const S& x, int c) {
  return pow(x, static_cast<double>(c));
}

/// atan2(y, x): d/dy = x/r2, d/dx = -y/r2, r2 = x^2 + y^2.
template <class T, int N>
Dual<T, N> atan2(const Dual<T, N>& y, const Dual<T, N>& x) {
  using std::atan2;
  T r2 = x.value() * x.value() + y.value() * y.value();
  return detail::dual_chain(y, x, atan2(y.value(), x.value()), T(x.value() / r2), T(-y.value() / r2));
}
namespace detail {
template <class T>
Var<T> var_atan2(Var<T> y, Var<T> x) {
  using std::atan2;
  T z = atan2(y.value(), x.value());
  if (!x.on_tape() && !y.on_tape()) return Var<T>(std::move(z));
  T r2 = x.value() * x.value() + y.value() * y.value();
  T dy = x.value() / r2, dx = -y.value() / r2;
  auto& tape = Tape<T>::active();
  double yy = 0.0, yx = 0.0, xx = 0.0;
  if constexpr (std::same_as<T, double>) {
    const double q = r2 * r2;
    yy = -2.0 * x.value() * y.value() / q;
    xx = -yy;
    yx = (y.value() * y.value() - x.value() * x.value()) / q;
  }
  if (!x.on_tape()) return Var<T>(std::move(z), 1.0, tape.push_nonlinear(y.index(), T(dy * y.coeff()), yy * y.coeff() * y.coeff()));
  if (!y.on_tape()) return Var<T>(std::move(z), 1.0, tape.push_nonlinear(x.index(), T(dx * x.coeff()), xx * x.coeff() * x.coeff()));
  return Var<T>(std::move(z), 1.0,
                tape.push_nonlinear(y.index(), T(dy * y.coeff()), x.index(), T(dx * x.coeff()), yy * y.coeff() * y.coeff(),
                                    yx * y.coeff() * x.coeff(), xx * x.coeff() * x.coeff()));
}
}  // namespace detail
template <class T>
HESSFIT_AD_INLINE Var<T> atan2(const Var<T>& y, const Var<T>& x) {
  return detail::var_atan2(y, x);
}
template <AdScalar S>
HESSFIT_AD_INLINE S atan2(const S& y, double x) {
  return atan2(y, S(x));
}
template <AdScalar S>
HESSFIT_AD_INLINE S atan2(double y, const S& x) {
  return atan2(S(y), x);
}
template <AdScalar S>
HESSFIT_AD_INLINE S hypot(const S& x, const S& y) {
  return sqrt(x * x + y * y);
}

// ---- comparisons (by value) and classification ---------------------------------------------------

#define HESSFIT_AD_COMPARE(OP)                                                       \
  template <AdScalar S>                                                              \
  HESSFIT_AD_INLINE bool operator OP(const S& x, const S& y) {                       \
    return value_of(x) OP value_of(y);                                               \
  }                                                                                  \
  template <AdScalar S>                                                              \
  HESSFIT_AD_INLINE bool operator OP(const S& x, double y) {                         \
    return value_of(x) OP y;                                                         \
  }                                                                                  \
  template <AdScalar S>                                                              \
  HESSFIT_AD_INLINE bool operator OP(double x, const S& y) {                         \
    return x OP value_of(y);                                                         \
  }
HESSFIT_AD_COMPARE(<)
HESSFIT_AD_COMPARE(<=)
HESSFIT_AD_COMPARE(>)
HESSFIT_AD_COMPARE(>=)
HESSFIT_AD_COMPARE(==)
HESSFIT_AD_COMPARE(!=)
#undef HESSFIT_AD_COMPARE

template <AdScalar S>
HESSFIT_AD_INLINE bool isfinite(const S& x) {
  return std::isfinite(value_of(x));
}
template <AdScalar S>
HESSFIT_AD_INLINE bool isnan(const S& x) {
  return std::isnan(value_of(x));
}
template <AdScalar S>
HESSFIT_AD_INLINE bool isinf(const S& x) {
  return std::isinf(value_of(x));
}

// For Eigen's generic code (real scalars).
template <AdScalar S>
HESSFIT_AD_INLINE const S& conj(const S& x) {
  return x;
}
template <AdScalar S>
HESSFIT_AD_INLINE const S& real(const S& x) {
  return x;
}
template <AdScalar S>
HESSFIT_AD_INLINE S imag(const S&) {
  return S(0.0);
}
template <AdScalar S>
HESSFIT_AD_INLINE S abs2(const S& x) {
  return x * x;
}

}  // namespace hessfit::ad
