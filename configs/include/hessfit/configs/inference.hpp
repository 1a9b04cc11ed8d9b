// Hypothesis tests for `hessfit fit` (its `inference:` section) and for the `hessfit hypotest`,
// `hessfit limit` and `hessfit significance` commands: the requests resolved against the model,
// the runs (hessfit::infer), and their JSON and text forms, one set for both.
//
// JSON keys (also results.json's "inference", documented in configs/README.md):
//   hypotest      {"poi","mu","test_statistic","cls_obs","clsb_obs","clb_obs","cls_exp":[5],
//                  "clsb_exp":[5],"clb_exp":[5],"q_obs","q_asimov","ts","p_value","mu_hat","ok","message"}
//   limit         {"poi","cl","test_statistic","band","observed","expected":[5],"observed_past_bound",
//                  "expected_past_bound":[5],"poi_upper_bound","scan":[...],"ok","message"}
//   significance  {"poi","observed":{"q0","p0","z"},"expected":{"q0","p0","z"},"expected_p0_band":[5],
//                  "mu_hat","ok","message"}
// cls_exp is in pyhf's order (ascending CLs: -2, -1, 0, +1, +2 sigma); expected limits ascend the same way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/error.hpp"
#include "hessfit/configs/setup.hpp"
#include "hessfit/infer.hpp"

namespace hessfit::configs {

/// What was computed, and how long it took.
struct InferenceResults {
  std::string poi;
  infer::TestStatistic statistic = infer::TestStatistic::kQTildeMu;
  infer::AsimovType asimov = infer::AsimovType::kPostfit;
  std::vector<infer::HypotestResult> hypotests;
  std::optional<infer::UpperLimitResult> limit;
  std::vector<infer::HypotestResult> scan;  // the CLs scan of the limit (Brazil-band plot)
  std::optional<infer::SignificanceResult> significance;
  double time_seconds = 0.0;
  bool ok() const;
  std::string problems() const;
};

/// The fits' options from the config's `fit:` section (minimiser, tolerance, iterations, threads)
/// and the inference section's Asimov type.
infer::InferenceOptions inference_options(const Config& config);

/// Checks a request against the model: a free POI, expected data, tested values inside the POI's
/// bounds. Problems are located at the request's place in the config.
void check_inference(const InferenceConfig& request, const FitSetup& setup, Diagnostics& diagnostics);

/// Runs what `request` asks for. Numerical trouble is reported in the results, not thrown.
InferenceResults run_inference(const FitSetup& setup, const InferenceConfig& request, const infer::InferenceOptions& options);

nlohmann::ordered_json to_json(const infer::HypotestResult& result, const std::string& poi);
nlohmann::ordered_json to_json(const infer::UpperLimitResult& result, const std::vector<infer::HypotestResult>& scan);
nlohmann::ordered_json to_json(const infer::SignificanceResult& result);
/// results.json's "inference" (null-free: absent parts are omitted).
nlohmann::ordered_json to_json(const InferenceResults& results);

/// Readable tables for the terminal.
std::string text_table(const infer::HypotestResult& result, const std::string& poi);
std::string text_table(const infer::UpperLimitResult& result, const std::vector<infer::HypotestResult>& scan);
std::string text_table(const infer::SignificanceResult& result);
/// A compact summary of everything (for summary.txt).
std::string text_summary(const InferenceResults& results);

}  // namespace hessfit::configs
