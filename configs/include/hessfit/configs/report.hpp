// The uncertainty report of a fit: a terminal summary, results.json (a versioned schema,
// documented in configs/README.md), report.md with the plots embedded, and the SVG plots
// (pulls, correlation heatmap, profile scans, contours, impact ranking), written by hand.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/inference.hpp"
#include "hessfit/configs/postfit.hpp"
#include "hessfit/configs/setup.hpp"
#include "hessfit/configs/toys.hpp"
#include "hessfit/fit/fit.hpp"

namespace hessfit::configs {

/// results.json: "schema": "hessfit.fit-results", "schema_version": this.
inline constexpr int kResultsSchemaVersion = 2;

/// Wall seconds of the steps outside the fit itself.
struct RunTiming {
  double load = 0.0;    // config + model
  double report = 0.0;  // reports and plots
  double total = 0.0;   // the whole command
};

struct Report {
  const Config& config;
  const FitSetup& setup;
  const fit::FitResult& result;
  RunTiming timing;
  /// The `inference:` results, if the config asked for any.
  const InferenceResults* inference = nullptr;
  /// The `toys:` results, if the config asked for any.
  const ToysResults* toys = nullptr;
  /// Yields, goodness of fit and breakdown, if computed.
  const PostfitResults* postfit = nullptr;
};

/// A rendered plot.
struct PlotFile {
  Plot kind = Plot::kPulls;
  std::string file_name;  // "pulls.svg", "scan_mu.svg"
  std::string title;
  std::string svg;
};

/// The terminal summary (also summary.txt): status, parameter table, correlations, impacts.
std::string text_summary(const Report& report);
/// results.json.
nlohmann::json results_json(const Report& report);
/// report.md, embedding `plots` by file name.
std::string markdown_report(const Report& report, const std::vector<PlotFile>& plots);
/// The plots the config asks for and the results allow (e.g. no contour plot without contours).
std::vector<PlotFile> make_plots(const Report& report);

/// Writes `content` to `path` through a temporary file in the same folder and a rename, so that
/// `path` is either the old file or the complete new one. Throws std::runtime_error on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

/// A parameter name made safe for a file name ("staterror_SR[3]" -> "staterror_SR_3_").
std::string file_stem(const std::string& name);

}  // namespace hessfit::configs
