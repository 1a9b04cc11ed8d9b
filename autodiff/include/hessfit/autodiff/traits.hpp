// Scalar traits shared by every AD mode: which types are AD scalars, and their plain value.
//
// hessfit's AD scalars nest: Dual<Var<double>, 1> is forward mode over reverse mode, Var<Dual<double, 8>>
// reverse over forward, and so on. `value_of` peels every layer and gives the double underneath.
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

namespace hessfit::ad {

/// Width of a Dual whose number of tangents is chosen at run time.
inline constexpr int kDynamic = -1;

template <class T, int N>
class Dual;
template <class T>
class Var;

template <class T>
struct IsAdScalar : std::false_type {};
template <class T, int N>
struct IsAdScalar<Dual<T, N>> : std::true_type {};
template <class T>
struct IsAdScalar<Var<T>> : std::true_type {};

/// Marks the thin operators and functions of the AD scalars. They take their operands by const
/// reference and must inline: an out-of-line call would take the address of the caller's scalar
/// (say a sum accumulated in a loop) and pin it to memory, putting a store and a load on every
/// `+=`. Their heavier bodies take the operands by value instead (a copy may escape, the caller's
/// scalar does not).
#define HESSFIT_AD_INLINE [[gnu::always_inline]] inline

/// An automatic-differentiation scalar (Dual or Var, at any depth of nesting).
template <class T>
concept AdScalar = IsAdScalar<std::remove_cvref_t<T>>::value;

/// Anything the generic NLL code of this project may be instantiated with.
template <class T>
concept Scalar = std::same_as<std::remove_cvref_t<T>, double> || AdScalar<T>;

constexpr double value_of(double x) noexcept { return x; }
template <class T, int N>
HESSFIT_AD_INLINE constexpr double value_of(const Dual<T, N>& x) noexcept {
  return value_of(x.value());
}
template <class T>
HESSFIT_AD_INLINE constexpr double value_of(const Var<T>& x) noexcept {
  return value_of(x.value());
}

/// Nesting depth: 0 for double, 1 for Dual<double> or Var<double>, 2 for Dual<Var<double>>, ...
template <class T>
struct Order : std::integral_constant<int, 0> {};
template <class T, int N>
struct Order<Dual<T, N>> : std::integral_constant<int, 1 + Order<T>::value> {};
template <class T>
struct Order<Var<T>> : std::integral_constant<int, 1 + Order<T>::value> {};

}  // namespace hessfit::ad
