// The whole fit, as `hessfit fit` reports it: minimum -> exact-Hessian covariance -> MINOS
// intervals -> profile scans -> contours -> impacts, with restarts whenever a profile
// computation finds a point below the minimum (the minimisation is then redone from that
// point and everything recomputed, at most max_restarts times).
//
//   hessfit::fit::FitOptions options;
//   options.minos = {"mu"};
//   hessfit::fit::ScanRequest scan;
//   scan.parameter = "mu";                     // 21 points over +-3 sigma
//   options.scans.push_back(scan);
//   const hessfit::fit::FitResult result = hessfit::fit::fit(objective, options);
//   std::cout << result.report();
#pragma once

#include <Eigen/Core>

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "hessfit/common/levels.hpp"
#include "hessfit/fit/covariance.hpp"
#include "hessfit/fit/impacts.hpp"
#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/minos.hpp"
#include "hessfit/fit/objective.hpp"
#include "hessfit/fit/profile.hpp"
#include "hessfit/fit/scan.hpp"

namespace hessfit::fit {

/// A 1D profile scan to run: explicit `values`, or `points` values over
/// [best - width_sigmas * sigma, best + width_sigmas * sigma] clipped to the bounds.
struct ScanRequest {
  std::string parameter;
  std::vector<double> values;
  int points = 21;
  double width_sigmas = 3.0;
};

/// A 2D profile contour to run, at each confidence level (2 degrees of freedom).
struct ContourRequest {
  std::string x;
  std::string y;
  std::vector<double> confidence_levels{kOneSigmaLevel};
  int points = 24;
};

/// Impacts on `poi` of the `constrained` nuisance parameters.
struct ImpactsRequest {
  std::string poi;
  std::vector<ConstrainedParameter> constrained;
};

struct FitOptions {
  MinimizeOptions minimize;
  CovarianceOptions covariance;
  /// Parameters to run MINOS on (names).
  std::vector<std::string> minos;
  MinosOptions minos_options;
  std::vector<ScanRequest> scans;
  ScanOptions scan_options;
  std::vector<ContourRequest> contours;
  ContourOptions contour_options;  // confidence_level and points come from each request
  std::optional<ImpactsRequest> impacts;
  ImpactsOptions impacts_options;
  /// Threads for MINOS, scans, contours and impacts (overrides their own setting);
  /// 0 = hardware concurrency. Results are the same for any value.
  int threads = 0;
  /// Redo everything from a lower point found by a profile fit at most this many times.
  int max_restarts = 3;
  /// If set, called on the calling thread before each step with a short description:
  /// "minimising 7 free parameters", "covariance from the exact Hessian", "MINOS on 6
  /// parameters" (only when MINOS has parameters), "profile scan 1/2 of 'mu'", "contour 1/3 of
  /// 'mu' and 'theta'", "impacts of 5 nuisance parameters on 'mu'"; after a restart from a lower
  /// point each description ends in " (restart N)". For progress displays; exceptions propagate.
  std::function<void(const std::string& step)> progress;
};

/// Everything about one parameter, for reports.
struct ParameterResult {
  int index = -1;
  std::string name;
  double value = std::numeric_limits<double>::quiet_NaN();   // best fit
  double error = std::numeric_limits<double>::quiet_NaN();   // Hessian error (0 if fixed/held)
  double initial = std::numeric_limits<double>::quiet_NaN(); // starting value
  Bounds bounds;
  ParameterState state = ParameterState::kFree;
  std::optional<MinosInterval> minos;
};

struct FitTiming {  // wall seconds, summed over restarts
  double minimize = 0.0;
  double covariance = 0.0;
  double minos = 0.0;
  double scans = 0.0;
  double contours = 0.0;
  double impacts = 0.0;
  double total = 0.0;
};

struct [[nodiscard]] FitResult {
  /// Minimum converged, covariance accurate, all MINOS sides ok or at a limit, all scan
  /// points converged, contours and impacts fine, no unresolved lower point.
  bool ok() const;
  /// Summary of what is not fine ("" when ok()).
  std::string problems() const;

  std::vector<std::string> names;
  MinimizeResult minimum;
  CovarianceResult covariance;
  std::vector<ParameterResult> parameters;
  MinosResult minos;
  std::vector<ProfileScan> scans;
  std::vector<Contour> contours;  // one per (request, confidence level), in request order
  std::optional<ImpactsResult> impacts;
  /// How often a profile computation found a lower point and the fit was redone, and the f of
  /// each minimum in turn (the last is `minimum.fval`).
  int restarts = 0;
  std::vector<double> minimum_history;
  /// True if the last restart still found a lower point (max_restarts exhausted).
  bool unresolved_new_minimum = false;
  FitTiming timing;

  /// Human-readable multi-line report (minimum, parameter table with MINOS, covariance status).
  std::string report() const;
};

FitResult fit(const Objective& objective, const FitOptions& options = {});

}  // namespace hessfit::fit
