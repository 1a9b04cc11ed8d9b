// What the terminal summary, report.md, results.json and the plots share: one row per parameter
// with its pull, constraint and flags, the most correlated pairs, number formatting.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "hessfit/common/text.hpp"
#include "hessfit/configs/report.hpp"

namespace hessfit::configs::detail {

struct ParameterRow {
  int index = -1;
  std::string name;
  std::string kind;
  double value = 0.0;
  double error = 0.0;  // Hessian error (0 when fixed or held by a bound)
  double initial = 0.0;
  fit::Bounds bounds;
  bool fixed = false;
  bool poi = false;
  fit::ParameterState state = fit::ParameterState::kFree;
  const fit::MinosInterval* minos = nullptr;
  ParameterConstraint constraint;
  /// (value - centre) / sigma_prefit and sigma_postfit / sigma_prefit, for constrained free ones.
  std::optional<double> pull;
  std::optional<double> constraint_ratio;
  /// "POI", "fixed", "at lower bound", "MINOS lower at limit", ...
  std::vector<std::string> flags;
};

std::vector<ParameterRow> parameter_rows(const Report& report);

/// The stacked data/model plots of the yields (yield_plots.cpp).
std::vector<PlotFile> yield_plots(const Report& report);

struct CorrelatedPair {
  std::string a, b;
  double rho = 0.0;
};
/// Pairs of different parameters by decreasing |rho|, at most `count`, with |rho| >= `min_abs`.
std::vector<CorrelatedPair> top_correlations(const Report& report, std::size_t count, double min_abs);

/// A signed MINOS offset "+0.0782" / "-0.0761" (with " (limit)" at a bound), "" if none.
std::string minos_text(const fit::MinosSide& side, bool upper);
/// Threshold of the profile dNLL for a confidence level in 1 dof (0.5 for 68.27%).
double delta_nll_threshold(double cl, double errordef, int dof = 1);

}  // namespace hessfit::configs::detail
