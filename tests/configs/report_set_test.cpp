// The report is written as a set (issue 15): interrupted at every point of the write by SIGINT,
// SIGTERM or SIGKILL (fault injection through HESSFIT_TEST_REPORT_SIGNAL), the output folder is
// the previous report or the complete new one, never a mixture, and holds no temporaries once a
// later run has passed; files of an older set that the new one lacks are removed. `hessfit toys
// --out` writes its own set (manifest .hessfit-toys) the same way, beside a fit report.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "hessfit/testing/run_command.hpp"
#include "hessfit/testing/scratch.hpp"

namespace {

namespace fs = std::filesystem;
using hessfit::testing::files_in;
using hessfit::testing::run_command;

std::string quote(const std::string& s) { return hessfit::testing::shell_quote(s); }
fs::path scratch(const std::string& name) { return hessfit::testing::scratch_folder("report_set_" + name); }

const fs::path kExamples = fs::path(HESSFIT_SOURCE_DIR) / "configs" / "examples";
const std::string kExe = HESSFIT_EXE;

/// Every file under `dir` with its content.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).generic_string();
    if (e.is_directory()) {
      out[rel + "/"] = "";
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out[rel] = s.str();
  }
  return out;
}

/// The shell's exit status of `hessfit fit` on the Gaussian example (128 + signal when killed).
int fit(const fs::path& out, const std::string& extra, const std::string& env = "") {
  const std::string command = env + " " + kExe + " fit " + quote((kExamples / "gaussian.yaml").string()) + " --out " +
                              quote(out.string()) + " -q --threads 1 --set uncertainties.contours=[] " + extra;
  const auto r = run_command("sh -c " + quote(command + " >/dev/null 2>&1; echo $?"), false);
  return std::stoi(r.output);
}

const std::string kOld = "--set 'title=old run' --set output.formats=all --set output.plots=all";
const std::string kNew = "--set 'title=new run' --set output.formats=all --set output.plots=[correlation]";

TEST(ReportSet, AnInterruptedWriteLeavesThePreviousReportAndNoTemporaries) {
  const fs::path out = scratch("interrupted");
  ASSERT_EQ(fit(out, kOld), 0);
  const auto before = snapshot(out);
  ASSERT_TRUE(before.count(".hessfit-report") && before.count("results.json") && before.count("scan_m_top.svg"));
  // The new set has 4 files (results.json, report.md, summary.txt, correlation.svg): stop before each.
  for (int k = 0; k <= 4; ++k) {
    for (const auto& [signal, status] : {std::pair{"15", 143}, std::pair{"2", 130}}) {
      EXPECT_EQ(fit(out, kNew, std::string("HESSFIT_TEST_REPORT_SIGNAL=stage").append(std::to_string(k)).append(":").append(signal)), status)
          << "stage" << k << " signal " << signal;
      EXPECT_EQ(snapshot(out), before) << "stage" << k << " signal " << signal;
    }
  }
  fs::remove_all(out);
}

TEST(ReportSet, ASignalDuringTheCommitLetsTheNewSetCompleteAndRemovesTheOldSetsExtraFiles) {
  const fs::path out = scratch("commit");
  ASSERT_EQ(fit(out, kOld), 0);
  const fs::path reference = scratch("commit_reference");
  ASSERT_EQ(fit(reference, kNew), 0);
  for (int k = 0; k < 4; ++k) {
    ASSERT_EQ(fit(out, kOld), 0);
    EXPECT_EQ(fit(out, kNew, std::string("HESSFIT_TEST_REPORT_SIGNAL=commit").append(std::to_string(k)).append(":15")), 143) << k;
    auto after = snapshot(out);
    auto expected = snapshot(reference);
    // Same files; contents equal except the timings in results.json, report.md and summary.txt.
    std::vector<std::string> names_after, names_expected;
    for (const auto& [n, c] : after) names_after.push_back(n);
    for (const auto& [n, c] : expected) names_expected.push_back(n);
    EXPECT_EQ(names_after, names_expected) << k;
    EXPECT_EQ(after["correlation.svg"], expected["correlation.svg"]);
    EXPECT_NE(after["summary.txt"].find("new run"), std::string::npos);
    EXPECT_EQ(after.count("scan_m_top.svg"), 0u);  // of the old set
  }
  fs::remove_all(out);
  fs::remove_all(reference);
}

TEST(ReportSet, AKilledWritesLeftoversAreRemovedByTheNextRun) {
  const fs::path out = scratch("killed");
  ASSERT_EQ(fit(out, kOld), 0);
  const auto before = snapshot(out);
  EXPECT_EQ(fit(out, kNew, "HESSFIT_TEST_REPORT_SIGNAL=stage2:9"), 137);
  // kill -9 cannot be handled: the old set is intact, the staging folder stays behind.
  auto after = snapshot(out);
  std::size_t staging = 0;
  for (auto it = after.begin(); it != after.end();) {
    if (it->first.rfind(".hessfit-staging-", 0) == 0) {
      ++staging;
      it = after.erase(it);
    } else {
      ++it;
    }
  }
  EXPECT_GT(staging, 0u);
  EXPECT_EQ(after, before);
  std::ofstream(out / "summary.txt.tmp-AbC123") << "left by an older hessfit";
  ASSERT_EQ(fit(out, kNew), 0);
  std::vector<std::string> names;
  for (const auto& [n, c] : snapshot(out)) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{".hessfit-report", "correlation.svg", "report.md", "results.json", "summary.txt"}));
  fs::remove_all(out);
}

TEST(ReportSet, OtherFilesInTheOutputFolderAreKept) {
  const fs::path out = scratch("foreign");
  std::ofstream(out / "notes.txt") << "mine";
  ASSERT_EQ(fit(out, kOld), 0);
  ASSERT_EQ(fit(out, kNew), 0);
  const auto files = snapshot(out);
  EXPECT_EQ(files.at("notes.txt"), "mine");
  EXPECT_EQ(files.count("scan_m_top.svg"), 0u);
  fs::remove_all(out);
}

TEST(ReportSet, AFiveThousandCharacterParameterNameGivesAShortPlotFileName) {
  const fs::path out = scratch("long_name");
  const std::string name(5000, 'p');
  const std::string extra = "--set 'model.parameters=[" + name + ", m_W]' --set 'parameters={}' --set 'uncertainties.scans=[" + name +
                            "]' --set uncertainties.minos=none --set output.plots=[scans] --set output.formats=all";
  ASSERT_EQ(fit(out, extra), 0);
  std::vector<std::string> names;
  for (const auto& [n, c] : snapshot(out)) names.push_back(n);
  ASSERT_EQ(names.size(), 5u);
  EXPECT_EQ(names[3].rfind("scan_" + std::string(100 - 17, 'p') + "_", 0), 0u) << names[3];
  EXPECT_EQ(names[3].size(), 5u + 100u + 4u) << names[3];  // scan_ + 100-byte stem (start and hash) + .svg
  fs::remove_all(out);
}

/// The files of `dir` (no folders) by name.
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& [n, c] : snapshot(dir)) names.push_back(n);
  return names;
}

/// The shell's exit status of `hessfit toys` on the shared 2-bin workspace writing into `out`.
int toys(const fs::path& out, const std::string& extra, const std::string& env = "") {
  const fs::path ws = fs::path(HESSFIT_SHARED_DATA_DIR) / "histfactory" / "pyhf-2bin-1channel" / "workspace.json";
  const std::string command = env + " " + kExe + " toys " + quote(ws.string()) + " --ntoys 20 --seed 1 --no-progress --threads 1 --out " +
                              quote(out.string()) + " " + extra;
  const auto r = run_command("sh -c " + quote(command + " >/dev/null 2>&1; echo $?"), false);
  return std::stoi(r.output);
}

TEST(ReportSet, ToysWriteTheirOwnSetBesideAFitReportAndAnInterruptionLeavesThePreviousOne) {
  const fs::path out = scratch("toys");
  ASSERT_EQ(fit(out, kNew), 0);
  const std::vector<std::string> fit_files = names_in(out);
  ASSERT_EQ(toys(out, "--hypotest 1 --hypotest 2"), 0);
  const auto first = snapshot(out);
  for (const char* name : {".hessfit-toys", "toys.json", "toys_summary.json", "toys_qtilde_mu_1.svg", "toys_qtilde_mu_2.svg"})
    EXPECT_EQ(first.count(name), 1u) << name;
  for (const auto& name : fit_files) EXPECT_EQ(first.count(name), 1u) << name;  // the fit's set is left alone
  // Interrupted while staging (4 files: stop before the 3rd) or during the commit: the previous
  // toys output, or all of the new one; never toys.json of one run beside plots of another.
  EXPECT_EQ(toys(out, "--hypotest 3", "HESSFIT_TEST_REPORT_SIGNAL=stage2:2"), 130);
  EXPECT_EQ(snapshot(out), first);
  EXPECT_EQ(toys(out, "--hypotest 3", "HESSFIT_TEST_REPORT_SIGNAL=commit1:15"), 143);
  const auto after = snapshot(out);
  EXPECT_EQ(after.count("toys_qtilde_mu_3.svg"), 1u);
  EXPECT_EQ(after.count("toys_qtilde_mu_1.svg"), 0u);  // of the previous toys set
  EXPECT_EQ(after.at("results.json"), first.at("results.json"));
  fs::remove_all(out);
}

TEST(ReportSet, PlotsOfChannelsWhoseFileNamesWouldCollideGetTwoFiles) {
  // "SR 1" and "SR_1" both become the file stem "SR_1": two files, both linked from report.md.
  const fs::path dir = scratch("collide");
  std::ofstream(dir / "ws.json") << R"({"channels": [
      {"name": "SR 1", "samples": [{"name": "s", "data": [5.0, 3.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
                                   {"name": "b", "data": [50.0, 45.0], "modifiers": []}]},
      {"name": "SR_1", "samples": [{"name": "b", "data": [40.0, 30.0], "modifiers": []}]}],
    "observations": [{"name": "SR 1", "data": [52.0, 50.0]}, {"name": "SR_1", "data": [41.0, 29.0]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"})";
  std::ofstream(dir / "c.yaml") << "model: {workspace: ws.json}\noutput: {plots: [yields], formats: all}\n";
  const auto r = run_command(kExe + " fit " + quote((dir / "c.yaml").string()) + " --out " + quote((dir / "out").string()) + " -q", true);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto files = snapshot(dir / "out");
  for (const char* name : {"yields_prefit_SR_1.svg", "yields_prefit_SR_1_2.svg", "yields_postfit_SR_1.svg", "yields_postfit_SR_1_2.svg"})
    EXPECT_EQ(files.count(name), 1u) << name;
  EXPECT_NE(files.at("report.md").find("(yields_prefit_SR_1_2.svg)"), std::string::npos);
  fs::remove_all(dir);
}

}  // namespace
