// `hessfit eval WORKSPACE [--pars FILE.json] [--gradient] [--json] [--measurement M] [--patchset P --patch NAME]`:
// the NLL (= -pyhf logpdf, all constants) of a workspace's model at given parameter values, and its
// gradient by reverse-mode automatic differentiation.
#include <algorithm>
#include <array>
#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "hessfit/autodiff.hpp"
#include "hessfit/likelihood.hpp"

namespace hessfit::app {
namespace {

namespace lh = hessfit::likelihood;

struct EvalFlags {
  std::string workspace, pars, measurement, patchset, patch, poi;
  std::string normsys = "code4", histosys = "code4p";
  bool gradient = false;
  bool json = false;
};

std::string number(double x) {
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, res.ptr);
}

/// Builds the model; when the measurement's POI is missing (a background-only workspace), says how to pick one.
template <class Build>
lh::Model with_poi_hint(Build&& build, const std::string& poi_flag) {
  try {
    return build();
  } catch (const lh::InputError& e) {
    auto problems = e.problems();
    const bool missing_poi = std::any_of(problems.begin(), problems.end(), [](const lh::Problem& p) {
      return p.message.find("is not a parameter of the model") != std::string::npos;
    });
    if (!missing_poi || !poi_flag.empty()) throw;
    problems.push_back({"", "(a background-only workspace? choose a parameter of interest with --poi NAME)"});
    throw lh::InputError(e.source(), std::move(problems));
  }
}

lh::Model load_model(const EvalFlags& f) {
  lh::Workspace ws = lh::Workspace::load(f.workspace);
  if (!f.patchset.empty()) ws = ws.with_patchset(lh::PatchSet::load(f.patchset));
  lh::ModelOptions options;
  options.measurement = f.measurement;
  options.patch = f.patch;
  options.poi = f.poi;
  const auto normsys = lh::parse_interpolation(f.normsys), histosys = lh::parse_interpolation(f.histosys);
  if (!normsys) throw std::invalid_argument("--normsys: unknown interpolation code '" + f.normsys + "'");
  if (!histosys) throw std::invalid_argument("--histosys: unknown interpolation code '" + f.histosys + "'");
  options.normsys = *normsys;
  options.histosys = *histosys;
  return with_poi_hint([&] { return ws.model(options); }, f.poi);
}

/// Parameter values from a JSON object name -> number (or name of a vector set -> array); others at their inits.
Eigen::VectorXd read_parameters(const std::string& path, const lh::Model& model) {
  Eigen::VectorXd x = model.init();
  if (path.empty()) return x;
  const nlohmann::json doc = lh::read_json_file(path);
  std::vector<lh::Problem> problems;
  if (!doc.is_object()) throw lh::InputError(path, "", "must be a JSON object: parameter name -> value");
  for (const auto& [name, value] : doc.items()) {
    if (const auto i = model.find_parameter(name)) {
      if (!value.is_number()) {
        problems.push_back({name, "must be a number"});
        continue;
      }
      x[static_cast<Eigen::Index>(*i)] = value.get<double>();
      continue;
    }
    const lh::ParameterSet* set = nullptr;
    for (const auto& s : model.parameter_sets())
      if (s.name == name && !s.scalar) set = &s;
    if (set) {
      if (!value.is_array() || value.size() != set->size ||
          !std::all_of(value.begin(), value.end(), [](const auto& v) { return v.is_number(); })) {
        problems.push_back({name, "must be an array of " + std::to_string(set->size) + " numbers (one per " + name + "[i])"});
        continue;
      }
      for (std::size_t k = 0; k < set->size; ++k) x[static_cast<Eigen::Index>(set->offset + k)] = value[k].get<double>();
      continue;
    }
    try {
      (void)model.parameter_index(name);
    } catch (const std::invalid_argument& e) {
      problems.push_back({name, e.what()});
    }
  }
  if (!problems.empty()) throw lh::InputError(path, std::move(problems));
  return x;
}

std::function<int()> attach_eval(CLI::App& app) {
  auto f = std::make_shared<EvalFlags>();
  app.description("Evaluate the NLL of a pyhf workspace (and its gradient) at given parameter values.");
  app.add_option("workspace", f->workspace, "pyhf JSON workspace")->required();
  app.add_option("-p,--pars", f->pars,
                 "JSON object of parameter values: {\"mu\": 1.2, \"gamma_stat[0]\": 0.98} or a vector set as an array; "
                 "missing parameters take their inits (default: all at their inits)");
  app.add_flag("-g,--gradient", f->gradient, "also print the gradient of nll, by parameter name");
  app.add_flag("--json", f->json, "print a JSON object {nll, twice_nll[, gradient]} instead of a table");
  app.add_option("-m,--measurement", f->measurement, "measurement to build the model of (default: the first)");
  auto* ps = app.add_option("--patchset", f->patchset, "pyhf patchset.json whose patch is applied to the workspace");
  app.add_option("--patch", f->patch, "patch of --patchset to apply, by name or by values (e.g. 200,100)")->needs(ps);
  app.add_option("--poi", f->poi, "parameter of interest (default: the measurement's)");
  app.add_option("--normsys", f->normsys, "normsys interpolation: code4 (default) or code1");
  app.add_option("--histosys", f->histosys, "histosys interpolation: code4p (default), code0 or code2");
  app.footer(
      "nll = -pyhf logpdf with all constant terms; twice_nll = 2 nll is pyhf's fit objective. The gradient comes from\n"
      "reverse-mode automatic differentiation.\n"
      "Exit codes: 0 ok; 2 bad workspace, parameter file or option.");
  return [f]() {
    const lh::Model model = load_model(*f);
    const Eigen::VectorXd x = read_parameters(f->pars, model);
    Eigen::VectorXd g;
    double nll = 0.0;
    if (f->gradient)
      nll = ad::value_and_gradient([&](const auto& y) { return model.nll(y); }, x, g);
    else
      nll = model.nll(x);
    if (f->json) {
      nlohmann::ordered_json out;
      out["nll"] = nll;
      out["twice_nll"] = 2.0 * nll;
      if (f->gradient) {
        nlohmann::ordered_json grad = nlohmann::ordered_json::object();
        for (std::size_t i = 0; i < model.size(); ++i) grad[model.parameter_names()[i]] = g[static_cast<Eigen::Index>(i)];
        out["gradient"] = std::move(grad);
      }
      std::cout << out.dump(1) << "\n";
      return kExitOk;
    }
    std::cout << "nll        " << number(nll) << "\n";
    std::cout << "twice_nll  " << number(2.0 * nll) << "\n";
    if (f->gradient) {
      std::vector<std::array<std::string, 3>> rows{{"parameter", "value", "d nll / d value"}};
      for (std::size_t i = 0; i < model.size(); ++i)
        rows.push_back({model.parameter_names()[i], number(x[static_cast<Eigen::Index>(i)]),
                        number(g[static_cast<Eigen::Index>(i)])});
      std::array<std::size_t, 3> width{};
      for (const auto& row : rows)
        for (std::size_t c = 0; c < 3; ++c) width[c] = std::max(width[c], row[c].size());
      std::cout << "\n";
      for (const auto& row : rows)
        std::cout << "  " << row[0] << std::string(width[0] - row[0].size(), ' ') << "  "
                  << std::string(width[1] - row[1].size(), ' ') << row[1] << "  "
                  << std::string(width[2] - row[2].size(), ' ') << row[2] << "\n";
    }
    return kExitOk;
  };
}

const RegisterCommand kEval{{"eval", 25, attach_eval}};

}  // namespace
}  // namespace hessfit::app
