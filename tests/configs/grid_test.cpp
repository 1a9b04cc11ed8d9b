// Signal grids: the triangulated contours on known functions, and `hessfit grid` / `hessfit merge`
// end to end on the ATLAS 3L eRJR patchset (a patch's CLs against the shared signal workspace,
// every point finite, the same bytes for 1 and 2 threads and for shards merged).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "hessfit/configs/work_split.hpp"
#include "hessfit/testing/run_command.hpp"
#include "hessfit/testing/scratch.hpp"
#include "triangulation.hpp"

namespace {

namespace fs = std::filesystem;
using hessfit::testing::run_command;
using nlohmann::json;
namespace detail = hessfit::configs::detail;

const fs::path kShared = fs::path(HESSFIT_SHARED_DATA_DIR) / "histfactory";
const fs::path kErjr = kShared / "atlas-susy-2018-06-3l-erjr";
const std::string kExe = HESSFIT_EXE;

std::string q(const fs::path& p) { return hessfit::testing::shell_quote(p.string()); }

fs::path scratch(const std::string& name) { return hessfit::testing::scratch_folder("grid_" + name); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

double polygon_area(const std::vector<detail::Point2>& p) {
  double a = 0.0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    const auto& u = p[k];
    const auto& v = p[(k + 1) % p.size()];
    a += u.first * v.second - v.first * u.second;
  }
  return 0.5 * a;
}

// --- triangulation and contours ----------------------------------------------------------------

TEST(Triangulation, ARegularGridIsCoveredByTwoTrianglesPerCell) {
  std::vector<detail::Point2> pts;
  for (int i = 0; i < 5; ++i)
    for (int j = 0; j < 4; ++j) pts.push_back({100.0 * i, 10.0 * j});  // axes of different scales
  const auto tris = detail::delaunay(pts);
  ASSERT_EQ(tris.size(), 2u * 4u * 3u);
  double area = 0.0;
  for (const auto& t : tris) {
    const double a = polygon_area({pts[static_cast<std::size_t>(t[0])], pts[static_cast<std::size_t>(t[1])], pts[static_cast<std::size_t>(t[2])]});
    EXPECT_GT(a, 0.0);  // counter-clockwise, none degenerate
    area += a;
  }
  EXPECT_NEAR(area, 400.0 * 30.0, 1e-9);
  EXPECT_EQ(detail::delaunay(pts), tris);  // deterministic
}

TEST(Triangulation, ScatteredPointsGiveTheDelaunayProperty) {
  std::vector<detail::Point2> pts;
  std::uint64_t s = 12345;
  for (int k = 0; k < 60; ++k) {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    const double x = static_cast<double>(s >> 11) / 9007199254740992.0;
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    const double y = static_cast<double>(s >> 11) / 9007199254740992.0;
    pts.push_back({x, y});
  }
  const auto tris = detail::delaunay(pts);
  // Euler: a triangulation of n points with h on the hull has 2n - 2 - h triangles; and no point
  // lies strictly inside any triangle's circumcircle.
  EXPECT_GE(tris.size(), 2u * 60u - 2u - 20u);
  for (const auto& t : tris) {
    const auto& a = pts[static_cast<std::size_t>(t[0])];
    const auto& b = pts[static_cast<std::size_t>(t[1])];
    const auto& c = pts[static_cast<std::size_t>(t[2])];
    for (std::size_t k = 0; k < pts.size(); ++k) {
      const auto& d = pts[k];
      const double ax = a.first - d.first, ay = a.second - d.second, bx = b.first - d.first, by = b.second - d.second,
                   cx = c.first - d.first, cy = c.second - d.second;
      const double det = (ax * ax + ay * ay) * (bx * cy - cx * by) - (bx * bx + by * by) * (ax * cy - cx * ay) +
                         (cx * cx + cy * cy) * (ax * by - bx * ay);
      EXPECT_LE(det, 1e-9);
    }
  }
}

TEST(Triangulation, IsoLinesOfALinearFunctionAreExactAndConnected) {
  std::vector<detail::Point2> pts;
  std::vector<double> f;
  for (int i = 0; i <= 6; ++i)
    for (int j = 0; j <= 6; ++j) {
      pts.push_back({i * 1.0, j * 1.0});
      f.push_back(0.7 * i + 0.3 * j);
    }
  const auto tris = detail::delaunay(pts);
  const auto lines = detail::iso_lines(pts, tris, f, 2.45);
  ASSERT_EQ(lines.size(), 1u);  // one polyline, chained across the triangles
  EXPECT_GE(lines[0].size(), 4u);
  for (const auto& [x, y] : lines[0]) EXPECT_NEAR(0.7 * x + 0.3 * y, 2.45, 1e-12);
}

TEST(Triangulation, TheBandBetweenTwoLinearFunctionsHasTheExactArea) {
  // lo = x + 0.5 and hi = x - 0.5 on the unit-spaced 5x5 square [0,4]^2: lo >= 2 >= hi for x in [1.5, 2.5].
  std::vector<detail::Point2> pts;
  std::vector<double> lo, hi;
  for (int i = 0; i <= 4; ++i)
    for (int j = 0; j <= 4; ++j) {
      pts.push_back({i * 1.0, j * 1.0});
      lo.push_back(i + 0.5);
      hi.push_back(i - 0.5);
    }
  const auto polys = detail::band_polygons(pts, detail::delaunay(pts), lo, hi, 2.0);
  double area = 0.0;
  for (const auto& p : polys) {
    for (const auto& [x, y] : p) {
      EXPECT_GE(x, 1.5 - 1e-12);
      EXPECT_LE(x, 2.5 + 1e-12);
    }
    area += std::abs(polygon_area(p));
  }
  EXPECT_NEAR(area, 4.0, 1e-12);
}

// --- work split --------------------------------------------------------------------------------

TEST(WorkSplit, ShardsInterleaveAndCoverEveryItemOnce) {
  EXPECT_EQ(hessfit::configs::slice_items(8, 1, 3), (std::vector<int>{1, 4, 7}));
  std::vector<int> seen(10, 0);
  for (int k = 0; k < 4; ++k)
    for (const int i : hessfit::configs::slice_items(10, k, 4)) ++seen[static_cast<std::size_t>(i)];
  for (const int s : seen) EXPECT_EQ(s, 1);
  EXPECT_TRUE(hessfit::configs::parse_shard("2/3").has_value());
  for (const char* bad : {"0/3", "4/3", "3", "a/b", "1/0", "1/3x"}) EXPECT_FALSE(hessfit::configs::parse_shard(bad).has_value()) << bad;
}

// --- hessfit grid ------------------------------------------------------------------------------

json grid_json(const fs::path& out, const std::string& extra, int expected_exit = 0) {
  const std::string cmd = kExe + " grid " + q(kErjr / "BkgOnly.json") + " --patchset " + q(kErjr / "patchset.json") + " --json --out " +
                          q(out) + " " + extra;
  const auto r = run_command(cmd, false);
  EXPECT_EQ(r.exit_code, expected_exit) << cmd << "\n" << r.output;
  return json::parse(r.output);
}

TEST(GridCommand, EveryPatchOfThe3LGridIsFiniteAndOneThreadEqualsTwo) {
  const fs::path one = scratch("t1"), two = scratch("t2");
  const json g = grid_json(one, "--threads 1");
  EXPECT_EQ(g["poi"], "mu_SIG");
  EXPECT_EQ(g["mu"], 1.0);
  EXPECT_EQ(g["labels"], json({"mn2", "mn1"}));
  ASSERT_EQ(g["points"].size(), 64u);
  EXPECT_EQ(g["points"][0]["patch"], "ERJR_100p0_20p0");  // patchset order
  EXPECT_EQ(g["points"][0]["values"], json({100.0, 20.0}));
  for (const auto& p : g["points"]) {
    ASSERT_TRUE(p["cls_obs"].is_number()) << p.dump();
    EXPECT_GE(p["cls_obs"].get<double>(), 0.0);
    EXPECT_LE(p["cls_obs"].get<double>(), 1.0);
    ASSERT_EQ(p["cls_exp"].size(), 5u);
    for (std::size_t k = 0; k < 5; ++k) {
      ASSERT_TRUE(p["cls_exp"][k].is_number()) << p.dump();
      if (k > 0) {
        EXPECT_LE(p["cls_exp"][k - 1].get<double>(), p["cls_exp"][k].get<double>());  // pyhf's order
      }
    }
    EXPECT_TRUE(p["ok"].get<bool>()) << p.dump();
  }
  EXPECT_TRUE(g["ok"].get<bool>());
  grid_json(two, "--threads 2");
  for (const char* file : {"grid.json", "grid.txt", "exclusion.svg"}) {
    ASSERT_TRUE(fs::exists(one / file)) << file;
    EXPECT_EQ(slurp(one / file), slurp(two / file)) << file;
  }
  const std::string svg = slurp(one / "exclusion.svg");
  EXPECT_NE(svg.find("<polyline"), std::string::npos);
  EXPECT_NE(svg.find("mn2"), std::string::npos);
  fs::remove_all(one);
  fs::remove_all(two);
}

TEST(GridCommand, APatchGivesTheCLsOfTheSharedSignalWorkspace) {
  const fs::path out = scratch("one");
  const json g = grid_json(out, "--patches ERJR_200p0_100p0 --limits");
  ASSERT_EQ(g["points"].size(), 1u);
  const json& p = g["points"][0];
  const auto r = run_command(kExe + " hypotest " + q(kErjr / "workspace.json") + " --mu 1 --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const json h = json::parse(r.output);
  EXPECT_NEAR(p["cls_obs"].get<double>(), h["cls_obs"].get<double>(), 1e-12 * h["cls_obs"].get<double>());
  for (std::size_t k = 0; k < 5; ++k) EXPECT_NEAR(p["cls_exp"][k].get<double>(), h["cls_exp"][k].get<double>(), 1e-12);
  const auto l = run_command(kExe + " limit " + q(kErjr / "workspace.json") + " --json", false);
  ASSERT_EQ(l.exit_code, 0) << l.output;
  const json lj = json::parse(l.output);
  EXPECT_NEAR(p["limit_obs"].get<double>(), lj["observed"].get<double>(), 1e-9 * lj["observed"].get<double>());
  EXPECT_NEAR(p["limit_exp"][2].get<double>(), lj["expected"][2].get<double>(), 1e-9 * lj["expected"][2].get<double>());
  fs::remove_all(out);
}

TEST(GridCommand, ShardsMergedEqualTheUnshardedRunAndIncompleteOrForeignSetsAreRefused) {
  const fs::path whole = scratch("whole"), parts = scratch("parts"), merged = scratch("merged");
  const std::string select = "--patches 'ERJR_2*'";
  const json g = grid_json(whole, select);
  EXPECT_EQ(g["points"].size(), 14u);
  const std::string base = kExe + " grid " + q(kErjr / "BkgOnly.json") + " --patchset " + q(kErjr / "patchset.json") + " " + select;
  for (int k = 1; k <= 3; ++k) {
    const auto r = run_command(base + " --shard " + std::to_string(k) + "/3 --out " + q(parts));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const std::string p1 = q(parts / "grid.part-1-of-3.json"), p2 = q(parts / "grid.part-2-of-3.json"), p3 = q(parts / "grid.part-3-of-3.json");
  const auto m = run_command(kExe + " merge " + p3 + " " + p1 + " " + p2 + " --out " + q(merged));
  ASSERT_EQ(m.exit_code, 0) << m.output;
  for (const char* file : {"grid.json", "grid.txt", "exclusion.svg"}) EXPECT_EQ(slurp(whole / file), slurp(merged / file)) << file;

  const fs::path refused = scratch("refused");
  const auto missing = run_command(kExe + " merge " + p1 + " " + p3 + " --out " + q(refused));
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("shard 2/3 missing"), std::string::npos) << missing.output;
  // A shard of another run (another mu) is refused by its inputs digest.
  const fs::path other = scratch("other");
  ASSERT_EQ(run_command(base + " --mu 0.5 --shard 2/3 --out " + q(other)).exit_code, 0);
  const auto foreign = run_command(kExe + " merge " + p1 + " " + q(other / "grid.part-2-of-3.json") + " " + p3 + " --out " + q(refused));
  EXPECT_EQ(foreign.exit_code, 2);
  EXPECT_NE(foreign.output.find("comes from other inputs or options"), std::string::npos) << foreign.output;
  const auto twice = run_command(kExe + " merge " + p1 + " " + p1 + " " + p3 + " --out " + q(refused));
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.output.find("are both shard 1/3"), std::string::npos) << twice.output;
  EXPECT_FALSE(fs::exists(refused / "grid.json"));
  for (const auto& d : {whole, parts, merged, refused, other}) fs::remove_all(d);
}

TEST(GridCommand, BadInputIsReportedWithExitCode2AndNothingWritten) {
  const fs::path out = scratch("bad");
  const std::string base = kExe + " grid " + q(kErjr / "BkgOnly.json") + " --out " + q(out);
  const auto none = run_command(base);
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.output.find("needs a patchset"), std::string::npos) << none.output;
  const auto nomatch = run_command(base + " --patchset " + q(kErjr / "patchset.json") + " --patches 'XYZ*'");
  EXPECT_EQ(nomatch.exit_code, 2);
  EXPECT_NE(nomatch.output.find("selects none of the 64 patches"), std::string::npos) << nomatch.output;
  const auto axes = run_command(base + " --patchset " + q(kErjr / "patchset.json") + " --axes mn2,mchi");
  EXPECT_EQ(axes.exit_code, 2);
  EXPECT_NE(axes.output.find("no label 'mchi'"), std::string::npos) << axes.output;
  // The patchset of another workspace: the digest mismatch, as `fit --patchset` reports it.
  const auto digest = run_command(kExe + " grid " + q(kShared / "atlas-2l0j-bkgonly" / "BkgOnly.json") + " --patchset " +
                                  q(kErjr / "patchset.json") + " --out " + q(out));
  EXPECT_EQ(digest.exit_code, 2);
  EXPECT_NE(digest.output.find("the patchset was made for"), std::string::npos) << digest.output;
  EXPECT_FALSE(fs::exists(out / "grid.json"));
  fs::remove_all(out);
}

}  // namespace
