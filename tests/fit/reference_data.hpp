// The shared HistFactory references (../shared/data/histfactory/*/reference.json) and the
// adapter that turns a hessfit::likelihood::Model into a hessfit::fit::Objective — a lambda in the
// caller, since fit/ knows objectives, not HistFactory.
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "hessfit/fit/objective.hpp"
#include "hessfit/likelihood.hpp"

namespace hessfit::fit::testing {

inline std::filesystem::path histfactory_dir() {
  return std::filesystem::path(HESSFIT_SHARED_DATA_DIR) / "histfactory";
}

/// Workspace folders that carry a reference.json, sorted.
inline std::vector<std::string> reference_workspaces() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(histfactory_dir())) {
    if (std::filesystem::exists(entry.path() / "reference.json")) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

/// Python's json writes NaN / Infinity, which JSON lacks: they are read as null.
inline nlohmann::json read_python_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string clean;
  clean.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      clean += c;
      if (c == '\\' && i + 1 < text.size()) {
        clean += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (text.compare(i, 3, "NaN") == 0) {
      clean += "null";
      i += 2;
    } else if (text.compare(i, 9, "-Infinity") == 0) {
      clean += "null";
      i += 8;
    } else if (text.compare(i, 8, "Infinity") == 0) {
      clean += "null";
      i += 7;
    } else {
      clean += c;
    }
  }
  return nlohmann::json::parse(clean);
}

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
