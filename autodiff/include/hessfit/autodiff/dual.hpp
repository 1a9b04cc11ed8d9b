// Forward mode: a dual number x = v + sum_k d_k eps_k carrying N tangents (eps_j eps_k = 0).
//
// f(x) = f(v) + f'(v) sum_k d_k eps_k, so every operation maps the tangents linearly with the
// local derivative. The value type T may itself be an AD scalar (Dual<Dual<double>> gives second
// derivatives by forward-over-forward, Dual<Var<double>> reverse-over-forward). N = kDynamic gives a
// run-time width; a Dual with no tangents (a constant) combines with one of any width.
#pragma once

#include <array>
#include <cassert>
#include <cstddef>
#include <ostream>
#include <vector>

#include "hessfit/autodiff/traits.hpp"

namespace hessfit::ad {

template <class T, int N>
class Dual {
  static_assert(N == kDynamic || N >= 1, "Dual<T, N>: N must be positive or kDynamic");
  static_assert(std::same_as<T, double> || AdScalar<T>,
                "Dual<T, N>: the value type must be double or another hessfit AD scalar");

 public:
  using value_type = T;
  using Tangents = std::conditional_t<N == kDynamic, std::vector<T>, std::array<T, (N > 0 ? N : 1)>>;
  static constexpr int kWidth = N;

  Dual() : val_(0.0) { clear_tangents(); }
  Dual(double v) : val_(v) { clear_tangents(); }  // NOLINT: implicit by design, like a literal
  template <class U>
    requires(!std::same_as<T, double> && std::same_as<U, T>)
  Dual(const U& v) : val_(v) {  // NOLINT: a value of the inner type is a constant here
    clear_tangents();
  }
  /// A dynamic-width Dual with `width` zero tangents.
  Dual(const T& v, std::size_t width)
    requires(N == kDynamic)
      : val_(v), d_(width, T(0.0)) {}

  const T& value() const { return val_; }
  T& value() { return val_; }
  const Tangents& tangents() const { return d_; }
  Tangents& tangents() { return d_; }
  std::size_t width() const { return d_.size(); }
  const T& tangent(std::size_t k) const { return d_[k]; }
  T& tangent(std::size_t k) { return d_[k]; }

  /// Seeds the k-th tangent direction with 1 (the others untouched).
  Dual& seed(std::size_t k, double s = 1.0) {
    d_[k] = T(s);
    return *this;
  }

  Dual& operator+=(const Dual& o) { return *this = *this + o; }
  Dual& operator-=(const Dual& o) { return *this = *this - o; }
  Dual& operator*=(const Dual& o) { return *this = *this * o; }
  Dual& operator/=(const Dual& o) { return *this = *this / o; }
  Dual& operator+=(double o) {
    val_ += o;
    return *this;
  }
  Dual& operator-=(double o) {
    val_ -= o;
    return *this;
  }
  Dual& operator*=(double o) { return *this = *this * o; }
  Dual& operator/=(double o) { return *this = *this / o; }

 private:
  void clear_tangents() {
    if constexpr (N != kDynamic) d_.fill(T(0.0));
  }
  T val_;
  Tangents d_;
};

namespace detail {

/// The result of a unary operation: value fx, tangents dfx * x.d.
template <class T, int N>
Dual<T, N> dual_chain(const Dual<T, N>& x, T fx, const T& dfx) {
  Dual<T, N> r(std::move(fx));
  if constexpr (N == kDynamic) r.tangents().resize(x.width());
  for (std::size_t k = 0; k < x.width(); ++k) r.tangent(k) = dfx * x.tangent(k);
  return r;
}

/// The result of a binary operation: value fz, tangents dfx * x.d + dfy * y.d.
template <class T, int N>
Dual<T, N> dual_chain(const Dual<T, N>& x, const Dual<T, N>& y, T fz, const T& dfx, const T& dfy) {
  Dual<T, N> r(std::move(fz));
  if constexpr (N == kDynamic) {
    const std::size_t w = std::max(x.width(), y.width());
    assert((x.width() == 0 || x.width() == w) && (y.width() == 0 || y.width() == w));
    r.tangents().assign(w, T(0.0));
    if (x.width() != 0)
      for (std::size_t k = 0; k < w; ++k) r.tangent(k) = dfx * x.tangent(k);
    if (y.width() != 0)
      for (std::size_t k = 0; k < w; ++k) r.tangent(k) += dfy * y.tangent(k);
  } else {
    for (std::size_t k = 0; k < static_cast<std::size_t>(N); ++k)
      r.tangent(k) = dfx * x.tangent(k) + dfy * y.tangent(k);
  }
  return r;
}

}  // namespace detail

// ---- arithmetic -------------------------------------------------------------------------------

template <class T, int N>
Dual<T, N> operator+(const Dual<T, N>& x) {
  return x;
}
template <class T, int N>
Dual<T, N> operator-(const Dual<T, N>& x) {
  return detail::dual_chain(x, T(-x.value()), T(-1.0));
}
template <class T, int N>
Dual<T, N> operator+(const Dual<T, N>& x, const Dual<T, N>& y) {
  return detail::dual_chain(x, y, T(x.value() + y.value()), T(1.0), T(1.0));
}
template <class T, int N>
Dual<T, N> operator-(const Dual<T, N>& x, const Dual<T, N>& y) {
  return detail::dual_chain(x, y, T(x.value() - y.value()), T(1.0), T(-1.0));
}
template <class T, int N>
Dual<T, N> operator*(const Dual<T, N>& x, const Dual<T, N>& y) {
  return detail::dual_chain(x, y, T(x.value() * y.value()), y.value(), x.value());
}
template <class T, int N>
Dual<T, N> operator/(const Dual<T, N>& x, const Dual<T, N>& y) {
  T inv = 1.0 / y.value();
  T z = x.value() / y.value();
  T dy = -z * inv;
  return detail::dual_chain(x, y, std::move(z), inv, dy);
}

template <class T, int N>
Dual<T, N> operator+(const Dual<T, N>& x, double c) {
  Dual<T, N> r = x;
  r.value() += c;
  return r;
}
template <class T, int N>
Dual<T, N> operator+(double c, const Dual<T, N>& x) {
  return x + c;
}
template <class T, int N>
Dual<T, N> operator-(const Dual<T, N>& x, double c) {
  Dual<T, N> r = x;
  r.value() -= c;
  return r;
}
template <class T, int N>
Dual<T, N> operator-(double c, const Dual<T, N>& x) {
  return detail::dual_chain(x, T(c - x.value()), T(-1.0));
}
template <class T, int N>
Dual<T, N> operator*(const Dual<T, N>& x, double c) {
  return detail::dual_chain(x, T(x.value() * c), T(c));
}
template <class T, int N>
Dual<T, N> operator*(double c, const Dual<T, N>& x) {
  return x * c;
}
template <class T, int N>
Dual<T, N> operator/(const Dual<T, N>& x, double c) {
  return detail::dual_chain(x, T(x.value() / c), T(1.0 / c));
}
template <class T, int N>
Dual<T, N> operator/(double c, const Dual<T, N>& x) {
  T z = c / x.value();
  T dz = -z / x.value();
  return detail::dual_chain(x, std::move(z), dz);
}

// Mixed with the inner value type (Dual<Var<double>> with Var<double>, ...): the inner value is a
// constant in this layer.
#define HESSFIT_AD_DUAL_INNER_OP(OP)                                              \
  template <class T, int N>                                                       \
    requires(!std::same_as<T, double>)                                            \
  Dual<T, N> operator OP(const Dual<T, N>& x, const T& c) {                       \
    return x OP Dual<T, N>(c);                                                    \
  }                                                                               \
  template <class T, int N>                                                       \
    requires(!std::same_as<T, double>)                                            \
  Dual<T, N> operator OP(const T& c, const Dual<T, N>& x) {                       \
    return Dual<T, N>(c) OP x;                                                    \
  }
HESSFIT_AD_DUAL_INNER_OP(+)
HESSFIT_AD_DUAL_INNER_OP(-)
HESSFIT_AD_DUAL_INNER_OP(*)
HESSFIT_AD_DUAL_INNER_OP(/)
#undef HESSFIT_AD_DUAL_INNER_OP

template <class T, int N>
std::ostream& operator<<(std::ostream& os, const Dual<T, N>& x) {
  return os << x.value();
}

}  // namespace hessfit::ad
