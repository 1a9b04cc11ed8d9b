// Reading and validating workspaces: golden error messages for bad input, and every shared
// real workspace loading to a finite NLL.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "hessfit/likelihood.hpp"
#include "shared_data.hpp"

namespace hessfit::likelihood {
namespace {

using nlohmann::json;

json example() {
  static const json doc =
      read_json_file(std::filesystem::path(HESSFIT_SOURCE_DIR) / "likelihood" / "examples" / "counting_two_bins.json");
  return doc;
}

/// The example with a JSON Patch applied.
json example_with(const char* patch) { return example().patch(json::parse(patch)); }

std::string load_error(const json& doc) {
  try {
    (void)Workspace::from_json(doc, "workspace.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string model_error(const json& doc, const ModelOptions& options = {}) {
  try {
    (void)Workspace::from_json(doc, "workspace.json").model(options);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Workspace, ReadsChannelsSamplesModifiersObservationsAndMeasurements) {
  const Workspace ws = Workspace::from_json(example(), "workspace.json");
  ASSERT_EQ(ws.channels().size(), 1u);
  const Channel& sr = ws.channels()[0];
  EXPECT_EQ(sr.name, "SR");
  EXPECT_EQ(sr.bins(), 2u);
  ASSERT_EQ(sr.samples.size(), 2u);
  const Sample& bkg = sr.samples[1];
  EXPECT_EQ(bkg.data, (std::vector<double>{50.0, 52.0}));
  ASSERT_EQ(bkg.modifiers.size(), 3u);
  EXPECT_EQ(bkg.modifiers[0].type, ModifierType::kNormSys);
  EXPECT_EQ(bkg.modifiers[0].lo, 0.95);
  EXPECT_EQ(bkg.modifiers[0].hi, 1.07);
  EXPECT_EQ(bkg.modifiers[1].hi_data, (std::vector<double>{53.0, 55.0}));
  EXPECT_EQ(bkg.modifiers[2].data, (std::vector<double>{2.0, 3.0}));
  EXPECT_EQ(ws.observations()[0].data, (std::vector<double>{53.0, 61.0}));
  const Measurement& m = ws.measurement();
  EXPECT_EQ(m.name, "counting");
  EXPECT_EQ(m.poi, "mu");
  ASSERT_EQ(m.parameters.size(), 1u);
  EXPECT_EQ(m.parameters[0].sigmas, std::vector<double>{0.02});
  EXPECT_EQ(ws.version(), "1.0.0");
}

TEST(WorkspaceErrors, HistoSysWithWrongBinCountNamesPathAndObjects) {
  EXPECT_EQ(load_error(example_with(
                R"([{"op": "add", "path": "/channels/0/samples/1/modifiers/1/data/hi_data/-", "value": 1.0}])")),
            "workspace.json: channels[0].samples[1].modifiers[1].data.hi_data (channel 'SR', sample 'background', "
            "histosys 'shape'): has 3 bins, the sample has 2");
}

TEST(WorkspaceErrors, SampleWithAnotherBinCountThanTheChannel) {
  EXPECT_EQ(load_error(example_with(R"([{"op": "replace", "path": "/channels/0/samples/1/data", "value": [1, 2, 3]},
                                        {"op": "replace", "path": "/channels/0/samples/1/modifiers", "value": []}])")),
            "workspace.json: channels[0].samples[1].data (channel 'SR', sample 'background'): has 3 bins, the channel "
            "has 2 (from its first sample)");
}

TEST(WorkspaceErrors, UnknownModifierTypeListsTheKnownTypes) {
  EXPECT_EQ(load_error(example_with(
                R"([{"op": "replace", "path": "/channels/0/samples/1/modifiers/0/type", "value": "normsyst"}])")),
            "workspace.json: channels[0].samples[1].modifiers[0].type (channel 'SR', sample 'background'): unknown "
            "modifier type 'normsyst' (known: histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror)");
}

TEST(WorkspaceErrors, MissingLumiConfigurationIsReportedWhenBuildingTheModel) {
  EXPECT_EQ(model_error(example_with(R"([{"op": "replace", "path": "/measurements/0/config/parameters", "value": []}])")),
            "workspace.json: measurements[0].config.parameters: measurement 'counting' must configure lumi with "
            "inits, bounds, auxdata and sigmas (pyhf has no defaults for lumi); missing: inits, bounds, auxdata, "
            "sigmas");
  EXPECT_EQ(model_error(example_with(
                R"([{"op": "remove", "path": "/measurements/0/config/parameters/0/sigmas"}])")),
            "workspace.json: measurements[0].config.parameters[0]: measurement 'counting' must configure lumi with "
            "inits, bounds, auxdata and sigmas (pyhf has no defaults for lumi); missing: sigmas");
}

TEST(WorkspaceErrors, LumiModifierMustBeNamedLumi) {
  EXPECT_EQ(load_error(example_with(
                R"([{"op": "replace", "path": "/channels/0/samples/0/modifiers/1/name", "value": "Lumi"}])")),
            "workspace.json: channels[0].samples[0].modifiers[1].name (channel 'SR', sample 'signal', lumi 'Lumi'): a "
            "lumi modifier must be named 'lumi', not 'Lumi'");
}

TEST(WorkspaceErrors, DuplicateNamesAreReportedWithTheFirstOccurrence) {
  const json doc = example_with(R"([
      {"op": "add", "path": "/channels/-", "value": {"name": "SR", "samples": [{"name": "a", "data": [1], "modifiers": []}]}},
      {"op": "add", "path": "/channels/0/samples/-", "value": {"name": "signal", "data": [1, 1], "modifiers": []}},
      {"op": "add", "path": "/channels/0/samples/1/modifiers/-", "value": {"name": "jes", "type": "normsys", "data": {"lo": 0.9, "hi": 1.1}}},
      {"op": "add", "path": "/measurements/-", "value": {"name": "counting", "config": {"poi": "mu", "parameters": []}}},
      {"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "lumi", "fixed": true}}])");
  EXPECT_EQ(load_error(doc),
            "workspace.json: channels[0].samples[1].modifiers[3] (channel 'SR', sample 'background'): duplicate "
            "modifier 'jes' of type normsys (also modifiers[0])\n"
            "workspace.json: channels[0].samples[2].name (channel 'SR'): duplicate sample name 'signal' (also "
            "samples[0])\n"
            "workspace.json: channels[1].name: duplicate channel name 'SR' (also channels[0])\n"
            "workspace.json: measurements[0].config.parameters[1].name: duplicate configuration of parameter 'lumi' "
            "(also parameters[0])\n"
            "workspace.json: measurements[1].name: duplicate measurement name 'counting' (also measurements[0])");
}

TEST(WorkspaceErrors, BadParameterConfigurationsAreAllReported) {
  const json doc = example_with(R"([
      {"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "mu", "inits": [1, 2], "bounds": [[0, 5]]}},
      {"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "jes", "sigmas": [0.5]}},
      {"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "mcstat", "inits": [20, 1]}},
      {"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "nothere", "fixed": true}}])");
  EXPECT_EQ(model_error(doc),
            "workspace.json: measurements[0].config.parameters[1].inits (parameter 'mu'): has 2 values, the normfactor "
            "has 1 parameter\n"
            "workspace.json: measurements[0].config.parameters[2].sigmas (parameter 'jes'): a normsys has no 'sigmas' "
            "(it takes: inits, bounds, fixed, auxdata)\n"
            "workspace.json: measurements[0].config.parameters[3].inits (parameter 'mcstat[0]'): init 20 is outside "
            "the bounds [1e-10, 10]");
  // A configuration of a parameter the model does not have is accepted, as pyhf does, with a warning.
  const Model model = Workspace::from_json(example_with(R"([{"op": "add", "path": "/measurements/0/config/parameters/-",
      "value": {"name": "nothere", "fixed": true}}])"), "workspace.json").model();
  ASSERT_EQ(model.warnings().size(), 1u);
  EXPECT_EQ(model.warnings()[0], "measurements[0].config.parameters[1]: measurement 'counting' configures 'nothere', "
                                 "which is not a parameter of the model (ignored)");
}

TEST(WorkspaceErrors, MalformedParameterEntriesAreReportedAtLoad) {
  const json doc = example_with(R"([
      {"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "mu", "bounds": [[0, 5, 7], [3, 1]], "fixed": "yes"}}])");
  EXPECT_EQ(load_error(doc),
            "workspace.json: measurements[0].config.parameters[1].bounds[0] (parameter 'mu'): must be a pair [lower, "
            "upper], has 3 numbers\n"
            "workspace.json: measurements[0].config.parameters[1].bounds[1] (parameter 'mu'): lower bound 3 is above "
            "upper bound 1\n"
            "workspace.json: measurements[0].config.parameters[1].fixed (parameter 'mu'): must be a boolean, got a "
            "string");
}

TEST(WorkspaceErrors, MalformedJsonGivesLineAndColumn) {
  try {
    (void)Workspace::parse("{\n  \"channels\": [\n    {\"name\": \"SR\",, }\n  ]\n}\n", "workspace.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "workspace.json:3:19: invalid JSON: syntax error while parsing object key - unexpected ','; "
                           "expected string literal");
  }
  try {
    (void)Workspace::parse("{\"version\": \"1.0.0\"", "workspace.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "workspace.json:1:20: invalid JSON: syntax error while parsing object - unexpected end of "
                           "input; expected '}'");
  }
}

TEST(WorkspaceErrors, StructuralProblemsAreCollectedInOnePass) {
  const json doc = json::parse(R"({
    "channels": [{"name": "SR", "samples": [{"name": "s", "data": [1, "x"], "modifiers": [{"name": "m", "type": "normfactor"}], "colour": "red"}]}],
    "observations": [{"name": "CR", "data": [1]}],
    "measurements": [],
    "version": "1.1.0"})");
  EXPECT_EQ(load_error(doc),
            "workspace.json: version: unsupported version '1.1.0' (supported: 1.0.0)\n"
            "workspace.json: channels[0].samples[0] (channel 'SR'): unknown key 'colour' (allowed: name, data, "
            "modifiers)\n"
            "workspace.json: channels[0].samples[0].data[1] (channel 'SR', sample 's'): must be a number, got a string\n"
            "workspace.json: channels[0].samples[0].modifiers[0] (channel 'SR', sample 's'): missing required key "
            "'data'\n"
            "workspace.json: observations[0].name: no channel is called 'CR' (channels: 'SR')\n"
            "workspace.json: observations: channel 'SR' has no observation\n"
            "workspace.json: measurements: must not be empty");
}

TEST(WorkspaceErrors, NormSysFactorsMustBePositive) {
  EXPECT_EQ(load_error(example_with(R"([{"op": "replace", "path": "/channels/0/samples/1/modifiers/0/data/lo", "value": 0}])")),
            "workspace.json: channels[0].samples[1].modifiers[0].data.lo (channel 'SR', sample 'background', normsys "
            "'jes'): is 0, must be > 0 (normsys interpolation takes its logarithm)");
}

TEST(WorkspaceErrors, ObservedCountsMustNotBeNegative) {
  EXPECT_EQ(load_error(example_with(R"([{"op": "replace", "path": "/observations/0/data/1", "value": -1}])")),
            "workspace.json: observations[0].data[1] (observation 'SR'): is -1, an observed count must be >= 0");
}

TEST(WorkspaceErrors, SharedNameAcrossIncompatibleModifierTypes) {
  EXPECT_EQ(model_error(example_with(R"([{"op": "add", "path": "/channels/0/samples/1/modifiers/-",
                                          "value": {"name": "mu", "type": "shapefactor", "data": null}}])")),
            "workspace.json: channels[0].samples[1].modifiers[3] (channel 'SR', sample 'background', shapefactor 'mu'): "
            "the name 'mu' is also used by a normfactor at channels[0].samples[0].modifiers[0]; modifiers with the "
            "same name share their parameters, which only normsys and histosys can do");
}

TEST(WorkspaceErrors, ShapeSysCannotBeShared) {
  EXPECT_EQ(model_error(example_with(R"([
      {"op": "add", "path": "/channels/0/samples/0/modifiers/-", "value": {"name": "bb", "type": "shapesys", "data": [1, 1]}},
      {"op": "add", "path": "/channels/0/samples/1/modifiers/-", "value": {"name": "bb", "type": "shapesys", "data": [1, 1]}}])")),
            "workspace.json: channels[0].samples[1].modifiers[3] (channel 'SR', sample 'background', shapesys 'bb'): "
            "shapesys 'bb' is also used at channels[0].samples[0].modifiers[2]; a shapesys belongs to one sample (its "
            "parameters cannot be shared)");
}

TEST(WorkspaceErrors, StatErrorMustCoverTheSameChannelsOnEverySample) {
  EXPECT_EQ(model_error(example_with(R"([
      {"op": "add", "path": "/channels/-", "value": {"name": "CR", "samples": [
        {"name": "background", "data": [100], "modifiers": [{"name": "mcstat", "type": "staterror", "data": [5]}]},
        {"name": "signal", "data": [1], "modifiers": []}]}},
      {"op": "add", "path": "/channels/0/samples/0/modifiers/-", "value": {"name": "mcstat", "type": "staterror", "data": [1, 1]}},
      {"op": "add", "path": "/observations/-", "value": {"name": "CR", "data": [100]}}])")),
            "workspace.json: channels[0].samples[0].modifiers[2] (channel 'SR', sample 'signal', staterror 'mcstat'): "
            "staterror 'mcstat' is on sample 'background' in channels 'CR', 'SR' but on "
            "sample 'signal' in channels 'SR'; every sample carrying a staterror must carry it in the same channels");
}

TEST(WorkspaceErrors, PoiMustBeAScalarParameterOfTheModel) {
  ModelOptions requested;
  requested.poi = "mu_sig";
  EXPECT_EQ(model_error(example(), requested),
            "workspace.json: POI 'mu_sig' (requested POI) is not a parameter of the model (normfactors: 'mu')");
  ModelOptions options;
  options.poi = "mcstat";
  EXPECT_EQ(model_error(example(), options),
            "workspace.json: POI 'mcstat' (requested POI) is a staterror with 2 parameters; the POI must be a scalar "
            "parameter (normfactor, lumi, normsys or histosys)");
}

TEST(BackgroundOnlyWorkspace, AMeasurementPoiMissingFromTheModelGivesAModelWithoutPoiAndAWarning) {
  const Model m = Workspace::from_json(example_with(R"([{"op": "replace", "path": "/measurements/0/config/poi", "value": "mu_sig"}])"),
                                       "workspace.json")
                      .model();
  EXPECT_FALSE(m.has_poi());
  EXPECT_EQ(m.poi().name, "");
  ASSERT_EQ(m.warnings().size(), 1u);
  EXPECT_EQ(m.warnings()[0],
            "measurements[0].config.poi: the measurement's POI 'mu_sig' is not a parameter of the model (a background-only "
            "workspace?): the model has no POI. pyhf refuses this model unless it is built with poi_name=None; set a POI "
            "with 'model.poi' (--poi) to test hypotheses");
  // Asked for explicitly (pyhf's poi_name=None): no POI, no warning.
  ModelOptions none;
  none.no_poi = true;
  const Model explicit_none = Workspace::from_json(example(), "workspace.json").model(none);
  EXPECT_FALSE(explicit_none.has_poi());
  EXPECT_TRUE(explicit_none.warnings().empty());
  EXPECT_EQ(explicit_none.nll(explicit_none.init()), Workspace::from_json(example(), "workspace.json").model().nll(explicit_none.init()));
}

TEST(WorkspaceErrors, UnknownMeasurementListsTheMeasurements) {
  ModelOptions options;
  options.measurement = "other";
  EXPECT_EQ(model_error(example(), options),
            "workspace.json: measurements: no measurement is called 'other' (measurements: 'counting')");
}

TEST(WorkspaceErrors, MissingFileIsAnInputError) {
  try {
    (void)Workspace::load("/nonexistent/workspace.json");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/workspace.json: no such file");
  }
}

TEST(SharedWorkspaces, ArePresentBesideTheSourceTree) {
  ASSERT_TRUE(std::filesystem::is_directory(testing::histfactory_dir())) << testing::histfactory_dir();
  EXPECT_EQ(testing::reference_workspaces().size(), 11u);
  EXPECT_EQ(testing::all_workspace_files().size(), 16u);
}

TEST(SharedWorkspaces, EveryRealWorkspaceLoadsAndGivesAFiniteNll) {
  for (const auto& file : testing::all_workspace_files()) {
    SCOPED_TRACE(file.string());
    const Workspace ws = Workspace::load(file);
    ModelOptions options;
    // A background-only file may name a signal POI that only a patch adds: take its first normfactor then.
    const auto& poi = ws.measurement().poi;
    bool has_poi = false;
    for (const Channel& c : ws.channels())
      for (const Sample& s : c.samples)
        for (const Modifier& m : s.modifiers) {
          has_poi = has_poi || m.name == poi;
          if (options.poi.empty() && m.type == ModifierType::kNormFactor) options.poi = m.name;
        }
    if (has_poi) options.poi.clear();
    const Model model = ws.model(options);
    EXPECT_TRUE(std::isfinite(model.nll(model.init())));
    EXPECT_GT(model.size(), 0u);
  }
}

}  // namespace
}  // namespace hessfit::likelihood
