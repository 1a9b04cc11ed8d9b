// log |Gamma(x)| safe to call from several threads at once.
//
// std::lgamma also stores the sign of Gamma(x) in the global `signgam` (POSIX; glibc documents
// lgamma as "MT-Unsafe race:signgam"), so two threads calling it race on that global:
// ThreadSanitizer reported it between toys sampled on the executor's workers
// (infer/src/toys.cpp) and the data constants of their fits (likelihood/src/model.cpp).
// lgamma_r returns the sign through its argument instead and gives the same value.
#pragma once

#include <math.h>

namespace hessfit {

inline double log_gamma(double x) noexcept {
  int sign = 0;
  return ::lgamma_r(x, &sign);
}

}  // namespace hessfit
