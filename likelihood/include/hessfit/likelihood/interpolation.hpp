// HistFactory interpolation codes, exactly as pyhf implements them, for one parameter alpha and
// one bin. I0 is the nominal, I+ the value at alpha = +1 ("hi"), I- the value at alpha = -1 ("lo").
//
// Additive codes (histosys) return the change Delta(alpha) of the yield, with
//   D+ = I+ - I0,  D- = I0 - I-:
//   code0  (piecewise linear)   Delta = alpha D+ (alpha > 0),  alpha D- (alpha <= 0)
//   code2  (quadratic inside, linear outside; a = (I+ + I-)/2 - I0, b = (I+ - I-)/2)
//          Delta = (b + 2a)(alpha - 1)  for alpha > 1
//                = a alpha^2 + b alpha  for -1 <= alpha <= 1
//                = (b - 2a)(alpha + 1)  for alpha < -1
//          (pyhf's outer branches lack the offsets a + b and a - b: code2 is discontinuous at |alpha| = 1)
//   code4p (DEFAULT; 6th-order polynomial inside, linear outside; S = (D+ + D-)/2, A = (D+ - D-)/16)
//          Delta = alpha D+ (alpha > 1),  alpha D- (alpha < -1),
//                  alpha S + alpha^2 A (15 - 10 alpha^2 + 3 alpha^4)  otherwise   (C2 at |alpha| = 1)
//
// Multiplicative codes (normsys) return the factor kappa(alpha) with I0 = 1, u = I+, d = I-:
//   code1  (piecewise exponential)  kappa = u^alpha (alpha > 0),  d^-alpha (alpha <= 0)
//   code4  (DEFAULT; alpha0 = 1)    kappa = u^alpha (alpha >= 1),  d^-alpha (alpha <= -1),
//          1 + sum_{i=1..6} c_i alpha^i inside, with c chosen so that kappa, kappa', kappa'' are
//          continuous at +-1: c = A^-1 (u - 1, d - 1, u ln u, -d ln d, u ln^2 u, d ln^2 d).
//
// These single-bin functions document the formulas and serve tests; the Model evaluates the same
// formulas in a vectorised arrangement (powers of alpha shared by all bins and samples).
#pragma once

#include <array>
#include <cmath>
#include <optional>
#include <string_view>

#include "hessfit/autodiff/traits.hpp"

namespace hessfit::likelihood {

enum class Interpolation { kCode0, kCode1, kCode2, kCode4, kCode4p };

/// "code0", "code1", "code2", "code4", "code4p".
std::string_view to_string(Interpolation code) noexcept;
std::optional<Interpolation> parse_interpolation(std::string_view text) noexcept;

/// The six coefficients c_1..c_6 of code4's inner polynomial (alpha0 = 1) for factors lo, hi.
/// NaN unless lo > 0 and hi > 0 (the code takes their logarithms).
std::array<double, 6> code4_coefficients(double lo, double hi) noexcept;

template <class T>
T interpolate_code0(const T& alpha, double lo, double nominal, double hi) {
  using ad::value_of;
  return value_of(alpha) > 0.0 ? alpha * (hi - nominal) : alpha * (nominal - lo);
}

template <class T>
T interpolate_code2(const T& alpha, double lo, double nominal, double hi) {
  using ad::value_of;
  const double a = 0.5 * (hi + lo) - nominal, b = 0.5 * (hi - lo);
  const double v = value_of(alpha);
  if (v > 1.0) return (b + 2.0 * a) * (alpha - 1.0);
  if (v < -1.0) return (b - 2.0 * a) * (alpha + 1.0);
  return a * (alpha * alpha) + b * alpha;
}

template <class T>
T interpolate_code4p(const T& alpha, double lo, double nominal, double hi) {
  using ad::value_of;
  const double dplus = hi - nominal, dminus = nominal - lo;
  const double v = value_of(alpha);
  if (v > 1.0) return alpha * dplus;
  if (v < -1.0) return alpha * dminus;
  const T a2 = alpha * alpha;
  return alpha * (0.5 * (dplus + dminus)) + (dplus - dminus) / 16.0 * (a2 * (15.0 + a2 * (3.0 * a2 - 10.0)));
}

template <class T>
T interpolate_code1(const T& alpha, double lo, double hi) {
  using ad::value_of;
  using std::exp;
  return value_of(alpha) > 0.0 ? T(exp(alpha * std::log(hi))) : T(exp(alpha * -std::log(lo)));
}

template <class T>
T interpolate_code4(const T& alpha, double lo, double hi) {
  using ad::value_of;
  using std::exp;
  const double v = value_of(alpha);
  if (v >= 1.0) return exp(alpha * std::log(hi));
  if (v <= -1.0) return exp(alpha * -std::log(lo));
  const std::array<double, 6> c = code4_coefficients(lo, hi);
  // Horner: 1 + alpha (c1 + alpha (c2 + ... + alpha c6))
  T p = alpha * c[5] + c[4];
  for (int i = 3; i >= 0; --i) p = p * alpha + c[static_cast<std::size_t>(i)];
  return p * alpha + 1.0;
}

}  // namespace hessfit::likelihood
