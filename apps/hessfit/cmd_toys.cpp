// `hessfit toys`: pseudo-experiments on the model of a pyhf workspace or of a YAML config
// (hessfit::infer toys.hpp does the work, hessfit::configs the model, JSON, text and plots).
//
//   hessfit toys WORKSPACE|CONFIG --ntoys N --seed S (--hypotest MU | --limit | --significance | --pulls | --gof)
//                [--test-stat qtilde|q] [--cl 0.95] [--grid lo:hi:n] [--cls-acc A] [--minos] [--json]
//                [--threads N] [--out DIR]
// with the model options of `fit`: --measurement, --patchset/--patch, --poi, --set. Under mpirun
// and with --shard K/N (then `hessfit merge`) the toys are split (distribute.hpp).
#include <charconv>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "command.hpp"
#include "distribute.hpp"
#include "model_flags.hpp"
#include "ranks.hpp"
#include "hessfit/common/text.hpp"
#include "hessfit/configs/inference.hpp"
#include "hessfit/configs/report.hpp"
#include "hessfit/configs/run.hpp"
#include "hessfit/configs/toys.hpp"

namespace hessfit::app {
namespace {

struct ToysFlags {
  std::string input, measurement, patchset, patch, poi, test_stat, grid, out, shard;
  std::vector<std::string> sets;
  int threads = -1;
  int ntoys = 1000;
  long long seed = 0;
  std::vector<double> hypotest;
  bool limit = false, significance = false, pulls = false, gof = false, minos = false, json = false;
  double cl = kUpperLimitLevel;
  double cls_accuracy = 0.0;
  int max_toys = 100000;
  bool progress = false, no_progress = false;
};

int run(const ToysFlags& f) {
  using namespace configs;
  const std::string command = "hessfit toys";
  const std::vector<std::string> sets = model_sets(f.sets, f.measurement, f.patchset, f.patch, f.poi);

  Diagnostics d;
  Config config = load_config(f.input, sets, d);
  if (const int threads = default_threads_per_rank(f.threads); threads >= 0) config.fit.threads = threads;
  std::optional<Shard> shard = Shard{};
  if (!f.shard.empty()) {
    shard = parse_shard(f.shard);
    if (!shard) d.error({"--shard " + f.shard, 0, 0}, "expected K/N with 1 <= K <= N (e.g. 2/10)");
    else if (f.out.empty()) d.error({"--shard " + f.shard, 0, 0}, "a shard writes its part into --out DIR: give --out");
    else if (f.cls_accuracy > 0.0)
      d.error({"--shard " + f.shard, 0, 0}, "--cls-acc adds toys while the CLs error is too large, which no shard can tell alone: run it whole");
  }
  ToysConfig request;
  request.where = {f.input, 0, 0};
  request.ntoys = f.ntoys;
  if (f.seed < 0) d.error({"--seed", 0, 0}, "the seed must be >= 0");
  request.seed = static_cast<std::uint64_t>(std::max(0LL, f.seed));
  request.test_statistic = config.inference.test_statistic;
  if (!f.test_stat.empty()) {
    const auto s = infer::parse_test_statistic(f.test_stat);
    if (!s || !infer::has_cls(*s))
      d.error({"--test-stat", 0, 0}, "unknown or unsupported test statistic '" + f.test_stat + "' (qtilde, q, q0)" +
                                         did_you_mean(f.test_stat, {"qtilde", "q", "q0"}));
    else request.test_statistic = *s;
  }
  for (const double mu : f.hypotest) {
    if (!std::isfinite(mu)) d.error({"--hypotest", 0, 0}, "the tested POI value must be finite");
    request.hypotest.push_back({mu, {"--hypotest " + format_shortest(mu), 0, 0}});
  }
  request.limit = f.limit;
  request.limit_where = {"--limit", 0, 0};
  if (!(f.cl > 0.0 && f.cl < 1.0)) d.error({"--cl " + format_shortest(f.cl), 0, 0}, "the confidence level must lie between 0 and 1 (exclusive)");
  request.cl = f.cl;
  if (!f.grid.empty()) {
    if (const auto g = parse_grid(f.grid, 1000)) {
      request.grid_range = Located<std::array<double, 2>>{{std::get<0>(*g), std::get<1>(*g)}, {"--grid " + f.grid, 0, 0}};
      request.grid_points = std::get<2>(*g);
    } else {
      d.error({"--grid " + f.grid, 0, 0}, "expected lo:hi:n with lo < hi and 2 <= n <= 1000 (e.g. 0:5:21)");
    }
  }
  if (f.limit && request.test_statistic && !infer::has_cls(*request.test_statistic))
    d.error({"--test-stat", 0, 0}, "toy upper limits need a CLs statistic (qtilde or q)");
  if (f.limit && request.test_statistic == infer::TestStatistic::kQ0)
    d.error({"--test-stat", 0, 0}, "toy upper limits need a CLs statistic (qtilde or q), not q0");
  request.significance = f.significance;
  request.significance_where = {"--significance", 0, 0};
  request.pulls = f.pulls;
  request.pull_minos = f.minos;
  request.gof = f.gof;
  if (!(f.cls_accuracy >= 0.0 && f.cls_accuracy < 1.0)) d.error({"--cls-acc", 0, 0}, "the CLs accuracy must lie in [0, 1)");
  request.cls_accuracy = f.cls_accuracy;
  request.max_toys = f.max_toys;
  if (!request.requested())
    d.error({command, 0, 0}, "nothing to do: give --hypotest MU, --limit, --significance, --pulls or --gof");

  std::optional<FitSetup> setup;
  if (config.model.workspace || config.model.nll) setup = prepare_fit(config, d);
  if (setup && d.ok()) check_toys(request, *setup, d);
  if (!d.ok() || !setup) {
    if (d.ok()) d.error({config.source, 0, 0}, "no model for toys");
    std::cerr << d.report(command, "; nothing was computed");
    return kExitBadInput;
  }
  for (const auto& w : setup->warnings) std::cerr << command << ": warning: " << w << "\n";

  SplitRun split("toys", *shard);
  split.start([&] { return run_input_files(f.input, sets); });
  const bool show_progress = f.progress || (!f.no_progress && ::isatty(STDERR_FILENO) != 0);
  const ToysResults r = run_toys(*setup, request, inference_options(config), toy_progress_line(std::cerr, show_progress));
  if (split.sharded()) {
    const auto path = split.write_part(f.out);
    std::cerr << command << ": shard " << f.shard << ": wrote " << path.generic_string() << " (combine the parts with `hessfit merge`)\n";
    return kExitOk;
  }
  if (!Ranks::world().root()) return kExitOk;  // rank 0 writes and prints

  if (!f.out.empty()) {
    std::vector<ReportFile> files{{"toys.json", per_toy_json(r).dump() + "\n"}, {"toys_summary.json", to_json(r).dump(2) + "\n"}};
    for (auto& [file, svg] : toy_plots(r)) files.push_back({std::move(file), std::move(svg)});
    try {
      write_report_set(f.out, files, kToysManifest);  // one set: never toys.json of one run beside plots of another
    } catch (const ReportInterrupted& e) {
      std::cerr << command << ": " << e.what() << "; the output folder holds no partial output\n";
      return configs::kExitInterrupted + e.signal_number();
    } catch (const std::exception& e) {
      std::cerr << command << ": cannot write the results: " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  if (f.json) {
    nlohmann::ordered_json j;
    const int parts = static_cast<int>(r.hypotests.size()) + (r.limit ? 1 : 0) + (r.significance ? 1 : 0) + (r.pulls ? 1 : 0) + (r.gof ? 1 : 0);
    if (parts == 1 && r.hypotests.size() == 1) j = to_json(r.hypotests.front());
    else if (parts == 1 && r.limit) j = to_json(*r.limit);
    else if (parts == 1 && r.significance) j = to_json(*r.significance);
    else if (parts == 1 && r.pulls) j = to_json(*r.pulls);
    else if (parts == 1 && r.gof) j = to_json(*r.gof);
    else j = to_json(r);
    j["time_seconds"] = r.time_seconds;
    j["toys_per_second"] = r.time_seconds > 0 ? r.toys / r.time_seconds : 0.0;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << command << ": " << config.title << "\nmodel: " << setup->description << "\n" << text_summary(r);
    if (!f.out.empty()) std::cout << "wrote " << f.out << "/: toys.json, toys_summary.json and the plots\n";
  }
  if (!r.ok()) {
    std::cerr << command << ": " << r.problems() << "\n";
    return kExitNumerical;
  }
  return kExitOk;
}

std::function<int()> attach(CLI::App& app) {
  auto f = std::make_shared<ToysFlags>();
  app.add_option("input", f->input, "pyhf workspace .json, or a YAML config (its model, parameters and fit settings)")->required();
  app.add_option("-m,--measurement", f->measurement, "measurement of the workspace (default: the first)");
  auto* ps = app.add_option("--patchset", f->patchset, "pyhf patchset.json whose patch is applied to the workspace");
  app.add_option("--patch", f->patch, "patch of --patchset, by name or by values (e.g. 200,100)")->needs(ps);
  app.add_option("--poi", f->poi, "parameter of interest (default: the measurement's)");
  app.add_option("-s,--set", f->sets, "override a config value: key.path=value (YAML value); repeatable")->take_all()->allow_extra_args(false);
  app.add_option("-j,--threads", f->threads, "worker threads (0 = all cores); results do not depend on it")->check(CLI::Range(0, 4096));
  app.add_option("-n,--ntoys", f->ntoys, "toys per ensemble (default 1000)")->check(CLI::Range(1, 100000000));
  app.add_option("--seed", f->seed, "random seed (default 0): the same seed gives the same toys, bit for bit");
  app.add_option("--hypotest", f->hypotest, "toy-based CLs at these POI values (repeatable)")->take_all()->allow_extra_args(false);
  app.add_flag("--limit", f->limit, "toy-based upper limit on a POI grid");
  app.add_option("--cl", f->cl, "confidence level of --limit (default 0.95)");
  app.add_option("--grid", f->grid, "POI grid of --limit: lo:hi:n (default 0 to twice the largest asymptotic limit, 16 points)");
  app.add_flag("--significance", f->significance, "discovery p0 from toys (q0)");
  app.add_flag("--pulls", f->pulls, "pull and coverage study at the best fit");
  app.add_flag("--minos", f->minos, "with --pulls: also the coverage of MINOS intervals (costly)");
  app.add_flag("--gof", f->gof, "toy-calibrated saturated goodness of fit");
  app.add_option("--test-stat", f->test_stat, "test statistic of --hypotest/--limit: qtilde (default), q, q0");
  app.add_option("--cls-acc", f->cls_accuracy, "add blocks of --ntoys toys until the CLs error is at most this (Combine's --clsAcc)");
  app.add_option("--max-toys", f->max_toys, "with --cls-acc: at most this many toys per ensemble (default 100000)")->check(CLI::Range(1, 100000000));
  app.add_option("-o,--out", f->out, "write toys.json (per-toy values), toys_summary.json and SVG plots to this folder");
  app.add_option("--shard", f->shard, "run only slice K of N (K/N) of the toys and write toys.part-K-of-N.json into --out, for `hessfit merge`");
  app.add_flag("--json", f->json, "print one JSON object on stdout instead of a table");
  app.add_flag("--progress", f->progress, "show the progress line (toys/s, ETA) even when stderr is not a terminal");
  app.add_flag("--no-progress", f->no_progress, "never show the progress line");
  app.description("Pseudo-experiments: toy-based CLs, upper limits and p0; pull and coverage studies; toy goodness of fit.");
  app.footer(
      "Exit codes: 0 ok; 1 toy fits failed beyond 1% of an ensemble or another numerical problem (results still\n"
      "printed, the problem on stderr); 2 bad workspace, config or option (nothing computed); 3 out of memory;\n"
      "130/143 interrupted by SIGINT/SIGTERM while writing --out (the folder keeps its previous toys output).\n"
      "p-values count the toys whose fits converged (ties >= included); failed toys are counted in failed_fits.\n"
      "cls_exp in pyhf's order (ascending, -2 sigma first): percentiles of the background-only toys' CLs.");
  return [f] { return run(*f); };
}

const RegisterCommand kToys{{"toys", 43, [](CLI::App& app) { return attach(app); }}};

}  // namespace
}  // namespace hessfit::app
