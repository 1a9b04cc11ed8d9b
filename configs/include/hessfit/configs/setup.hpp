// From a validated Config to a fit ready to run: the model (a HistFactory workspace or a
// registered C++ NLL) as a hessfit::fit::Objective with the overrides applied, what is known
// about each parameter for the report (constraint, pre-fit width), and the fit plan (MINOS,
// scans, contours, impacts) with every name resolved.
//
//   const Config config = load_config("analysis.yaml");
//   const FitSetup setup = prepare_fit(config);          // throws ConfigError
//   const fit::FitResult result = run_fit(setup);         // run.hpp
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/error.hpp"
#include "hessfit/configs/nll_registry.hpp"
#include "hessfit/fit/fit.hpp"
#include "hessfit/fit/objective.hpp"
#include "hessfit/infer/model.hpp"
#include "hessfit/likelihood/patchset.hpp"
#include "hessfit/likelihood/workspace.hpp"

namespace hessfit::configs {

/// A parameter as the report describes it.
struct ParameterInfo {
  std::string name;
  std::string kind;  // HistFactory modifier type ("normfactor", "staterror", ...) or "parameter"
  ParameterConstraint constraint;  // pre-fit centre and width of a constrained parameter
};

struct FitSetup {
  infer::Model model;        // overrides applied to its objective: starting values, bounds, fixed flags
  std::vector<ParameterInfo> parameters;
  fit::FitOptions options;   // minimiser and the uncertainties to compute, names resolved
  std::string description;   // "workspace 'x.json', measurement 'm'" / "C++ NLL 'counting'"
  std::vector<std::string> warnings;  // accepted but possibly unintended
  /// With fit.channels: the model of every channel (its pre-fit state), whose yields the fit to the
  /// chosen channels predicts. Empty otherwise.
  std::optional<infer::Model> full_model;

  /// The NLL on the observed data with the overrides applied.
  const fit::Objective& objective() const { return model.objective(); }
  /// The POI's name, "" = the model has none.
  std::string poi() const { return model.poi_name(); }
};

/// Builds the model and the plan. Throws ConfigError for every problem (bad workspace, unknown
/// parameter names with suggestions, scans of fixed parameters, ...).
FitSetup prepare_fit(const Config& config);
/// Same, recording problems instead of throwing; nothing when a problem was added.
std::optional<FitSetup> prepare_fit(const Config& config, Diagnostics& diagnostics);

/// The setup of a HistFactory model built by the caller (the Python module holds its workspace
/// in memory): the parameters' kinds and constraints, the model's warnings, and a description
/// "<name>, measurement 'm': 2 channels, 4 bins, 7 parameters (5 free)" (`name`: "pyhf workspace
/// 'ws.json'"). Its options are the defaults: prepare_fit(config, setup, ...) plans the fit.
FitSetup histfactory_setup(std::shared_ptr<const likelihood::Model> model, const std::string& name);

/// The config's parameter overrides, Hessian storage and fit plan (minimiser, MINOS, scans,
/// contours, impacts, inference checks) applied to a model built by the caller; `config.model` is
/// not read. Problems go to `diagnostics` (nothing is returned when one was added).
std::optional<FitSetup> prepare_fit(const Config& config, FitSetup model, Diagnostics& diagnostics);

/// A background-only workspace and a patchset, each read and parsed once and the patchset's digest
/// of the workspace verified once: the source of every model of a grid over the patches.
struct PatchsetInputs {
  std::shared_ptr<const likelihood::Workspace> background;
  std::shared_ptr<const likelihood::PatchSet> patchset;
};

/// Reads `model.workspace` and `patchset` and verifies the digest (a mismatch is the error that
/// `hessfit fit --patchset` gives). Nothing when a problem was added.
std::optional<PatchsetInputs> load_patchset_inputs(const Config& config, const Located<std::filesystem::path>& patchset,
                                                   Diagnostics& diagnostics);
/// prepare_fit() of the config's model with `patch` applied to the loaded background (a copy of
/// its parsed document; the digest is not checked again). Nothing when a problem was added.
std::optional<FitSetup> prepare_fit(const Config& config, const PatchsetInputs& inputs, const likelihood::Patch& patch,
                                    Diagnostics& diagnostics);

/// Glob match with '*' (any run) and '?' (one character); everything else literal.
bool glob_match(std::string_view pattern, std::string_view name);

}  // namespace hessfit::configs
