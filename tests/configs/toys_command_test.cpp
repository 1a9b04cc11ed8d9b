// End-to-end: `hessfit toys` (the issue's JSON keys, the library's numbers, the same output for
// 1 and 2 threads, toys.json and the plots, bad input with exit code 2) and the `toys:` section
// of `hessfit fit` (results.json, report, problems located in the config).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "hessfit/infer.hpp"
#include "hessfit/likelihood.hpp"
#include "hessfit/testing/run_command.hpp"
#include "hessfit/testing/scratch.hpp"

namespace {

namespace fs = std::filesystem;
using hessfit::testing::run_command;
using nlohmann::json;

const fs::path kShared = fs::path(HESSFIT_SHARED_DATA_DIR) / "histfactory";
const std::string kExe = HESSFIT_EXE;
const fs::path k2bin = kShared / "pyhf-2bin-1channel" / "workspace.json";

std::string q(const fs::path& p) { return hessfit::testing::shell_quote(p.string()); }

fs::path scratch(const std::string& name) { return hessfit::testing::scratch_folder("toys_" + name); }

json stdout_json(const std::string& command) {
  const auto r = run_command(command, false);
  EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
  return json::parse(r.output);
}

TEST(ToysCommand, HypotestJsonHasTheIssuesKeysTheLibrarysNumbersAndTheSameBitsOnTwoThreads) {
  const fs::path out = scratch("hypotest");
  const std::string base = kExe + " toys " + q(k2bin) + " --ntoys 300 --seed 7 --hypotest 1 --json --no-progress";
  json one = stdout_json(base + " --threads 1 --out " + q(out));
  json two = stdout_json(base + " --threads 2");
  for (const char* key : {"ntoys", "seed", "mu", "test_statistic", "cls_obs", "cls_obs_error", "clsb_obs", "clb_obs", "cls_exp", "failed_fits"})
    EXPECT_TRUE(one.contains(key)) << key;
  EXPECT_EQ(one["ntoys"], 300);
  EXPECT_EQ(one["seed"], 7);
  EXPECT_EQ(one["cls_exp"].size(), 5u);
  EXPECT_EQ(one["failed_fits"], 0);
  for (json* j : {&one, &two}) {
    j->erase("time_seconds");
    j->erase("toys_per_second");
  }
  EXPECT_EQ(one, two);
  // The library's numbers.
  const hessfit::infer::Model m(hessfit::likelihood::Workspace::load(k2bin).model());
  hessfit::infer::ToyOptions o;
  o.ntoys = 300;
  o.seed = 7;
  const hessfit::infer::ToyHypotestResult r =
      hessfit::infer::ToyCalculator(m, m.observed_data(), hessfit::infer::TestStatistic::kQTildeMu, o).hypotest(1.0);
  EXPECT_EQ(one["cls_obs"].get<double>(), r.cls);
  EXPECT_NEAR(one["cls_obs"].get<double>(), one["cls_obs_asymptotic"].get<double>(), 4 * one["cls_obs_error"].get<double>());
  // The per-toy file and the plot.
  std::ifstream in(out / "toys.json");
  const json toys = json::parse(in);
  EXPECT_EQ(toys["schema"], "hessfit.toys");
  ASSERT_EQ(toys["hypotest"][0]["null"]["statistic"].size(), 300u);
  EXPECT_EQ(toys["hypotest"][0]["null"]["statistic"][5].get<double>(), r.null.q[5]);
  // The plot states the share of the null toys in its off-scale first bin (q~ = 0 for about half of
  // them): at least those below 0.025, the narrowest the first bin can be (the axis reaches q >= 1).
  std::ifstream svg_in(out / "toys_qtilde_mu_1.svg");
  const std::string svg((std::istreambuf_iterator<char>(svg_in)), std::istreambuf_iterator<char>());
  const auto at = svg.find("first bin (off scale): null ");
  ASSERT_NE(at, std::string::npos);
  const double stated = std::stod(svg.substr(at + 28)) / 100.0;
  const auto& qs = toys["hypotest"][0]["null"]["statistic"];
  const double below = static_cast<double>(std::count_if(qs.begin(), qs.end(), [](const json& v) { return v.get<double>() < 0.025; }));
  EXPECT_GE(stated + 1e-3, below / 300.0);
  EXPECT_LT(stated, 1.0);
}

TEST(ToysCommand, PullsAndGofJson) {
  const json p = stdout_json(kExe + " toys " + q(k2bin) + " --ntoys 200 --seed 3 --pulls --json --no-progress");
  for (const char* key : {"ntoys", "seed", "parameters", "failed_fits"}) EXPECT_TRUE(p.contains(key)) << key;
  ASSERT_EQ(p["parameters"].size(), 3u);
  for (const auto& x : p["parameters"])
    for (const char* key : {"name", "pull_mean", "pull_mean_error", "pull_width", "coverage_hessian", "coverage_minos"})
      EXPECT_TRUE(x.contains(key)) << key;
  const json g = stdout_json(kExe + " toys " + q(k2bin) + " --ntoys 200 --seed 3 --gof --json --no-progress");
  for (const char* key : {"ntoys", "seed", "chi2_obs", "p_value", "p_value_error", "p_value_asymptotic"}) EXPECT_TRUE(g.contains(key)) << key;
  EXPECT_GT(g["p_value"].get<double>(), 0.0);
}

TEST(ToysCommand, PullsSayHowManyFitsHeldAParameterAtABound) {
  // The 2-bin example's best fit has mu at its lower bound 0: toys generated there fit mu = 0 (no
  // Hessian error) about half of the time, and the pulls are of the other toys only. The summary
  // said "pulls (200 toys ...)" with a one-sided mean of 0.87 and no word of it.
  const json p = stdout_json(kExe + " toys " + q(k2bin) + " --ntoys 200 --seed 3 --pulls --json --no-progress");
  ASSERT_EQ(p["parameters"][0]["name"], "mu");
  const int used = p["parameters"][0]["toys"].get<int>(), fitted = 200 - p["failed_fits"].get<int>();
  ASSERT_LT(used, fitted);
  const auto text = run_command(kExe + " toys " + q(k2bin) + " --ntoys 200 --seed 3 --pulls --no-progress");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("; of " + std::to_string(used) + " toys only: " + std::to_string(fitted - used) + " fits held it at a bound\n"),
            std::string::npos)
      << text.output;
}

TEST(ToysCommand, ALimitAloneGivesTheLimitObjectWithTheBandsErrors) {
  const json l = stdout_json(kExe + " toys " + q(k2bin) + " --ntoys 200 --seed 8 --limit --grid 0.5:5:10 --json --no-progress --threads 2");
  EXPECT_EQ(l["ntoys"], 200);
  EXPECT_EQ(l["seed"], 8);
  EXPECT_EQ(l["grid"].size(), 10u);
  ASSERT_EQ(l["expected_error"].size(), 5u);
  ASSERT_TRUE(l["observed"].is_number()) << l.dump();
  for (int k = 1; k < 4; ++k) EXPECT_GT(l["expected_error"][k].get<double>(), 0.0) << l.dump();  // a few % of the limit at 200 toys
  ASSERT_EQ(l["scan"][0]["cls_exp_error"].size(), 5u);
  const json s = stdout_json(kExe + " toys " + q(k2bin) + " --ntoys 100 --seed 8 --significance --json --no-progress");
  EXPECT_EQ(s["ntoys"], 100);
  EXPECT_TRUE(s.contains("p0_error")) << s.dump();
}

TEST(ToysCommand, BadInputExitsTwoWithTheReason) {
  const auto none = run_command(kExe + " toys " + q(k2bin));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.output.find("nothing to do: give --hypotest MU, --limit, --significance, --pulls or --gof"), std::string::npos)
      << none.output;
  const auto mu = run_command(kExe + " toys " + q(k2bin) + " --hypotest 11");
  EXPECT_EQ(mu.exit_code, 2);
  EXPECT_NE(mu.output.find("--hypotest 11: the tested value mu = 11 is outside the POI's bounds [0, 10]"), std::string::npos)
      << mu.output;
  const auto grid = run_command(kExe + " toys " + q(k2bin) + " --limit --grid 3:1:4");
  EXPECT_EQ(grid.exit_code, 2);
  EXPECT_NE(grid.output.find("--grid 3:1:4: expected lo:hi:n"), std::string::npos) << grid.output;
}

TEST(ToysSection, FitWritesToysIntoTheReportAndProblemsAreLocated) {
  const fs::path dir = scratch("fit");
  std::ofstream(dir / "c.yaml") << "model:\n  workspace: " << k2bin.string()
                                << "\nuncertainties:\n  minos: none\n  scans: []\ntoys:\n  ntoys: 100\n  seed: 4\n  hypotest: [1]\n"
                                   "  significance: true\n  gof: true\noutput:\n  plots: none\n";
  const auto r = run_command(kExe + " fit " + q(dir / "c.yaml") + " --out " + q(dir / "out") + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(dir / "out" / "results.json");
  const json j = json::parse(in);
  const json& t = j["toys"];
  EXPECT_EQ(t["ntoys"], 100);
  EXPECT_EQ(t["seed"], 4);
  ASSERT_EQ(t["hypotest"].size(), 1u);
  EXPECT_TRUE(t["significance"].contains("p0"));
  EXPECT_TRUE(t["gof"].contains("p_value"));
  EXPECT_TRUE(fs::exists(dir / "out" / "toys.json"));
  // The same CLs as the command.
  const json c = stdout_json(kExe + " toys " + q(k2bin) + " --ntoys 100 --seed 4 --hypotest 1 --json --no-progress");
  EXPECT_EQ(t["hypotest"][0]["cls_obs"], c["cls_obs"]);
  std::ifstream md(dir / "out" / "report.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("## Toys"), std::string::npos);

  std::ofstream(dir / "d.yaml") << "model:\n  workspace: " << k2bin.string() << "\ntoys:\n  ntoys: 0\n  hypotest: [12]\n  seeed: 1\n";
  const auto d = run_command(kExe + " fit " + q(dir / "d.yaml") + " --out " + q(dir / "out2"));
  EXPECT_EQ(d.exit_code, 2) << d.output;
  EXPECT_NE(d.output.find("d.yaml:6:3: unknown key 'seeed' in 'toys'; did you mean 'seed'?"), std::string::npos) << d.output;
  EXPECT_FALSE(fs::exists(dir / "out2"));
}

}  // namespace
