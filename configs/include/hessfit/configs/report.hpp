// The uncertainty report of a fit: a terminal summary, results.json (a versioned schema,
// documented in configs/README.md), report.md with the plots embedded, and the SVG plots
// (pulls, correlation heatmap, profile scans, contours, impact ranking), written by hand.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <set>
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

/// One file of a report set: a plain name (no folder) and its content.
struct ReportFile {
  std::string name;  // "results.json", "scan_mu.svg"
  std::string content;
};

/// A file name has at most 255 bytes on common file systems; report files stay below this.
inline constexpr std::size_t kMaxFileNameBytes = 240;
/// file_stem() keeps long names to this many bytes (a start and a hash of the whole name).
inline constexpr std::size_t kMaxFileStemBytes = 100;

/// The report write was stopped by SIGINT or SIGTERM: nothing of this run is in the output folder
/// (or, if the signal came during the final renames, the whole set is).
class ReportInterrupted : public std::runtime_error {
 public:
  explicit ReportInterrupted(int signal_number);
  int signal_number() const noexcept { return signal_; }

 private:
  int signal_;
};

/// The manifest of the report set of `hessfit fit`.
inline constexpr const char* kReportManifest = ".hessfit-report";
/// The manifest of the set that `hessfit toys --out` writes (its own: a toys run beside a fit
/// report in one folder leaves the fit's files alone).
inline constexpr const char* kToysManifest = ".hessfit-toys";
/// The manifest of `hessfit grid` and `hessfit merge` (grid.json, grid.txt, exclusion.svg); a
/// shard's part is a set of one file with the manifest ".hessfit-grid-part-K-of-N", so that shards
/// writing into one folder at once leave each other's parts alone.
inline constexpr const char* kGridManifest = ".hessfit-grid";

/// Writes `files` into `directory` (created if missing) as one set: all are staged in a
/// ".hessfit-staging-<host>-<pid>-XXXXXX" folder inside it, then renamed into place with SIGINT/SIGTERM
/// held back; the manifest (`manifest`, a name starting with '.') lists the set, and files of the
/// previous set of that manifest that this one lacks are removed. Staging folders of dead processes
/// of this host are removed first. The folder is the old set or the new set, never a mixture, and holds no
/// temporaries after a SIGINT/SIGTERM. File names must be unique (unique_file_name()).
/// Throws std::runtime_error (nothing written) or ReportInterrupted.
void write_report_set(const std::filesystem::path& directory, const std::vector<ReportFile>& files,
                      const std::string& manifest = kReportManifest);

/// Writes `content` to `path` through a temporary file in the same folder and a rename, so that
/// `path` is either the old file or the complete new one (one file; write_report_set for sets).
/// Throws std::runtime_error on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

/// A parameter name made safe for a file name ("staterror_SR[3]" -> "staterror_SR_3_"); names
/// longer than kMaxFileStemBytes keep their start and end in a hash of the whole name.
std::string file_stem(const std::string& name);
/// `name` ("yields_prefit_a_b.svg"), or, if `used` holds it already, the first free
/// "<stem>_2.svg", "<stem>_3.svg", ...; the result is added to `used`. Two channels or parameters
/// whose names differ only in characters file_stem() replaces ("a b", "a_b") get two files.
std::string unique_file_name(std::set<std::string>& used, const std::string& name);

}  // namespace hessfit::configs
