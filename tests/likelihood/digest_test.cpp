// pyhf's workspace digest: json.dumps(sort_keys=True, ensure_ascii=False) byte for byte, then sha256/md5.
#include <gtest/gtest.h>

#include <utility>

#include "hessfit/likelihood/digest.hpp"
#include "hessfit/likelihood/workspace.hpp"
#include "shared_data.hpp"

namespace hessfit::likelihood {
namespace {

TEST(PythonFloatRepr, WritesShortestRoundTripDigitsInPythonsFormat) {
  // Expected strings are repr(x) from CPython 3.11.
  const std::pair<double, const char*> cases[] = {
      {1.0, "1.0"},
      {0.1, "0.1"},
      {1e-05, "1e-05"},
      {1e16, "1e+16"},
      {1e15, "1000000000000000.0"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {-0.0, "-0.0"},
      {5e-324, "5e-324"},
      {0.0001, "0.0001"},
      {1.5e-5, "1.5e-05"},
      {2.5, "2.5"},
      {1e22, "1e+22"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.30000000000000004, "0.30000000000000004"},
      {59.08483123779297, "59.08483123779297"},
      {9.999999999999999e-5, "9.999999999999999e-05"},
      {1234567.0, "1234567.0"},
      {-2.75, "-2.75"},
  };
  for (const auto& [x, expected] : cases) EXPECT_EQ(python_float_repr(x), expected) << expected;
}

TEST(PythonJsonDumps, SortsKeysKeepsIntegersAndEscapesLikePython) {
  const auto doc = nlohmann::json::parse(R"({"b": [1, 2.0, "x\"y\n\u0001"], "a": null, "é": true, "A": {}})");
  // json.dumps(..., sort_keys=True, ensure_ascii=False) in CPython 3.11:
  EXPECT_EQ(python_json_dumps(doc), "{\"A\": {}, \"a\": null, \"b\": [1, 2.0, \"x\\\"y\\n\\u0001\"], \"é\": true}");
}

TEST(HexDigest, ComputesSha256AndMd5AndRejectsOtherAlgorithms) {
  EXPECT_EQ(hex_digest("sha256", "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_digest("md5", "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_THROW((void)hex_digest("sha1", "abc"), std::invalid_argument);
}

TEST(WorkspaceDigest, MatchesPythonForEverySharedWorkspaceFile) {
  // hashlib.sha256(json.dumps(json.load(f), sort_keys=True, ensure_ascii=False).encode()).hexdigest()
  const std::pair<const char*, const char*> expected[] = {
      {"agc-ttbar-cabinetry/workspace.json", "a1626f7de544e06259196347651ababab6946a2fa967b8457f995d0ffde1d640"},
      {"agc-ttbar-ml/workspace.json", "3de645677cc31972624c4f1aa9166b31891d27d32caf59b3a8d5d10fc6967f6a"},
      {"atlas-compressed-bkgonly/BkgOnly.json", "239b0c785a88849bd34d0756b724fd8c1c800d6c01fddd89927bf157f6c4946b"},
      {"atlas-compressed-bkgonly/workspace.json", "b8da3147ab141a7bfa23a3d6caf1748c9c4b0dfaa0699af0743db05d188c0136"},
      {"atlas-sbottom-multib-RegionA-bkgonly/BkgOnly.json",
       "516fa21b09fd7aecb09116e8906f8259f151aa41b8763eefd9e5548bb7c82a58"},
      {"atlas-sbottom-multib-RegionA-bkgonly/workspace.json",
       "0a1be1b001075addc226c3b27bdac45529f0c70ef68d7095ce8b5d2212750c89"},
      {"atlas-staus-combined-bkgonly/BkgOnly.json", "956aef2f8ba24ff49ac328757e1689c03be73c0ef846744555257eb98e894d10"},
      {"atlas-staus-combined-bkgonly/workspace.json", "b8feb0b57fac3e2c43f7dd8d3f44abed2671e36eea32fe38a7afe846b7e8b4c0"},
      {"atlas-susy-2018-06-3l-erjr/BkgOnly.json", "a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695"},
      {"atlas-susy-2018-06-3l-erjr/workspace.json", "62bf85fcbc25cf49292bcbd766f13e584812150792438faf7c8cd86dc5c76f69"},
      {"atlas-ttbar-ljets-xsec/workspace.json", "e1bd1687a355c36b3ce862dd7d4d885ea927e4d96612ca8d4ef07d1b677d08b3"},
      {"pyhf-2bin-1channel/workspace.json", "dad8822af55205d60152cbe4303929042dbd9d4839012e055e7c6b6459d68d73"},
      {"pyhf-histfactory-example/workspace.json", "acaf538804e40bcfa212e7cd62b525056946b078c1cc3425c4593b9fa25e1e08"},
      {"pyhf-tutorial-1lbb-cr/workspace.json", "cbade99861b0df0a876789c9ee41a179258d61fde5b01ee253a9094afc07c84a"},
  };
  for (const auto& [file, sha256] : expected)
    EXPECT_EQ(workspace_digest(read_json_file(testing::histfactory_dir() / file)), sha256) << file;
}

}  // namespace
}  // namespace hessfit::likelihood
