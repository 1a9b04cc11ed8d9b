// Test helpers: the shared real workspaces and their reference files, loaded once per test binary
// (located and read by hessfit/testing/shared_data.hpp).
#pragma once

#include <Eigen/Core>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/likelihood.hpp"
#include "hessfit/testing/shared_data.hpp"

namespace hessfit::likelihood::testing {

using hessfit::testing::all_workspace_files;
using hessfit::testing::histfactory_dir;
using hessfit::testing::read_python_json;
using hessfit::testing::reference_workspaces;

struct Reference {
  nlohmann::json json;
};

inline const Reference& reference(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Reference>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<Reference>(Reference{read_python_json(histfactory_dir() / name / "reference.json")});
  return *slot;
}

inline const Model& reference_model(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Model>> cache;
  std::lock_guard lock(mutex);
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<Model>(Workspace::load(histfactory_dir() / name / "workspace.json").model());
  return *slot;
}

inline Eigen::VectorXd to_vector(const nlohmann::json& values) {
  const auto v = values.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace hessfit::likelihood::testing
