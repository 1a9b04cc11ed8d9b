// Signal grids over a patchset: the plan (inputs read once), the points (work items), grid.json
// and its table. The exclusion plot is in grid_plot.cpp.
#include "hessfit/configs/grid.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

#include "hessfit/common/text.hpp"
#include "hessfit/configs/inference.hpp"
#include "hessfit/common/input.hpp"
#include "hessfit/configs/report.hpp"
#include "hessfit/infer.hpp"
#include "hessfit/likelihood/digest.hpp"
#include "json_numbers.hpp"

namespace hessfit::configs {

namespace {

using nlohmann::ordered_json;

ordered_json number(double v) { return detail::json_number<ordered_json>(v); }

ordered_json value_json(const likelihood::PatchValue& v) {
  if (const double* d = std::get_if<double>(&v)) return number(*d);
  return std::get<std::string>(v);
}

std::string problems_text(const Diagnostics& d) {
  std::string out;
  for (const auto& p : d.sorted()) out += (out.empty() ? "" : "; ") + p.text();
  return out;
}

std::string file_bytes(const std::filesystem::path& path) {
  return read_input_file(path, kMaxJsonBytes);  // bounded: a regular file of at most 256 MiB (read before, by the loaders)
}

}  // namespace

std::optional<GridPlan> plan_grid(const Config& c, Diagnostics& d) {
  const GridConfig& g = c.grid;
  if (!g.patchset) {
    d.error(g.where.source.empty() ? Location{c.source, 0, 0} : g.where,
            "a grid needs a patchset ('grid.patchset' in the config, or --patchset)");
    return std::nullopt;
  }
  if (c.model.patchset) {
    d.error(c.model.patchset->where, "a grid applies each patch of 'grid.patchset' to 'model.workspace' itself: remove "
                                     "'model.patchset' and 'model.patch'");
    return std::nullopt;
  }
  if (!std::isfinite(g.mu)) d.error(g.mu_where, "the tested POI value must be finite");
  if (!d.ok()) return std::nullopt;
  std::optional<PatchsetInputs> inputs = load_patchset_inputs(c, *g.patchset, d);
  if (!inputs) return std::nullopt;
  const likelihood::PatchSet& ps = *inputs->patchset;

  GridPlan plan{*inputs, {}, {}, {-1, -1}, {}, {}};
  for (std::size_t k = 0; k < ps.patches().size(); ++k)
    if (glob_match(g.patches.value, ps.patches()[k].name)) plan.patches.push_back(static_cast<int>(k));
  if (plan.patches.empty()) {
    std::vector<std::string> names;
    for (const auto& p : ps.patches()) names.push_back(p.name);
    d.error(g.patches.where.source.empty() ? g.where : g.patches.where,
            "the pattern '" + g.patches.value + "' selects none of the " + std::to_string(names.size()) + " patches of '" +
                ps.source() + "'" + did_you_mean(g.patches.value, names));
    return std::nullopt;
  }
  const std::vector<std::string>& labels = ps.labels();
  if (g.axes.empty()) {
    if (labels.size() >= 2) plan.axes = {0, 1};
  } else {
    for (std::size_t a = 0; a < 2 && a < g.axes.size(); ++a) {
      const auto it = std::find(labels.begin(), labels.end(), g.axes[a].value);
      if (it == labels.end()) {
        d.error(g.axes[a].where, "'grid.axes': the patchset has no label '" + g.axes[a].value + "' (labels: " +
                                     [&] {
                                       std::string l;
                                       for (const auto& s : labels) l += (l.empty() ? "" : ", ") + s;
                                       return l;
                                     }() + ")" + did_you_mean(g.axes[a].value, labels));
      } else {
        plan.axes[a] = static_cast<int>(it - labels.begin());
      }
    }
    if (plan.axes[0] >= 0 && plan.axes[0] == plan.axes[1]) d.error(g.axes[1].where, "'grid.axes' names one label twice");
  }
  // The first point's model says whether the request can run at all (POI, bounds of mu).
  const likelihood::Patch& first = ps.patches()[static_cast<std::size_t>(plan.patches.front())];
  std::optional<FitSetup> setup = prepare_fit(c, plan.inputs, first, d);
  if (!setup) return std::nullopt;
  try {
    infer::check_testable(setup->model);
  } catch (const std::exception& e) {
    d.error(g.where.source.empty() ? Location{c.source, 0, 0} : g.where, "patch '" + first.name + "': " + e.what());
    return std::nullopt;
  }
  const Bounds b = setup->model.objective().bounds(*setup->model.poi());
  if (g.mu < b.lower || g.mu > b.upper)
    d.error(g.mu_where.source.empty() ? g.where : g.mu_where, "the tested value " + setup->poi() + " = " + format_shortest(g.mu) +
                                                                  " is outside the POI's bounds [" + format_shortest(b.lower) + ", " +
                                                                  format_shortest(b.upper) + "]");
  if (!d.ok()) return std::nullopt;
  plan.poi = setup->poi();

  // What the points depend on (not the thread count, not where the output goes).
  nlohmann::json options = to_json(c);
  options.erase("output");
  options.erase("source");
  options["fit"].erase("threads");
  options["model"].erase("workspace");
  options["grid"].erase("patchset");
  std::string material = "hessfit grid inputs v1\n" + likelihood::workspace_digest(plan.inputs.background->json()) + "\n" +
                         likelihood::hex_digest("sha256", file_bytes(g.patchset->value)) + "\n" + options.dump();
  for (const int k : plan.patches) material += "\n" + ps.patches()[static_cast<std::size_t>(k)].name;
  plan.inputs_digest = likelihood::hex_digest("sha256", material);

  ordered_json& h = plan.header;
  h["poi"] = plan.poi;
  h["mu"] = g.mu;
  h["test_statistic"] = infer::to_string(c.inference.test_statistic);
  h["asimov"] = infer::to_string(c.inference.asimov);
  h["limits"] = g.limits;
  h["cl"] = g.cl;
  h["labels"] = labels;
  ordered_json axes = ordered_json::array();
  for (const int a : plan.axes)
    if (a >= 0) axes.push_back(labels[static_cast<std::size_t>(a)]);
  h["axes"] = axes;
  h["workspace"] = c.model.workspace->value.filename().generic_string();
  h["patchset"] = g.patchset->value.filename().generic_string();
  h["selected"] = g.patches.value;
  h["inputs_digest"] = plan.inputs_digest;
  return plan;
}

ordered_json run_grid_point(const Config& c, const GridPlan& plan, int item) {
  if (item < 0 || item >= plan.size()) throw std::out_of_range("grid item " + std::to_string(item) + " of " + std::to_string(plan.size()));
  const likelihood::Patch& patch = plan.inputs.patchset->patches()[static_cast<std::size_t>(plan.patches[static_cast<std::size_t>(item)])];
  Diagnostics d;
  std::optional<FitSetup> setup = prepare_fit(c, plan.inputs, patch, d);
  if (!setup) throw std::runtime_error("patch '" + patch.name + "': " + problems_text(d));
  try {
    infer::check_testable(setup->model);
  } catch (const std::exception& e) {
    throw std::runtime_error("patch '" + patch.name + "': " + e.what());
  }
  const infer::InferenceOptions options = inference_options(c);
  const infer::AsymptoticCalculator calc(setup->model, setup->model.observed_data(), c.inference.test_statistic, options);
  const infer::HypotestResult h = calc.hypotest(c.grid.mu);
  ordered_json p;
  p["patch"] = patch.name;
  ordered_json values = ordered_json::array();
  for (const auto& v : patch.values) values.push_back(value_json(v));
  p["values"] = values;
  p["cls_obs"] = number(h.cls_obs);
  ordered_json band = ordered_json::array();
  for (const double v : h.cls_exp) band.push_back(number(v));
  p["cls_exp"] = band;
  p["clsb_obs"] = number(h.clsb_obs);
  p["clb_obs"] = number(h.clb_obs);
  p["q_obs"] = number(h.q_obs);
  p["q_asimov"] = number(h.q_asimov);
  p["mu_hat"] = number(h.mu_hat);
  bool ok = h.ok;
  std::string message = h.message;
  if (c.grid.limits) {
    infer::LimitOptions lo;
    lo.cl = c.grid.cl;
    const infer::UpperLimitResult l = infer::upper_limit(calc, lo);
    p["limit_obs"] = number(l.observed.value);
    ordered_json expected = ordered_json::array();
    for (const auto& e : l.expected) expected.push_back(number(e.value));
    p["limit_exp"] = expected;
    if (!l.ok()) {
      ok = false;
      message += (message.empty() ? "" : "; ") + l.problems();
    }
  }
  p["ok"] = ok;
  p["message"] = message;
  return p;
}

ordered_json grid_document(const ordered_json& header, const std::vector<ordered_json>& points) {
  ordered_json doc = header;
  ordered_json list = ordered_json::array();
  ordered_json problems = ordered_json::array();
  bool ok = true;
  for (const auto& p : points) {
    list.push_back(p);
    if (!p.value("ok", false)) {
      ok = false;
      problems.push_back("patch '" + p.value("patch", std::string("?")) + "': " + p.value("message", std::string("failed")));
    }
  }
  doc["points"] = std::move(list);
  doc["ok"] = ok;
  doc["problems"] = std::move(problems);
  return doc;
}

namespace {

double get(const ordered_json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

std::string cell(const ordered_json& j, int digits = 4) {
  if (j.is_string()) return j.get<std::string>();
  const double v = get(j);
  return std::isfinite(v) ? format_significant(v, digits) : std::string("-");
}

}  // namespace

std::string grid_table(const ordered_json& doc) {
  const bool limits = doc.value("limits", false);
  std::vector<std::string> head{"patch"};
  for (const auto& l : doc.at("labels")) head.push_back(l.get<std::string>());
  for (const char* h : {"CLs obs", "CLs exp -2s", "-1s", "median", "+1s", "+2s"}) head.push_back(h);
  if (limits) for (const char* h : {"limit obs", "limit exp", "-1s", "+1s"}) head.push_back(h);
  head.push_back("status");
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : doc.at("points")) {
    std::vector<std::string> r{p.at("patch").get<std::string>()};
    for (const auto& v : p.at("values")) r.push_back(cell(v, 6));
    r.push_back(cell(p.at("cls_obs")));
    for (const auto& v : p.at("cls_exp")) r.push_back(cell(v));
    if (limits) {
      r.push_back(cell(p.at("limit_obs")));
      const auto& e = p.at("limit_exp");
      r.push_back(cell(e.at(2)));
      r.push_back(cell(e.at(1)));
      r.push_back(cell(e.at(3)));
    }
    const bool excluded = get(p.at("cls_obs")) < 1.0 - doc.value("cl", 0.95);
    r.push_back(!p.value("ok", false) ? "FAILED: " + p.value("message", std::string()) : excluded ? "excluded" : "");
    rows.push_back(std::move(r));
  }
  std::vector<std::size_t> width(head.size(), 0);
  for (std::size_t k = 0; k < head.size(); ++k) width[k] = head[k].size();
  for (const auto& r : rows)
    for (std::size_t k = 0; k + 1 < r.size(); ++k) width[k] = std::max(width[k], r[k].size());
  std::string out = fmt::format("{} = {} tested at every point ({}, asymptotic CLs); {} points; excluded at {}% CL where CLs < {}\n",
                                doc.value("poi", std::string()), format_shortest(get(doc.at("mu"))),
                                doc.value("test_statistic", std::string()), rows.size(),
                                format_shortest(100.0 * doc.value("cl", 0.95)), format_significant(1.0 - doc.value("cl", 0.95), 6));
  const auto line = [&](const std::vector<std::string>& r) {
    std::string s;
    for (std::size_t k = 0; k < r.size(); ++k) {
      if (k + 1 == r.size()) s += r[k];
      else if (k == 0) s += fmt::format("{:<{}}  ", r[k], width[k]);
      else s += fmt::format("{:>{}}  ", r[k], width[k]);
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  out += line(head);
  for (const auto& r : rows) out += line(r);
  return out;
}

std::vector<std::filesystem::path> write_grid_outputs(const ordered_json& doc, const std::filesystem::path& dir) {
  std::vector<ReportFile> files{{"grid.json", doc.dump(2) + "\n"}, {"grid.txt", grid_table(doc)}};
  if (auto svg = exclusion_plot(doc)) files.push_back({"exclusion.svg", std::move(*svg)});
  write_report_set(dir, files, kGridManifest);
  std::vector<std::filesystem::path> written;
  for (const auto& f : files) written.push_back(dir / f.name);
  return written;
}

}  // namespace hessfit::configs
