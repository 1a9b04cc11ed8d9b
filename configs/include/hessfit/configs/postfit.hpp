// After the fit of `hessfit fit`: pre-/post-fit yields with J C J^T errors (hessfit::infer::yields),
// the background-only fit's yields, the saturated-model goodness of fit and the uncertainty
// breakdown of the POI -- computed once, then written to results.json ("yields",
// "goodness_of_fit", "breakdown"), report.md, the summary and the stacked yield plots.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/error.hpp"
#include "hessfit/configs/setup.hpp"
#include "hessfit/fit/fit.hpp"
#include "hessfit/infer/breakdown.hpp"
#include "hessfit/infer/gof.hpp"
#include "hessfit/infer/yields.hpp"

namespace hessfit::configs {

struct PostfitResults {
  /// HistFactory models only.
  std::optional<infer::Yields> prefit, postfit;
  /// The background-only fit (POI fixed at 0): its yields, status and NLL.
  std::optional<infer::Yields> background_only;
  std::string background_only_message;
  bool background_only_ok = true;
  /// fit.channels: the channels the fit used (the others' post-fit yields are predictions).
  std::vector<std::string> fitted_channels;
  std::optional<infer::SaturatedGof> gof;
  std::optional<infer::BreakdownResult> breakdown;
  double time_seconds = 0.0;
  bool ok() const;
  std::string problems() const;
};

/// Checks `output.bin_edges` (known channels, bins + 1 edges) and the breakdown groups (each
/// pattern matches a parameter) against the model.
void check_postfit(const Config& config, const FitSetup& setup, Diagnostics& diagnostics);

/// Groups of the breakdown: the config's (globs resolved, in file order) or one per modifier
/// type of the constrained parameters.
std::vector<infer::BreakdownGroup> breakdown_groups(const Config& config, const FitSetup& setup);

/// Computes what the config asks for after the fit `result`. Numerical trouble is reported in
/// the results, not thrown.
PostfitResults run_postfit(const Config& config, const FitSetup& setup, const fit::FitResult& result);

/// results.json's "yields", "goodness_of_fit" and "breakdown" (absent parts omitted).
void add_json(const PostfitResults& results, nlohmann::json& out);
/// report.md's sections (yield tables, goodness of fit, breakdown).
std::string markdown_sections(const PostfitResults& results);
/// The summary's compact lines.
std::string text_section(const PostfitResults& results);

}  // namespace hessfit::configs
