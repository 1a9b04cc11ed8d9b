// `hessfit eval WORKSPACE [--pars FILE.json] [--gradient] [--json] [--measurement M] [--patchset P --patch NAME]`:
// the NLL (= -pyhf logpdf, all constants) of a workspace's model at given parameter values, and its
// gradient by reverse-mode automatic differentiation.
#include <cmath>
#include <algorithm>
#include <array>
#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command.hpp"
#include "workspace_input.hpp"
#include "hessfit/autodiff.hpp"
#include "hessfit/likelihood.hpp"

namespace hessfit::app {
namespace {

namespace lh = hessfit::likelihood;

struct EvalFlags {
  WorkspaceInput input;
  std::string pars;
  bool gradient = false;
  bool json = false;
};

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
  f->input.add_options(app);
  app.add_option("-p,--pars", f->pars,
                 "JSON object of parameter values: {\"mu\": 1.2, \"gamma_stat[0]\": 0.98} or a vector set as an array; "
                 "missing parameters take their inits (default: all at their inits)");
  app.add_flag("-g,--gradient", f->gradient, "also print the gradient of nll, by parameter name");
  app.add_flag("--json", f->json, "print a JSON object {nll, twice_nll[, gradient]} instead of a table");
  app.footer(
      "nll = -pyhf logpdf with all constant terms; twice_nll = 2 nll is pyhf's fit objective. The gradient comes from\n"
      "reverse-mode automatic differentiation.\n"
      "Exit codes: 0 ok; 1 the NLL is not finite at the given values (e.g. a negative expected rate); 2 bad workspace,\n"
      "parameter file or option.");
  return [f]() {
    const lh::Model model = f->input.load().second;
    const Eigen::VectorXd x = read_parameters(f->pars, model);
    Eigen::VectorXd g;
    double nll = 0.0;
    if (f->gradient)
      nll = ad::value_and_gradient([&](const auto& y) { return model.nll(y); }, x, g);
    else
      nll = model.nll(x);
    if (!std::isfinite(nll)) {
      // Numerical trouble is reported, never printed as "-nan" with exit 0.
      std::string where;
      const auto rates = model.expected_rates(x);
      for (std::size_t c = 0; c < rates.size() && where.empty(); ++c)
        for (Eigen::Index b = 0; b < rates[c].size(); ++b)
          if (!(rates[c][b] > 0.0)) {
            where = "; the expected rate of channel '" + model.channels()[c].name + "' bin " + std::to_string(b) + " is " +
                    shortest_number(rates[c][b]) + " (it must be positive)";
            break;
          }
      std::cerr << "hessfit eval: error: the NLL is " << shortest_number(nll) << " at these parameter values" << where << "\n";
      return kExitNumerical;
    }
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
    std::cout << "nll        " << shortest_number(nll) << "\n";
    std::cout << "twice_nll  " << shortest_number(2.0 * nll) << "\n";
    if (f->gradient) {
      std::vector<std::array<std::string, 3>> rows{{"parameter", "value", "d nll / d value"}};
      for (std::size_t i = 0; i < model.size(); ++i)
        rows.push_back({model.parameter_names()[i], shortest_number(x[static_cast<Eigen::Index>(i)]),
                        shortest_number(g[static_cast<Eigen::Index>(i)])});
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
