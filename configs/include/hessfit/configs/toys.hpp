// Toys for `hessfit fit` (its `toys:` section) and for the `hessfit toys` command: the request
// resolved against the model, the runs (hessfit::infer toys.hpp), their JSON and text forms, the
// per-toy file and the plots.
//
// JSON (results.json's "toys", `hessfit toys --json`; documented in configs/README.md):
//   hypotest  {"ntoys","seed","mu","test_statistic","q_obs","cls_obs","cls_obs_error","cls_obs_bound",
//              "clsb_obs","clsb_obs_error","clsb_obs_bound","clb_obs","clb_obs_error","cls_exp":[5],"cls_exp_error":[5],
//              "clsb_exp":[5],"clb_exp":[5],"cls_obs_asymptotic","cls_exp_asymptotic":[5],"toys":{"null","alternative"},
//              "failed_fits","ok","message"}
//   limit     {"ntoys","seed","poi","cl","test_statistic","observed","observed_error","expected":[5],
//              "expected_error":[5],"grid":[...],"scan":[{"mu","cls_obs","cls_obs_error","cls_exp":[5],
//              "cls_exp_error":[5],"cls_obs_asymptotic","failed_fits"}],"failed_fits","ok","message"}
//   significance {"ntoys","seed","q0_obs","p0","p0_error","p0_bound","z","p0_asymptotic","z_asymptotic","failed_fits",...}
//   pulls     {"ntoys","seed","cl","parameters":[{"name","generated","toys","pull_mean","pull_mean_error","pull_width",
//              "pull_width_error","bias","bias_error","coverage_hessian","coverage_hessian_error","coverage_minos",
//              "coverage_minos_error"}],"failed_fits","ok","message"}
//   gof       {"ntoys","seed","chi2_obs","dof","p_value","p_value_error","p_value_bound","p_value_asymptotic","failed_fits",...}
// cls_exp in pyhf's order (ascending). The per-toy values go to toys.json (see per_toy_json).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/error.hpp"
#include "hessfit/configs/setup.hpp"
#include "hessfit/infer.hpp"

namespace hessfit::configs {

struct ToysResults {
  std::string poi;
  int ntoys = 0;
  std::uint64_t seed = 0;
  infer::TestStatistic statistic = infer::TestStatistic::kQTildeMu;
  std::vector<infer::ToyHypotestResult> hypotests;
  std::optional<infer::ToyUpperLimitResult> limit;
  std::optional<infer::ToySignificanceResult> significance;
  std::optional<infer::PullStudyResult> pulls;
  std::optional<infer::ToyGofResult> gof;
  long toys = 0;  // toys generated and fitted, all parts
  double time_seconds = 0.0;
  bool ok() const;
  std::string problems() const;
};

/// Checks the request against the model (a free POI and expected data where tests are asked
/// for, known data distributions, tested values inside the POI's bounds, pull parameters).
void check_toys(const ToysConfig& request, const FitSetup& setup, Diagnostics& diagnostics);

/// The toys' options from the fits' (threads, the fits to the data; the toy fits take the
/// conditional fit's EDM tolerance and iteration limit).
infer::ToyOptions toy_options(const infer::InferenceOptions& fits, int ntoys, std::uint64_t seed);

/// Runs what `request` asks for; `progress(done, planned)` after each block of toys.
/// Numerical trouble is reported in the results, not thrown.
ToysResults run_toys(const FitSetup& setup, const ToysConfig& request, const infer::InferenceOptions& fits,
                     const std::function<void(long done, long planned)>& progress = {});

nlohmann::ordered_json to_json(const infer::ToyHypotestResult& result);
nlohmann::ordered_json to_json(const infer::ToyUpperLimitResult& result);
nlohmann::ordered_json to_json(const infer::ToySignificanceResult& result);
nlohmann::ordered_json to_json(const infer::PullStudyResult& result);
nlohmann::ordered_json to_json(const infer::ToyGofResult& result);
/// Everything (results.json's "toys").
nlohmann::ordered_json to_json(const ToysResults& results);
/// The per-toy values (toys.json): per part, per ensemble, arrays in toy-index order (null for a
/// failed toy): statistic, poi_hat; pulls per parameter; chi2 per toy.
nlohmann::ordered_json per_toy_json(const ToysResults& results);

/// A readable summary for the terminal and summary.txt.
std::string text_summary(const ToysResults& results);

/// SVG plots: test-statistic distributions of each toy hypotest (toys against the asymptotic
/// densities, the observed value marked), pull distributions, the toy GoF distribution.
/// (file name, svg) pairs.
std::vector<std::pair<std::string, std::string>> toy_plots(const ToysResults& results);

/// A progress line on `err` (toys/s and ETA), for long runs.
std::function<void(long, long)> toy_progress_line(std::ostream& err, bool enabled);

}  // namespace hessfit::configs
