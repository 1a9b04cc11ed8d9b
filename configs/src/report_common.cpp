#include "report_common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "hessfit/fit/profile.hpp"

namespace hessfit::configs::detail {

std::vector<ParameterRow> parameter_rows(const Report& report) {
  const fit::FitResult& r = report.result;
  const FitSetup& s = report.setup;
  std::vector<ParameterRow> rows;
  for (const auto& p : r.parameters) {
    ParameterRow row;
    row.index = p.index;
    row.name = p.name;
    const ParameterInfo& info = s.parameters[static_cast<std::size_t>(p.index)];
    row.kind = info.kind;
    row.constraint = info.constraint;
    row.value = p.value;
    row.error = p.error;
    row.initial = p.initial;
    row.bounds = p.bounds;
    row.state = p.state;
    row.fixed = s.objective().is_fixed(p.index);
    row.poi = p.name == s.poi();
    row.minos = p.minos ? &*p.minos : nullptr;
    if (row.poi) row.flags.push_back("POI");
    if (row.fixed) row.flags.push_back("fixed");
    if (p.state == fit::ParameterState::kAtLowerBound) row.flags.push_back("at lower bound");
    if (p.state == fit::ParameterState::kAtUpperBound) row.flags.push_back("at upper bound");
    if (row.minos != nullptr) {
      if (row.minos->lower.at_limit()) row.flags.push_back("MINOS lower at limit");
      if (row.minos->upper.at_limit()) row.flags.push_back("MINOS upper at limit");
      if (!row.minos->lower.ok()) row.flags.push_back("MINOS lower: " + fit::to_string(row.minos->lower.status));
      if (!row.minos->upper.ok()) row.flags.push_back("MINOS upper: " + fit::to_string(row.minos->upper.status));
    }
    if (!row.fixed && info.constraint.type != Constraint::kNone && info.constraint.sigma > 0.0) {
      row.pull = (p.value - info.constraint.centre) / info.constraint.sigma;
      if (std::isfinite(p.error) && p.error > 0.0) row.constraint_ratio = p.error / info.constraint.sigma;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<CorrelatedPair> top_correlations(const Report& report, std::size_t count, double min_abs) {
  const fit::FitResult& r = report.result;
  std::vector<CorrelatedPair> pairs;
  // (dense: every pair; sparse path: the pairs the covariance holds, see fit::CovarianceResult)
  r.covariance.for_each_correlation([&](int i, int j, double rho) {
    if (std::isfinite(rho) && std::abs(rho) >= min_abs)
      pairs.push_back({r.names[static_cast<std::size_t>(i)], r.names[static_cast<std::size_t>(j)], rho});
  });
  std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return std::abs(a.rho) > std::abs(b.rho); });
  if (pairs.size() > count) pairs.resize(count);
  return pairs;
}

std::string minos_text(const fit::MinosSide& side, bool upper) {
  (void)upper;
  std::string t = format_spec("{:+.4g}", side.offset);
  if (side.at_limit()) t += " (limit)";
  else if (!side.ok()) t += " (" + fit::to_string(side.status) + ")";
  return t;
}

double delta_nll_threshold(double cl, double errordef, int dof) { return errordef * fit::chi_square_quantile(cl, dof); }

}  // namespace hessfit::configs::detail
