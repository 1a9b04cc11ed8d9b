// pyhf patchsets: lookup, digest verification, application, and errors for bad patches.
#include <gtest/gtest.h>

#include "hessfit/likelihood.hpp"
#include "shared_data.hpp"

namespace hessfit::likelihood {
namespace {

const std::filesystem::path kDir = testing::histfactory_dir() / "atlas-susy-2018-06-3l-erjr";

const Workspace& background() {
  static const Workspace ws = Workspace::load(kDir / "BkgOnly.json");
  return ws;
}
const PatchSet& patchset() {
  static const PatchSet ps = PatchSet::load(kDir / "patchset.json");
  return ps;
}

std::string error_of(const auto& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PatchSet, ReadsTheMetadataAndEveryPatchOfTheAtlas3LPatchset) {
  const PatchSet& ps = patchset();
  EXPECT_EQ(ps.patches().size(), 64u);
  EXPECT_EQ(ps.labels(), (std::vector<std::string>{"mn2", "mn1"}));
  EXPECT_EQ(ps.digests().at("sha256"), "a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695");
  EXPECT_EQ(ps.references().at("hepdata"), "ins1771533");
  const Patch& p = ps.patch("ERJR_200p0_100p0");
  EXPECT_EQ(p.values, (std::vector<PatchValue>{200.0, 100.0}));
}

TEST(PatchSet, FindsAPatchByNameOrByItsValues) {
  const PatchSet& ps = patchset();
  EXPECT_EQ(&ps.find("ERJR_200p0_100p0"), &ps.patch("ERJR_200p0_100p0"));
  EXPECT_EQ(&ps.find("200,100"), &ps.patch("ERJR_200p0_100p0"));
  EXPECT_EQ(&ps.find("200.0, 100.0"), &ps.patch("ERJR_200p0_100p0"));
  EXPECT_EQ(&ps.patch(std::vector<PatchValue>{200.0, 100.0}), &ps.patch("ERJR_200p0_100p0"));
}

TEST(PatchSet, VerifiesTheBackgroundDigestExactlyAsPyhf) { EXPECT_NO_THROW(patchset().verify(background())); }

TEST(PatchSet, AppliedPatchReproducesTheSharedSignalWorkspace) {
  const Workspace patched = patchset().apply(background(), "ERJR_200p0_100p0");
  EXPECT_EQ(patched.json(), read_json_file(kDir / "workspace.json"));
  EXPECT_EQ(patched.source(), (kDir / "BkgOnly.json").string() + " + patch 'ERJR_200p0_100p0'");
}

TEST(PatchSet, ModelOfAnAttachedPatchMatchesTheReferenceNll) {
  const Workspace ws = background().with_patchset(patchset());
  const Model model = ws.model("", "ERJR_200p0_100p0");
  EXPECT_EQ(model.options().patch, "ERJR_200p0_100p0");
  EXPECT_EQ(model.measurement(), "NormalMeasurement");
  const auto& ref = testing::reference("atlas-susy-2018-06-3l-erjr").json;
  EXPECT_EQ(model.parameter_names(), ref.at("parameters").at("names").get<std::vector<std::string>>());
  const double expected = ref.at("bestfit").at("nll").get<double>();
  EXPECT_NEAR(model.nll(testing::to_vector(ref.at("bestfit").at("values"))), expected, 1e-9 * expected);
}

TEST(PatchSet, EveryPatchOfThePatchsetGivesAFiniteNll) {
  for (const Patch& p : patchset().patches()) {
    const Model model = patchset().apply(background(), p).model();
    EXPECT_TRUE(std::isfinite(model.nll(model.init()))) << p.name;
  }
}

TEST(PatchSet, AcceptsAnMd5DigestComputedAsPyhfDoes) {
  nlohmann::json doc = read_json_file(kDir / "patchset.json");
  // hashlib.md5(json.dumps(bkg, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
  doc["metadata"]["digests"] = {{"md5", "d5829e23a1fbf0d9ef99d92280bf0ff0"}};
  EXPECT_NO_THROW(PatchSet::from_json(doc, "md5.json").verify(background()));
}

TEST(PatchSetErrors, DigestMismatchNamesBothDigests) {
  const Workspace other = Workspace::load(testing::histfactory_dir() / "pyhf-2bin-1channel" / "workspace.json");
  EXPECT_EQ(error_of([&] { (void)patchset().apply(other, "ERJR_200p0_100p0"); }),
            (kDir / "patchset.json").string() +
                ": metadata.digests.sha256: the background-only workspace '" +
                (testing::histfactory_dir() / "pyhf-2bin-1channel" / "workspace.json").string() +
                "' has sha256 dad8822af55205d60152cbe4303929042dbd9d4839012e055e7c6b6459d68d73, the patchset was made "
                "for a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695 (is this the patchset of another "
                "workspace?)");
}

TEST(PatchSetErrors, UnknownPatchNameListsTheClosestNames) {
  EXPECT_EQ(error_of([&] { (void)patchset().patch("ERJR_200p0_10p0"); }),
            (kDir / "patchset.json").string() +
                ": patches: no patch is called 'ERJR_200p0_10p0' (64 patches; closest: 'ERJR_200p0_100p0', "
                "'ERJR_200p0_110p0', 'ERJR_200p0_120p0')");
  EXPECT_EQ(error_of([&] { (void)patchset().find("200,99"); }),
            (kDir / "patchset.json").string() + ": patches: no patch has the values [200, 99] (labels: mn2, mn1)");
}

TEST(PatchSetErrors, PatchThatDoesNotApplyNamesTheOperation) {
  const std::string text = R"({
    "metadata": {"digests": {"sha256": "a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695"},
                 "labels": ["m"], "description": "d", "references": {"hepdata": "ins1234567"}},
    "patches": [{"metadata": {"name": "bad", "values": [1]},
                 "patch": [{"op": "add", "path": "/channels/0/samples/0/data/-", "value": 1.0},
                           {"op": "replace", "path": "/channels/99/name", "value": "x"}]}],
    "version": "1.0.0"})";
  const PatchSet ps = PatchSet::from_json(nlohmann::json::parse(text), "bad.json");
  EXPECT_EQ(error_of([&] { (void)ps.apply(background(), "bad"); }),
            "bad.json: patches[0].patch[1] (patch 'bad'): cannot apply 'replace /channels/99/name' to '" +
                (kDir / "BkgOnly.json").string() + "': array index 99 is out of range");
}

TEST(PatchSetErrors, PatchedWorkspaceIsValidatedAsANewWorkspace) {
  const std::string text = R"({
    "metadata": {"digests": {"sha256": "a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695"},
                 "labels": ["m"], "description": "d", "references": {"hepdata": "ins1234567"}},
    "patches": [{"metadata": {"name": "extra_bin", "values": [1]},
                 "patch": [{"op": "add", "path": "/channels/0/samples/1/data/-", "value": 1.0}]}],
    "version": "1.0.0"})";
  const PatchSet ps = PatchSet::from_json(nlohmann::json::parse(text), "bad.json");
  const std::string error = error_of([&] { (void)ps.apply(background(), "extra_bin"); });
  EXPECT_EQ(error.substr(0, error.find('\n')),
            (kDir / "BkgOnly.json").string() +
                " + patch 'extra_bin': channels[0].samples[1].data (channel 'CRlow_cuts', sample 'diboson3LLow'): "
                "has 2 bins, the channel has 1 (from its first sample)");
}

TEST(PatchSetErrors, MalformedPatchsetReportsEveryProblem) {
  const std::string text = R"({
    "metadata": {"digests": {"sha256": "abc"}, "labels": ["mass", "bad label"], "description": "d",
                 "references": {"hepdata": "1234567"}},
    "patches": [{"metadata": {"name": "p1", "values": [1]}, "patch": [{"op": "add", "path": "/x"}]},
                {"metadata": {"name": "p1", "values": [2, 3]}, "patch": [{"op": "frobnicate", "path": "/x"}]}],
    "version": "1.0.0"})";
  EXPECT_EQ(error_of([&] { (void)PatchSet::from_json(nlohmann::json::parse(text), "ps.json"); }),
            "ps.json: metadata.digests.sha256: must be 64 lowercase hexadecimal digits\n"
            "ps.json: metadata.labels[1]: label 'bad label' must match ^[a-zA-Z0-9_]+$\n"
            "ps.json: metadata.references.hepdata: is '1234567', must be 'ins' and 7 digits\n"
            "ps.json: patches[0].metadata.values (patch 'p1'): has 1 values, there are 2 labels (mass, bad label)\n"
            "ps.json: patches[0].patch[0] (patch 'p1'): operation 'add' needs a 'value'\n"
            "ps.json: patches[1].metadata.name: duplicate patch name 'p1' (also patches[0])\n"
            "ps.json: patches[1].patch[0].op (patch 'p1'): unknown operation 'frobnicate' (known: add, remove, "
            "replace, move, copy, test)");
}

TEST(PatchSetErrors, PatchOnAWorkspaceWithoutPatchsetIsAnError) {
  EXPECT_EQ(error_of([&] { (void)background().model("", "ERJR_200p0_100p0"); }),
            (kDir / "BkgOnly.json").string() +
                ": cannot apply patch 'ERJR_200p0_100p0': no patchset is attached to this workspace");
}

}  // namespace
}  // namespace hessfit::likelihood
