// Reverse mode: a scalar recorded on the active Tape<T>.
//
// A Var stands for  value = coeff * node + shift  where `node` is a tape node (index >= 0), or is a
// constant (index < 0). Only the value and the derivative d value / d node = coeff are stored, so
// x * 2.0, x + 1.0 and -x record nothing. T may itself be an AD scalar (Var<Dual<double, N>> is
// forward-over-reverse as a type, Var<Var<double>> reverse-over-reverse).
#pragma once

#include <ostream>
#include <type_traits>
#include <utility>

#include "hessfit/autodiff/tape.hpp"

namespace hessfit::ad {

template <class T>
class Var {
  static_assert(std::same_as<T, double> || AdScalar<T>,
                "Var<T>: the value type must be double or another hessfit AD scalar");

 public:
  using value_type = T;

  Var() : val_(0.0) {}
  Var(double v) : val_(v) {}  // NOLINT: a literal is a constant
  template <class U>
    requires(!std::same_as<T, double> && std::same_as<U, T>)
  Var(const U& v) : val_(v) {}  // NOLINT: a value of the inner type is a constant here

  /// A Var on `node` of the active tape with d value / d node = coeff (used by operations).
  Var(T value, double coeff, std::int32_t node)
      : val_(std::move(value)), coeff_(coeff), index_(node), sum_(Tape<T>::active().extendable(node)) {}
  /// The same when the caller knows whether `node` may still grow (Tape::extendable).
  Var(T value, double coeff, std::int32_t node, bool sum) : val_(std::move(value)), coeff_(coeff), index_(node), sum_(sum) {}

  Var(const Var& o) : val_(o.val_), coeff_(o.coeff_), index_(o.index_), sum_(o.sum_) { note_shared(); }
  Var(Var&& o) noexcept = default;
  Var& operator=(const Var& o) {
    val_ = o.val_, coeff_ = o.coeff_, index_ = o.index_, sum_ = o.sum_;
    note_shared();
    return *this;
  }
  Var& operator=(Var&& o) noexcept = default;
  ~Var() = default;

  const T& value() const { return val_; }
  double coeff() const { return coeff_; }
  std::int32_t index() const { return index_; }
  bool on_tape() const { return index_ >= 0; }
  /// A second Var now refers to this node (used by operations): a sum may no longer grow in place.
  /// Only sums need the tape, so copying an input or a nonlinear node touches nothing but the Var.
  void note_shared() const {
    if (sum_) Tape<T>::active().note_shared(index_);
  }

  /// Records a new independent variable on the active tape.
  static Var input(T value) { return Var(std::move(value), 1.0, Tape<T>::active().push_input(), false); }

  HESSFIT_AD_INLINE Var& operator+=(const Var& o) { return accumulate(o, 1.0); }
  HESSFIT_AD_INLINE Var& operator-=(const Var& o) { return accumulate(o, -1.0); }
  HESSFIT_AD_INLINE Var& operator+=(Var&& o) { return accumulate(std::move(o), 1.0); }
  HESSFIT_AD_INLINE Var& operator-=(Var&& o) { return accumulate(std::move(o), -1.0); }
  Var& operator*=(const Var& o) { return *this = *this * o; }
  Var& operator/=(const Var& o) { return *this = *this / o; }
  Var& operator+=(double c) {
    val_ += c;
    return *this;
  }
  Var& operator-=(double c) {
    val_ -= c;
    return *this;
  }
  Var& operator*=(double c) {
    note_shared();  // a sum that may grow has coefficient 1 (see accumulate)
    val_ *= c, coeff_ *= c;
    if (c == 0.0) index_ = -1, sum_ = false;
    return *this;
  }
  Var& operator/=(double c) {
    note_shared();
    val_ /= c, coeff_ /= c;
    return *this;
  }

 private:

  // this += sign * o. The hot path (this Var is the only reference to the tape's extendable node)
  // appends o as one more argument of that sum; everything else is out of line and takes its
  // operands by value, so that a Var accumulated in a loop can live in registers.
  // Invariant: a Var on the extendable node has coefficient 1, since every operation that scales a
  // Var in place or makes a second reference to its node calls note_shared() first.
  HESSFIT_AD_INLINE Var& accumulate(const Var& o, double sign) {
    if (!o.on_tape()) {
      val_ += sign * o.val_;
      return *this;
    }
    auto& tape = Tape<T>::current();  // o is on a tape
    if (tape.extendable(index_) && o.index_ != index_) [[likely]] {
      assert(coeff_ == 1.0);
      tape.extend(index_, o.index_, T(sign * o.coeff_));
      val_ += sign * o.val_;
      return *this;
    }
    if (!on_tape()) {  // a constant: this becomes a sum of one argument, which the next += grows
      index_ = tape.push_linear_out_of_line(o.index_, T(sign * o.coeff_));
      val_ += sign * o.val_, coeff_ = 1.0, sum_ = true;
      return *this;
    }
    return *this = accumulate_slow(val_, coeff_, index_, o.val_, o.coeff_, o.index_, sign);
  }
  // The same for a temporary o: when o is a sum nobody else refers to and this is not, o's node
  // grows by this instead.
  HESSFIT_AD_INLINE Var& accumulate(Var&& o, double sign) {
    if (o.sum_ && sign == 1.0 && o.index_ != index_) {
      if (!on_tape()) {  // a constant takes the temporary's node over, still able to grow
        val_ += o.val_, coeff_ = o.coeff_, index_ = o.index_, sum_ = true;
        return *this;
      }
      auto& tape = Tape<T>::active();
      if (!tape.extendable(index_) && tape.extendable(o.index_)) {
        assert(o.coeff_ == 1.0);
        tape.extend(o.index_, index_, T(coeff_));
        val_ += o.val_, coeff_ = 1.0, index_ = o.index_, sum_ = true;
        return *this;
      }
    }
    return accumulate(static_cast<const Var&>(o), sign);
  }
  // this (on a node it may not grow) + sign * o (on a node): a new sum of the two, able to grow.
  // Operands by value, field by field (in registers for T = double).
  using ValueArg = std::conditional_t<std::same_as<T, double>, double, const T&>;
  [[gnu::noinline, gnu::cold]] static Var accumulate_slow(ValueArg val, double coeff, std::int32_t index, ValueArg o_val,
                                                          double o_coeff, std::int32_t o_index, double sign) {
    auto& tape = Tape<T>::current();
    const std::int32_t node = tape.push_linear(index, T(coeff), o_index, T(sign * o_coeff));
    return Var(T(val + sign * o_val), 1.0, node, true);
  }

  T val_;
  double coeff_ = 0.0;
  std::int32_t index_ = -1;
  bool sum_ = false;  // the node may be the tape's extendable sum (see Tape::extendable)
};

// ---- arithmetic -------------------------------------------------------------------------------

template <class T>
HESSFIT_AD_INLINE Var<T> operator+(const Var<T>& x) {
  return x;
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator-(const Var<T>& x) {
  x.note_shared();
  return Var<T>(T(-x.value()), -x.coeff(), x.index(), false);
}

namespace detail {
// a*x + b*y for Vars (a, b = +-1): one linear node, or nothing when one side is constant.
template <class T>
Var<T> var_linear2(Var<T> x, double a, Var<T> y, double b) {
  T v = a == 1.0 ? T(b == 1.0 ? x.value() + y.value() : x.value() - y.value())
                 : T(b == 1.0 ? y.value() - x.value() : -(x.value() + y.value()));
  if (!x.on_tape() && !y.on_tape()) return Var<T>(std::move(v));
  auto& tape = Tape<T>::active();
  // (x and y are copies: their copy constructors have noted the second reference to their nodes.)
  if (!y.on_tape()) return Var<T>(std::move(v), a * x.coeff(), x.index(), false);
  if (!x.on_tape()) return Var<T>(std::move(v), b * y.coeff(), y.index(), false);
  return Var<T>(std::move(v), 1.0, tape.push_linear(x.index(), T(a * x.coeff()), y.index(), T(b * y.coeff())));
}
}  // namespace detail

template <class T>
HESSFIT_AD_INLINE Var<T> operator+(const Var<T>& x, const Var<T>& y) {
  return detail::var_linear2(x, 1.0, y, 1.0);
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator-(const Var<T>& x, const Var<T>& y) {
  return detail::var_linear2(x, 1.0, y, -1.0);
}
// A temporary sum on the left grows in place: a + b - c + d is one node.
template <class T>
HESSFIT_AD_INLINE Var<T> operator+(Var<T>&& x, const Var<T>& y) {
  x += y;
  return std::move(x);
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator-(Var<T>&& x, const Var<T>& y) {
  x -= y;
  return std::move(x);
}
namespace detail {
template <class T>
Var<T> var_mul(Var<T> x, Var<T> y) {
  if (!y.on_tape()) {
    if constexpr (std::same_as<T, double>) {
      return x * y.value();
    } else {
      if (!x.on_tape()) return Var<T>(T(x.value() * y.value()));
      return Var<T>(T(x.value() * y.value()), 1.0, Tape<T>::active().push_linear(x.index(), T(y.value() * x.coeff())));
    }
  }
  if (!x.on_tape()) return y * x;
  auto& tape = Tape<T>::active();
  const double cx = x.coeff(), cy = y.coeff();
  return Var<T>(T(x.value() * y.value()), 1.0,
                tape.push_nonlinear(x.index(), T(y.value() * cx), y.index(), T(x.value() * cy), 0.0, cx * cy, 0.0,
                                    kCurvatureAB));
}
template <class T>
Var<T> var_div(Var<T> x, Var<T> y) {
  if (!y.on_tape()) {
    if constexpr (std::same_as<T, double>) {
      return x / y.value();
    } else {
      if (!x.on_tape()) return Var<T>(T(x.value() / y.value()));
      T inv = 1.0 / y.value();
      return Var<T>(T(x.value() / y.value()), 1.0, Tape<T>::active().push_linear(x.index(), T(inv * x.coeff())));
    }
  }
  T inv = 1.0 / y.value();
  T z = x.value() / y.value();
  const double cx = x.coeff(), cy = y.coeff();
  auto& tape = Tape<T>::active();
  if (!x.on_tape()) {
    // z = c / y: dz/dy = -z/y, d2z/dy2 = 2z/y^2
    const double d2 = 2.0 * value_of(z) * value_of(inv) * value_of(inv);
    T dy = -z * inv * cy;
    return Var<T>(std::move(z), 1.0, tape.push_nonlinear(y.index(), dy, d2 * cy * cy));
  }
  const double vi = value_of(inv), vz = value_of(z);
  T dx = inv * cx;
  T dy = -z * inv * cy;
  return Var<T>(std::move(z), 1.0,
                tape.push_nonlinear(x.index(), dx, y.index(), dy, 0.0, -vi * vi * cx * cy, 2.0 * vz * vi * vi * cy * cy,
                                    kCurvatureAB | kCurvatureBB));
}
}  // namespace detail

template <class T>
HESSFIT_AD_INLINE Var<T> operator*(const Var<T>& x, const Var<T>& y) {
  return detail::var_mul(x, y);
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator/(const Var<T>& x, const Var<T>& y) {
  return detail::var_div(x, y);
}

template <class T>
HESSFIT_AD_INLINE Var<T> operator+(const Var<T>& x, double c) {
  x.note_shared();
  return Var<T>(T(x.value() + c), x.coeff(), x.index(), false);
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator+(double c, const Var<T>& x) {
  return x + c;
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator-(const Var<T>& x, double c) {
  x.note_shared();
  return Var<T>(T(x.value() - c), x.coeff(), x.index(), false);
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator-(double c, const Var<T>& x) {
  x.note_shared();
  return Var<T>(T(c - x.value()), -x.coeff(), x.index(), false);
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator*(const Var<T>& x, double c) {
  x.note_shared();
  return Var<T>(T(x.value() * c), x.coeff() * c, x.index(), false);
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator*(double c, const Var<T>& x) {
  return x * c;
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator/(const Var<T>& x, double c) {
  if (!x.on_tape()) return Var<T>(T(x.value() / c));
  x.note_shared();
  return Var<T>(T(x.value() / c), x.coeff() / c, x.index(), false);
}
template <class T>
HESSFIT_AD_INLINE Var<T> operator/(double c, const Var<T>& x) {
  return Var<T>(c) / x;
}

#define HESSFIT_AD_VAR_INNER_OP(OP)                          \
  template <class T>                                         \
    requires(!std::same_as<T, double>)                       \
  HESSFIT_AD_INLINE Var<T> operator OP(const Var<T>& x, const T& c) { \
    return x OP Var<T>(c);                                   \
  }                                                          \
  template <class T>                                         \
    requires(!std::same_as<T, double>)                       \
  HESSFIT_AD_INLINE Var<T> operator OP(const T& c, const Var<T>& x) { \
    return Var<T>(c) OP x;                                   \
  }
HESSFIT_AD_VAR_INNER_OP(+)
HESSFIT_AD_VAR_INNER_OP(-)
HESSFIT_AD_VAR_INNER_OP(*)
HESSFIT_AD_VAR_INNER_OP(/)
#undef HESSFIT_AD_VAR_INNER_OP

template <class T>
std::ostream& operator<<(std::ostream& os, const Var<T>& x) {
  return os << x.value();
}

}  // namespace hessfit::ad
