// Test helpers: the shared real workspaces and their reference files, loaded once per test binary.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/likelihood.hpp"

namespace hessfit::likelihood::testing {

inline std::filesystem::path histfactory_dir() { return std::filesystem::path(HESSFIT_SHARED_DATA_DIR) / "histfactory"; }

/// Names of the folders that have a reference.json.
inline std::vector<std::string> reference_workspaces() {
  std::vector<std::string> names;
  if (!std::filesystem::is_directory(histfactory_dir())) return names;  // reported by SharedData.IsPresent
  for (const auto& entry : std::filesystem::directory_iterator(histfactory_dir()))
    if (std::filesystem::exists(entry.path() / "reference.json")) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Every workspace file (workspace.json, BkgOnly.json) under the shared data.
inline std::vector<std::filesystem::path> all_workspace_files() {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(histfactory_dir())) return files;
  for (const auto& dir : std::filesystem::directory_iterator(histfactory_dir())) {
    if (!dir.is_directory()) continue;
    for (const char* name : {"workspace.json", "BkgOnly.json"})
      if (std::filesystem::exists(dir.path() / name)) files.push_back(dir.path() / name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

struct Reference {
  nlohmann::json json;
};

/// The reference files are written by Python's json module, which writes NaN and Infinity for
/// non-finite numbers; JSON has no such literals, so they become null here.
inline nlohmann::json read_python_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string clean;
  clean.reserve(text.size());
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      clean += c;
      if (c == '\\' && i + 1 < text.size()) clean += text[++i];
      else if (c == '"') in_string = false;
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
