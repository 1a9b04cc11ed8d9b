// The workspace options that `hessfit inspect` and `hessfit eval` share: which workspace, patch,
// measurement, POI and interpolation codes, and how a model is built from them.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

#include "hessfit/common/text.hpp"
#include "hessfit/likelihood.hpp"

namespace hessfit::app {

struct WorkspaceInput {
  std::string workspace, measurement, patchset, patch, poi;
  std::string normsys = "code4", histosys = "code4p";

  void add_options(CLI::App& app) {
    app.add_option("workspace", workspace, "pyhf JSON workspace")->required();
    app.add_option("-m,--measurement", measurement, "measurement to build the model of (default: the first)");
    auto* ps = app.add_option("--patchset", patchset, "pyhf patchset.json whose patch is applied to the workspace");
    app.add_option("--patch", patch, "patch of --patchset to apply, by name or by values (e.g. 200,100)")->needs(ps);
    app.add_option("--poi", poi, "parameter of interest (default: the measurement's; 'none' for none)");
    app.add_option("--normsys", normsys, "normsys interpolation: code4 (default) or code1");
    app.add_option("--histosys", histosys, "histosys interpolation: code4p (default), code0 or code2");
  }

  /// The workspace (patched if asked) and the model of the chosen measurement. A background-only
  /// workspace whose measurement names a POI the model lacks gives a model without POI and a
  /// warning; `--poi none` asks for none.
  std::pair<likelihood::Workspace, likelihood::Model> load() const {
    namespace lh = hessfit::likelihood;
    lh::Workspace ws = lh::Workspace::load(workspace);
    if (!patchset.empty()) ws = ws.with_patchset(lh::PatchSet::load(patchset));
    if (!patch.empty()) ws = ws.patched(patch);
    lh::ModelOptions options;
    options.measurement = measurement;
    if (poi == "none") options.no_poi = true;
    else options.poi = poi;
    options.normsys = interpolation(normsys, "--normsys");
    options.histosys = interpolation(histosys, "--histosys");
    lh::Model model = ws.model(options);
    return {std::move(ws), std::move(model)};
  }

 private:
  static likelihood::Interpolation interpolation(const std::string& text, const char* flag) {
    const auto code = likelihood::parse_interpolation(text);
    if (!code) throw std::invalid_argument(std::string(flag) + ": unknown interpolation code '" + text + "'");
    return *code;
  }
};

/// Shortest round-trip digits (exact values: inits, bounds, NLL).
inline std::string shortest_number(double x) { return format_shortest(x); }

}  // namespace hessfit::app
