// The workspace options that `hessfit inspect` and `hessfit eval` share: which workspace, patch,
// measurement, POI and interpolation codes, and how a model is built from them.
#pragma once

#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

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
    app.add_option("--poi", poi, "parameter of interest (default: the measurement's)");
    app.add_option("--normsys", normsys, "normsys interpolation: code4 (default) or code1");
    app.add_option("--histosys", histosys, "histosys interpolation: code4p (default), code0 or code2");
  }

  /// The workspace (patched if asked) and the model of the chosen measurement. When the
  /// measurement's POI is missing (a background-only workspace), the error says how to pick one.
  std::pair<likelihood::Workspace, likelihood::Model> load() const {
    namespace lh = hessfit::likelihood;
    lh::Workspace ws = lh::Workspace::load(workspace);
    if (!patchset.empty()) ws = ws.with_patchset(lh::PatchSet::load(patchset));
    if (!patch.empty()) ws = ws.patched(patch);
    lh::ModelOptions options;
    options.measurement = measurement;
    options.poi = poi;
    options.normsys = interpolation(normsys, "--normsys");
    options.histosys = interpolation(histosys, "--histosys");
    try {
      lh::Model model = ws.model(options);
      return {std::move(ws), std::move(model)};
    } catch (const lh::InputError& e) {
      auto problems = e.problems();
      const bool missing_poi = std::any_of(problems.begin(), problems.end(), [](const lh::Problem& p) {
        return p.message.find("is not a parameter of the model") != std::string::npos;
      });
      if (!missing_poi || !poi.empty()) throw;
      problems.push_back({"", "(a background-only workspace? choose a parameter of interest with --poi NAME)"});
      throw lh::InputError(e.source(), std::move(problems));
    }
  }

 private:
  static likelihood::Interpolation interpolation(const std::string& text, const char* flag) {
    const auto code = likelihood::parse_interpolation(text);
    if (!code) throw std::invalid_argument(std::string(flag) + ": unknown interpolation code '" + text + "'");
    return *code;
  }
};

/// Shortest round-trip digits (exact values: inits, bounds, NLL).
inline std::string shortest_number(double x) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

}  // namespace hessfit::app
