// `hessfit grid`: the hypothesis test (and upper limits) of every patch of a patchset, on one core,
// all cores, N MPI ranks (mpirun) or as N batch shards (--shard K/N, then `hessfit merge`), with
// the same bits in the output. `hessfit merge`: the parts of a sharded run into its output.
//
//   hessfit grid BkgOnly.json --patchset patchset.json [--patches GLOB] [--mu 1] [--limits] [--json] [--out DIR]
//   hessfit grid CONFIG.yaml               (its grid: section; the flags override it)
//   hessfit grid ... --shard 2/10 --out part2/     -> part2/grid.part-2-of-10.json
//   hessfit merge part*/grid.part-*.json --out DIR
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <sstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "hessfit/common/input.hpp"
#include "distribute.hpp"
#include "hessfit/common/text.hpp"
#include "hessfit/likelihood/json_input.hpp"
#include "hessfit/configs/grid.hpp"
#include "hessfit/configs/report.hpp"
#include "hessfit/configs/work_split.hpp"
#include "hessfit/fit/parallel.hpp"
#include "ranks.hpp"

namespace hessfit::app {
namespace {

using nlohmann::ordered_json;

struct GridFlags {
  std::string input, patchset, patches, measurement, poi, test_stat, asimov, axes, out, shard, mu;
  std::vector<std::string> sets;
  int threads = -1;
  bool limits = false, json = false;
  double cl = 0.0;
};

/// Runs `items` (this process's share) and gathers every item's result on rank 0, in item order.
/// A failed item is reported by rank 0 with its index, patch and rank; the others get nothing.
struct Gathered {
  std::vector<int> items;
  std::vector<ordered_json> results;
  std::vector<std::string> failures;
};

Gathered run_items(const configs::Config& config, const configs::GridPlan& plan, const std::vector<int>& items, int threads) {
  const Ranks& ranks = Ranks::world();
  std::vector<int> mine;
  for (std::size_t j = 0; j < items.size(); ++j)
    if (static_cast<int>(j % static_cast<std::size_t>(ranks.size())) == ranks.rank()) mine.push_back(items[j]);
  std::vector<ordered_json> out(mine.size());
  fit::parallel_for(static_cast<int>(mine.size()), threads, [&](int k) {
    const int item = mine[static_cast<std::size_t>(k)];
    try {
      out[static_cast<std::size_t>(k)] = {{"item", item}, {"result", configs::run_grid_point(config, plan, item)}};
    } catch (const std::exception& e) {
      out[static_cast<std::size_t>(k)] = {{"item", item}, {"rank", ranks.rank()}, {"error", e.what()}};
    }
  });
  ordered_json list = ordered_json::array();
  for (auto& r : out) list.push_back(std::move(r));
  const std::string text = list.dump();
  const std::vector<std::string> all = ranks.gather(text);
  Gathered g;
  if (!ranks.root()) return g;
  std::map<int, ordered_json> by_item;
  for (const auto& part : all)
    for (auto& r : ordered_json::parse(part)) {
      const int item = r["item"].get<int>();  // before the move (operator= takes its argument by value)
      by_item[item] = std::move(r);
    }
  for (const int item : items) {
    auto it = by_item.find(item);
    if (it == by_item.end()) {
      g.failures.push_back("work item " + std::to_string(item) + ": no result came back");
      continue;
    }
    if (it->second.contains("error")) {
      g.failures.push_back("work item " + std::to_string(item) + " failed on rank " + it->second["rank"].dump() + ": " +
                           it->second["error"].get<std::string>());
      continue;
    }
    g.items.push_back(item);
    g.results.push_back(std::move(it->second["result"]));
  }
  return g;
}

int run_grid(const GridFlags& f) {
  using namespace configs;
  const Ranks& ranks = Ranks::world();
  const auto absolute = [](const std::string& p) { return std::filesystem::absolute(p).lexically_normal().generic_string(); };
  std::vector<std::string> sets = f.sets;
  if (!f.measurement.empty()) sets.push_back("model.measurement=" + f.measurement);
  if (!f.poi.empty()) sets.push_back("model.poi=" + f.poi);
  if (!f.test_stat.empty()) sets.push_back("inference.test_statistic=" + f.test_stat);
  if (!f.asimov.empty()) sets.push_back("inference.asimov=" + f.asimov);
  if (!f.patchset.empty()) sets.push_back("grid.patchset=" + absolute(f.patchset));
  if (!f.patches.empty()) sets.push_back("grid.patches='" + f.patches + "'");
  if (!f.mu.empty()) sets.push_back("grid.mu=" + f.mu);
  if (f.limits) sets.push_back("grid.limits=true");
  if (f.cl > 0.0) sets.push_back("grid.cl=" + format_shortest(f.cl));
  if (!f.axes.empty()) sets.push_back("grid.axes=[" + f.axes + "]");

  Diagnostics d;
  std::optional<Shard> shard = Shard{};
  if (!f.shard.empty()) {
    shard = parse_shard(f.shard);
    if (!shard) d.error({"--shard " + f.shard, 0, 0}, "expected K/N with 1 <= K <= N (e.g. 2/10)");
  }
  Config config = load_config(f.input, sets, d);
  if (f.threads >= 0) config.fit.threads = f.threads;
  config.fit.threads = default_threads_per_rank(config.fit.threads);
  std::optional<GridPlan> plan;
  if (d.ok()) plan = plan_grid(config, d);
  if (!d.ok() || !plan) {
    if (ranks.root()) {
      std::cerr << d.report("hessfit grid", "; nothing was computed");
    }
    return kExitBadInput;
  }
  const std::filesystem::path out = f.out.empty() ? config.output.directory : std::filesystem::path(f.out);
  const auto start = std::chrono::steady_clock::now();
  const std::vector<int> items = slice_items(plan->size(), shard->index - 1, shard->count);
  Gathered g = run_items(config, *plan, items, config.fit.threads);
  if (!ranks.root()) return kExitOk;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!g.failures.empty()) {
    for (const auto& e : g.failures) std::cerr << "hessfit grid: " << e << "\n";
    std::cerr << "hessfit grid: " << g.failures.size() << " of " << items.size() << " work items failed; nothing was written\n";
    return kExitBadInput;
  }
  const std::string how = std::to_string(items.size()) + " point" + (items.size() == 1 ? "" : "s") + " in " + format_seconds(seconds) +
                          " (" + std::to_string(fit::resolve_threads(config.fit.threads, 1 << 20)) + " thread(s) x " +
                          std::to_string(ranks.size()) + " rank(s))";
  if (!shard->whole()) {
    const ordered_json part = part_document("grid", *shard, plan->size(), plan->inputs_digest, plan->header, g.items, g.results);
    const std::string part_name = "grid.part-" + std::to_string(shard->index) + "-of-" + std::to_string(shard->count);
    const auto path = out / (part_name + ".json");
    write_report_set(out, {{part_name + ".json", part.dump(2) + "\n"}}, ".hessfit-" + part_name);
    std::cerr << "hessfit grid: shard " << shard->index << "/" << shard->count << ": " << how << "; wrote " << path.generic_string()
              << " (combine the parts with `hessfit merge`)\n";
    bool ok = true;
    for (const auto& r : g.results) ok = ok && r.value("ok", false);
    return ok ? kExitOk : kExitNumerical;
  }
  const ordered_json doc = grid_document(plan->header, g.results);
  const auto written = write_grid_outputs(doc, out);
  if (f.json) std::cout << doc.dump(2) << "\n";
  else std::cout << grid_table(doc);
  std::cerr << "hessfit grid: " << how << "; wrote";
  for (const auto& p : written) std::cerr << " " << p.generic_string();
  std::cerr << "\n";
  if (!doc["ok"].get<bool>()) {
    for (const auto& p : doc["problems"]) std::cerr << "hessfit grid: " << p.get<std::string>() << "\n";
    return kExitNumerical;
  }
  return kExitOk;
}

std::function<int()> attach_grid(CLI::App& app) {
  auto f = std::make_shared<GridFlags>();
  app.description("The CLs test (and with --limits the upper limits) of every patch of a patchset: grid.json, grid.txt, exclusion.svg.");
  app.add_option("input", f->input, "background-only pyhf workspace .json, or a YAML config with a grid: section")->required();
  app.add_option("--patchset", f->patchset, "pyhf patchset.json: its patches are the grid points (grid.patchset)");
  app.add_option("--patches", f->patches, "only the patches whose name matches this glob, e.g. 'ERJR_2*' (grid.patches)");
  app.add_option("--mu", f->mu, "the POI value tested at every point (default 1; grid.mu)");
  app.add_flag("--limits", f->limits, "also the observed and expected upper limits of every point (grid.limits)");
  app.add_option("--cl", f->cl, "confidence level of the limits and contours (default 0.95; grid.cl)");
  app.add_option("--axes", f->axes, "the two labels of the plot's axes, e.g. mn2,mn1 (default: the first two; grid.axes)");
  app.add_option("-o,--out", f->out, "output folder (default: the config's output.directory)");
  app.add_option("--shard", f->shard, "run only slice K of N (K/N) and write grid.part-K-of-N.json for `hessfit merge`");
  app.add_flag("--json", f->json, "print grid.json on stdout instead of the table");
  app.add_option("-m,--measurement", f->measurement, "measurement of the workspace (default: the first)");
  app.add_option("--poi", f->poi, "parameter of interest (default: the measurement's)");
  app.add_option("--test-stat", f->test_stat, "test statistic: qtilde (default) or q");
  app.add_option("--asimov", f->asimov, "Asimov data: postfit (default) or prefit");
  app.add_option("-s,--set", f->sets, "override a config value: key.path=value (YAML value); repeatable")->take_all()->allow_extra_args(false);
  app.add_option("-j,--threads", f->threads, "worker threads per process (0 = all cores, shared among the MPI ranks of a machine); results do not depend on it")
      ->check(CLI::Range(0, 4096));
  app.footer(
      "Under mpirun -np N the points are split over the ranks; rank 0 writes. Output is bit-identical\n"
      "for any thread count, rank count or shard split. Exit codes: 0 ok; 1 a point's fits did not\n"
      "converge (reported in grid.json); 2 bad input or a failed work item (nothing written).");
  return [f] { return run_grid(*f); };
}

struct MergeFlags {
  std::vector<std::string> parts;
  std::string out;
  bool json = false;
};

int run_merge(const MergeFlags& f) {
  using namespace configs;
  if (!Ranks::world().root()) return kExitOk;
  std::vector<ordered_json> parts;
  for (const auto& p : f.parts) {
    try {
      // The bounded reader and the checked parser (regular file, size, depth, duplicate keys: a
      // part is a file like any other), in one pass keeping the key order: the merged output is
      // the unsharded one.
      const std::string text = read_input_file(p, kMaxJsonBytes);
      parts.push_back(likelihood::parse_ordered_json(text, p));
    } catch (const std::exception& e) {
      std::cerr << "hessfit merge: " << e.what() << "\n";
      return kExitBadInput;
    }
  }
  Merged m;
  try {
    m = merge_parts(parts, f.parts);
  } catch (const std::exception& e) {
    std::cerr << "hessfit merge: " << e.what() << "; nothing was written\n";
    return kExitBadInput;
  }
  if (m.kind == "toys" || m.kind == "fit") {
    try {
      return replay_parts(m, f.out);
    } catch (const std::exception& e) {
      std::cerr << "hessfit merge: " << e.what() << "; nothing was written\n";
      return kExitBadInput;
    }
  }
  if (m.kind != "grid") {
    std::cerr << "hessfit merge: parts of kind '" << m.kind << "' cannot be merged by this hessfit\n";
    return kExitBadInput;
  }
  const ordered_json doc = grid_document(m.header, m.results);
  const auto written = write_grid_outputs(doc, f.out);
  if (f.json) std::cout << doc.dump(2) << "\n";
  else std::cout << grid_table(doc);
  std::cerr << "hessfit merge: " << parts.size() << " parts, " << m.results.size() << " points; wrote";
  for (const auto& p : written) std::cerr << " " << p.generic_string();
  std::cerr << "\n";
  return doc["ok"].get<bool>() ? kExitOk : kExitNumerical;
}

std::function<int()> attach_merge(CLI::App& app) {
  auto f = std::make_shared<MergeFlags>();
  app.description(
      "Combine the parts written by --shard K/N (grid, toys, fit) into exactly the output of the unsharded run. Parts of toys "
      "and fit runs: the command runs again in the folder it ran in, its toys and impact refits taken from the parts.");
  app.add_option("parts", f->parts, "the part files (grid|toys|fit.part-K-of-N.json), all N of them")->required();
  app.add_option("-o,--out", f->out, "output folder")->required();
  app.add_flag("--json", f->json, "print the merged grid.json on stdout instead of the table");
  app.footer("Refuses parts of other inputs or options (their inputs digest), repeated shards, and an incomplete set\n"
             "(naming the missing shards); exit code 2 then, nothing written.");
  return [f] { return run_merge(*f); };
}

const RegisterCommand kGrid{{"grid", 45, attach_grid}};
const RegisterCommand kMerge{{"merge", 46, attach_merge}};

}  // namespace
}  // namespace hessfit::app
