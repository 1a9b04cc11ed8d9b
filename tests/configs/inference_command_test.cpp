// End-to-end: `hessfit hypotest`, `hessfit limit`, `hessfit significance` (JSON keys, numbers
// against the library, bad input with exit code 2) and the `inference:` section of `hessfit fit`
// (results.json, the report, the Brazil-band plot, problems located in the config).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
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

const fs::path kSource = HESSFIT_SOURCE_DIR;
const fs::path kShared = fs::path(HESSFIT_SHARED_DATA_DIR) / "histfactory";
const std::string kExe = HESSFIT_EXE;

std::string q(const fs::path& p) {
  std::string s = "'";  // (appended, not `"'" + ...`: GCC 12's false -Wrestrict)
  s += p.string();
  s += "'";
  return s;
}

fs::path scratch(const std::string& name) { return hessfit::testing::scratch_folder("inference_" + name); }

json stdout_json(const std::string& command) {
  const auto r = run_command(command, false);
  EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
  return json::parse(r.output);
}

const fs::path k2bin = kShared / "pyhf-2bin-1channel" / "workspace.json";
const fs::path kErjr = kShared / "atlas-susy-2018-06-3l-erjr";

TEST(HypotestCommand, JsonHasTheIssuesKeysAndPyhfsNumbers) {
  const json j = stdout_json(kExe + " hypotest " + q(k2bin) + " --mu 1 --json");
  for (const char* key : {"poi", "mu", "test_statistic", "cls_obs", "clsb_obs", "clb_obs", "cls_exp", "q_obs", "q_asimov"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["poi"], "mu");
  EXPECT_EQ(j["test_statistic"], "qtilde");
  EXPECT_EQ(j["cls_exp"].size(), 5u);
  EXPECT_NEAR(j["cls_obs"].get<double>() / 0.35998409, 1.0, 2e-7);  // pyhf's README
  // The same bits as the library.
  const hessfit::infer::Model m(hessfit::likelihood::Workspace::load(k2bin).model());
  const auto r = hessfit::infer::hypotest(1.0, m);
  EXPECT_EQ(j["cls_obs"].get<double>(), r.cls_obs);
  EXPECT_EQ(j["q_obs"].get<double>(), r.q_obs);
}

TEST(HypotestCommand, TableAndOtherStatistics) {
  const auto table = run_command(kExe + " hypotest " + q(k2bin) + " --mu 0.5 --test-stat q --asimov prefit");
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("test of mu = 0.5 with q:"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("Asimov data: prefit"), std::string::npos) << table.output;
  const json t = stdout_json(kExe + " hypotest " + q(k2bin) + " --mu 0.5 --test-stat t --json");
  EXPECT_TRUE(t["cls_obs"].is_null());
  EXPECT_GT(t["p_value"].get<double>(), 0.0);
}

TEST(LimitCommand, PatchedBackgroundOnlyWorkspaceEqualsTheSharedSignalWorkspace) {
  const json a = stdout_json(kExe + " limit " + q(kErjr / "workspace.json") + " --json --threads 1");
  const json b = stdout_json(kExe + " limit " + q(kErjr / "BkgOnly.json") + " --patchset " + q(kErjr / "patchset.json") +
                             " --patch ERJR_200p0_100p0 --json --threads 2 --scan 0:2:5");
  for (const char* key : {"poi", "cl", "observed", "expected"}) EXPECT_TRUE(a.contains(key)) << key;
  EXPECT_EQ(a["poi"], "mu_SIG");
  EXPECT_EQ(a["cl"], 0.95);
  EXPECT_EQ(a["observed"], b["observed"]);  // the same bits, 1 and 2 threads
  EXPECT_EQ(a["expected"], b["expected"]);
  for (std::size_t k = 1; k < 5; ++k) EXPECT_GT(a["expected"][k].get<double>(), a["expected"][k - 1].get<double>());
  ASSERT_EQ(b["scan"].size(), 5u);
  EXPECT_EQ(b["scan"][0]["cls_obs"], 1.0);
}

TEST(SignificanceCommand, JsonHasObservedAndExpected) {
  const json j = stdout_json(kExe + " significance " + q(kErjr / "workspace.json") + " --json");
  for (const char* part : {"observed", "expected"})
    for (const char* key : {"q0", "p0", "z"}) EXPECT_TRUE(j[part].contains(key)) << part << "." << key;
  EXPECT_NEAR(j["observed"]["z"].get<double>(), std::sqrt(j["observed"]["q0"].get<double>()), 1e-12);
  EXPECT_GT(j["expected"]["z"].get<double>(), j["observed"]["z"].get<double>());
}

TEST(InferenceCommands, BadInputExitsTwoWithTheReason) {
  const auto mu = run_command(kExe + " hypotest " + q(k2bin) + " --mu 11");
  EXPECT_EQ(mu.exit_code, 2);
  EXPECT_NE(mu.output.find("--mu 11: the tested value mu = 11 is outside the POI's bounds [0, 10]"), std::string::npos) << mu.output;
  const auto cl = run_command(kExe + " limit " + q(k2bin) + " --cl 1.5");
  EXPECT_EQ(cl.exit_code, 2);
  EXPECT_NE(cl.output.find("--cl 1.5: the confidence level must lie between 0 and 1"), std::string::npos) << cl.output;
  const auto poi = run_command(kExe + " limit " + q(kShared / "atlas-2l0j-bkgonly" / "BkgOnly.json"));
  EXPECT_EQ(poi.exit_code, 2);
  EXPECT_NE(poi.output.find("has no POI: hypothesis tests need one"), std::string::npos) << poi.output;
  const auto stat = run_command(kExe + " hypotest " + q(k2bin) + " --test-stat qtidle");
  EXPECT_EQ(stat.exit_code, 2);
  EXPECT_NE(stat.output.find("did you mean 'qtilde'?"), std::string::npos) << stat.output;
  const auto scan = run_command(kExe + " limit " + q(k2bin) + " --scan 2:1:5");
  EXPECT_EQ(scan.exit_code, 2);
  EXPECT_NE(scan.output.find("--scan 2:1:5: expected lo:hi:n"), std::string::npos) << scan.output;
  const auto q0 = run_command(kExe + " limit " + q(k2bin) + " --test-stat q0");
  EXPECT_EQ(q0.exit_code, 2);
}

#ifdef HESSFIT_USER_NLL_EXE
TEST(InferenceSection, AModelWithoutExpectedDataIsRefusedAtItsPlace) {
  const fs::path out = scratch("decay");
  const auto r = run_command(std::string(HESSFIT_USER_NLL_EXE) + " " + q(kSource / "configs/examples/user_nll/decay.yaml") +
                             " --out " + q(out) + " --set inference.significance=true");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--set inference.significance=true: model 'decay' has no expected data: Asimov data and CLs are unavailable"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(fs::is_empty(out));
}
#endif

TEST(InferenceSection, FitWritesTestsLimitsAndSignificanceIntoTheReport) {
  const fs::path out = scratch("fit");
  const auto r = run_command(kExe + " fit " + q(kSource / "configs/examples/limits.yaml") + " --out " + q(out) + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(out / "results.json");
  const json j = json::parse(in);
  EXPECT_EQ(j["schema_version"], 2);
  const json& inf = j["inference"];
  EXPECT_EQ(inf["poi"], "mu_SIG");
  ASSERT_EQ(inf["hypotests"].size(), 1u);
  EXPECT_EQ(inf["hypotests"][0]["mu"], 1.0);
  // The same numbers as the limit command on the shared signal workspace.
  const json limit = stdout_json(kExe + " limit " + q(kErjr / "workspace.json") + " --json");
  EXPECT_EQ(inf["limit"]["observed"], limit["observed"]);
  EXPECT_EQ(inf["limit"]["expected"], limit["expected"]);
  EXPECT_EQ(inf["limit"]["scan"].size(), 21u);
  EXPECT_TRUE(inf["significance"]["observed"].contains("z"));
  EXPECT_TRUE(fs::exists(out / "cls_mu_SIG.svg"));
  std::ifstream md(out / "report.md");
  std::stringstream text;
  text << md.rdbuf();
  EXPECT_NE(text.str().find("## Hypothesis tests"), std::string::npos);
  EXPECT_NE(text.str().find("![CLs and upper limit on mu_SIG](cls_mu_SIG.svg)"), std::string::npos);
  EXPECT_NE(r.output.find("upper limit on mu_SIG at 95% CL: observed"), std::string::npos) << r.output;
}

TEST(InferenceSection, ProblemsAreLocatedInTheConfig) {
  const fs::path dir = scratch("bad");
  std::ofstream(dir / "c.yaml") << "model:\n  workspace: " << k2bin.string()
                                << "\ninference:\n  hypotest: [1, 12]\n  limit: {cl: 1.2}\n  test_statistik: q\n";
  const auto r = run_command(kExe + " fit " + q(dir / "c.yaml") + " --out " + q(dir / "out"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("c.yaml:6:3: unknown key 'test_statistik' in 'inference'; did you mean 'test_statistic'?"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("c.yaml:5:15: 'inference.limit.cl' must be a confidence level between 0 and 1"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
  std::ofstream(dir / "d.yaml") << "model:\n  workspace: " << k2bin.string() << "\ninference:\n  hypotest: [1, 12]\n";
  const auto d = run_command(kExe + " fit " + q(dir / "d.yaml") + " --out " + q(dir / "out"));
  EXPECT_EQ(d.exit_code, 2) << d.output;
  EXPECT_NE(d.output.find("d.yaml:4:17: 'inference.hypotest': the tested value mu = 12 is outside the POI's bounds [0, 10]"),
            std::string::npos)
      << d.output;
}

}  // namespace
