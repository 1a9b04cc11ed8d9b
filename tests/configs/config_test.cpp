// The configuration schema: defaults, every key read, and the messages for bad configs
// (golden: file:line:col, the nearest valid key, all problems at once).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/setup.hpp"
#include "hessfit/common/text.hpp"
#include "hessfit/common/edit_distance.hpp"

namespace {

using hessfit::configs::Config;
using hessfit::configs::ConfigError;
using hessfit::configs::parse_config;

const std::filesystem::path kExamples = std::filesystem::path(HESSFIT_SOURCE_DIR) / "configs" / "examples";

/// The what() of the ConfigError that parsing `yaml` throws ("" if it does not throw).
std::string problems_of(const std::string& yaml, const std::vector<std::string>& sets = {}) {
  try {
    (void)parse_config(yaml, "bad.yaml", kExamples, sets);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

TEST(ConfigSchema, FillsEveryDefault) {
  const Config c = parse_config("model: {workspace: tiny/workspace.json}\n", "a.yaml", kExamples);
  ASSERT_TRUE(c.model.workspace);
  EXPECT_EQ(c.model.workspace->value, (kExamples / "tiny/workspace.json").lexically_normal());
  EXPECT_EQ(c.model.workspace->where.text(), "a.yaml:1:20");
  EXPECT_EQ(c.model.normsys_interpolation, "code4");
  EXPECT_EQ(c.model.histosys_interpolation, "code4p");
  EXPECT_EQ(c.fit.minimizer, hessfit::fit::Method::kAuto);
  EXPECT_DOUBLE_EQ(c.fit.tolerance, 1e-8);
  EXPECT_EQ(c.fit.threads, 0);
  EXPECT_EQ(c.fit.max_restarts, 3);
  EXPECT_NEAR(c.uncertainties.cl, 0.682689492137, 1e-12);
  EXPECT_EQ(c.uncertainties.minos.kind, hessfit::configs::MinosSelection::Kind::kPoi);
  ASSERT_EQ(c.uncertainties.scans.size(), 1u);
  EXPECT_EQ(c.uncertainties.scans[0].parameter.value, "poi");
  EXPECT_EQ(c.uncertainties.scans[0].points, 21);
  EXPECT_DOUBLE_EQ(c.uncertainties.scans[0].width, 3.0);
  EXPECT_FALSE(c.uncertainties.impacts.enabled);
  EXPECT_TRUE(c.output.text && c.output.json && c.output.markdown);
  EXPECT_EQ(c.output.plots.size(), 7u);
  EXPECT_TRUE(c.output.yields && c.fit.background_only && c.uncertainties.breakdown.enabled);
  EXPECT_EQ(c.output.directory, (kExamples / "results").lexically_normal());
  EXPECT_EQ(c.title, "a");
}

TEST(ConfigSchema, MaxIterationsZeroIsTheDocumentedDefault) {
  // configs/README.md documents `max_iterations: 0` as the minimiser's default; it was refused.
  const Config c = parse_config("model: {workspace: tiny/workspace.json}\nfit: {max_iterations: 0}\n", "a.yaml", kExamples);
  EXPECT_EQ(c.fit.max_iterations, 0);
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json}\nfit: {max_iterations: -1}\n"),
            "bad.yaml:2:23: 'fit.max_iterations' must be between 0 and 100000000, got -1");
}

TEST(ConfigSchema, ReadsEverySection) {
  const Config c = parse_config(R"(
title: everything
model:
  workspace: tiny/workspace.json
  measurement: tiny
  poi: mu
  interpolation: {normsys: code1, histosys: code2}
parameters:
  mu: {init: 0.5, bounds: [-1, 5]}
  "staterror_*": {fixed: true}
fit: {minimizer: lbfgs, tolerance: 1e-9, max_iterations: 500, threads: 3, max_restarts: 1}
uncertainties:
  cl: 0.95
  minos: [mu, "alpha_*"]
  scans: [mu, {parameter: jes, range: [-2, 2], points: 11}]
  contours: [{parameters: [mu, jes], cl: [0.68, 0.95], points: 12}]
  impacts: {poi: mu, parameters: ["staterror*"], prefit: false}
output:
  directory: out/here
  formats: [json]
  plots: [scans, impacts]
  correlation_max_parameters: 12
  impacts_max_parameters: 7
)",
                                "b.yaml", kExamples);
  EXPECT_EQ(c.title, "everything");
  EXPECT_EQ(c.model.measurement.value, "tiny");
  EXPECT_EQ(c.model.poi.value, "mu");
  EXPECT_EQ(c.model.normsys_interpolation, "code1");
  EXPECT_EQ(c.model.histosys_interpolation, "code2");
  ASSERT_EQ(c.parameters.size(), 2u);
  EXPECT_FALSE(c.parameters[0].glob);
  EXPECT_DOUBLE_EQ(c.parameters[0].init->value, 0.5);
  EXPECT_DOUBLE_EQ(c.parameters[0].bounds->value[1], 5.0);
  EXPECT_TRUE(c.parameters[1].glob);
  EXPECT_TRUE(c.parameters[1].fixed->value);
  EXPECT_EQ(c.fit.minimizer, hessfit::fit::Method::kLbfgs);
  EXPECT_EQ(c.fit.max_iterations, 500);
  EXPECT_EQ(c.fit.threads, 3);
  EXPECT_DOUBLE_EQ(c.uncertainties.cl, 0.95);
  ASSERT_EQ(c.uncertainties.minos.names.size(), 2u);
  ASSERT_EQ(c.uncertainties.scans.size(), 2u);
  EXPECT_EQ(c.uncertainties.scans[1].points, 11);
  EXPECT_DOUBLE_EQ(c.uncertainties.scans[1].range->value[0], -2.0);
  ASSERT_EQ(c.uncertainties.contours.size(), 1u);
  EXPECT_EQ(c.uncertainties.contours[0].cl, (std::vector<double>{0.68, 0.95}));
  EXPECT_TRUE(c.uncertainties.impacts.enabled);
  EXPECT_FALSE(c.uncertainties.impacts.prefit);
  EXPECT_FALSE(c.output.text);
  EXPECT_TRUE(c.output.json);
  EXPECT_FALSE(c.output.markdown);
  EXPECT_EQ(c.output.plots.size(), 2u);
  EXPECT_EQ(c.output.directory, (kExamples / "out/here").lexically_normal());
  EXPECT_EQ(c.output.correlation_max_parameters, 12);
}

TEST(ConfigSchema, ContoursTakeTheMinosConfidenceLevelByDefault) {
  const Config c = parse_config("model: {nll: counting, data: {n: 5, s: 1, b0: 3, sigma_b: 1}}\n"
                                "uncertainties: {cl: 0.9, contours: [{parameters: [mu, b]}]}\n",
                                "c.yaml", kExamples);
  ASSERT_EQ(c.uncertainties.contours.size(), 1u);
  EXPECT_EQ(c.uncertainties.contours[0].cl, std::vector<double>{0.9});
}

TEST(ConfigSchema, SetOverridesValuesAndCreatesMissingKeys) {
  const Config c = parse_config("model: {workspace: tiny/workspace.json}\nfit: {minimizer: newton}\n", "a.yaml", kExamples,
                                {"fit.minimizer=bfgs", "uncertainties.minos=[mu, jes]", "uncertainties.scans=[]",
                                 "output.plots=none"});
  EXPECT_EQ(c.fit.minimizer, hessfit::fit::Method::kBfgs);
  EXPECT_EQ(c.uncertainties.minos.names.size(), 2u);
  EXPECT_TRUE(c.uncertainties.scans.empty());
  EXPECT_TRUE(c.output.plots.empty());
}

TEST(ConfigSchema, SetIndexesIntoLists) {
  const Config c = parse_config("model: {workspace: tiny/workspace.json}\nuncertainties: {scans: [{parameter: mu, points: 5}]}\n",
                                "a.yaml", kExamples, {"uncertainties.scans.0.points=9"});
  EXPECT_EQ(c.uncertainties.scans.at(0).points, 9);
}

// --- golden messages ------------------------------------------------------------------------

TEST(ConfigErrors, UnknownKeysNameTheirPlaceAndTheNearestValidKey) {
  EXPECT_EQ(problems_of("model:\n  workspace: tiny/workspace.json\nfit:\n  minimiser: newton\n  tolerence: 1e-9\nuncertainty: {}\n"),
            "bad.yaml:4:3: unknown key 'minimiser' in 'fit'; did you mean 'minimizer'?\n"
            "bad.yaml:5:3: unknown key 'tolerence' in 'fit'; did you mean 'tolerance'?\n"
            "bad.yaml:6:1: unknown top-level key 'uncertainty'; did you mean 'uncertainties'?");
}

TEST(ConfigErrors, AnUnknownKeyFarFromAnyListsTheValidOnes) {
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json}\noutput: {colour: blue}\n"),
            "bad.yaml:2:10: unknown key 'colour' in 'output' (valid keys: directory, formats, plots, "
            "correlation_max_parameters, impacts_max_parameters, full_covariance, yields, bin_edges)");
}

TEST(ConfigErrors, WrongTypesAndRangesAreReportedTogether) {
  EXPECT_EQ(problems_of(R"(model: {workspace: tiny/workspace.json}
fit:
  minimizer: newtn
  tolerance: small
  threads: -1
uncertainties:
  cl: 1.5
  minos: true
  scans: [{parameter: mu, points: 1, range: [2, 1]}]
  contours: [{parameters: [mu, mu]}]
  impacts: maybe
parameters:
  mu: {init: "1", bounds: [0, 1, 2], fixed: 3}
output: {formats: [text, pdf]}
)"),
            "bad.yaml:3:14: 'fit.minimizer' must be one of auto | newton | lbfgs | bfgs, got 'newtn'; did you mean 'newton'?\n"
            "bad.yaml:4:14: 'fit.tolerance' must be a number, got 'small'\n"
            "bad.yaml:5:12: 'fit.threads' must be between 0 and 4096, got -1\n"
            "bad.yaml:7:7: 'uncertainties.cl' must be a confidence level between 0 and 1 (e.g. 0.6827, 0.95), got 1.5\n"
            "bad.yaml:8:10: 'uncertainties.minos' must be all, poi, none or a list of parameter names, got 'true'\n"
            "bad.yaml:9:35: 'uncertainties.scans[0].points' must be between 2 and 10000, got 1\n"
            "bad.yaml:9:45: 'uncertainties.scans[0].range' must have low < high, got [2, 1]\n"
            "bad.yaml:10:27: 'uncertainties.contours[0].parameters' names 'mu' twice; a contour needs two different parameters\n"
            "bad.yaml:11:12: 'uncertainties.impacts' must be true or false, got 'maybe'\n"
            "bad.yaml:13:14: 'parameters.mu.init' must be a number, got the string '1'\n"
            "bad.yaml:13:27: 'parameters.mu.bounds' must be a list of two numbers [low, high], got a list of 3\n"
            "bad.yaml:13:45: 'parameters.mu.fixed' must be true or false, got '3'\n"
            "bad.yaml:14:26: 'output.formats[1]' must be one of text | json | markdown, got 'pdf'");
}

TEST(ConfigErrors, MissingFilesAreErrorsAtTheirValue) {
  EXPECT_EQ(problems_of("model:\n  workspace: nowhere/workspace.json\n  patchset: patchset.json\n  patch: A\n"),
            "bad.yaml:2:14: 'model.workspace': no file 'nowhere/workspace.json' (paths are relative to the config file's folder)\n"
            "bad.yaml:3:13: 'model.patchset': no file 'patchset.json' (paths are relative to the config file's folder)");
}

TEST(ConfigErrors, InconsistentSettingsAreErrors) {
  EXPECT_EQ(problems_of("model:\n  workspace: tiny/workspace.json\n  patch: A\n  data: {n: 1}\n"
                        "uncertainties:\n  scans: [{parameter: mu, range: [0, 1], width: 2}]\n"),
            "bad.yaml:3:10: 'model.patch' needs 'model.patchset' (the file holding the patch)\n"
            "bad.yaml:4:9: 'model.data' applies to a C++ NLL, not to a workspace\n"
            "bad.yaml:6:49: 'uncertainties.scans[0].width' and 'uncertainties.scans[0].range' exclude each other: give the "
            "range, or its width in standard deviations");
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json, nll: counting}\n"),
            "bad.yaml:1:46: 'model.nll' and 'model.workspace' exclude each other: fit either a workspace or a C++ NLL\n"
            "bad.yaml:1:46: NLL 'counting' needs the argument 'model.data.n' (observed counts per bin)\n"
            "bad.yaml:1:46: NLL 'counting' needs the argument 'model.data.s' (expected signal per bin at mu = 1)\n"
            "bad.yaml:1:46: NLL 'counting' needs the argument 'model.data.b0' (background estimate per bin)\n"
            "bad.yaml:1:46: NLL 'counting' needs the argument 'model.data.sigma_b' (absolute uncertainty of each background estimate)");
  EXPECT_EQ(problems_of("fit: {}\n"), "bad.yaml:1:1: missing 'model': give 'model: {workspace: file.json}' or 'model: {nll: name}'");
  EXPECT_EQ(problems_of(""), "bad.yaml: the config is empty: it needs at least 'model: {workspace: file.json}'");
}

TEST(ConfigErrors, UnknownNllsAndArgumentsSuggestTheRegisteredOnes) {
  EXPECT_EQ(problems_of("model: {nll: countin, data: {n: 3}}\n"), "bad.yaml:1:14: unknown NLL 'countin'; did you mean 'counting'?");
  EXPECT_EQ(problems_of("model: {nll: counting, data: {n: 3, s: 1, b: 2, sigma_b: 1}}\n"),
            "bad.yaml:1:30: NLL 'counting' needs the argument 'model.data.b0' (background estimate per bin)\n"
            "bad.yaml:1:43: unknown argument 'b' of NLL 'counting'; did you mean 'b0'?");
}

TEST(ConfigErrors, InvalidYamlNamesLineAndColumn) {
  EXPECT_EQ(problems_of("model:\n  workspace: [a, b\nfit: {}\n"), "bad.yaml:3:4: invalid YAML: end of sequence flow not found");
}

TEST(ConfigErrors, DuplicateKeysAreErrors) {
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json}\nfit: {threads: 1}\nfit: {threads: 2}\n"),
            "bad.yaml:3:1: duplicate key 'fit' (first given at line 2)");
}

TEST(ConfigErrors, BadSetOptionsNameTheOption) {
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json}\n", {"fit.minimiser=newton", "fit.tolerance=abc", "nodots", "fit.threads.x=1"}),
            "--set nodots: expected key.path=value (e.g. fit.minimizer=newton)\n"
            "--set fit.minimiser=newton: unknown key 'minimiser' in 'fit'; did you mean 'minimizer'?\n"
            "--set fit.tolerance=abc: 'fit.tolerance' must be a number, got 'abc'\n"
            "--set fit.threads.x=1: 'fit.threads' must be a whole number, got a mapping");
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json}\n", {"model.workspace.file=x"}),
            "--set model.workspace.file=x: 'model.workspace' is 'tiny/workspace.json', not a mapping with a key 'file'");
}

TEST(ConfigErrors, ASetValueThatIsNotYamlSuggestsQuoting) {
  EXPECT_EQ(problems_of("model: {workspace: tiny/workspace.json}\n", {"uncertainties.minos=[a[0], b]"}),
            "--set uncertainties.minos=[a[0], b]: the value '[a[0], b]' is not valid YAML (invalid YAML: end of sequence flow not "
            "found); quote names with brackets or commas, e.g. '[\"staterror_SR[0]\", mu]'");
}

TEST(ConfigSuggestions, FindPlausibleTyposOnly) {
  using hessfit::configs::nearest;
  EXPECT_EQ(nearest("minimiser", {"minimizer", "tolerance"}), "minimizer");
  EXPECT_EQ(nearest("tolerence", {"minimizer", "tolerance"}), "tolerance");
  EXPECT_EQ(nearest("Threads", {"threads"}), "threads");
  EXPECT_EQ(nearest("contuors", {"contours", "scans"}), "contours");
  EXPECT_EQ(nearest("colour", {"directory", "formats", "plots"}), "");
  EXPECT_EQ(nearest("x", {"directory"}), "");
}

TEST(ConfigGlobs, MatchStarAndQuestionMarkWithBracketsLiteral) {
  using hessfit::configs::glob_match;
  EXPECT_TRUE(glob_match("alpha_*", "alpha_JES"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("staterror_SR[?]", "staterror_SR[3]"));
  EXPECT_FALSE(glob_match("staterror_SR[?]", "staterror_SR[10]"));
  EXPECT_TRUE(glob_match("*_SR*", "staterror_SR[10]"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYY"));
  EXPECT_FALSE(glob_match("mu", "mu_ttbar"));
}

// The suggestions of "did you mean" stop computing a distance once it exceeds the best so far
// (the fuzzed --set lines with long unknown keys spent most of their time there): the bounded
// distance is exact up to its limit and above it beyond, and nearest_name picks what the full
// table picks, on random words over a small alphabet (many ties, transpositions, prefixes).
TEST(DidYouMean, TheBoundedDistanceAndTheNearestNameAgreeWithTheFullTable) {
  std::mt19937 rng(15);
  const auto word = [&](std::size_t max_length) {
    std::string w(std::uniform_int_distribution<std::size_t>(0, max_length)(rng), 'a');
    for (char& c : w) c = "abcAB_"[std::uniform_int_distribution<int>(0, 5)(rng)];
    return w;
  };
  // The reference: full distances, then the rule of nearest_name (ties to the longer common prefix).
  const auto reference = [](const std::string& w, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max(), best_prefix = 0;
    for (const auto& c : candidates) {
      const std::size_t d = hessfit::edit_distance(w, c);
      std::size_t prefix = 0;
      while (prefix < w.size() && prefix < c.size() && std::tolower(w[prefix]) == std::tolower(c[prefix])) ++prefix;
      if (d < best_distance || (d == best_distance && prefix > best_prefix)) {
        best_distance = d;
        best_prefix = prefix;
        best = c;
      }
    }
    const std::size_t allowed = std::clamp<std::size_t>(std::max(w.size(), best.size()) / 3, 1, 4);
    if (best.empty() || best_distance <= allowed) return best;
    const std::size_t shorter = std::min(w.size(), best.size());
    return shorter >= 3 && best_prefix == shorter ? best : std::string();
  };
  for (int trial = 0; trial < 3000; ++trial) {
    const std::string a = word(12), b = word(12);
    const std::size_t full = hessfit::edit_distance(a, b);
    for (std::size_t limit = 0; limit <= 14; ++limit) {
      const std::size_t bounded = hessfit::edit_distance_within(a, b, limit);
      if (full <= limit) EXPECT_EQ(bounded, full) << a << " " << b << " " << limit;
      else EXPECT_GT(bounded, limit) << a << " " << b << " " << limit;
    }
    std::vector<std::string> candidates;
    for (int k = 0; k < 8; ++k) candidates.push_back(word(10));
    const std::string w = trial % 10 == 0 ? word(60) : word(12);
    EXPECT_EQ(hessfit::nearest_name(w, candidates), reference(w, candidates)) << w;
  }
  // The typos of the config messages still find their names.
  EXPECT_EQ(hessfit::nearest_name("minimiser", {"minimizer", "tolerance", "threads"}), "minimizer");
  EXPECT_EQ(hessfit::nearest_name("minos", {"minos_cl", "scans"}), "minos_cl");
  EXPECT_EQ(hessfit::nearest_name(std::string(5000, 'x'), {"minimizer", "tolerance"}), "");
}

}  // namespace
