// The shared HistFactory data (../shared/data/histfactory/<name>/): where it is, which
// workspaces it has, and its reference.json files as written by Python. Needs nlohmann_json
// (brought by hessfit::likelihood).
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace hessfit::testing {

inline std::filesystem::path histfactory_dir() { return std::filesystem::path(HESSFIT_SHARED_DATA_DIR) / "histfactory"; }

/// Names of the workspace folders that have a reference.json, sorted (none if the data is missing).
inline std::vector<std::string> reference_workspaces() {
  std::vector<std::string> names;
  if (!std::filesystem::is_directory(histfactory_dir())) return names;
  for (const auto& entry : std::filesystem::directory_iterator(histfactory_dir()))
    if (std::filesystem::exists(entry.path() / "reference.json")) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

/// Every workspace file (workspace.json, BkgOnly.json) under the shared data, sorted.
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

/// The reference files are written by Python's json module, which writes NaN and Infinity for
/// non-finite numbers; JSON has no such literals, so they become null here.
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

}  // namespace hessfit::testing
