// hessfit automatic differentiation: forward mode (Dual), reverse mode (Var on an arena Tape),
// their nestings, elementary functions, Eigen support and derivative drivers.
#pragma once

#include "hessfit/autodiff/traits.hpp"
#include "hessfit/autodiff/dual.hpp"
#include "hessfit/autodiff/tape.hpp"
#include "hessfit/autodiff/var.hpp"
#include "hessfit/autodiff/functions.hpp"
#include "hessfit/autodiff/eigen.hpp"
#include "hessfit/autodiff/hessian_sweep.hpp"
#include "hessfit/autodiff/drivers.hpp"
#include "hessfit/autodiff/sparse_hessian.hpp"
