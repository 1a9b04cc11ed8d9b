// Signal grids over a pyhf patchset (`hessfit grid`, the `grid:` config section): every selected
// patch is one signal hypothesis; for each, the asymptotic CLs test of POI = mu (observed CLs and
// the expected band, pyhf's order) and optionally the observed and expected upper limits.
//
// The background-only workspace and the patchset are read and parsed once and the patchset's
// digest of the workspace is verified once (plan_grid); each point then applies its patch to a
// copy of the parsed document (run_grid_point). Points are independent work items: a point's
// model, start values and fits depend on its patch alone, so the bits of a point do not depend on
// the thread count, the MPI rank that ran it or the batch shard (work_split.hpp).
//
// The output is a function of the points alone (no timings), so a run split over ranks or shards
// and merged writes the same bytes as one run:
//   grid.json  {"poi","mu","test_statistic","asimov","cl","labels":[...],"axes":[2],"workspace",
//               "patchset","inputs_digest","points":[{"patch","values":[...],"cls_obs","cls_exp":[5],
//               "clsb_obs","clb_obs","q_obs","q_asimov","mu_hat",("limit_obs","limit_exp":[5]),
//               "ok","message"}],"ok","problems"}   (points in patchset order; --json prints it)
//   grid.txt   the table;  exclusion.svg  the exclusion plot (grid_plot.cpp):
// the points coloured by observed CLs and the CLs = 1 - cl contours (observed, expected median and
// its +-1 sigma band), interpolated linearly on a Delaunay triangulation of the points in
// Z = Phi^-1(1 - CLs) (as HistFitter's harvesting does), not in CLs.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/error.hpp"
#include "hessfit/configs/setup.hpp"

namespace hessfit::configs {

/// A grid request resolved against its inputs.
struct GridPlan {
  PatchsetInputs inputs;
  std::vector<int> patches;  // indices into the patchset's patches, in patchset order (the work items)
  std::string poi;
  std::array<int, 2> axes{-1, -1};  // label indices of the plot axes (-1: none)
  /// sha256 (hex) of what the points depend on: the background-only workspace, the patchset and
  /// the config with its thread count and output folder left out. Parts of a sharded run carry it.
  std::string inputs_digest;
  /// grid.json without "points", "ok" and "problems".
  nlohmann::ordered_json header;
  int size() const { return static_cast<int>(patches.size()); }
};

/// Loads the inputs (digest verified once), selects the patches (`grid.patches`), resolves the
/// axes and checks that the first selected patch gives a testable model with mu inside the POI's
/// bounds. Problems go to `diagnostics` (nothing returned then).
std::optional<GridPlan> plan_grid(const Config& config, Diagnostics& diagnostics);

/// Work item `item`: the point of the patch plan.patches[item] (its JSON, keys as in grid.json).
/// Numerical trouble is in the point ("ok": false, "message"). A patch that does not apply or
/// gives no testable model throws std::runtime_error naming the patch.
nlohmann::ordered_json run_grid_point(const Config& config, const GridPlan& plan, int item);

/// grid.json: the header with the points (in item order), "ok" and "problems".
nlohmann::ordered_json grid_document(const nlohmann::ordered_json& header, const std::vector<nlohmann::ordered_json>& points);

/// The table (grid.txt and the terminal).
std::string grid_table(const nlohmann::ordered_json& document);

/// The exclusion plot (SVG) of a document; nothing when the patchset has fewer than two numeric
/// labels or fewer than three distinct points.
std::optional<std::string> exclusion_plot(const nlohmann::ordered_json& document);

/// Writes grid.json, grid.txt and exclusion.svg into `directory` (each atomically); returns the
/// paths written.
std::vector<std::filesystem::path> write_grid_outputs(const nlohmann::ordered_json& document, const std::filesystem::path& directory);

}  // namespace hessfit::configs
