// hessfit::infer: hypothesis tests on a model + data layer -- Asimov data, test statistics,
// asymptotic CLs, upper limits and discovery significance, toys.
#pragma once

#include "hessfit/infer/breakdown.hpp"
#include "hessfit/infer/fits.hpp"
#include "hessfit/infer/gof.hpp"
#include "hessfit/infer/yields.hpp"
#include "hessfit/infer/hypotest.hpp"
#include "hessfit/infer/limits.hpp"
#include "hessfit/infer/model.hpp"
#include "hessfit/infer/significance.hpp"
#include "hessfit/infer/test_statistics.hpp"
#include "hessfit/infer/toys.hpp"
