// `hessfit fit CONFIG.yaml [--out DIR] [--set key.path=value ...] [--threads N] [--quiet] [--shard K/N]`:
// a YAML-driven fit and its uncertainty report (hessfit::configs does the work). Under mpirun
// and with --shard, its impact refits and toys are split (distribute.hpp).
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "distribute.hpp"
#include "hessfit/configs/run.hpp"
#include "ranks.hpp"

namespace hessfit::app {
namespace {

struct FitFlags {
  std::string config;
  std::string out;
  std::vector<std::string> sets;
  std::string shard;
  int threads = -1;
  bool quiet = false;
  bool progress = false;
  bool no_progress = false;
};

std::function<int()> attach_fit(CLI::App& app) {
  auto flags = std::make_shared<FitFlags>();
  app.description(
      "Fit a model from a YAML config (or a pyhf workspace .json, with the defaults) and write the uncertainty report: "
      "results.json, report.md, summary.txt and SVG plots.");
  app.add_option("config", flags->config, "YAML config (schema: configs/README.md), or a pyhf workspace .json")->required();
  app.add_option("-o,--out", flags->out, "output directory (default: output.directory of the config, relative to the config file)");
  app.add_option("-s,--set", flags->sets, "override a config value: key.path=value (YAML value, e.g. uncertainties.minos=[mu]); repeatable")
      ->take_all()
      ->allow_extra_args(false);
  app.add_option("-j,--threads", flags->threads, "worker threads for MINOS, scans, contours, impacts (0 = all cores)")
      ->check(CLI::Range(0, 4096));
  app.add_option("--shard", flags->shard,
                 "compute only slice K of N (K/N) of the impact refits and toys and write fit.part-K-of-N.json into the "
                 "output directory, for `hessfit merge`");
  app.add_flag("-q,--quiet", flags->quiet, "no summary on stdout (problems still go to stderr)");
  auto* p = app.add_flag("--progress", flags->progress, "always show the progress line on stderr (default: only on a terminal)");
  app.add_flag("--no-progress", flags->no_progress, "never show the progress line")->excludes(p);
  app.footer(
      "Exit codes: 0 ok; 1 the fit did not converge or the covariance is not accurate (reports are still written);\n"
      "2 bad config, workspace or option (every problem listed as file:line:col; nothing written);\n"
      "3 out of memory, or a dense model too large for the memory available (nothing written);\n"
      "130/143 interrupted by SIGINT/SIGTERM (the output folder keeps its previous report, no temporaries).");
  return [flags]() {
    std::optional<configs::Shard> shard = configs::Shard{};
    if (!flags->shard.empty()) shard = configs::parse_shard(flags->shard);
    if (!shard) {
      std::cerr << "--shard " << flags->shard << ": expected K/N with 1 <= K <= N (e.g. 2/10)\nhessfit fit: 1 problem; nothing was written\n";
      return kExitBadInput;
    }
    SplitRun split("fit", *shard);
    split.start([&] { return run_input_files(flags->config, flags->sets); });
    configs::RunOptions options;
    if (split.sharded())
      options.instead_of_writing = [&split, flags](const configs::Config& config) {
        const auto path = split.write_part(config.output.directory);
        std::cerr << "hessfit fit: shard " << flags->shard << ": wrote " << path.generic_string()
                  << " (combine the parts with `hessfit merge`)\n";
        return kExitOk;
      };
    else if (!Ranks::world().root())
      options.instead_of_writing = [](const configs::Config&) { return kExitOk; };
    options.config = flags->config;
    if (!flags->out.empty()) options.output_directory = flags->out;
    options.sets = flags->sets;
    if (const int threads = default_threads_per_rank(flags->threads); threads >= 0) options.threads = threads;
    options.quiet = flags->quiet;
    if (flags->progress) options.progress = true;
    if (flags->no_progress) options.progress = false;
    return configs::run_fit_command(options, std::cout, std::cerr);
  };
}

const RegisterCommand kFit{{"fit", 30, attach_fit}};

}  // namespace
}  // namespace hessfit::app
