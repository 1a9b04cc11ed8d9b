// Upper limits on the POI by the CLs method (pyhf's upper_limit, Combine's AsymptoticLimits):
// the observed limit is the root of CLs_obs(mu) = 1 - CL, each expected limit the root of its own
// band curve CLs_exp,k(mu) = 1 - CL (k = -2, -1, 0, +1, +2 sigma; the band convention is pyhf's:
// CLs at ts = +-1, +-2 exactly, see test_statistics.hpp), found by Boost.Math's TOMS 748 to
// `relative_tolerance` from a bracket that starts at the asymptotic guess mu_k = sigma_A s_k
// (sigma_A: the POI's error on the Asimov data, s_k: the sqrt(qA) at which the band's CLs is
// 1 - CL). A limit past the POI's upper bound is searched there (as pyhf does) and flagged.
//
//   hessfit::infer::AsymptoticCalculator calc(model, model.observed_data());
//   const auto limits = hessfit::infer::upper_limit(calc);   // 95% CL
//   // limits.observed.value, limits.expected[2].value (the median)
//
// The six curves are independent tasks (parallel_for): each evaluates CLs only at values its own
// root finding chooses, and every fit depends on its POI value alone, so the limits are identical
// for any thread count.
#pragma once

#include <array>
#include <limits>
#include <string>
#include <vector>

#include "hessfit/common/levels.hpp"
#include "hessfit/infer/hypotest.hpp"

namespace hessfit::infer {

struct LimitOptions {
  /// Confidence level: mu is excluded where CLs < 1 - cl.
  double cl = kUpperLimitLevel;
  /// Each limit to this relative accuracy (bracket width / value).
  double relative_tolerance = 1e-7;
  /// CLs evaluations per curve at most (bracketing and root finding).
  int max_evaluations = 80;
};

struct UpperLimit {
  double value = std::numeric_limits<double>::quiet_NaN();
  /// The limit lies beyond the POI's upper bound (searched past it, not an error).
  bool past_bound = false;
  /// Root found to the tolerance with every fit converged.
  bool ok = false;
  std::string message;
  int evaluations = 0;  // CLs values computed for this curve
};

struct [[nodiscard]] UpperLimitResult {
  std::string poi;
  double cl = kUpperLimitLevel;
  TestStatistic statistic = TestStatistic::kQTildeMu;
  UpperLimit observed;
  /// Ascending: -2, -1, 0 (median), +1, +2 sigma.
  std::array<UpperLimit, 5> expected;
  double poi_upper_bound = std::numeric_limits<double>::quiet_NaN();
  /// "pyhf": the band at CLs(ts = +-1, +-2) exactly.
  std::string band_convention = "pyhf";
  bool ok() const;
  /// What is not fine ("" when ok()).
  std::string problems() const;
};

/// The observed and expected upper limits. Throws std::invalid_argument for a statistic without
/// CLs (t, t~) or a confidence level outside (0, 1).
UpperLimitResult upper_limit(const AsymptoticCalculator& calculator, const LimitOptions& options = {});
/// pyhf.infer.intervals.upper_limits.upper_limit(data, model, level=1-cl).
UpperLimitResult upper_limit(const Eigen::VectorXd& data, const Model& model, const LimitOptions& options = {},
                             TestStatistic statistic = TestStatistic::kQTildeMu, const InferenceOptions& fits = {});

/// Hypothesis tests at each value (parallel; values past the POI's upper bound allowed), for CLs
/// curves and Brazil-band plots.
std::vector<HypotestResult> cls_scan(const AsymptoticCalculator& calculator, const std::vector<double>& values);

}  // namespace hessfit::infer
