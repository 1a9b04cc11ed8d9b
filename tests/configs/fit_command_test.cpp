// End-to-end: the `hessfit fit` binary on the shipped example configs and on every shared
// reference workspace (results.json against reference.json with the fitting engine's
// tolerances), bad configs (golden output, exit code 2, nothing written), exit codes, output.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "hessfit/testing/run_command.hpp"

namespace {

namespace fs = std::filesystem;
using hessfit::testing::run_command;
using nlohmann::json;

const fs::path kSource = HESSFIT_SOURCE_DIR;
const fs::path kExamples = kSource / "configs" / "examples";
const fs::path kShared = fs::path(HESSFIT_SHARED_DATA_DIR) / "histfactory";
const std::string kExe = HESSFIT_EXE;

std::string quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// A fresh, empty folder for one test.
fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("hessfit_configs_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

/// Parses JSON; Python's NaN / Infinity literals (in some reference files) read as null.
json read_json(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  for (const std::string token : {"-Infinity", "Infinity", "NaN"})
    for (std::size_t at = text.find(token); at != std::string::npos; at = text.find(token, at))
      text.replace(at, token.size(), "null");
  return json::parse(text);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::set<std::string> files_in(const fs::path& dir) {
  std::set<std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) out.insert(fs::relative(e.path(), dir).generic_string());
  return out;
}

// --- the shared references ------------------------------------------------------------------

class FitCommandReference : public ::testing::TestWithParam<std::string> {};

double number(const json& j) { return j.is_null() ? std::nan("") : j.get<double>(); }

TEST_P(FitCommandReference, ResultsJsonMatchesTheReference) {
  const fs::path folder = kShared / GetParam();
  const json ref = read_json(folder / "reference.json");
  const fs::path out = scratch("ref_" + GetParam());
  const auto& scan = ref["profile_scan"];
  const std::vector<double> scan_values = scan["values"].get<std::vector<double>>();
  char range[128];
  std::snprintf(range, sizeof range, "[%.17g, %.17g]", scan_values.front(), scan_values.back());
  const std::string scans = "uncertainties.scans=[{parameter: " + json(scan["parameter"].get<std::string>()).dump() + ", range: " + range +
                            ", points: " + std::to_string(scan_values.size()) + "}]";
  const std::string cmd = kExe + " fit " + quote((folder / "workspace.json").string()) + " --out " + quote(out.string()) +
                          " --threads 2 --quiet --no-progress --set " + quote("uncertainties.minos=" + ref["minos"]["params"].dump()) +
                          " --set " + quote(scans);
  const auto run = run_command(cmd);
  ASSERT_EQ(run.exit_code, 0) << cmd << "\n" << run.output;
  const json r = read_json(out / "results.json");

  const auto names = ref["parameters"]["names"].get<std::vector<std::string>>();
  const auto values = ref["bestfit"]["values"].get<std::vector<double>>();
  const auto errors = ref["hesse"]["errors"].get<std::vector<double>>();
  ASSERT_EQ(r["parameters"].size(), names.size());
  EXPECT_NEAR(r["nll"].get<double>(), ref["bestfit"]["nll"].get<double>(), 1e-6);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const json& p = r["parameters"][i];
    ASSERT_EQ(p["name"], names[i]);
    const double scale = errors[i] > 0 ? errors[i] : 1e-3;
    EXPECT_NEAR(number(p["value"]), values[i], 1e-3 * scale) << names[i];
    if (errors[i] > 0) EXPECT_NEAR(number(p["error"]), errors[i], 1e-3 * errors[i]) << names[i];
    else EXPECT_EQ(number(p["error"]), 0.0) << names[i];
  }
  const auto& corr = ref["hesse"]["correlation"];
  const auto& ours = r["correlation"]["matrix"];
  EXPECT_EQ(r["correlation"]["names"].get<std::vector<std::string>>(), names);
  double worst = 0.0;
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = 0; j < names.size(); ++j) worst = std::max(worst, std::abs(number(ours[i][j]) - corr[i][j].get<double>()));
  EXPECT_LE(worst, 1e-3);  // NaN fails too

  for (const auto& [name, m] : ref["minos"]["results"].items()) {
    const json& p = r["parameters"][m["index"].get<std::size_t>()];
    ASSERT_EQ(p["name"], name);
    ASSERT_TRUE(p.contains("minos")) << name;
    for (const char* side : {"lower", "upper"}) {
      const double expected = m[side].get<double>();
      const double got = number(p["minos"][side]);
      const bool limit = m[std::string(side) + "_at_limit"].get<bool>();
      EXPECT_NEAR(got, expected, std::max(1e-3 * std::abs(expected), limit ? 1e-6 : 0.0)) << name << " " << side;
      EXPECT_EQ(p["minos"][std::string(side) + "_status"], limit ? "at_limit" : "ok") << name << " " << side;
    }
    EXPECT_LE(number(p["minos"]["lower"]), 0.0);
    EXPECT_GE(number(p["minos"]["upper"]), 0.0);
  }

  ASSERT_EQ(r["scans"].size(), 1u);
  const auto& s = r["scans"][0];
  EXPECT_EQ(s["parameter"], scan["parameter"]);
  const auto dnll = scan["dnll"].get<std::vector<double>>();
  ASSERT_EQ(s["delta_nll"].size(), dnll.size());
  for (std::size_t k = 0; k < dnll.size(); ++k) {
    EXPECT_NEAR(number(s["values"][k]), scan_values[k], 1e-12 * (1 + std::abs(scan_values[k])));
    EXPECT_NEAR(number(s["delta_nll"][k]), dnll[k], 1e-4) << "point " << k;
  }
  fs::remove_all(out);
}

std::vector<std::string> reference_workspaces() {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(kShared))
    if (fs::exists(e.path() / "reference.json") && fs::exists(e.path() / "workspace.json")) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Shared, FitCommandReference, ::testing::ValuesIn(reference_workspaces()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// --- the shipped examples ---------------------------------------------------------------------

std::vector<fs::path> example_configs() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(kExamples))
    if (e.path().extension() == ".yaml" && e.path().string().find("/results/") == std::string::npos) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ShippedExamples, EveryConfigRunsAndWritesACompleteReport) {
  const auto configs = example_configs();
  ASSERT_GE(configs.size(), 4u);
  for (const fs::path& config : configs) {
    SCOPED_TRACE(config.string());
    std::string exe = kExe + " fit";
    if (config.parent_path().filename() == "user_nll") {
#ifdef HESSFIT_USER_NLL_EXE
      exe = HESSFIT_USER_NLL_EXE;
#else
      continue;
#endif
    }
    const fs::path out = scratch("example_" + config.stem().string());
    const auto run = run_command(exe + " " + quote(config.string()) + " --out " + quote(out.string()) + " --threads 2");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("status: ok"), std::string::npos) << run.output;
    const json r = read_json(out / "results.json");
    EXPECT_TRUE(r["status"]["ok"].get<bool>()) << r["status"].dump(2);
    // Every plot report.md embeds exists and is a complete SVG document.
    if (fs::exists(out / "report.md")) {
      const std::string md = read_text(out / "report.md");
      std::size_t embedded = 0;
      for (std::size_t at = md.find("]("); at != std::string::npos; at = md.find("](", at + 2)) {
        const std::string file = md.substr(at + 2, md.find(')', at) - at - 2);
        const std::string svg = read_text(out / file);
        EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << file;
        EXPECT_NE(svg.find("</svg>\n"), std::string::npos) << file;
        ++embedded;
      }
      EXPECT_GE(embedded, 1u);
    }
    for (const auto& f : files_in(out)) EXPECT_EQ(f.find(".tmp-"), std::string::npos) << "temporary left behind: " << f;
    fs::remove_all(out);
  }
}

TEST(ShippedExamples, TheTinyWorkspaceReportFollowsTheDocumentedSchema) {
  const fs::path out = scratch("schema");
  const auto run = run_command(kExe + " fit " + quote((kExamples / "tiny.yaml").string()) + " --out " + quote(out.string()) + " --threads 2 -q");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output, "");  // --quiet, and no progress line when stderr is not a terminal
  EXPECT_EQ(files_in(out), (std::set<std::string>{"results.json", "report.md", "summary.txt", "pulls.svg", "correlation.svg",
                                                   "scan_mu.svg", "scan_mu_ttbar.svg", "contour_mu_mu_ttbar.svg", "impacts.svg",
                                                   "yields_prefit_CR.svg", "yields_prefit_SR.svg", "yields_postfit_CR.svg",
                                                   "yields_postfit_SR.svg"}));
  const json r = read_json(out / "results.json");
  EXPECT_EQ(r["schema"], "hessfit.fit-results");
  EXPECT_EQ(r["schema_version"], 2);
  EXPECT_TRUE(r["inference"].is_null());  // no inference: section
  EXPECT_EQ(r["poi"], "mu");
  for (const char* key : {"converged", "termination", "edm", "iterations", "covariance_status", "min_eigenvalue"})
    EXPECT_TRUE(r["status"].contains(key)) << key;
  EXPECT_EQ(r["status"]["covariance_status"], "accurate");
  EXPECT_NEAR(r["twice_nll"].get<double>(), 2 * r["nll"].get<double>(), 1e-12);
  ASSERT_EQ(r["parameters"].size(), 11u);
  for (const auto& p : r["parameters"]) {
    for (const char* key : {"name", "value", "error", "fixed", "bounds", "minos"}) EXPECT_TRUE(p.contains(key)) << p["name"] << " " << key;
    EXPECT_LE(p["minos"]["lower"].get<double>(), 0.0);
    EXPECT_GE(p["minos"]["upper"].get<double>(), 0.0);
    EXPECT_EQ(p["minos"]["lower_status"], "ok");
  }
  EXPECT_EQ(r["covariance"]["matrix"].size(), 11u);
  EXPECT_EQ(r["correlation"]["names"].size(), 11u);
  ASSERT_EQ(r["scans"].size(), 2u);
  EXPECT_EQ(r["scans"][1]["parameter"], "mu_ttbar");
  EXPECT_EQ(r["scans"][1]["values"].size(), 31u);
  EXPECT_EQ(r["scans"][1]["delta_nll"].size(), 31u);
  ASSERT_EQ(r["contours"].size(), 2u);
  EXPECT_EQ(r["contours"][1]["points"].size(), 32u);
  EXPECT_NEAR(r["contours"][0]["cl"].get<double>(), 0.6827, 1e-12);
  ASSERT_TRUE(r["impacts"].is_object());
  EXPECT_EQ(r["impacts"]["poi"], "mu");
  EXPECT_EQ(r["impacts"]["ranking"].size(), 9u);  // the constrained ones: jes, lumi, other_xsec, sig_theory, 5 gammas
  for (const char* key : {"load", "minimize", "covariance", "minos", "scans", "contours", "impacts", "report", "total"})
    EXPECT_TRUE(r["timing"].contains(key)) << key;
  EXPECT_EQ(r["config"]["fit"]["minimizer"], "newton");
  EXPECT_EQ(r["config"]["uncertainties"]["minos"], "all");
  const std::string md = read_text(out / "report.md");
  EXPECT_NE(md.find("![Impacts on mu](impacts.svg)"), std::string::npos);
  EXPECT_NE(md.find("| `mu` |"), std::string::npos);
  fs::remove_all(out);
}

// --- the command line ----------------------------------------------------------------------

TEST(FitCommand, AWorkspaceGivenInPlaceOfAConfigIsFittedWithTheDefaults) {
  const fs::path dir = scratch("workspace_only");
  const auto run = run_command("cd " + quote(dir.string()) + " && " + kExe + " fit " + quote((kExamples / "tiny/workspace.json").string()) +
                               " --threads 1");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("hessfit fit: tiny/workspace.json"), std::string::npos) << run.output;
  const json r = read_json(dir / "results" / "results.json");  // relative to the current folder
  EXPECT_EQ(r["config"]["uncertainties"]["minos"], "poi");
  EXPECT_TRUE(r["parameters"][3].contains("minos"));  // mu
  EXPECT_EQ(r["scans"].size(), 1u);
  fs::remove_all(dir);
}

TEST(FitCommand, ABadConfigListsEveryProblemExitsTwoAndWritesNothing) {
  const fs::path dir = scratch("bad");
  std::ofstream(dir / "bad.yaml") << "model:\n  workspace: " << (kExamples / "tiny/workspace.json").string()
                                  << "\nparameters:\n  mu_tt: {fixed: true}\nfit:\n  minimiser: newton\n"
                                     "uncertainties:\n  minos: [mu, jess]\n";
  const auto run = run_command("cd " + quote(dir.string()) + " && " + kExe + " fit bad.yaml");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.output,
            "bad.yaml:4:3: 'parameters': no parameter 'mu_tt'; did you mean 'mu_ttbar'?\n"
            "bad.yaml:6:3: unknown key 'minimiser' in 'fit'; did you mean 'minimizer'?\n"
            "bad.yaml:8:15: 'uncertainties.minos': no parameter 'jess'; did you mean 'jes'?\n"
            "hessfit fit: 3 problems in the configuration; nothing was written\n");
  EXPECT_EQ(files_in(dir), std::set<std::string>{"bad.yaml"});
  fs::remove_all(dir);
}

TEST(FitCommand, AFailedRunLeavesEarlierResultsUntouched) {
  const fs::path dir = scratch("keep");
  fs::create_directories(dir / "out");
  std::ofstream(dir / "out" / "results.json") << "old\n";
  std::ofstream(dir / "bad.yaml") << "model: {workspace: missing.json}\n";
  const auto run = run_command(kExe + " fit " + quote((dir / "bad.yaml").string()) + " --out " + quote((dir / "out").string()) +
                               " --set fit.threads=x");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.output.find("'model.workspace': no file 'missing.json'"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("--set fit.threads=x: 'fit.threads' must be a whole number, got 'x'"), std::string::npos) << run.output;
  EXPECT_EQ(files_in(dir), (std::set<std::string>{"bad.yaml", "out", "out/results.json"}));
  EXPECT_EQ(read_text(dir / "out" / "results.json"), "old\n");
  fs::remove_all(dir);
}

TEST(FitCommand, AMissingConfigIsBadInput) {
  const auto run = run_command(kExe + " fit /nonexistent/analysis.yaml");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.output, "/nonexistent/analysis.yaml: no such file\nhessfit fit: 1 problem in the configuration; nothing was written\n");
}

TEST(FitCommand, AFitThatDoesNotConvergeExitsOneAndStillReports) {
  const fs::path out = scratch("not_converged");
  const auto run = run_command(kExe + " fit " + quote((kExamples / "tiny.yaml").string()) + " --out " + quote(out.string()) +
                               " -q --set fit.max_iterations=1 --set uncertainties.minos=none --set uncertainties.scans=[]"
                               " --set uncertainties.contours=[] --set uncertainties.impacts=false");
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("hessfit fit: minimisation: "), std::string::npos) << run.output;
  const json r = read_json(out / "results.json");
  EXPECT_FALSE(r["status"]["converged"].get<bool>());
  EXPECT_EQ(r["status"]["termination"], "max_iterations");
  EXPECT_FALSE(r["status"]["problems"].empty());
  fs::remove_all(out);
}

TEST(FitCommand, ShowsTheProgressLineOnlyWhenAsked) {
  const fs::path out = scratch("progress");
  const std::string base = kExe + " fit " + quote((kExamples / "counting.yaml").string()) + " --out " + quote(out.string()) + " -q";
  const auto quiet = run_command(base);
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.output, "");
  const auto shown = run_command(base + " --progress");
  EXPECT_EQ(shown.exit_code, 0);
  EXPECT_NE(shown.output.find("\r\033[Khessfit fit: MINOS on 4 parameters ... "), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("impacts of 3 nuisance parameters on 'mu'"), std::string::npos) << shown.output;
  fs::remove_all(out);
}

TEST(FitCommand, HelpDocumentsTheOptionsAndExitCodes) {
  const auto run = run_command(kExe + " fit --help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* s : {"--out", "--set", "--threads", "--quiet", "Exit codes: 0 ok; 1 the fit did not converge"})
    EXPECT_NE(run.output.find(s), std::string::npos) << s << "\n" << run.output;
}

}  // namespace
