// A fit configuration: what to fit (a pyhf workspace or a registered C++ NLL), parameter
// overrides, minimiser settings, which uncertainties to compute and what to write.
// The schema, every key with its default, is documented in configs/README.md.
//
//   const auto config = hessfit::configs::load_config("analysis.yaml", {"fit.minimizer=newton"});
//
// load_config() checks the document against the schema (unknown keys with a suggestion, types,
// ranges, files that must exist, settings that contradict each other) and reports every problem
// at once in a ConfigError naming file:line:col. Checks that need the model (parameter names in
// overrides, MINOS, scans, ...) happen in prepare_fit() (setup.hpp).
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/common/levels.hpp"
#include "hessfit/configs/error.hpp"
#include "hessfit/configs/nll_registry.hpp"
#include "hessfit/fit/fit.hpp"
#include "hessfit/infer/fits.hpp"
#include "hessfit/infer/test_statistics.hpp"

namespace hessfit::configs {

/// Version of the configuration schema (the `version` key; optional in a config).
inline constexpr int kConfigSchemaVersion = 1;

template <class T>
struct Located {
  T value{};
  Location where;
};

/// `model:` -- exactly one of `workspace` and `nll`.
struct ModelConfig {
  Location where;
  // A pyhf JSON workspace.
  std::optional<Located<std::filesystem::path>> workspace;  // resolved against the config's folder
  Located<std::string> measurement;                          // "" = the first
  std::optional<Located<std::filesystem::path>> patchset;
  Located<std::string> patch;                                // name, or values "a,b"
  Located<std::string> poi;                                  // "" = the measurement's (or NLL's) POI
  std::string normsys_interpolation = "code4";               // code4 | code1
  std::string histosys_interpolation = "code4p";             // code4p | code0 | code2
  // A registered C++ NLL.
  std::optional<Located<std::string>> nll;
  std::vector<Located<std::string>> parameter_names;  // renames the NLL's parameters, in order
  Location parameter_names_where;
  NllArguments data;
  Location data_where;
};

/// One entry of `parameters:`. A pattern with '*' or '?' is a glob ('[' and ']' are literal, as
/// in "staterror_SR[3]"); globs apply first in file order, then exact names.
struct ParameterOverride {
  Located<std::string> pattern;
  bool glob = false;
  std::optional<Located<double>> init;
  std::optional<Located<std::array<double, 2>>> bounds;
  std::optional<Located<bool>> fixed;
};

/// `fit:` (defaults: the fitting engine's).
struct FitConfig {
  fit::Method minimizer = fit::MinimizeOptions{}.method;
  double tolerance = fit::MinimizeOptions{}.edm_tolerance;  // EDM target, 1/2 g^T H^-1 g (for an NLL)
  int max_iterations = 0;   // 0 = the minimiser's default (Newton 100, L-BFGS/BFGS 10000)
  int threads = 0;          // 0 = all cores
  int max_restarts = fit::FitOptions{}.max_restarts;  // refits from a lower point found by MINOS/scans/contours/impacts
  fit::HessianStorage hessian = fit::HessianStorage::kAuto;  // auto | dense | sparse
  bool background_only = true;  // also the background-only fit (POI fixed at 0) and its yields
  /// Fit only the channels matching these names/globs (blinded: the control regions); the
  /// others' yields are predicted from that fit. Empty: every channel.
  std::vector<Located<std::string>> channels;
};

/// `uncertainties.minos`: none, the POI, all free parameters, or a list of names/globs.
struct MinosSelection {
  enum class Kind { kNone, kPoi, kAll, kList };
  Kind kind = Kind::kPoi;
  std::vector<Located<std::string>> names;
  Location where;
};

struct ScanConfig {
  Located<std::string> parameter;                     // a name, or "poi"
  std::optional<Located<std::array<double, 2>>> range;  // default: best fit +- width sigma
  int points = fit::ScanRequest{}.points;
  double width = fit::ScanRequest{}.width_sigmas;  // in Hessian errors, when no range is given (clipped to the bounds)
  Location where;
};

struct ContourConfig {
  std::array<Located<std::string>, 2> parameters;
  std::vector<double> cl;  // default: {uncertainties.cl}
  int points = fit::ContourRequest{}.points;
  Location where;
};

struct ImpactsConfig {
  bool enabled = false;
  Located<std::string> poi;                      // "" = the model's POI
  std::vector<Located<std::string>> parameters;  // names/globs; empty = every constrained NP
  bool prefit = true;                            // also the pre-fit impacts (2 more refits per NP)
  Location where;
};

/// One group of `uncertainties.breakdown.groups`: a name and parameter names/globs.
struct BreakdownGroupConfig {
  Located<std::string> name;
  std::vector<Located<std::string>> patterns;
};

/// `uncertainties.breakdown`: true | false | {groups: {name: [globs]}, minos: bool}.
struct BreakdownConfig {
  bool enabled = true;                       // for a model with a free POI
  std::vector<BreakdownGroupConfig> groups;  // empty: one group per modifier type
  bool minos = false;                        // also MINOS impacts (two crossings per group)
  Location where;
};

/// `uncertainties:`
struct UncertaintiesConfig {
  double cl = kOneSigmaLevel;  // MINOS confidence level (1 dof)
  Location cl_where;
  MinosSelection minos;
  std::vector<ScanConfig> scans;  // default: one scan of the POI
  std::vector<ContourConfig> contours;
  ImpactsConfig impacts;
  BreakdownConfig breakdown;
};

/// `inference.limit`: upper limits and the CLs scan behind the Brazil-band plot.
struct LimitConfig {
  bool enabled = false;
  double cl = kUpperLimitLevel;
  /// The CLs scan: `range` (default [0, 1.2 x the largest limit]) and `points`; points = 0: none.
  std::optional<Located<std::array<double, 2>>> scan_range;
  int scan_points = 21;
  Location where;
};

/// `inference:` -- hypothesis tests of the POI (asymptotic CLs), upper limits, significance.
struct InferenceConfig {
  Location where;
  infer::TestStatistic test_statistic = infer::TestStatistic::kQTildeMu;
  infer::AsimovType asimov = infer::AsimovType::kPostfit;
  std::vector<Located<double>> hypotest;  // POI values to test
  LimitConfig limit;
  bool significance = false;
  Location significance_where;
  /// Anything to compute.
  bool requested() const { return !hypotest.empty() || limit.enabled || significance; }
};

/// `grid:` -- the hypothesis test (and upper limits) of every selected patch of a patchset applied
/// to the background-only `model.workspace` (`hessfit grid`).
struct GridConfig {
  Location where;
  std::optional<Located<std::filesystem::path>> patchset;  // resolved against the config's folder
  Located<std::string> patches{"*", {}};  // glob over patch names ('*' any run, '?' one character)
  double mu = 1.0;                        // the POI value tested at every point
  Location mu_where;
  bool limits = false;                    // also the observed and expected upper limits
  double cl = kUpperLimitLevel;           // their confidence level; the contours are at CLs = 1 - cl
  std::vector<Located<std::string>> axes; // two of the patchset's labels for the plot (default: the first two)
  bool requested() const { return patchset.has_value(); }
};

/// `toys:` -- pseudo-experiments (hessfit::infer toys.hpp): toy-based CLs, upper limits on a POI
/// grid, discovery p0, pull/coverage studies, the toy-calibrated goodness of fit.
struct ToysConfig {
  Location where;
  int ntoys = 1000;           // per ensemble (each hypotest: ntoys s+b and ntoys b-only toys)
  std::uint64_t seed = 0;     // the same seed gives the same toys, bit for bit, for any thread count
  std::optional<infer::TestStatistic> test_statistic;  // default: inference.test_statistic
  std::vector<Located<double>> hypotest;               // POI values for toy-based CLs
  bool limit = false;                                  // toy-based upper limit on a POI grid
  double cl = kUpperLimitLevel;
  std::optional<Located<std::array<double, 2>>> grid_range;  // default [0, 2 x the largest asymptotic limit]
  int grid_points = 16;
  Location limit_where;
  bool significance = false;  // toy p0 (q0)
  Location significance_where;
  bool pulls = false;         // pull and coverage study at the best fit
  std::vector<Located<std::string>> pull_parameters;  // empty: every free parameter
  bool pull_minos = false;    // also MINOS coverage (costly)
  bool gof = false;           // toy-calibrated saturated goodness of fit
  double cls_accuracy = 0.0;  // Combine's --clsAcc (0: off): add ntoys blocks until sigma_CLs <= this
  int max_toys = 100000;      // per ensemble, with cls_accuracy
  bool requested() const { return !hypotest.empty() || limit || significance || pulls || gof; }
};

enum class Plot { kPulls, kCorrelation, kScans, kContours, kImpacts, kCls, kYields };
std::string to_string(Plot plot);

/// `output:`
struct OutputConfig {
  std::filesystem::path directory;  // resolved (config folder / "results" by default)
  bool text = true;                 // summary.txt
  bool json = true;                 // results.json
  bool markdown = true;             // report.md
  std::vector<Plot> plots{Plot::kPulls, Plot::kCorrelation, Plot::kScans, Plot::kContours, Plot::kImpacts, Plot::kCls, Plot::kYields};
  bool yields = true;                   // pre-/post-fit yields (HistFactory models) and the goodness of fit
  /// Bin edges per channel for the yield plots (bins + 1 ascending values); others by bin index.
  std::vector<std::pair<Located<std::string>, std::vector<double>>> bin_edges;
  int correlation_max_parameters = 40;  // prune the heatmap to the most correlated ones
  int impacts_max_parameters = 30;      // rows of the impact ranking plot
  bool full_covariance = false;         // results.json: the n x n matrices also on the sparse path
  bool has(Plot plot) const;
};

struct Config {
  std::filesystem::path file;  // the config (or the workspace given in its place)
  std::string source;          // the file as named in messages
  bool workspace_only = false; // a workspace JSON given in place of a config
  std::string title;           // `title`, default: the file's stem
  ModelConfig model;
  std::vector<ParameterOverride> parameters;
  FitConfig fit;
  UncertaintiesConfig uncertainties;
  InferenceConfig inference;
  GridConfig grid;
  ToysConfig toys;
  OutputConfig output;
};

/// Reads, overrides (`sets`: "key.path=value", value in YAML flow syntax, e.g.
/// "uncertainties.minos=[mu, theta]"; a numeric segment indexes a list) and validates a config.
/// A `.json` file is a pyhf workspace fitted with the defaults (output relative to the current
/// folder). Throws ConfigError with every problem found.
Config load_config(const std::filesystem::path& file, const std::vector<std::string>& sets = {});

/// Same from YAML text; relative paths resolve against `base_directory`.
Config parse_config(const std::string& yaml, const std::string& source,
                    const std::filesystem::path& base_directory, const std::vector<std::string>& sets = {});

/// load_config() recording problems in `diagnostics` instead of throwing (the Config holds what
/// could be read, defaults elsewhere).
Config load_config(const std::filesystem::path& file, const std::vector<std::string>& sets,
                   Diagnostics& diagnostics);

/// The config with every default filled in, as written to results.json under "config".
nlohmann::json to_json(const Config& config);

}  // namespace hessfit::configs
