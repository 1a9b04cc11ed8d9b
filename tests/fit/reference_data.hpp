// The shared HistFactory references (../shared/data/histfactory/*/reference.json, located and
// read by hessfit/testing/shared_data.hpp) and the adapter that turns a
// hessfit::likelihood::Model into a hessfit::fit::Objective — a lambda in the caller, since fit/
// knows objectives, not HistFactory.
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "hessfit/fit/objective.hpp"
#include "hessfit/likelihood.hpp"
#include "hessfit/testing/shared_data.hpp"

namespace hessfit::fit::testing {

using hessfit::testing::histfactory_dir;
using hessfit::testing::read_python_json;
using hessfit::testing::reference_workspaces;

/// The HistFactory model as a fit objective: names, inits, bounds and fixed flags from the model,
/// the NLL through the generic-callable path. `model` must outlive the objective.
inline Objective histfactory_objective(const likelihood::Model& model) {
  auto nll = [&model](const auto& x) { return model.nll(x); };
  std::vector<Bounds> bounds;
  for (const auto& b : model.bounds()) bounds.push_back({b.lower, b.upper});
  Objective objective =
      Objective::from_callable(nll, model.parameter_names(), model.init(), bounds, kErrorDefNll);
  for (std::size_t i = 0; i < model.size(); ++i) {
    if (model.fixed()[i]) objective.fix(static_cast<int>(i));
  }
  return objective;
}

struct ReferenceCase {
  std::string name;
  nlohmann::json reference;
  std::unique_ptr<likelihood::Model> model;
};

inline ReferenceCase load_reference_case(const std::string& name) {
  ReferenceCase c;
  c.name = name;
  c.reference = read_python_json(histfactory_dir() / name / "reference.json");
  c.model = std::make_unique<likelihood::Model>(
      likelihood::Workspace::load(histfactory_dir() / name / "workspace.json").model());
  return c;
}

}  // namespace hessfit::fit::testing
