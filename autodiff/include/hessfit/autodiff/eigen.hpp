// Eigen support: NumTraits and mixed-scalar products, so that Eigen matrices of AD scalars and
// their decompositions (LLT, LDLT, LU, ...) work, and Matrix<Var> * MatrixXd mixes with doubles.
#pragma once

#include <Eigen/Core>

#include "hessfit/autodiff/functions.hpp"

namespace Eigen {

template <class T, int N>
struct NumTraits<hessfit::ad::Dual<T, N>> : NumTraits<double> {
  using Real = hessfit::ad::Dual<T, N>;
  using NonInteger = Real;
  using Nested = Real;
  using Literal = Real;
  enum { IsComplex = 0, IsInteger = 0, IsSigned = 1, RequireInitialization = 1, ReadCost = 1,
         AddCost = 3 * (N == hessfit::ad::kDynamic ? 8 : N + 1), MulCost = AddCost };
};
template <class T>
struct NumTraits<hessfit::ad::Var<T>> : NumTraits<double> {
  using Real = hessfit::ad::Var<T>;
  using NonInteger = Real;
  using Nested = Real;
  using Literal = Real;
  enum { IsComplex = 0, IsInteger = 0, IsSigned = 1, RequireInitialization = 1, ReadCost = 1,
         AddCost = 4, MulCost = 4 };
};

template <class T, int N, typename Op>
struct ScalarBinaryOpTraits<hessfit::ad::Dual<T, N>, double, Op> {
  using ReturnType = hessfit::ad::Dual<T, N>;
};
template <class T, int N, typename Op>
struct ScalarBinaryOpTraits<double, hessfit::ad::Dual<T, N>, Op> {
  using ReturnType = hessfit::ad::Dual<T, N>;
};
template <class T, typename Op>
struct ScalarBinaryOpTraits<hessfit::ad::Var<T>, double, Op> {
  using ReturnType = hessfit::ad::Var<T>;
};
template <class T, typename Op>
struct ScalarBinaryOpTraits<double, hessfit::ad::Var<T>, Op> {
  using ReturnType = hessfit::ad::Var<T>;
};

}  // namespace Eigen
