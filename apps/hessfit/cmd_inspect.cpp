// `hessfit inspect WORKSPACE [--measurement M] [--patchset P --patch NAME] [--poi NAME] [--json]`:
// what a pyhf workspace contains and the parameters of the model pyhf would build from it.
#include <algorithm>
#include <charconv>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "workspace_input.hpp"
#include "hessfit/likelihood.hpp"

namespace hessfit::app {
namespace {

namespace lh = hessfit::likelihood;

struct InspectFlags {
  WorkspaceInput input;
  bool json = false;
  bool modifiers = false;
};

/// Six significant digits (derived values: yields, widths).
std::string rounded(double x) { return format_significant(x, 6); }

std::string constraint_text(const lh::Parameter& p) {
  switch (p.constraint) {
    case lh::Constraint::kGaussian: return "gaussian(aux " + rounded(p.auxdata) + ", sigma " + rounded(p.sigma) + ")";
    case lh::Constraint::kPoisson: return "poisson(aux " + rounded(p.auxdata) + ", tau " + rounded(p.factor) + ")";
    case lh::Constraint::kNone: break;
  }
  return "none";
}

std::string type_text(const lh::Model& model, const lh::Parameter& p) {
  std::string out;
  for (const auto t : model.parameter_sets()[p.set].types) out += (out.empty() ? "" : "+") + std::string(lh::to_string(t));
  return out;
}

void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], row[c].size());
    }
  for (const auto& row : rows) {
    std::string line = "  ";
    for (std::size_t c = 0; c < row.size(); ++c) {
      const std::size_t pad = width[c] - row[c].size();
      if (c < right.size() && right[c]) line += std::string(pad, ' ') + row[c];
      else line += row[c] + (c + 1 < row.size() ? std::string(pad, ' ') : "");
      if (c + 1 < row.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  }
}

const lh::Channel& channel_named(const lh::Workspace& ws, const std::string& name) {
  for (const auto& c : ws.channels())
    if (c.name == name) return c;
  throw std::logic_error("channel '" + name + "' not in the workspace");
}

const lh::Observation& observation_named(const lh::Workspace& ws, const std::string& name) {
  for (const auto& o : ws.observations())
    if (o.name == name) return o;
  throw std::logic_error("observation '" + name + "' not in the workspace");
}

double sum(const std::vector<double>& v) {
  double s = 0.0;
  for (const double x : v) s += x;
  return s;
}

void print_text(std::ostream& out, const InspectFlags& f, const lh::Workspace& ws, const lh::Model& model) {
  std::size_t samples = 0, modifiers = 0;
  std::set<std::string> sample_names;
  for (const auto& c : ws.channels()) {
    samples += c.samples.size();
    for (const auto& s : c.samples) {
      modifiers += s.modifiers.size();
      sample_names.insert(s.name);
    }
  }
  std::size_t index = 0;
  for (std::size_t i = 0; i < ws.measurements().size(); ++i)
    if (ws.measurements()[i].name == model.measurement()) index = i;
  out << "workspace    " << ws.source() << " (version " << ws.version() << ")\n";
  out << "measurement  " << model.measurement() << " (" << index + 1 << " of " << ws.measurements().size()
      << "), POI " << (model.has_poi() ? model.poi().name : std::string("none")) << "\n";
  out << "model        " << model.channels().size() << (model.channels().size() == 1 ? " channel, " : " channels, ")
      << model.main_bins() << (model.main_bins() == 1 ? " bin, " : " bins, ") << sample_names.size() << " samples ("
      << samples << " in channels), " << modifiers << " modifiers, " << model.size() << " parameters (" << model.free_parameters() << " free)\n";
  out << "interpolation normsys " << lh::to_string(model.options().normsys) << ", histosys "
      << lh::to_string(model.options().histosys) << "\n";
  for (const auto& w : model.warnings()) out << "warning      " << w << "\n";
  for (const auto& info : model.channels()) {
    const lh::Channel& ch = channel_named(ws, info.name);
    const lh::Observation& obs = observation_named(ws, info.name);
    out << "\nchannel " << info.name << ": " << info.bins << (info.bins == 1 ? " bin" : " bins") << ", observed "
        << rounded(sum(obs.data)) << "\n";
    std::vector<std::vector<std::string>> rows{{"sample", "yield", "modifiers"}};
    for (const std::string& name : info.samples) {
      for (const auto& s : ch.samples) {
        if (s.name != name) continue;
        std::string mods;
        if (f.modifiers) {
          for (const auto& m : s.modifiers)
            mods += (mods.empty() ? "" : ", ") + std::string(lh::to_string(m.type)) + " " + m.name;
        } else {
          std::map<lh::ModifierType, int> counts;
          for (const auto& m : s.modifiers) ++counts[m.type];
          for (const auto& [type, n] : counts)
            mods += (mods.empty() ? "" : " ") + std::string(lh::to_string(type)) + ":" + std::to_string(n);
        }
        rows.push_back({s.name, rounded(sum(s.data)), mods.empty() ? "-" : mods});
      }
    }
    print_table(out, rows, {false, true, false});
  }
  out << "\nparameters\n";
  std::vector<std::vector<std::string>> rows{{"#", "name", "type", "init", "lower", "upper", "fixed", "constraint"}};
  for (std::size_t i = 0; i < model.size(); ++i) {
    const lh::Parameter& p = model.parameters()[i];
    rows.push_back({std::to_string(i), p.name, type_text(model, p), shortest_number(p.init), shortest_number(p.bounds.lower),
                    shortest_number(p.bounds.upper), p.fixed ? "fixed" : "", model.has_poi() && i == model.poi().index ? "POI" : constraint_text(p)});
  }
  print_table(out, rows, {true, false, false, true, true, true, false, false});
}

nlohmann::ordered_json to_json(const lh::Workspace& ws, const lh::Model& model, const std::string& patch) {
  nlohmann::ordered_json j;
  j["workspace"] = ws.source();
  j["version"] = ws.version();
  j["measurement"] = model.measurement();
  j["measurements"] = nlohmann::ordered_json::array();
  for (const auto& m : ws.measurements()) j["measurements"].push_back(m.name);
  j["patch"] = patch.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(patch);
  if (model.has_poi()) j["poi"] = {{"name", model.poi().name}, {"index", model.poi().index}};
  else j["poi"] = nullptr;
  j["interpolation"] = {{"normsys", lh::to_string(model.options().normsys)},
                        {"histosys", lh::to_string(model.options().histosys)}};
  j["channels"] = nlohmann::ordered_json::array();
  for (const auto& info : model.channels()) {
    const lh::Channel& ch = channel_named(ws, info.name);
    nlohmann::ordered_json c;
    c["name"] = info.name;
    c["bins"] = info.bins;
    c["observed"] = observation_named(ws, info.name).data;
    c["samples"] = nlohmann::ordered_json::array();
    for (const std::string& name : info.samples)
      for (const auto& s : ch.samples) {
        if (s.name != name) continue;
        nlohmann::ordered_json sj;
        sj["name"] = s.name;
        sj["yields"] = s.data;
        sj["modifiers"] = nlohmann::ordered_json::array();
        for (const auto& m : s.modifiers) sj["modifiers"].push_back({{"name", m.name}, {"type", lh::to_string(m.type)}});
        c["samples"].push_back(std::move(sj));
      }
    j["channels"].push_back(std::move(c));
  }
  j["parameters"] = nlohmann::ordered_json::array();
  for (const auto& p : model.parameters()) {
    nlohmann::ordered_json pj;
    pj["name"] = p.name;
    pj["set"] = p.set_name;
    pj["type"] = type_text(model, p);
    pj["init"] = p.init;
    pj["bounds"] = {p.bounds.lower, p.bounds.upper};
    pj["fixed"] = p.fixed;
    pj["constraint"] = lh::to_string(p.constraint);
    if (p.constraint != lh::Constraint::kNone) {
      pj["auxdata"] = p.auxdata;
      pj["sigma"] = p.sigma;
    }
    if (p.constraint == lh::Constraint::kPoisson) pj["tau"] = p.factor;
    j["parameters"].push_back(std::move(pj));
  }
  j["warnings"] = model.warnings();
  return j;
}

std::function<int()> attach_inspect(CLI::App& app) {
  auto f = std::make_shared<InspectFlags>();
  app.description("Show a pyhf workspace: channels, samples, modifiers and its model's parameter table.");
  f->input.add_options(app);
  app.add_flag("--modifiers", f->modifiers, "list every modifier of every sample (default: counts by type)");
  app.add_flag("--json", f->json, "print a JSON object instead of tables");
  app.footer(
      "Prints the channels, samples, bins and modifiers of the workspace and the parameters of the model pyhf builds\n"
      "from it (name, type, init, bounds, fixed, constraint), in pyhf's parameter order.\n"
      "Exit codes: 0 ok; 2 bad workspace, patchset or option (every problem listed with its JSON path).");
  return [f]() {
    const auto [ws, model] = f->input.load();
    if (f->json)
      std::cout << to_json(ws, model, f->input.patch).dump(1) << "\n";
    else
      print_text(std::cout, *f, ws, model);
    return kExitOk;
  };
}

const RegisterCommand kInspect{{"inspect", 20, attach_inspect}};

}  // namespace
}  // namespace hessfit::app
