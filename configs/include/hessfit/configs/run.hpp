// Running a prepared fit, and the whole `hessfit fit` command (config -> fit -> reports).
//
// run_fit() computes, in order, the minimum, the exact-Hessian covariance, MINOS intervals,
// profile scans, contours and impacts; whenever a profile computation finds a point below the
// minimum, the minimisation is redone from there and everything recomputed (at most
// fit.max_restarts times) -- hessfit::fit::fit() with the setup's options, passing `progress`
// on as FitOptions::progress so that a progress line can name the step that is running.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "hessfit/configs/exit_codes.hpp"
#include "hessfit/configs/setup.hpp"
#include "hessfit/fit/fit.hpp"

namespace hessfit::configs {

/// Called before each step with a short description ("MINOS on 6 parameters"); see
/// fit::FitOptions::progress.
using ProgressCallback = std::function<void(const std::string& step)>;

fit::FitResult run_fit(const FitSetup& setup, const ProgressCallback& progress = {});

struct RunOptions {
  std::filesystem::path config;  // a YAML config, or a pyhf workspace .json
  std::optional<std::filesystem::path> output_directory;  // --out (relative to the current folder)
  std::vector<std::string> sets;                          // --set key.path=value
  std::optional<int> threads;                             // --threads (overrides fit.threads)
  bool quiet = false;                                     // no terminal summary
  std::optional<bool> progress;                           // default: stderr is a terminal
  /// When set, called instead of writing the reports and printing the summary once everything is
  /// computed (a batch shard writes its part, an MPI rank other than 0 writes nothing); its
  /// return value is the exit code.
  std::function<int(const Config& config)> instead_of_writing;
};

/// The `hessfit fit` command: load and validate the config, fit, write the reports. The
/// summary goes to `out`, problems and progress to `err`. Returns an exit code above; with
/// kExitBadInput nothing has been written.
int run_fit_command(const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace hessfit::configs
