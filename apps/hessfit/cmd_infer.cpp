// `hessfit hypotest`, `hessfit limit` and `hessfit significance`: asymptotic hypothesis tests of
// the POI of a pyhf workspace or of a YAML config's model (hessfit::infer does the work,
// hessfit::configs loads the model and formats the results).
//
//   hessfit hypotest WORKSPACE|CONFIG [--mu 1] [--test-stat qtilde|q|q0|t|ttilde] [--asimov postfit|prefit] [--json]
//   hessfit limit WORKSPACE|CONFIG [--cl 0.95] [--scan lo:hi:n] [--json]
//   hessfit significance WORKSPACE|CONFIG [--json]
// with the model options of `fit`: --measurement, --patchset/--patch, --poi, --set, --threads.
#include <charconv>
#include <cmath>
#include <tuple>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "model_flags.hpp"
#include "hessfit/common/text.hpp"
#include "hessfit/configs/inference.hpp"
#include "hessfit/configs/run.hpp"

namespace hessfit::app {
namespace {

enum class Kind { kHypotest, kLimit, kSignificance };

struct InferFlags {
  std::string input, measurement, patchset, patch, poi, test_stat, asimov, scan;
  std::vector<std::string> sets;
  int threads = -1;
  double mu = 1.0;
  double cl = kUpperLimitLevel;
  bool json = false;
};

const char* name_of(Kind kind) {
  return kind == Kind::kHypotest ? "hypotest" : kind == Kind::kLimit ? "limit" : "significance";
}

int run(Kind kind, const InferFlags& f) {
  using namespace configs;
  const std::string command = std::string("hessfit ") + name_of(kind);
  const std::vector<std::string> sets = model_sets(f.sets, f.measurement, f.patchset, f.patch, f.poi);

  Diagnostics d;
  Config config = load_config(f.input, sets, d);
  if (f.threads >= 0) config.fit.threads = f.threads;
  InferenceConfig request;
  request.where = {f.input, 0, 0};
  request.test_statistic = kind == Kind::kSignificance ? infer::TestStatistic::kQ0 : config.inference.test_statistic;
  request.asimov = config.inference.asimov;
  if (!f.test_stat.empty()) {
    const auto s = infer::parse_test_statistic(f.test_stat);
    if (!s) d.error({"--test-stat", 0, 0}, "unknown test statistic '" + f.test_stat + "' (qtilde, q, q0, t, ttilde)" +
                                              did_you_mean(f.test_stat, {"qtilde", "q", "q0", "t", "ttilde"}));
    else request.test_statistic = *s;
  }
  if (!f.asimov.empty()) {
    const auto a = infer::parse_asimov_type(f.asimov);
    if (!a) d.error({"--asimov", 0, 0}, "unknown Asimov data type '" + f.asimov + "' (postfit, prefit)");
    else request.asimov = *a;
  }
  if (kind == Kind::kHypotest) {
    if (!std::isfinite(f.mu)) d.error({"--mu", 0, 0}, "the tested POI value must be finite");
    request.hypotest.push_back({f.mu, {"--mu " + format_shortest(f.mu), 0, 0}});
  }
  if (kind == Kind::kLimit) {
    request.limit.enabled = true;
    request.limit.where = {"--cl", 0, 0};
    if (!(f.cl > 0.0 && f.cl < 1.0)) d.error({"--cl " + format_shortest(f.cl), 0, 0}, "the confidence level must lie between 0 and 1 (exclusive), e.g. 0.95");
    request.limit.cl = f.cl;
    request.limit.scan_points = 0;
    if (!f.scan.empty()) {
      if (const auto s = parse_grid(f.scan, 10000)) {
        request.limit.scan_range = Located<std::array<double, 2>>{{std::get<0>(*s), std::get<1>(*s)}, {"--scan " + f.scan, 0, 0}};
        request.limit.scan_points = std::get<2>(*s);
      } else {
        d.error({"--scan " + f.scan, 0, 0}, "expected lo:hi:n with lo < hi and 2 <= n <= 10000 (e.g. 0:5:21)");
      }
    }
    if (request.test_statistic != infer::TestStatistic::kQTildeMu && request.test_statistic != infer::TestStatistic::kQMu)
      d.error({"--test-stat", 0, 0}, "upper limits need a CLs statistic (qtilde or q), not '" + infer::to_string(request.test_statistic) + "'");
  }
  if (kind == Kind::kSignificance) request.significance = true;

  std::optional<FitSetup> setup;
  if (config.model.workspace || config.model.nll) setup = prepare_fit(config, d);
  if (setup && d.ok()) check_inference(request, *setup, d);
  if (!d.ok() || !setup) {
    if (d.ok()) d.error({config.source, 0, 0}, "no model to test");
    std::cerr << d.report(command, "; nothing was computed");
    return kExitBadInput;
  }
  for (const auto& w : setup->warnings) std::cerr << command << ": warning: " << w << "\n";

  infer::InferenceOptions options = inference_options(config);
  options.asimov = request.asimov;
  const InferenceResults r = run_inference(*setup, request, options);
  const std::string poi = setup->poi();
  if (f.json) {
    nlohmann::ordered_json j;
    if (kind == Kind::kHypotest) {
      j = to_json(r.hypotests.front(), poi);
      j["asimov"] = infer::to_string(r.asimov);
    } else if (kind == Kind::kLimit) {
      j = to_json(*r.limit, r.scan);
    } else {
      j = to_json(*r.significance);
    }
    j["time_seconds"] = r.time_seconds;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << command << ": " << config.title << "\nmodel: " << setup->description << "\n";
    if (kind == Kind::kHypotest) std::cout << text_table(r.hypotests.front(), poi);
    if (kind == Kind::kLimit) std::cout << text_table(*r.limit, r.scan);
    if (kind == Kind::kSignificance) std::cout << text_table(*r.significance);
    std::cout << "Asimov data: " << infer::to_string(r.asimov) << "; time " << format_seconds(r.time_seconds) << "\n";
  }
  if (!r.ok()) {
    std::cerr << command << ": " << r.problems() << "\n";
    return kExitNumerical;
  }
  return kExitOk;
}

std::function<int()> attach(CLI::App& app, Kind kind) {
  auto f = std::make_shared<InferFlags>();
  app.add_option("input", f->input, "pyhf workspace .json, or a YAML config (its model, parameters and fit settings)")->required();
  app.add_option("-m,--measurement", f->measurement, "measurement of the workspace (default: the first)");
  auto* ps = app.add_option("--patchset", f->patchset, "pyhf patchset.json whose patch is applied to the workspace");
  app.add_option("--patch", f->patch, "patch of --patchset, by name or by values (e.g. 200,100)")->needs(ps);
  app.add_option("--poi", f->poi, "parameter of interest (default: the measurement's)");
  app.add_option("-s,--set", f->sets, "override a config value: key.path=value (YAML value); repeatable")->take_all()->allow_extra_args(false);
  app.add_option("-j,--threads", f->threads, "worker threads (0 = all cores); results do not depend on it")->check(CLI::Range(0, 4096));
  app.add_flag("--json", f->json, "print one JSON object on stdout instead of a table");
  if (kind != Kind::kSignificance) {
    app.add_option("--test-stat", f->test_stat, "test statistic: qtilde (default), q" + std::string(kind == Kind::kHypotest ? ", q0, t, ttilde" : ""));
    app.add_option("--asimov", f->asimov, "Asimov data: postfit (default; nuisance parameters fitted to the data) or prefit");
  } else {
    app.add_option("--asimov", f->asimov, "Asimov data of POI = 1 for the expected significance: postfit (default) or prefit");
  }
  if (kind == Kind::kHypotest) app.add_option("--mu", f->mu, "the POI value to test (default 1)");
  if (kind == Kind::kLimit) {
    app.add_option("--cl", f->cl, "confidence level (default 0.95: CLs < 0.05 excluded)");
    app.add_option("--scan", f->scan, "also a CLs scan over lo:hi:n POI values (e.g. 0:5:21)");
  }
  switch (kind) {
    case Kind::kHypotest:
      app.description("Asymptotic CLs test of one POI value (pyhf's hypotest): observed CLs, CLs+b, CLb and the expected band.");
      break;
    case Kind::kLimit:
      app.description("Observed and expected CLs upper limits on the POI (each the root of its own CLs curve).");
      break;
    case Kind::kSignificance:
      app.description("Discovery significance: q0, p0 and Z, observed and expected (Asimov data of POI = 1).");
      break;
  }
  app.footer(
      "Exit codes: 0 ok; 1 a fit inside did not converge (results still printed, the problem on stderr);\n"
      "2 bad workspace, config or option (every problem listed; nothing computed).\n"
      "Expected band: pyhf's convention, CLs at exactly +-1 and +-2 sigma of the background-only test statistic\n"
      "(in pyhf's order: ascending CLs, -2 sigma first; expected limits ascend the same way).");
  return [f, kind] { return run(kind, *f); };
}

const RegisterCommand kHypotest{{"hypotest", 40, [](CLI::App& app) { return attach(app, Kind::kHypotest); }}};
const RegisterCommand kLimit{{"limit", 41, [](CLI::App& app) { return attach(app, Kind::kLimit); }}};
const RegisterCommand kSignificance{{"significance", 42, [](CLI::App& app) { return attach(app, Kind::kSignificance); }}};

}  // namespace
}  // namespace hessfit::app
