// End-to-end: `hessfit fit` writes the yields (pre-/post-fit, background-only, a fit to chosen
// channels), the goodness of fit and the uncertainty breakdown into results.json, report.md and
// the summary, and the stacked yield plots (well-formed, rendered by rsvg-convert); problems with
// the new keys are located in the config.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
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
const fs::path kAgc = kShared / "agc-ttbar-cabinetry" / "workspace.json";

std::string q(const fs::path& p) { return hessfit::testing::shell_quote(p.string()); }

fs::path scratch(const std::string& name) { return hessfit::testing::scratch_folder("postfit_" + name); }

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Eigen::VectorXd vec(const json& a) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(a.size()));
  for (std::size_t i = 0; i < a.size(); ++i) v[static_cast<Eigen::Index>(i)] = a[i].get<double>();
  return v;
}

/// A well-formed SVG that rsvg-convert renders.
void expect_renders(const fs::path& svg) {
  const std::string text = read(svg);
  ASSERT_NE(text.find("<svg"), std::string::npos) << svg;
  EXPECT_NE(text.find("</svg>"), std::string::npos) << svg;
  const auto r = run_command("rsvg-convert -o " + q(svg.string() + ".png") + " " + q(svg));
  EXPECT_EQ(r.exit_code, 0) << svg << "\n" << r.output;
  EXPECT_GT(fs::file_size(svg.string() + ".png"), 1000u) << svg;
}

TEST(PostfitReport, YieldsGoodnessOfFitAndBreakdownAgreeWithTheLibrary) {
  const fs::path dir = scratch("agc");
  std::ofstream(dir / "c.yaml") << "model: {workspace: " << q(kAgc) << "}\nuncertainties: {scans: []}\n"
                                << "output: {bin_edges: {\"4j2b SR\": [110, 150, 190, 230, 270, 310, 350, 390, 430, 470, 510, 550]}}\n";
  const auto r = run_command(kExe + " fit " + q(dir / "c.yaml") + " --out " + q(dir / "out") + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = json::parse(read(dir / "out" / "results.json"));

  // The library on the same best fit and covariance.
  const hessfit::infer::Model model(hessfit::likelihood::Workspace::load(kAgc).model());
  const auto& hf = *model.histfactory();
  const Eigen::VectorXd x = vec([&] {
    json v = json::array();
    for (const auto& p : j["parameters"]) v.push_back(p["value"]);
    return v;
  }());
  const auto n = static_cast<Eigen::Index>(hf.size());
  Eigen::MatrixXd C(n, n);
  for (Eigen::Index a = 0; a < n; ++a)
    for (Eigen::Index b = 0; b < n; ++b) C(a, b) = j["covariance"]["matrix"][a][b].get<double>();
  const auto lib = hessfit::infer::yields(hf, x, C);

  const json& ch = j["yields"]["channels"];
  ASSERT_EQ(ch.size(), 2u);
  for (std::size_t c = 0; c < ch.size(); ++c) {
    EXPECT_EQ(ch[c]["name"], hf.channels()[c].name);
    EXPECT_EQ(ch[c]["bins"], 11);
    EXPECT_EQ(ch[c]["data"].size(), 11u);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(11);
    for (std::size_t s = 0; s < ch[c]["samples"].size(); ++s) {
      const json& sj = ch[c]["samples"][s];
      for (const char* key : {"prefit", "prefit_error", "postfit", "postfit_error", "background_only", "background_only_error"})
        ASSERT_EQ(sj[key].size(), 11u) << key;
      EXPECT_TRUE(vec(sj["postfit"]).isApprox(lib.channels[c].samples[s].yield, 1e-12));
      EXPECT_TRUE(vec(sj["postfit_error"]).isApprox(lib.channels[c].samples[s].error, 1e-9));
      sum += vec(sj["postfit"]);
    }
    EXPECT_TRUE(vec(ch[c]["total"]["postfit"]).isApprox(sum, 1e-12));
    EXPECT_TRUE(vec(ch[c]["total"]["postfit_error"]).isApprox(lib.channels[c].total_error, 1e-9));
    EXPECT_NEAR(ch[c]["summed"]["postfit_error"].get<double>(), lib.channels[c].total_sum_error, 1e-9 * lib.channels[c].total_sum_error);
  }
  EXPECT_TRUE(j["yields"]["background_only"]["ok"].get<bool>()) << j["yields"]["background_only"];

  const auto gof = hessfit::infer::saturated_gof(model, x);
  const json& g = j["goodness_of_fit"];
  EXPECT_NEAR(g["saturated"]["chi2"].get<double>(), gof.chi2, 1e-9 * gof.chi2);
  EXPECT_EQ(g["saturated"]["dof"], 22 - 1);  // 22 bins, one free normfactor
  EXPECT_NEAR(g["saturated"]["p_value"].get<double>(), gof.p_value, 1e-9);
  EXPECT_EQ(g["channels"].size(), 2u);

  const json& b = j["breakdown"];
  EXPECT_EQ(b["parameter"], "ttbar_norm");
  EXPECT_TRUE(b["ok"].get<bool>()) << b;
  EXPECT_LT(b["stat"]["impact"].get<double>(), b["total"].get<double>());
  std::vector<std::string> groups;
  for (const auto& gr : b["groups"]) groups.push_back(gr["name"]);
  EXPECT_EQ(groups, (std::vector<std::string>{"histosys", "normsys", "staterror"}));

  const std::string md = read(dir / "out" / "report.md");
  for (const char* s : {"## Yields", "### Post-fit", "## Goodness of fit", "## Uncertainty breakdown of ttbar_norm", "v^T ρ v",
                        "![Post-fit yields: 4j2b SR](yields_postfit_4j2b_SR.svg)"})
    EXPECT_NE(md.find(s), std::string::npos) << s;
  EXPECT_NE(r.output.find("Goodness of fit (saturated): chi2 / dof = "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Breakdown of ttbar_norm"), std::string::npos) << r.output;
  for (const char* f : {"yields_prefit_4j1b_CR.svg", "yields_postfit_4j1b_CR.svg", "yields_postfit_4j2b_SR.svg"})
    expect_renders(dir / "out" / f);
  EXPECT_NE(read(dir / "out" / "yields_postfit_4j2b_SR.svg").find(">550<"), std::string::npos);  // the edges on the x axis
}

/// `j` without its wall-time entries ("timing", "time_seconds"): what must be the same bits on every run.
json without_times(const json& j) {
  if (j.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : j.items())
      if (k != "timing" && k != "time_seconds") out[k] = without_times(v);
    return out;
  }
  if (j.is_array()) {
    json out = json::array();
    for (const auto& v : j) out.push_back(without_times(v));
    return out;
  }
  return j;
}

TEST(PostfitReport, TwoRunsWriteTheSameResultsButForTheirTimings) {
  // Messages (the background-only fit's, the breakdown refits') once ended with their wall time.
  const fs::path dir = scratch("twice");
  std::ofstream(dir / "c.yaml") << "model: {workspace: " << q(kShared / "pyhf-histfactory-example" / "workspace.json")
                                << "}\nuncertainties: {scans: []}\n";
  json runs[2];
  for (int k = 0; k < 2; ++k) {  // the same folder: the config echoed in results.json names it
    const fs::path out = dir / "out";
    const auto r = run_command(kExe + " fit " + q(dir / "c.yaml") + " --out " + q(out));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    runs[k] = json::parse(read(out / "results.json"));
  }
  ASSERT_TRUE(runs[0].contains("yields"));
  ASSERT_TRUE(runs[0]["yields"].contains("background_only"));
  EXPECT_EQ(without_times(runs[0]), without_times(runs[1]));
  const std::string text = without_times(runs[0]).dump();
  std::smatch seconds;
  EXPECT_FALSE(std::regex_search(text, seconds, std::regex(R"(\d+\.\d+ s\b)"))) << seconds.str(0);
  fs::remove_all(dir);
}

TEST(PostfitReport, AFitToTheControlRegionPredictsTheSignalRegion) {
  const fs::path dir = scratch("cr");
  std::ofstream(dir / "c.yaml") << "model: {workspace: " << q(kAgc) << "}\nfit: {channels: [\"4j1b*\"], background_only: false}\n"
                                << "uncertainties: {scans: [], minos: none, breakdown: false}\n";
  const auto r = run_command(kExe + " fit " + q(dir / "c.yaml") + " --out " + q(dir / "out") + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json j = json::parse(read(dir / "out" / "results.json"));
  EXPECT_EQ(j["yields"]["fitted_channels"], json::array({"4j1b CR"}));
  ASSERT_EQ(j["yields"]["channels"].size(), 2u);
  EXPECT_FALSE(j.contains("breakdown"));
  // The SR prediction: the library's yields of the whole model at the CR fit, the SR's own
  // staterror parameters at their pre-fit values and errors.
  auto ws = hessfit::likelihood::Workspace::load(kAgc);
  const hessfit::infer::Model full(ws.model());
  nlohmann::json doc = ws.json();
  for (const char* key : {"channels", "observations"}) {
    json kept = json::array();
    for (const auto& c : doc[key])
      if (c["name"] == "4j1b CR") kept.push_back(c);
    doc[key] = kept;
  }
  const auto sub = hessfit::likelihood::Workspace::from_json(doc, "cr").model();
  ASSERT_EQ(j["parameters"].size(), sub.size());
  Eigen::VectorXd x(static_cast<Eigen::Index>(sub.size()));
  Eigen::MatrixXd C(x.size(), x.size());
  for (Eigen::Index a = 0; a < x.size(); ++a) {
    x[a] = j["parameters"][a]["value"].get<double>();
    for (Eigen::Index b = 0; b < x.size(); ++b) C(a, b) = j["covariance"]["matrix"][a][b].get<double>();
  }
  const auto state = hessfit::infer::match_parameters(sub, x, C, *full.histfactory(), hessfit::infer::prefit_state(full));
  const auto lib = hessfit::infer::yields(*full.histfactory(), state.x, state.covariance);
  const json& sr = j["yields"]["channels"][1];
  EXPECT_EQ(sr["name"], "4j2b SR");
  EXPECT_TRUE(vec(sr["total"]["postfit"]).isApprox(lib.channels[1].total, 1e-12));
  EXPECT_TRUE(vec(sr["total"]["postfit_error"]).isApprox(lib.channels[1].total_error, 1e-9));
  EXPECT_EQ(j["goodness_of_fit"]["saturated"]["main_bins"], 11);
  EXPECT_NE(read(dir / "out" / "report.md").find("The fit used only the channels `4j1b CR`"), std::string::npos);
}

TEST(PostfitReport, SummaryPlotOfOneBinChannelsRendersOnALogScale) {
  const fs::path dir = scratch("compressed");
  std::ofstream(dir / "c.yaml") << "model: {workspace: " << q(kShared / "atlas-compressed-bkgonly" / "workspace.json") << "}\n"
                                << "fit: {background_only: false}\nuncertainties: {scans: [], minos: none, breakdown: false}\n"
                                << "output: {plots: [yields]}\n";
  const auto r = run_command(kExe + " fit " + q(dir / "c.yaml") + " --out " + q(dir / "out") + " --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string svg = read(dir / "out" / "yields_postfit_summary.svg");
  EXPECT_NE(svg.find("10^"), std::string::npos);  // log scale: the yields span decades
  EXPECT_NE(svg.find("pattern"), std::string::npos);  // the hatched band
  expect_renders(dir / "out" / "yields_postfit_summary.svg");
  expect_renders(dir / "out" / "yields_prefit_summary.svg");
}

TEST(PostfitReport, ProblemsWithTheNewKeysAreLocated) {
  const fs::path dir = scratch("bad");
  std::ofstream(dir / "c.yaml") << "model: {workspace: " << q(kAgc) << "}\nfit:\n  channels: [\"CR*\"]\n"
                                << "uncertainties:\n  breakdown: {groups: {JES: [\"Jet energy skale\"]}}\n"
                                << "output:\n  bin_edges: {\"4j2b SR\": [0, 1, 2], SR: [0, 1]}\n";
  const auto r = run_command(kExe + " fit " + q(dir / "c.yaml") + " --out " + q(dir / "out"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("c.yaml:3:14: 'fit.channels': no channel matches 'CR*'"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
  std::ofstream(dir / "d.yaml") << "model: {workspace: " << q(kAgc) << "}\n"
                                << "uncertainties:\n  breakdown: {groups: {JES: [\"Jet energy skale\"]}}\n"
                                << "output:\n  bin_edges: {\"4j2b SR\": [0, 1, 2], SR: [0, 1]}\n";
  const auto d = run_command(kExe + " fit " + q(dir / "d.yaml") + " --out " + q(dir / "out"));
  EXPECT_EQ(d.exit_code, 2) << d.output;
  EXPECT_NE(d.output.find("no parameter matches 'Jet energy skale'; did you mean 'Jet energy scale'?"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("'output.bin_edges.4j2b SR' has 3 edges, the channel has 11 bins (needs 12)"), std::string::npos) << d.output;
  EXPECT_NE(d.output.find("'output.bin_edges': the model has no channel 'SR'"), std::string::npos) << d.output;
  EXPECT_FALSE(fs::exists(dir / "out"));
}

}  // namespace
